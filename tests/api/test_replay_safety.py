"""A replay that cannot finish leaves the graph as it was and says which event and why (both stores, and the CLI).

The failing event is a real one: logged (hash chain intact) but not something the projection can read, as an
event accepted by an older version could be.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lineage_api.cli import app
from lineage_api.core.errors import ReplayFailed
from lineage_api.core.settings import get_settings
from lineage_api.ingest.eventlog import EventLog, LogItem, content_hash
from lineage_api.ingest.replay import replay, replay_file
from lineage_api.store.embedded.store import EmbeddedStore
from lineage_api.store.protocol import GraphStore
from tests.factories import api, dataset, run_event, snapshot

runner = CliRunner()
UNREADABLE = {"producer": "https://example.org/older-version", "note": "neither a run, a job nor a dataset"}


def _events(n: int) -> list[dict[str, Any]]:
    return [run_event(run_id=f"r{i}", outputs=[dataset("ns", f"d{i}")]) for i in range(n)]


def _ingest(store: GraphStore, data_dir: Path, events: list[dict[str, Any]]) -> None:
    with api(store, data_dir) as client:
        for event in events:
            assert client.post("/api/v1/lineage", json=event).status_code == 201


def _log_raw(data_dir: Path, events: list[dict[str, Any]]) -> None:
    """Append straight to the log, past validation (as an older version's log may hold)."""
    eventlog = EventLog(data_dir / "events.sqlite")
    try:
        eventlog.append_sync([LogItem(json.dumps(e), content_hash(e)) for e in events])
    finally:
        eventlog.close()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("LINEAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LINEAGE_STORE", "embedded")
    monkeypatch.delenv("LINEAGE_NEO4J__URI", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_a_replay_that_fails_leaves_the_graph_untouched(store: GraphStore, tmp_path: Path) -> None:
    _ingest(store, tmp_path, _events(3))
    _log_raw(tmp_path, [UNREADABLE, run_event(run_id="r-after")])
    before = snapshot(store)
    eventlog = EventLog(tmp_path / "events.sqlite")
    try:
        with pytest.raises(ReplayFailed) as failed:
            replay(store=store, eventlog=eventlog, replica="r1")
        projected = eventlog.projected_seq()
    finally:
        eventlog.close()
    assert failed.value.seq == 4 and failed.value.untouched
    assert "checking: event 4 cannot be applied: InvalidInput" in failed.value.message
    assert snapshot(store) == before and store.get_node("run:r2") is not None
    assert projected == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".replay-")]


def test_cli_replay_swaps_a_new_file_in_only_on_success(cli_env: Path) -> None:
    graph = cli_env / "graph.sqlite"
    store = EmbeddedStore(graph)
    store.apply_schema()
    _ingest(store, cli_env, _events(3))
    before = snapshot(store)
    store.close()
    inode = graph.stat().st_ino

    replayed = runner.invoke(app, ["replay"])
    assert replayed.exit_code == 0 and "replayed 3 events" in replayed.output, replayed.output
    assert graph.stat().st_ino != inode  # a new file, swapped in
    assert sorted(p.name for p in cli_env.iterdir() if p.name.startswith("graph")) == ["graph.sqlite"]
    _log_raw(cli_env, [run_event(run_id="r-fine"), UNREADABLE])
    inode = graph.stat().st_ino

    failed = runner.invoke(app, ["replay"])
    assert failed.exit_code == 1, failed.output
    assert "graph left as it was" in failed.output and "event 5 cannot be applied: InvalidInput" in failed.output
    assert graph.stat().st_ino == inode and not graph.with_name("graph.sqlite.replay").exists()
    store = EmbeddedStore(graph)
    try:
        assert snapshot(store) == before and store.get_node("run:r-fine") is None
    finally:
        store.close()


def test_replay_refuses_a_log_whose_chain_does_not_verify(cli_env: Path) -> None:
    store = EmbeddedStore(cli_env / "graph.sqlite")
    store.apply_schema()
    _ingest(store, cli_env, _events(3))
    before = snapshot(store)
    store.close()
    db = sqlite3.connect(cli_env / "events.sqlite")
    db.execute("UPDATE events SET body = replace(body, '\"r1\"', '\"rX\"') WHERE seq = 2")
    db.commit()
    db.close()
    refused = runner.invoke(app, ["replay"])
    assert refused.exit_code == 1, refused.output
    assert "hash chain does not verify at seq 2" in refused.output
    store = EmbeddedStore(cli_env / "graph.sqlite")
    try:
        assert snapshot(store) == before
    finally:
        store.close()


def test_replay_refuses_a_graph_file_in_use(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "graph.sqlite")  # as a running server holds it
    store.apply_schema()
    _ingest(store, tmp_path, _events(2))
    eventlog = EventLog(tmp_path / "events.sqlite")
    try:
        with pytest.raises(ReplayFailed, match="in use"):
            replay_file(path=store.path, eventlog=eventlog, replica="r1")
        assert store.get_node("run:r1") is not None
    finally:
        eventlog.close()
        store.close()


def _checkpoint_sizes(store: GraphStore) -> list[int]:
    from graph_schema import NodeLabel

    return sorted(int(n.props["size"]) for n in store.find_nodes(NodeLabel.CHECKPOINT, limit=100))


def test_replay_keeps_the_signed_checkpoints_and_refuses_a_log_they_no_longer_vouch_for(
    store: GraphStore, tmp_path: Path
) -> None:
    with api(store, tmp_path, checkpoint_every=5) as client:
        for event in _events(12):
            assert client.post("/api/v1/lineage", json=event).status_code == 201
    signed = _checkpoint_sizes(store)
    assert signed and max(signed) == 12
    eventlog = EventLog(tmp_path / "events.sqlite")
    try:
        assert replay(store=store, eventlog=eventlog, replica="r1") == 12
    finally:
        eventlog.close()
    assert _checkpoint_sizes(store) == signed  # the rebuilt graph holds them again
    before = snapshot(store)
    db = sqlite3.connect(tmp_path / "events.sqlite")
    db.execute("DELETE FROM events WHERE seq > 8")  # the log's tail cut
    db.commit()
    db.close()
    eventlog = EventLog(tmp_path / "events.sqlite")
    try:
        with pytest.raises(ReplayFailed, match="does not verify against its checkpoints") as failed:
            replay(store=store, eventlog=eventlog, replica="r1")
    finally:
        eventlog.close()
    assert failed.value.seq == 9 and failed.value.untouched
    assert snapshot(store) == before and _checkpoint_sizes(store) == signed
