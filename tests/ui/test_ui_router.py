"""The page's files: public, served from a fixed list with a strict CSP, vendored with their licences, complete."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lineage_api.app import create_app
from lineage_api.core.settings import AuthSettings, Settings
from lineage_api.store.embedded.store import EmbeddedStore
from lineage_api.ui.router import ASSETS, CYTOSCAPE_STYLE, STATIC

pytestmark = pytest.mark.embedded


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The app with API keys required (the page itself must still be public)."""
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.apply_schema()
    with TestClient(create_app(Settings(data_dir=tmp_path, auth=AuthSettings()), store=store)) as c:
        yield c
    store.close()


def test_the_page_is_public_with_a_strict_content_security_policy(client: TestClient) -> None:
    redirect = client.get("/ui", follow_redirects=False)
    assert redirect.status_code == 307 and redirect.headers["location"] == "ui/"
    page = client.get("/ui/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/ui/", headers={"if-none-match": page.headers["etag"]}).status_code == 304
    assert client.get("/api/v1/jobs").status_code == 401  # the data still needs a key


def test_every_file_the_page_loads_is_served(client: TestClient) -> None:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="(static/[^"]+)"', html)
    modules = [m for f in (STATIC / "js").glob("*.js") for m in re.findall(r"from '\./([a-z]+\.js)'", f.read_text())]
    assert {"static/app.css", "static/js/app.js", "static/vendor/cytoscape.min.js"} <= set(refs)
    for ref in [*refs, *(f"static/js/{m}" for m in modules)]:
        answer = client.get(f"/ui/{ref}")
        assert answer.status_code == 200, ref
    assert client.get("/ui/static/js/app.js").headers["content-type"] == "text/javascript; charset=utf-8"
    assert client.get("/ui/static/app.css").headers["content-type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    ["/ui/static/../router.py", "/ui/static/%2e%2e/router.py", "/ui/static/js/../../router.py", "/ui/static/nope.js"],
)
def test_nothing_outside_the_static_folder_is_served(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found", path


def test_vendored_libraries_carry_their_licences_and_stay_small() -> None:
    vendor = STATIC / "vendor"
    for name in ("cytoscape", "cytoscape-dagre", "dagre"):
        assert "Permission is hereby granted" in (vendor / f"LICENSE.{name}.txt").read_text(encoding="utf-8")
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    for js in vendor.glob("*.js"):
        assert hashlib.sha256(js.read_bytes()).hexdigest() in readme, f"{js.name} differs from the recorded copy"
    assert sum(p.stat().st_size for p in vendor.iterdir()) < 2_000_000
    assert all(not path.endswith(".map") for path in ASSETS)


def test_the_csp_allows_exactly_the_style_cytoscape_injects() -> None:
    source = (STATIC / "vendor" / "cytoscape.min.js").read_text(encoding="utf-8")
    assert 'u.textContent="."+s+" { position: relative; }"' in source
    css = ".__________cytoscape_container { position: relative; }"
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" == CYTOSCAPE_STYLE
