"""Hardening: insecure-dev stays on loopback however it is asked for, private data files, key input, who classified."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lineage_api.app import create_app
from lineage_api.auth.keys import MAX_PATTERN_CHARS, MAX_PATTERNS, KeyStore
from lineage_api.auth.roles import GRANTS, Permission, Role
from lineage_api.cli import app as cli_app
from lineage_api.cli import is_loopback
from lineage_api.core.errors import InvalidInput
from lineage_api.core.settings import AuthSettings, Settings, StoreKind, get_settings
from lineage_api.store.embedded.store import EmbeddedStore
from lineage_api.store.protocol import GraphStore
from tests.factories import DEV_AUTH, PATIENT, api, run_event
from tests.privacy_events import classified, step

runner = CliRunner()
LINEAGE = Path(sys.executable).with_name("lineage")
DATABASES = ("events.sqlite", "auth.sqlite", "access.sqlite", "graph.sqlite")
AdminClient = tuple[TestClient, dict[str, str], KeyStore]


# -- 1. insecure-dev only on loopback, whichever way it is switched on -------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], int]:
    """``lineage serve`` as a real process in ``tmp_path`` (its own ``.env``, data dir, embedded store)."""
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_")}
    clean |= {"LINEAGE_DATA_DIR": str(tmp_path / "data"), "LINEAGE_STORE": "embedded", **(env or {})}
    try:
        done = subprocess.run(
            [str(LINEAGE), "serve", "--port", str(port), *args],
            cwd=tmp_path,
            env=clean,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:  # it served: the refusal did not happen
        pytest.fail(f"lineage serve {' '.join(args)} started a server instead of refusing")
    return done, port


def _assert_refused(done: subprocess.CompletedProcess[str], port: int, tmp_path: Path, host: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error:") and "insecure-dev" in lines[0] and host in lines[0]
    assert "ai-lineage on" not in done.stdout
    assert not (tmp_path / "data" / "graph.sqlite").exists()  # refused before the store was even opened
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.integration
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_insecure_dev_from_the_environment_refuses_a_non_loopback_host(tmp_path: Path, host: str) -> None:
    done, port = _serve(tmp_path, "--host", host, env={"LINEAGE_AUTH__MODE": "insecure-dev"})
    _assert_refused(done, port, tmp_path, host)


@pytest.mark.integration
def test_insecure_dev_from_a_dotenv_file_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LINEAGE_AUTH__MODE=insecure-dev\n", encoding="utf-8")
    done, port = _serve(tmp_path, "--host", "0.0.0.0")
    _assert_refused(done, port, tmp_path, "0.0.0.0")


@pytest.mark.integration
def test_insecure_dev_flag_still_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    done, port = _serve(tmp_path, "--insecure-dev", "--host", "0.0.0.0")
    _assert_refused(done, port, tmp_path, "0.0.0.0")


def test_loopback_hosts() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "", "10.0.0.1", "example.org", "127.0.0.1.nip.io"))


# -- 2. the data directory 0700, every file in it 0600 ----------------------------------------------------------
@pytest.fixture
def umask_022() -> Iterator[None]:
    """The common default umask, under which files would be world-readable unless the service says otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def _running_app(data: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=data, store=StoreKind.EMBEDDED, auth=DEV_AUTH, ingest=PATIENT)
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/v1/lineage", json=run_event(run_id="r1", job=("etl", "j"))).status_code == 201
        assert client.get("/api/v1/trace", params={"nodeId": "run:r1"}).status_code == 200
        yield client


def _assert_private(data: Path) -> None:
    assert _mode(data) == 0o700
    for name in DATABASES:
        assert _mode(data / name) == 0o600, name
        # While the service runs, SQLite keeps each database's WAL and shared-memory files: same mode as the file.
        for side in ("-wal", "-shm"):
            assert _mode(data / f"{name}{side}") == 0o600, f"{name}{side}"
    for path in data.rglob("*"):
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_a_fresh_data_dir_and_everything_in_it_are_private(tmp_path: Path, umask_022: None) -> None:
    data = tmp_path / "fresh" / "data"
    with _running_app(data):
        _assert_private(data)


def test_wider_modes_left_by_an_older_version_are_tightened_on_open(tmp_path: Path, umask_022: None) -> None:
    data = tmp_path / "data"
    with _running_app(data):
        pass
    data.chmod(0o755)
    for path in data.iterdir():
        path.chmod(0o644)
    (data / "events.sqlite-wal").touch(mode=0o644)  # a stale WAL file SQLite will reuse
    assert _mode(data / "events.sqlite-wal") == 0o644
    with _running_app(data):
        _assert_private(data)


