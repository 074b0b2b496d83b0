"""The event log: durability order, dedup, and chain verification."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from lineage_api.ingest.eventlog import EventLog, content_hash


def _item(i: int) -> tuple[str, str]:
    event = {"eventTime": "2026-01-01T00:00:00Z", "i": i}
    return json.dumps(event), content_hash(event)


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
