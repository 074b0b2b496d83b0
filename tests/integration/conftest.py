"""Fixtures that start real ``lineage serve`` processes (and, for fault tests, Neo4j servers of their own)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.lineage_server import LineageServer, load_neo4j_server_module

SERVER_STORES = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]

StartServer = Callable[..., LineageServer]


class ServerPool:
    """Starts servers on demand and stops every one of them at the end."""

    def __init__(self, request: pytest.FixtureRequest, base: Path) -> None:
        self.request, self.base = request, base
        self.started: list[LineageServer] = []

    def start(self, store: str = "embedded", *, data_dir: Path | None = None, **kwargs: Any) -> LineageServer:
        if store == "neo4j" and "neo4j_uri" not in kwargs:
            kwargs["neo4j_uri"] = self.request.getfixturevalue("neo4j_uri")
        server = LineageServer(data_dir or self.base / f"server-{len(self.started)}", **kwargs)
        self.started.append(server)
        return server.start()

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()


@pytest.fixture
def start_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StartServer]:
    """``start_server("embedded" | "neo4j", **LineageServer kwargs)``: a running server, stopped after the test."""
    pool = ServerPool(request, tmp_path)
    yield pool.start
    pool.stop_all()


@pytest.fixture(scope="module", params=SERVER_STORES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LineageServer]:
    """One running server per store for a whole module (tests keep apart by unique run ids)."""
    pool = ServerPool(request, tmp_path_factory.mktemp(f"served-{request.param}"))
    yield pool.start(request.param)
    pool.stop_all()


@pytest.fixture
def own_neo4j(tmp_path: Path) -> Iterator[Any]:
    """A Neo4j server of this test alone (not the shared one), in ``tmp_path/neo4j``: it may be stopped and
    started again on the same home and port with ``stop(remove_home=False)`` / ``start()``."""
    module = load_neo4j_server_module()
    server = module.Neo4jServer(home=tmp_path / "neo4j")
    try:
        server.start()
    except Exception as exc:  # pragma: no cover - only when Java/Maven are missing
        if os.environ.get("LINEAGE_TEST_REQUIRE_NEO4J") or os.environ.get("CI"):
            raise
        pytest.skip(f"neo4j: could not start a Neo4j server: {exc}")
    try:
        yield server
    finally:
        server.stop(remove_home=False)
        shutil.rmtree(tmp_path / "neo4j", ignore_errors=True)  # hundreds of MB; pytest keeps its last 3 tmp dirs