def test_the_cli_creates_the_key_store_private(
    tmp_path: Path, umask_022: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "cli-data"
    monkeypatch.setenv("LINEAGE_DATA_DIR", str(data))
    get_settings.cache_clear()
    try:
        assert runner.invoke(cli_app, ["keys", "create", "--role", "viewer"]).exit_code == 0
    finally:
        get_settings.cache_clear()
    assert _mode(data) == 0o700 and _mode(data / "auth.sqlite") == 0o600


# -- 3. API keys: namespace patterns, expiry, the approver role -------------------------------------------------
@pytest.fixture
def admin_client(tmp_path: Path, store: GraphStore) -> Iterator[AdminClient]:
    settings = Settings(data_dir=tmp_path, auth=AuthSettings(rate_per_minute=100_000, burst=100_000), ingest=PATIENT)
    keys = KeyStore(tmp_path / "auth.sqlite")
    admin = {"authorization": f"Bearer {keys.create(role=Role.ADMIN)[1]}"}
    with TestClient(create_app(settings, store=store)) as client:
        yield client, admin, keys
    keys.close()


@pytest.mark.parametrize(
    ("namespaces", "why"),
    [
        ([], "an explicit empty list does not mean every namespace"),
        ([""], "an empty pattern"),
        (["etl.*", "a\nb"], "a newline would split into two patterns when stored"),
        (["a\rb"], "carriage return"),
        (["a\tb"], "tab"),
        (["\x00"], "NUL"),
        (["a\x7fb"], "DEL"),
        (["a\x85b"], "a C1 control (next line)"),
        (["a\u2028b"], "a line separator"),
        (["x"] * (MAX_PATTERNS + 1), "too many patterns"),
        (["x" * (MAX_PATTERN_CHARS + 1)], "a pattern too long"),
    ],
)
def test_bad_namespace_patterns_are_refused(admin_client: AdminClient, namespaces: list[str], why: str) -> None:
    client, admin, keys = admin_client
    before = len(keys.list())
    answer = client.post("/api/v1/keys", json={"role": "producer", "namespaces": namespaces}, headers=admin)
    assert answer.status_code == 400, why
    assert answer.json()["error"]["field"].startswith("namespaces"), answer.json()
    assert len(keys.list()) == before
    with pytest.raises(InvalidInput):
        keys.create(role=Role.PRODUCER, namespaces=namespaces)


def test_namespace_patterns_at_the_limits_and_omitted(
    admin_client: AdminClient,
) -> None:
    client, admin, keys = admin_client
    most = [f"{i:03d}" + "x" * (MAX_PATTERN_CHARS - 3) for i in range(MAX_PATTERNS)]
    created = client.post("/api/v1/keys", json={"role": "producer", "namespaces": most}, headers=admin)
    assert created.status_code == 201 and created.json()["namespaces"] == most
    stored = [k for k in keys.list() if k.key_id == created.json()["keyId"]]
    assert list(stored[0].namespaces) == most
    omitted = client.post("/api/v1/keys", json={"role": "viewer"}, headers=admin)
    assert omitted.status_code == 201 and omitted.json()["namespaces"] == ["*"]


@pytest.mark.parametrize(
    "expires",
    [
        "2020-01-01T00:00:00Z",  # past
        "not a time",
        "",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
        "10000-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
    ],
)
def test_an_expiry_already_past_or_not_a_time_is_refused(admin_client: AdminClient, expires: str) -> None:
    client, admin, _ = admin_client
    answer = client.post("/api/v1/keys", json={"role": "viewer", "expiresAt": expires}, headers=admin)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["field"] == "expiresAt" and "expiresAt" in error["message"]


def test_a_future_expiry_is_kept_in_canonical_form(admin_client: AdminClient) -> None:
    client, admin, _ = admin_client
    answer = client.post(
        "/api/v1/keys", json={"role": "viewer", "expiresAt": "2999-01-01T01:00:00+01:00"}, headers=admin
    )
    assert answer.status_code == 201 and answer.json()["expiresAt"] == "2999-01-01T00:00:00.000000Z"
    assert answer.json()["state"] == "active"


def test_the_approver_role(admin_client: AdminClient) -> None:
    client, admin, _ = admin_client
    assert GRANTS[Role.APPROVER] == {Permission.PUBLIC, Permission.INGEST}
    created = client.post("/api/v1/keys", json={"role": "approver", "namespaces": ["governance"]}, headers=admin)
    assert created.status_code == 201 and created.json()["role"] == "approver"
    approver = {"authorization": f"Bearer {created.json()['key']}"}
    assert client.get("/api/v1/events", headers=approver).status_code == 403


@pytest.fixture
def cli_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("LINEAGE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LINEAGE_NEO4J__URI", raising=False)
    monkeypatch.setenv("LINEAGE_STORE", "embedded")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _stored_keys(data: Path) -> list[Any]:
    keys = KeyStore(data / "auth.sqlite")
    try:
        return keys.list()
    finally:
        keys.close()


def test_cli_keys_take_several_patterns_and_refuse_bad_input(cli_data: Path) -> None:
    several = ["keys", "create", "--role", "producer", "--namespace", "cbp-*", "--namespace", "s3://cbp-lake"]
    done = runner.invoke(cli_app, several)
    assert done.exit_code == 0, done.output
    assert [k.namespaces for k in _stored_keys(cli_data)] == [("cbp-*", "s3://cbp-lake")]
    approver = runner.invoke(cli_app, ["keys", "create", "--role", "approver", "--namespace", "governance"])
    assert approver.exit_code == 0, approver.output
    for bad in (["--namespace", "a\nb"], ["--namespace", ""], ["--expires", "2020-01-01"], ["--expires", "soon"]):
        refused = runner.invoke(cli_app, ["keys", "create", "--role", "producer", *bad])
        assert refused.exit_code == 2, (bad, refused.output)
    assert "expiresAt" in refused.output
    assert {k.role for k in _stored_keys(cli_data)} == {Role.PRODUCER, Role.APPROVER}


# -- 5. a classification is made by the calling key, not by what the client says --------------------------------
def _classification_sources(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    events = client.get("/api/v1/events", headers=headers).json()["events"]
    tags = events[-1]["event"]["dataset"]["facets"]["tags"]["tags"]
    return {t["field"]: t["source"] for t in tags if t.get("key") == "classification" and "source" in t}


def test_a_classification_is_recorded_as_made_by_the_calling_key(
    admin_client: AdminClient,
) -> None:
    client, admin, keys = admin_client
    seed = step("s0", [], classified("people", {"ssn": None, "city": None}), time="2026-01-01T00:00:00Z")
    assert client.post("/api/v1/lineage", json=seed, headers=admin).status_code == 201
    officer_key, token = keys.create(role=Role.PRIVACY_OFFICER)
    officer = {"authorization": f"Bearer {token}"}
    body: dict[str, Any] = {"dataset": "dataset:warehouse:people", "fields": {"ssn": "pii.ssn"}}
    spoofed = client.post("/api/v1/privacy/classifications", json={**body, "by": "user:someone-else"}, headers=officer)
    assert spoofed.status_code == 400 and spoofed.json()["error"]["field"] == "by"
    done = client.post("/api/v1/privacy/classifications", json=body, headers=officer)
    assert done.status_code == 201, done.text
    assert _classification_sources(client, officer) == {"ssn": f"key:{officer_key.key_id}"}


def test_insecure_dev_classifications_are_made_by_key_insecure_dev(store: GraphStore, tmp_path: Path) -> None:
    seed = step("s0", [], classified("people", {"ssn": None}), time="2026-01-01T00:00:00Z")
    with api(store, tmp_path) as client:
        assert client.post("/api/v1/lineage", json=seed).status_code == 201
        body = {"dataset": "dataset:warehouse:people", "fields": {"ssn": "pii.ssn"}}
        assert client.post("/api/v1/privacy/classifications", json=body).status_code == 201
        assert _classification_sources(client, {}) == {"ssn": "key:insecure-dev"}


def test_cli_classifications_are_made_by_key_cli_and_take_no_by(cli_data: Path) -> None:
    store = EmbeddedStore(cli_data / "graph.sqlite")
    seed = step("s0", [], classified("people", {"city": None}), time="2026-01-01T00:00:00Z")
    try:
        with api(store, cli_data) as client:
            assert client.post("/api/v1/lineage", json=seed).status_code == 201
        spoofed = runner.invoke(cli_app, ["classify", "dataset:warehouse:people", "city=pii.address", "--by", "x"])
        assert spoofed.exit_code == 2
        done = runner.invoke(cli_app, ["classify", "dataset:warehouse:people", "city=pii.address"])
        assert done.exit_code == 0, done.output
        with api(store, cli_data) as client:
            assert _classification_sources(client, {}) == {"city": "key:cli"}
    finally:
        store.close()
