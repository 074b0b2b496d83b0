"""The access log: every trace, impact, privacy and findings query, append-only and hash-chained.

Each entry records who asked (key id, role), what (method, path, query), when, the status and how many nodes the
answer held. ``hash = sha256(prevHash + sha256(canonical entry))``, as in the event log, so an edited, removed or
reordered entry is detected by ``verify``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from lineage_api.core.files import private_file
from lineage_api.core.times import now_iso
from lineage_api.ingest.eventlog import GENESIS, ChainCheck, chain_hash, content_hash

_SCHEMA = """
CREATE TABLE IF NOT EXISTS access_log (
    seq          INTEGER PRIMARY KEY,
    entry        TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Access:
    at: str
    keyId: str
    role: str
    method: str
    path: str
    query: str
    status: int
    nodes: int | None


@dataclass(frozen=True, slots=True)
class AccessRecord:
    seq: int
    entry: Access
    prev_hash: str
    hash: str


class AccessLog:
    """Append-only, hash-chained access log in ``<data_dir>/access.sqlite``."""

    def __init__(self, path: Path) -> None:
        private_file(path)  # data dir 0700, the database 0600 (its -wal/-shm follow)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def append(
        self, *, key_id: str, role: str, method: str, path: str, query: str, status: int, nodes: int | None
    ) -> int:
        entry = Access(now_iso(), key_id, role, method, path, query, status, nodes)
        body = asdict(entry)
        digest = content_hash(body)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
                self._db.execute(
                    "INSERT INTO access_log (seq, entry, content_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                    (seq, json.dumps(body, sort_keys=True), digest, prev, chain_hash(prev, digest)),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return int(seq)

    def _rows(self, after: int, limit: int) -> list[tuple[int, str, str, str, str]]:
        with self._lock:
            return list(
                self._db.execute(
                    "SELECT seq, entry, content_hash, prev_hash, hash FROM access_log"
                    " WHERE seq > ? ORDER BY seq LIMIT ?",
                    (after, limit),
                ).fetchall()
            )

    def read(self, *, after: int = 0, limit: int = 100) -> list[AccessRecord]:
        return [AccessRecord(r[0], Access(**json.loads(r[1])), r[3], r[4]) for r in self._rows(after, limit)]

    def _all(self) -> Iterator[tuple[int, str, str, str, str]]:
        after = 0
        while rows := self._rows(after, 1000):
            yield from rows
            after = rows[-1][0]

    def verify(self) -> ChainCheck:
        prev, expected, count = GENESIS, 1, 0
        for seq, entry, digest, prev_hash, current in self._all():
            count += 1
            if seq != expected:
                return ChainCheck(False, count, expected, f"entry {expected} is missing")
            if content_hash(json.loads(entry)) != digest:
                return ChainCheck(False, count, seq, "entry does not match its hash")
            if prev_hash != prev or chain_hash(prev, digest) != current:
                return ChainCheck(False, count, seq, "hash chain broken")
            prev, expected = current, expected + 1
        return ChainCheck(True, count, None)

    def close(self) -> None:
        with self._lock:
            self._db.close()
