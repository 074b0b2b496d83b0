"""The durable local event log: raw events in arrival order, sequence numbers, a sha256 hash chain.

An event is in this log (committed with ``synchronous=FULL``, so fsync'd) before ingestion answers 2xx.
Appends from concurrent requests are grouped into one transaction by a writer thread (group commit).

Chain: ``contentHash = sha256(canonical event)``, ``hash = sha256(prevHash + contentHash)``, where the canonical
event is its JSON with sorted keys and no insignificant whitespace. Identical events (same contentHash) are
stored once: appending one again answers with the first one's sequence number.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lineage_api.core.times import now_iso

GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq          INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    body         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projection_failures (
    seq     INTEGER PRIMARY KEY,
    reason  TEXT NOT NULL,
    at      TEXT NOT NULL
);
"""


def canonical(event: Any) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(event: Any) -> str:
    return hashlib.sha256(canonical(event).encode("utf-8")).hexdigest()


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class Appended:
    seq: int
    duplicate: bool


@dataclass(frozen=True, slots=True)
class LogRecord:
    seq: int
    content_hash: str
    prev_hash: str
    hash: str
    received_at: str
    body: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    count: int
    first_break: int | None
    reason: str | None = None


_Item = tuple[str, str]  # (body text, content hash)


class EventLog:
    """Append-only, hash-chained, fsync'd event log in ``<data_dir>/events.sqlite``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        # Reads use their own connection so they never wait behind a commit's fsync.
        self._rdb = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._rlock = threading.Lock()
        self._queue: queue.Queue[tuple[list[_Item], Future[list[Appended]]] | None] = queue.Queue()
        self._appended = threading.Condition()
        self._writer = threading.Thread(target=self._write_loop, name="event-log-writer", daemon=True)
        self._writer.start()

    # -- writing -----------------------------------------------------------------------------------------------
    def append(self, items: Sequence[_Item]) -> Future[list[Appended]]:
        """Queue events for the next group commit; the future resolves once they are durable."""
        future: Future[list[Appended]] = Future()
        self._queue.put((list(items), future))
        return future

    def append_sync(self, items: Sequence[_Item]) -> list[Appended]:
        return self.append(items).result()

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < 256:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                group.append(nxt)
            try:
                results = self._commit([items for items, _ in group])
            except BaseException as exc:  # the requests fail; nothing was committed
                for _, future in group:
                    future.set_exception(exc)
                continue
            for (_, future), result in zip(group, results, strict=True):
                future.set_result(result)
            with self._appended:
                self._appended.notify_all()

    def _commit(self, groups: list[list[_Item]]) -> list[list[Appended]]:
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (row[0], row[1]) if row else (0, GENESIS)
                received = now_iso()
                out: list[list[Appended]] = []
                for items in groups:
                    results: list[Appended] = []
                    for body, digest in items:
                        existing = db.execute("SELECT seq FROM events WHERE content_hash = ?", (digest,)).fetchone()
                        if existing:
                            results.append(Appended(existing[0], True))
                            continue
                        seq += 1
                        current = chain_hash(prev, digest)
                        db.execute(
                            "INSERT INTO events (seq, content_hash, prev_hash, hash, received_at, body)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            (seq, digest, prev, current, received, body),
                        )
                        prev = current
                        results.append(Appended(seq, False))
                    out.append(results)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return out

    # -- reading -----------------------------------------------------------------------------------------------
    def read(self, *, after: int = 0, limit: int = 500) -> list[LogRecord]:
        with self._rlock:
            rows = self._rdb.execute(
                "SELECT seq, content_hash, prev_hash, hash, received_at, body FROM events"
                " WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            ).fetchall()
        return [LogRecord(*r) for r in rows]

    def iter_all(self, *, batch: int = 1000) -> Iterator[LogRecord]:
        after = 0
        while True:
            rows = self.read(after=after, limit=batch)
            if not rows:
                return
            yield from rows
            after = rows[-1].seq

    def last_seq(self) -> int:
        with self._rlock:
            row = self._rdb.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def wait_appended(self, after: int, timeout: float) -> None:
        with self._appended:
            if self.last_seq() <= after:
                self._appended.wait(timeout)

    # -- projection bookkeeping ------------------------------------------------------------------------------------
    def projected_seq(self) -> int:
        with self._rlock:
            row = self._rdb.execute("SELECT value FROM log_meta WHERE name = 'projected_seq'").fetchone()
        return int(row[0]) if row else 0

    def set_projected(self, seq: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO log_meta (name, value) VALUES ('projected_seq', ?)"
                " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (str(seq),),
            )

    def record_failure(self, seq: int, reason: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO projection_failures (seq, reason, at) VALUES (?, ?, ?)",
                (seq, reason[:2000], now_iso()),
            )

    def failures(self) -> list[tuple[int, str]]:
        with self._rlock:
            rows = self._rdb.execute("SELECT seq, reason FROM projection_failures ORDER BY seq").fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    # -- verification ------------------------------------------------------------------------------------------
    def verify(self) -> ChainCheck:
        """Recompute every hash from the stored bodies; report the first sequence number that breaks."""
        return verify_chain(self.iter_all())

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join(timeout=10)
        with self._lock, self._rlock:
            self._db.close()
            self._rdb.close()


def verify_chain(records: Iterator[LogRecord] | Sequence[LogRecord]) -> ChainCheck:
    prev, expected_seq, count = GENESIS, 1, 0
    for record in records:
        count += 1
        if record.seq != expected_seq:
            return ChainCheck(False, count, expected_seq, f"sequence {expected_seq} is missing")
        try:
            digest = content_hash(json.loads(record.body))
        except json.JSONDecodeError:
            return ChainCheck(False, count, record.seq, "stored body is not JSON")
        if digest != record.content_hash:
            return ChainCheck(False, count, record.seq, "event content does not match its hash")
        if record.prev_hash != prev or chain_hash(prev, digest) != record.hash:
            return ChainCheck(False, count, record.seq, "hash chain broken")
        prev = record.hash
        expected_seq += 1
    return ChainCheck(True, count, None)
