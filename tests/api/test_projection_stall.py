"""An event the store refuses halts projection exactly there; /health, the verify endpoint and ``lineage verify``
say "stalled at seq N: ..." until the store is fixed, and then every event is projected: none is passed over.

The fault is real, in the embedded store's own file: a trigger that refuses one dataset (as a store-level rule
that validation cannot know about would).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from graph_schema import NodeLabel
from lineage_api.cli import app
from lineage_api.core.settings import get_settings
from lineage_api.ingest.eventlog import EventLog
from lineage_api.store.embedded.store import EmbeddedStore
from tests.factories import api, dataset, run_event

pytestmark = pytest.mark.embedded

POISON = (
    "CREATE TRIGGER poison BEFORE INSERT ON nodes WHEN NEW.id LIKE 'dataset:%:poison' "
    "BEGIN SELECT RAISE(ABORT, 'this store refuses the poison dataset'); END"
)
runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedStore]:
    monkeypatch.setenv("LINEAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LINEAGE_STORE", "embedded")
    monkeypatch.delenv("LINEAGE_NEO4J__URI", raising=False)
    get_settings.cache_clear()
    graph = EmbeddedStore(tmp_path / "graph.sqlite")
    graph.apply_schema()
    yield graph
    graph.close()
    get_settings.cache_clear()


def _sql(path: Path, statement: str) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute(statement)
    finally:
        db.close()


def _health_when(client: TestClient, status: str, timeout_s: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        health: dict[str, Any] = client.get("/health").json()
        if health["status"] == status:
            return health
        assert time.monotonic() < deadline, f"/health never said {status!r}: {health}"
        time.sleep(0.05)


def test_a_poisoned_event_stalls_projection_until_the_store_is_fixed(store: EmbeddedStore, tmp_path: Path) -> None:
    _sql(store.path, POISON)
    events = [
        run_event(run_id="before-1"),
        run_event(run_id="before-2"),
        run_event(run_id="poisoned", outputs=[dataset("ns", "poison")]),
        run_event(run_id="after-1"),
    ]
    with api(store, tmp_path, ack_wait_ms=300) as client:
        answers = [client.post("/api/v1/lineage", json=e).status_code for e in events]
        batch = client.post("/api/v1/lineage/batch", json=[run_event(run_id="after-2"), run_event(run_id="after-3")])
        assert answers == [201, 201, 202, 202] and batch.json()["status"] == "success"
        health = _health_when(client, "stalled")
        verify = client.get("/api/v1/events/verify").json()
    assert health["ingest"] == {
        "logged": 6,
        "projected": 2,
        "lag": 4,
        "stalledAt": 3,
        "reason": "stalled at seq 3: IntegrityError (SQLITE_CONSTRAINT_TRIGGER)",
    }
    assert verify["ok"] is False and verify["firstBreak"] is None  # the log itself is fine
    assert verify["chains"][-1] == {
        "source": "projection",
        "ok": False,
        "count": 2,
        "firstBreak": 3,
        "reason": "stalled at seq 3: IntegrityError (SQLITE_CONSTRAINT_TRIGGER): this store refuses the poison dataset",
    }
    # Nothing at or after the poisoned event reached the graph; everything before it did.
    assert store.get_node("run:before-2") is not None
    assert [store.get_node(f"run:{r}") for r in ("poisoned", "after-1", "after-3")] == [None, None, None]

    stalled = runner.invoke(app, ["verify"])  # with the server stopped: the stall was recorded in the log
    assert stalled.exit_code == 1, stalled.output
    assert "projection: stalled at seq 3: IntegrityError" in stalled.output and '"ok": false' in stalled.output

    _sql(store.path, "DROP TRIGGER poison")  # the fix; a restart retries at once
    with api(store, tmp_path) as client:
        assert client.app.state.lineage.pipeline.drain(30)  # type: ignore[attr-defined]
        health = client.get("/health").json()
        verify = client.get("/api/v1/events/verify").json()
    assert health["status"] == "ok" and health["ingest"]["lag"] == 0 and health["ingest"]["stalledAt"] is None
    assert verify["ok"] is True and [c["source"] for c in verify["chains"]] == [
        "log",
        "merkle",
        "merkle:graph",
        f"graph:{get_settings().replica_id}",
    ]
    runs = ("before-1", "before-2", "poisoned", "after-1", "after-2", "after-3")
    assert all(store.get_node(f"run:{r}") is not None for r in runs)
    assert store.count(NodeLabel.EVENT) == 6
    fixed = runner.invoke(app, ["verify"])
    assert fixed.exit_code == 0, fixed.output


def test_events_an_older_version_passed_over_are_projected_again(store: EmbeddedStore, tmp_path: Path) -> None:
    _sql(store.path, POISON)
    with api(store, tmp_path, ack_wait_ms=300) as client:
        client.post("/api/v1/lineage", json=run_event(run_id="kept"))
        client.post("/api/v1/lineage", json=run_event(run_id="skipped", outputs=[dataset("ns", "poison")]))
        client.post("/api/v1/lineage", json=run_event(run_id="later"))
        _health_when(client, "stalled")
    # What an older version left behind: seq 2 recorded as failed, projection moved on past it.
    eventlog = EventLog(tmp_path / "events.sqlite")
    eventlog.advance_projection(3)
    eventlog.close()
    _sql(tmp_path / "events.sqlite", "INSERT INTO projection_failures VALUES (2, 'IntegrityError: refused', 'then')")
    _sql(store.path, "DROP TRIGGER poison")
    with api(store, tmp_path) as client:
        assert client.app.state.lineage.pipeline.drain(30)  # type: ignore[attr-defined]
    assert store.get_node("run:skipped") is not None
    eventlog = EventLog(tmp_path / "events.sqlite")
    try:
        assert eventlog.failures() == [] and eventlog.projected_seq() == 3
    finally:
        eventlog.close()
    later = store.get_node("run:later")
    assert later is not None and later.props["state"] == "COMPLETED"
