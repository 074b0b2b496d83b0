"""Shared fixtures: both graph stores, a real Neo4j server, isolation by wiping."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lineage_api.store.embedded.store import EmbeddedStore
from lineage_api.store.neo4j.store import Neo4jStore
from lineage_api.store.protocol import GraphStore

ROOT = Path(__file__).resolve().parent.parent
STORE_KINDS = ("embedded", "neo4j")


def _load_server_module() -> Any:
    spec = importlib.util.spec_from_file_location("neo4j_dev_server", ROOT / "tools" / "neo4j" / "server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["neo4j_dev_server"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """A real Neo4j: ``LINEAGE_NEO4J__URI`` when given, else a server started from the Maven jars."""
    given = os.environ.get("LINEAGE_NEO4J__URI")
    if given:
        yield given
        return
    try:
        server = _load_server_module().Neo4jServer()
        uri = server.start()
    except Exception as exc:  # pragma: no cover - only when Java/Maven are missing
        if os.environ.get("LINEAGE_TEST_REQUIRE_NEO4J") or os.environ.get("CI"):
            raise
        pytest.skip(f"neo4j: could not start a Neo4j server: {exc}")
    try:
        yield uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
def neo4j_store(neo4j_uri: str) -> Iterator[Neo4jStore]:
    store = Neo4jStore(neo4j_uri, user="neo4j", password="", database="neo4j")
    store.verify()
    store.apply_schema()
    yield store
    store.close()


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """Each contract test runs once per store, on an empty graph."""
    if request.param == "neo4j":
        neo: Neo4jStore = request.getfixturevalue("neo4j_store")
        neo.wipe()
        yield neo
        return
    embedded = EmbeddedStore(tmp_path / "graph.sqlite")
    embedded.apply_schema()
    yield embedded
    embedded.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        kind = callspec.params.get("store") if callspec else None
        if kind == "neo4j" or "neo4j" in item.fixturenames:
            item.add_marker(pytest.mark.neo4j)
        elif kind == "embedded":
            item.add_marker(pytest.mark.embedded)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One real Prefect server (test harness) per session: PREFECT_HOME in a temp dir, analytics and heartbeat off."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["PREFECT_LOGGING_TO_API_ENABLED"] = "false"
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        prefect_test_harness(server_startup_timeout=120),
    ):
        yield
