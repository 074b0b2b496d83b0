"""The durable local event log: raw events in arrival order, sequence numbers, a sha256 hash chain.

An event is in this log (committed with ``synchronous=FULL``, so fsync'd) before ingestion answers 2xx.
Appends from concurrent requests are grouped into one transaction by a writer thread (group commit).

Chain: ``contentHash = sha256(canonical event)``, ``hash = sha256(prevHash + entryHash)``, where the canonical
event is its JSON with sorted keys and no insignificant whitespace and ``entryHash`` binds the writer to it:
``sha256(contentHash + "\n" + canonical writer)`` (just ``contentHash`` for rows logged before writers were kept).
The chain hashes are also the leaves of an RFC 9162 Merkle tree kept beside the rows, with signed checkpoints of
its root (``lineage_api.ingest.merkle_table``, docs/merkle.md). Identical events (same contentHash) are stored
once: appending one again answers with the first one's sequence number. Ownership claims
(``lineage_api.ingest.registry``) are checked and recorded in the same transaction as the append, so two
concurrent writers can never both take the same id.
"""

from __future__ import annotations

import contextlib
import json
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path

from lineage_api.core.errors import LineageError
from lineage_api.core.times import now_iso
from lineage_api.ingest import merkle_table, registry
from lineage_api.ingest.authority import claims_of
from lineage_api.ingest.chain import (
    GENESIS,
    Appended,
    ChainCheck,
    LogItem,
    LogRecord,
    canonical,
    chain_hash,
    content_hash,
    entry_hash,
    verify_chain,
)
from lineage_api.ingest.parse import parse_event

__all__ = [
    "GENESIS",
    "Appended",
    "ChainCheck",
    "EventLog",
    "LogItem",
    "LogRecord",
    "canonical",
    "chain_hash",
    "content_hash",
    "entry_hash",
    "verify_chain",
]

_COLUMNS = "seq, content_hash, prev_hash, hash, received_at, body, writer_key, writer_role, writer_scope"
_WRITER_COLUMNS = ("writer_key", "writer_role", "writer_scope")

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


