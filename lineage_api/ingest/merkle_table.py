"""Where a log keeps its Merkle tree and its signed checkpoints: two SQLite tables next to the log's rows.

``merkle(level, idx, hash)`` holds every perfect subtree's hash, written in the same transaction as the rows it
covers: leaf ``i`` (0-based; sequence number ``i + 1``) is ``(0, i)``, and each leaf that completes a pair writes
the parents it completes. About two rows per leaf; any root or proof then reads O(log n) of them.
``checkpoints`` holds the signed checkpoints (``lineage_api.ingest.checkpoints``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from lineage_api.ingest import merkle

SCHEMA = """
CREATE TABLE IF NOT EXISTS merkle (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
    origin    TEXT NOT NULL,
    size      INTEGER NOT NULL,
    root      TEXT NOT NULL,
    at        TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (origin, size)
);
"""


class MissingNode(LookupError):
    """The table lacks a subtree hash it should hold (removed, or a size beyond the tree)."""


def log_leaf(chain_hash_hex: str) -> bytes:
    """The leaf hash of a log row: the leaf entry is the 32 raw bytes of the row's chain hash."""
    return merkle.leaf_hash(bytes.fromhex(chain_hash_hex))


def append_leaves(db: sqlite3.Connection, first_index: int, leaves: Sequence[bytes]) -> None:
    """Add leaves ``first_index...`` and the parents they complete; call inside the rows' transaction."""
    made: dict[tuple[int, int], bytes] = {}
    for offset, leaf in enumerate(leaves):
        level, idx, digest = 0, first_index + offset, leaf
        made[(level, idx)] = digest
        while idx & 1:
            left = made.get((level, idx - 1)) or subtree(db)(level, idx - 1)
            level, idx, digest = level + 1, idx >> 1, merkle.node_hash(left, digest)
            made[(level, idx)] = digest
    db.executemany("INSERT INTO merkle (level, idx, hash) VALUES (?, ?, ?)", [(*k, v) for k, v in made.items()])


def size(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT MAX(idx) FROM merkle WHERE level = 0").fetchone()
    return 0 if row[0] is None else int(row[0]) + 1


def subtree(db: sqlite3.Connection) -> merkle.Subtree:
    def get(level: int, idx: int) -> bytes:
        row = db.execute("SELECT hash FROM merkle WHERE level = ? AND idx = ?", (level, idx)).fetchone()
        if row is None:
            raise MissingNode(f"the Merkle table has no node ({level}, {idx})")
        return bytes(row[0])

    return get


def stored_leaves(db: sqlite3.Connection, *, batch: int = 5000) -> Iterator[tuple[int, bytes]]:
    """(index, leaf hash) of every stored leaf, in order."""
    after = -1
    while True:
        rows = db.execute(
            "SELECT idx, hash FROM merkle WHERE level = 0 AND idx > ? ORDER BY idx LIMIT ?", (after, batch)
        ).fetchall()
        if not rows:
            return
        yield from ((int(i), bytes(h)) for i, h in rows)
        after = int(rows[-1][0])


class Frontier:
    """The right edge of a tree being rebuilt leaf by leaf: its root at the current size in O(log n)."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (leaves, hash) of perfect subtrees, largest first

    def push(self, leaf: bytes) -> None:
        self.size += 1
        width, digest = 1, leaf
        while self._stack and self._stack[-1][0] == width:
            left = self._stack.pop()[1]
            width, digest = width * 2, merkle.node_hash(left, digest)
        self._stack.append((width, digest))

    def root(self) -> bytes:
        if not self._stack:
            return merkle.EMPTY_ROOT
        digest = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            digest = merkle.node_hash(left, digest)
        return digest
