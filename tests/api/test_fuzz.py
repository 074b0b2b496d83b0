"""Fuzzing the whole OpenAPI surface with schemathesis, with a valid admin key: no 5xx, one error shape."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
import uvicorn

from lineage_api.app import create_app
from lineage_api.auth.keys import KeyStore
from lineage_api.auth.roles import Role
from lineage_api.core.settings import AuthSettings, Settings
from lineage_api.demo import free_port
from lineage_api.store.embedded.store import EmbeddedStore
from tests import governance_events as g
from tests.factories import PATIENT

schema = schemathesis.openapi.from_dict(create_app().openapi())


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    data: Path = tmp_path_factory.mktemp("fuzz")
    settings = Settings(data_dir=data, auth=AuthSettings(rate_per_minute=1_000_000, burst=1_000_000), ingest=PATIENT)
    keys = KeyStore(data / "auth.sqlite")
    token = keys.create(role=Role.ADMIN, label="fuzz")[1]
    keys.close()
    store = EmbeddedStore(data / "graph.sqlite")
    port = free_port("127.0.0.1")
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, store=store), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    import httpx

    for event in [
        g.training("t", model_name="m", version="1", inputs=[], time="2026-01-01T00:00:00Z"),
        g.inference("i", model_name="m", version="1", outputs=["o"], time="2026-01-02T00:00:00Z"),
    ]:
        assert httpx.post(f"{url}/api/v1/lineage", json=event, headers=headers).status_code == 201
    yield url, headers
    server.should_exit = True
    thread.join(10)
    store.close()


@schema.parametrize()
@hypothesis.settings(
    max_examples=int(os.environ.get("LINEAGE_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_no_server_errors_and_one_error_shape(case: Any, live: tuple[str, dict[str, str]]) -> None:
    url, headers = live
    response = case.call(base_url=url, headers=headers)
    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.text[:300])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"], response.text[:300]
