"""The event log: durability order, dedup, and chain verification."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from lineage_api.core.writer import Writer
from lineage_api.ingest.eventlog import EventLog, LogItem, content_hash

WRITER = Writer("k1", "producer", ("etl.*",))


def _item(i: int, writer: Writer | None = None) -> LogItem:
    event = {"eventTime": "2026-01-01T00:00:00Z", "i": i}
    return LogItem(json.dumps(event), content_hash(event), writer)


def test_concurrent_appends_get_distinct_sequences_and_a_valid_chain(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.sqlite")
    seqs: list[int] = []
    lock = threading.Lock()

    def worker(start: int) -> None:
        for i in range(start, start + 50):
            got = log.append_sync([_item(i)])[0].seq
            with lock:
                seqs.append(got)

    threads = [threading.Thread(target=worker, args=(n * 1000,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seqs) == list(range(1, 401))
    check = log.verify()
    assert check.ok and check.count == 400
    log.close()


def test_duplicates_are_stored_once_and_deletions_are_detected(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.sqlite")
    first = log.append_sync([_item(1), _item(2), _item(1)])
    assert [(a.seq, a.duplicate) for a in first] == [(1, False), (2, False), (1, True)]
    log.append_sync([_item(3)])
    log.close()
    db = sqlite3.connect(tmp_path / "events.sqlite")
    db.execute("DELETE FROM events WHERE seq = 2")
    db.commit()
    db.close()
    reopened = EventLog(tmp_path / "events.sqlite")
    check = reopened.verify()
    assert not check.ok and check.first_break == 2
    reopened.close()


def test_log_survives_reopen(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.sqlite")
    log.append_sync([_item(i) for i in range(10)])
    log.close()
    again = EventLog(tmp_path / "events.sqlite")
    assert again.last_seq() == 10
    assert [json.loads(r.body)["i"] for r in again.read(after=7)] == [7, 8, 9]
    again.close()


def test_the_writer_is_bound_into_the_chain(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.sqlite")
    log.append_sync([_item(1, WRITER), _item(2), _item(3, WRITER)])
    records = log.read()
    assert [r.writer for r in records] == [WRITER, None, WRITER]
    assert log.verify().ok
    db = sqlite3.connect(tmp_path / "events.sqlite")
    db.execute("UPDATE events SET writer_key = 'someone-else' WHERE seq = 3")
    db.commit()
    db.close()
    check = log.verify()
    assert not check.ok and check.first_break == 3
    log.close()


def test_a_log_written_before_writers_were_kept_opens_and_verifies(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, content_hash TEXT NOT NULL UNIQUE, prev_hash TEXT NOT NULL,"
        " hash TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL);"
        "CREATE TABLE log_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
    )
    from lineage_api.ingest.eventlog import GENESIS, chain_hash

    event = {
        "eventTime": "2026-01-01T00:00:00Z",
        "run": {"runId": "r-old", "facets": {}},
        "job": {"namespace": "cbp", "name": "score"},
    }
    digest = content_hash(event)
    db.execute(
        "INSERT INTO events VALUES (1, ?, ?, ?, '2026-01-01T00:00:00Z', ?)",
        (digest, GENESIS, chain_hash(GENESIS, digest), json.dumps(event)),
    )
    db.commit()
    db.close()
    log = EventLog(path)
    assert log.verify().ok
    # The registry was caught up: the old run is bound to its job.
    from lineage_api.ingest import registry

    found = registry.owner(log._db, "run:r-old")
    assert found is not None and found.target == "job:cbp:score"
    log.close()