class EventLog:
    """Append-only, hash-chained, fsync'd event log in ``<data_dir>/events.sqlite``."""

    def __init__(self, path: Path, *, merkle: bool = True) -> None:
        from lineage_api.core.files import private_file

        self._merkle = merkle  # off only to measure what the tree costs (benchmarks/merkle.py)

        private_file(path)  # data dir 0700, the log 0600 (SQLite gives its -wal/-shm the same mode)
        self.path = path
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._migrate()
        self._lock = threading.Lock()
        # Reads use their own connection so they never wait behind a commit's fsync.
        self._rdb = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._rlock = threading.Lock()
        self._queue: queue.Queue[tuple[list[LogItem], Future[list[Appended]]] | None] = queue.Queue()
        self._appended = threading.Condition()
        self._writer = threading.Thread(target=self._write_loop, name="event-log-writer", daemon=True)
        self._writer.start()

    def _migrate(self) -> None:
        """Add the writer columns to a log created before writers were kept; catch the claims registry up."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(events)")}
        for column in _WRITER_COLUMNS:
            if column not in columns:
                self._db.execute(f"ALTER TABLE events ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
        registry.ensure_schema(self._db)
        self._db.executescript(merkle_table.SCHEMA)
        self._backfill_tree()
        done = registry.registered_seq(self._db)
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM events WHERE seq > ? ORDER BY seq", (done,)).fetchall()
        if rows:
            self._db.execute("BEGIN IMMEDIATE")
            for row in rows:
                record = LogRecord(*row)
                _rebuild_claims(self._db, record)
            registry.set_registered_seq(self._db, rows[-1][0])
            self._db.execute("COMMIT")

    def _backfill_tree(self) -> None:
        """Add the Merkle leaves of rows logged before the tree was kept (or by a run with it off)."""
        if not self._merkle:
            return
        have = merkle_table.size(self._db)
        rows = self._db.execute("SELECT hash FROM events WHERE seq > ? ORDER BY seq", (have,)).fetchall()
        if rows:
            self._db.execute("BEGIN IMMEDIATE")
            merkle_table.append_leaves(self._db, have, [merkle_table.log_leaf(r[0]) for r in rows])
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The read connection, held for a consistent look at the rows, tree and checkpoints."""
        with self._rlock:
            self._rdb.execute("BEGIN")
            try:
                yield self._rdb
            finally:
                self._rdb.execute("COMMIT")

    @contextlib.contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """The write connection, in one transaction (for the checkpoints)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- writing -----------------------------------------------------------------------------------------------
    def append(self, items: Sequence[LogItem]) -> Future[list[Appended]]:
        """Queue events for the next group commit; the future resolves once they are durable."""
        future: Future[list[Appended]] = Future()
        self._queue.put((list(items), future))
        return future

    def append_sync(self, items: Sequence[LogItem]) -> list[Appended]:
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

    def _commit(self, groups: list[list[LogItem]]) -> list[list[Appended]]:
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (row[0], row[1]) if row else (0, GENESIS)
                first, leaves = seq, list[bytes]()
                received = now_iso()
                out: list[list[Appended]] = []
                for items in groups:
                    results: list[Appended] = []
                    for item in items:
                        digest = item.content_hash
                        existing = db.execute("SELECT seq FROM events WHERE content_hash = ?", (digest,)).fetchone()
                        if existing:
                            results.append(Appended(existing[0], True))
                            continue
                        try:
                            registry.check(db, item.claims, item.writer)
                        except LineageError as refused:
                            results.append(Appended(0, False, refused))
                            continue
                        seq += 1
                        current = chain_hash(prev, entry_hash(digest, item.writer))
                        writer = item.writer
                        db.execute(
                            f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                seq,
                                digest,
                                prev,
                                current,
                                received,
                                item.body,
                                writer.key_id if writer else "",
                                writer.role if writer else "",
                                writer.scope_text() if writer else "",
                            ),
                        )
                        registry.record(db, seq, item.claims, item.writer)
                        prev = current
                        leaves.append(merkle_table.log_leaf(current))
                        results.append(Appended(seq, False))
                    out.append(results)
                registry.set_registered_seq(db, seq)
                if self._merkle and leaves:
                    merkle_table.append_leaves(db, first, leaves)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return out

    # -- reading -----------------------------------------------------------------------------------------------
    def read(self, *, after: int = 0, limit: int = 500) -> list[LogRecord]:
        with self._rlock:
            rows = self._rdb.execute(
                f"SELECT {_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
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

    def failures(self) -> list[tuple[int, str]]:
        """Events an older version recorded as failed and passed over (none are recorded any more)."""
        with self._rlock:
            rows = self._rdb.execute("SELECT seq, reason FROM projection_failures ORDER BY seq").fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def _write_meta(self, seq: int, stall: tuple[int, str, str] | None, *, clear_failures: bool = False) -> None:
        """In one transaction: the projected position, the projection stall (kept if still ahead, else removed)."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO log_meta (name, value) VALUES ('projected_seq', ?)"
                    " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    (str(seq),),
                )
                if stall is not None and stall[0] > seq:
                    value = json.dumps({"seq": stall[0], "summary": stall[1], "detail": stall[2], "at": now_iso()})
                    db.execute(
                        "INSERT INTO log_meta (name, value) VALUES ('projection_stall', ?)"
                        " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                        (value,),
                    )
                else:
                    db.execute("DELETE FROM log_meta WHERE name = 'projection_stall'")
                if clear_failures:
                    db.execute("DELETE FROM projection_failures")
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # a failed COMMIT may have rolled back already
                    db.execute("ROLLBACK")
                raise

    def advance_projection(self, seq: int) -> None:
        """Record that every event up to ``seq`` is in the graph (and any stall at or before it is over)."""
        self._write_meta(seq, self.projection_stall())

    def record_stall(self, seq: int, summary: str, detail: str) -> None:
        """Record that projection halts at ``seq`` (every event before it is in the graph): ``lineage verify``
        reports it, even with the server stopped, until the event is applied."""
        self._write_meta(seq - 1, (seq, summary, detail))

    def projection_stall(self) -> tuple[int, str, str] | None:
        """(seq, summary, detail) of the event projection halts at, or None when it does not halt."""
        with self._rlock:
            rows = dict(
                self._rdb.execute(
                    "SELECT name, value FROM log_meta WHERE name IN ('projection_stall', 'projected_seq')"
                ).fetchall()
            )
        if "projection_stall" not in rows:
            return None
        stall = json.loads(rows["projection_stall"])
        if int(stall["seq"]) <= int(rows.get("projected_seq", 0)):
            return None  # applied since (by a replay)
        return int(stall["seq"]), str(stall["summary"]), str(stall["detail"])

    def requeue_failures(self) -> list[int]:
        """Events an older version passed over: projection is rewound to just before the first of them (applying
        the events after it again is harmless: projection is idempotent) and the list is emptied; returns them."""
        skipped = [seq for seq, _ in self.failures()]
        if skipped:
            self._write_meta(min(self.projected_seq(), skipped[0] - 1), None, clear_failures=True)
        return skipped

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


def _rebuild_claims(db: sqlite3.Connection, record: LogRecord) -> None:
    """Record what an already logged event claims (catching the registry up with the log)."""
    try:
        event = parse_event(json.loads(record.body))
    except LineageError:
        return
    registry.record(db, record.seq, claims_of(event), record.writer)
