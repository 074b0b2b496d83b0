"""The access log: every trace, impact, privacy and findings query, append-only and hash-chained.

Each entry records who asked (key id, role), what (method, path, query), when, the status and how many nodes the
answer held. ``hash = sha256(prevHash + sha256(canonical entry))``, as in the event log, so an edited, removed or
reordered entry is detected by ``verify``. Like the event log it is also an RFC 9162 Merkle log (leaf entry: the
chain hash's bytes) with checkpoints signed by the replica's key every ``every`` entries and at close, so a cut
tail is detected too (docs/merkle.md).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lineage_api.core.files import private_file
from lineage_api.core.settings import Settings
from lineage_api.core.times import now_iso
from lineage_api.ingest import checkpoints, merkle, merkle_table
from lineage_api.ingest.eventlog import GENESIS, ChainCheck, chain_hash, content_hash
from lineage_api.ingest.tree_check import TreeInputs, check_tree

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

    def __init__(
        self, path: Path, *, key: Ed25519PrivateKey | None = None, origin: str = "", every: int = 1000
    ) -> None:
        self._key, self._origin, self._every = key, origin, every
        self._wrote = False  # only a log this process appended to is signed at close
        private_file(path)  # data dir 0700, the database 0600 (its -wal/-shm follow)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._db.executescript(merkle_table.SCHEMA)
        self._lock = threading.Lock()
        self._backfill_tree()

    @classmethod
    def of(cls, settings: Settings) -> AccessLog:
        """The access log of ``settings.data_dir``, signing with the replica's checkpoint key."""
        return cls(
            settings.data_dir / "access.sqlite",
            key=checkpoints.load_key(settings.data_dir),
            origin=checkpoints.origin(settings.replica_id, "access"),
            every=settings.ingest.checkpoint_every,
        )

    def _backfill_tree(self) -> None:
        have = merkle_table.size(self._db)
        rows = self._db.execute("SELECT hash FROM access_log WHERE seq > ? ORDER BY seq", (have,)).fetchall()
        if rows:
            self._db.execute("BEGIN IMMEDIATE")
            merkle_table.append_leaves(self._db, have, [merkle_table.log_leaf(r[0]) for r in rows])
            self._db.execute("COMMIT")

    def _checkpoint(self, size: int) -> None:
        """Sign the tree of ``size`` entries (inside the caller's transaction)."""
        if self._key is not None and size > 0:
            root = merkle.root(merkle_table.subtree(self._db), size)
            made = checkpoints.sign(self._key, log_origin=self._origin, size=size, root=root, at=now_iso())
            checkpoints.save(self._db, made)

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
                current = chain_hash(prev, digest)
                self._db.execute(
                    "INSERT INTO access_log (seq, entry, content_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                    (seq, json.dumps(body, sort_keys=True), digest, prev, current),
                )
                merkle_table.append_leaves(self._db, seq - 1, [merkle_table.log_leaf(current)])
                if seq % self._every == 0:
                    self._checkpoint(seq)
                self._wrote = True
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
        """The hash chain, then the Merkle tree and the signed checkpoints (a cut tail breaks the latter)."""
        chain = self._verify_chain()
        if not chain.ok or self._key is None:
            return chain
        with self._lock:
            db = self._db
            leaves = [(int(s), merkle_table.log_leaf(h)) for s, h in db.execute("SELECT seq, hash FROM access_log")]
            inputs = TreeInputs(
                sorted(leaves),
                checkpoints.load(db, self._origin),
                self._key.public_key(),
                merkle_table.stored_leaves(db),
                lambda n: merkle.root(merkle_table.subtree(db), n),
            )
            return check_tree(inputs)

    def _verify_chain(self) -> ChainCheck:
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
            if self._wrote:
                self._db.execute("BEGIN IMMEDIATE")
                self._checkpoint(merkle_table.size(self._db))
                self._db.execute("COMMIT")
            self._db.close()
