"""What a projection failure means: real store and disk errors are transient, anything else halts at the exact
event (the events before it applied)."""

from __future__ import annotations

import errno
import json
import sqlite3
from pathlib import Path

import neo4j.exceptions
import pytest

from graph_schema import NodeLabel
from lineage_api.core.errors import InvalidInput, StoreUnavailable
from lineage_api.ingest.eventlog import EventLog, LogItem, content_hash
from lineage_api.ingest.projector import Halt, apply_in_order, detail, is_transient, summary
from lineage_api.store.embedded.store import EmbeddedStore
from tests.factories import dataset, run_event


def _error(db: sqlite3.Connection, sql: str) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as caught:
        db.execute(sql)
    return caught.value


@pytest.fixture
def db(tmp_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / "g.sqlite", isolation_level=None)
    conn.execute("CREATE TABLE t (x TEXT)")
    return conn


def test_a_full_database_is_transient(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA max_page_count = 3")  # what a full disk looks like to SQLite
    full = _error(db, "INSERT INTO t SELECT hex(randomblob(2000)) FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3)")
    assert is_transient(full) and summary(full) == "OperationalError (SQLITE_FULL)"
    assert detail(full) == "OperationalError (SQLITE_FULL): database or disk is full"


def test_a_locked_or_read_only_database_is_transient(db: sqlite3.Connection, tmp_path: Path) -> None:
    db.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(tmp_path / "g.sqlite", timeout=0, isolation_level=None)
    locked = _error(other, "INSERT INTO t VALUES ('x')")
    db.execute("ROLLBACK")
    read_only = sqlite3.connect(f"file:{tmp_path / 'g.sqlite'}?mode=ro", uri=True, isolation_level=None)
    refused = _error(read_only, "INSERT INTO t VALUES ('x')")
    assert is_transient(locked) and "SQLITE_BUSY" in summary(locked)
    assert is_transient(refused) and "SQLITE_READONLY" in summary(refused)


def test_store_and_disk_errors_are_transient() -> None:
    assert is_transient(StoreUnavailable("the Neo4j store is not reachable"))
    assert is_transient(neo4j.exceptions.ServiceUnavailable("gone"))
    assert is_transient(ConnectionResetError(errno.ECONNRESET, "reset"))
    too_big = OSError(errno.EFBIG, "File too large")
    assert is_transient(too_big) and summary(too_big) == "OSError (EFBIG)"


def test_an_event_the_store_refuses_or_a_bug_halts(db: sqlite3.Connection) -> None:
    db.execute("CREATE TRIGGER no BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, 'refused'); END")
    refused = _error(db, "INSERT INTO t VALUES ('x')")
    missing = _error(db, "SELECT * FROM nowhere")
    for exc in (refused, missing, InvalidInput("not an OpenLineage event"), KeyError("runId"), TypeError("bad")):
        assert not is_transient(exc), exc
    halt = Halt.of(7, refused)
    assert halt.public == "stalled at seq 7: IntegrityError (SQLITE_CONSTRAINT_TRIGGER)"
    assert halt.full == "stalled at seq 7: IntegrityError (SQLITE_CONSTRAINT_TRIGGER): refused"


def test_a_batch_that_fails_is_applied_up_to_the_exact_event_that_cannot_be(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.apply_schema()
    store_db = sqlite3.connect(tmp_path / "graph.sqlite", isolation_level=None)
    store_db.execute(
        "CREATE TRIGGER poison BEFORE INSERT ON nodes WHEN NEW.id = 'dataset:ns:poison' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    store_db.close()
    events = [run_event(run_id=f"r{i}", outputs=[dataset("ns", "poison" if i == 23 else f"d{i}")]) for i in range(40)]
    eventlog = EventLog(tmp_path / "events.sqlite")
    try:
        eventlog.append_sync([LogItem(json.dumps(e), content_hash(e)) for e in events])
        records = eventlog.read(after=0, limit=100)
    finally:
        eventlog.close()
    advanced: list[int] = []
    try:
        halt = apply_in_order(store, "r1", records, advance=advanced.append)
        applied = {int(n.props["seq"]) for n in store.find_nodes(NodeLabel.EVENT, limit=100)}
    finally:
        store.close()
    assert halt is not None and halt.seq == 24 and halt.summary == "IntegrityError (SQLITE_CONSTRAINT_TRIGGER)"
    assert applied == set(range(1, 24)) and advanced == sorted(advanced) and advanced[-1] == 23


class _SmallTransactions:
    """A real embedded store that runs out of memory for transactions above ``limit`` nodes (as Neo4j does)."""

    def __init__(self, store: EmbeddedStore, limit: int) -> None:
        self.store, self.limit, self.sizes = store, limit, []  # type: list[int]

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def apply(self, batch: object) -> None:
        size = len(batch.nodes)  # type: ignore[attr-defined]
        self.sizes.append(size)
        if size > self.limit:
            error = sqlite3.OperationalError("out of memory")
            error.sqlite_errorname = "SQLITE_NOMEM"  # type: ignore[attr-defined]
            raise error
        self.store.apply(batch)  # type: ignore[arg-type]


def test_a_batch_too_big_for_the_store_is_split_not_retried_forever(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.apply_schema()
    events = [run_event(run_id=f"r{i}", outputs=[dataset("ns", f"d{i}")]) for i in range(40)]
    eventlog = EventLog(tmp_path / "events.sqlite")
    try:
        eventlog.append_sync([LogItem(json.dumps(e), content_hash(e)) for e in events])
        records = eventlog.read(after=0, limit=100)
    finally:
        eventlog.close()
    small = _SmallTransactions(store, limit=60)
    advanced: list[int] = []
    try:
        halt = apply_in_order(small, "r1", records, advance=advanced.append)  # type: ignore[arg-type]
        applied = {int(n.props["seq"]) for n in store.find_nodes(NodeLabel.EVENT, limit=100)}
    finally:
        store.close()
    assert halt is None and applied == set(range(1, 41)) and advanced[-1] == 40
    assert small.sizes[0] > 60 and max(small.sizes[1:]) > 0
