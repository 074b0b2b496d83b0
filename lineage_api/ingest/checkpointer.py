"""Signing the event log's checkpoints: every N events or T seconds (while events arrive) and at shutdown.

Each checkpoint is kept in the log (table ``checkpoints``) and copied into the graph store as a ``Checkpoint``
node, so deleting the log's tail together with its own checkpoints still leaves signed evidence elsewhere. A copy
the store refuses (unavailable) is retried at the next checkpoint.
"""

from __future__ import annotations

import base64
import logging
import threading
import time

from graph_schema import NodeLabel
from lineage_api.core import ids
from lineage_api.core.settings import Settings
from lineage_api.core.times import now_iso
from lineage_api.ingest import checkpoints, merkle, merkle_table
from lineage_api.ingest.checkpoints import Checkpoint
from lineage_api.ingest.eventlog import EventLog
from lineage_api.store.protocol import ChangeBatch, GraphStore, NodeUpsert

log = logging.getLogger("lineage_api.ingest")


def checkpoint_node(replica: str, checkpoint: Checkpoint) -> NodeUpsert:
    return NodeUpsert(
        ids.keyed_id(NodeLabel.CHECKPOINT, f"{checkpoint.origin}:{checkpoint.size:012d}"),
        NodeLabel.CHECKPOINT,
        {
            "replica": replica,
            "origin": checkpoint.origin,
            "size": checkpoint.size,
            "rootHash": base64.b64encode(checkpoint.root).decode(),
            "at": checkpoint.at,
            "signature": base64.b64encode(checkpoint.signature).decode(),
        },
    )


def from_node(props: dict[str, object]) -> Checkpoint:
    return checkpoints.from_text(
        str(props["origin"]), int(str(props["size"])), str(props["rootHash"]), str(props["at"]),
        str(props["signature"]),
    )


class Checkpointer:
    """Signs this replica's event-log checkpoints and copies them into the graph store."""

    def __init__(self, *, settings: Settings, eventlog: EventLog, store: GraphStore) -> None:
        self.replica = settings.replica_id
        self.origin = checkpoints.origin(self.replica)
        self.key = checkpoints.load_key(settings.data_dir)
        self.public_key = self.key.public_key()
        self._every = settings.ingest.checkpoint_every
        self._seconds = settings.ingest.checkpoint_seconds
        self._log = eventlog
        self._store = store
        self._lock = threading.Lock()
        latest = self.latest()
        self._size = latest.size if latest else 0
        self._at = time.monotonic()
        self._uncopied: list[Checkpoint] = []

    def latest(self) -> Checkpoint | None:
        with self._log.reading() as db:
            found = checkpoints.load(db, self.origin, limit=1)
        return found[0] if found else None

    def maybe(self) -> Checkpoint | None:
        """Sign one when N events have arrived since the last, or T seconds passed and any have."""
        grown = self._log.last_seq() - self._size
        if grown >= self._every or (grown > 0 and time.monotonic() - self._at >= self._seconds):
            return self.make()
        return None

    def make(self) -> Checkpoint | None:
        """Sign the log's current tree (None when it has not grown since the last checkpoint)."""
        with self._lock:
            with self._log.writing() as db:
                size = merkle_table.size(db)
                if size == 0 or size <= self._size:
                    return None
                root = merkle.root(merkle_table.subtree(db), size)
                made = checkpoints.sign(self.key, log_origin=self.origin, size=size, root=root, at=now_iso())
                checkpoints.save(db, made)
            self._size, self._at = size, time.monotonic()
            self._uncopied.append(made)
            self._copy()
        return made

    def _copy(self) -> None:
        try:
            self._store.apply(ChangeBatch(nodes=[checkpoint_node(self.replica, c) for c in self._uncopied]))
        except Exception as exc:  # the local copy stands; the graph gets it with the next checkpoint
            log.warning("could not copy %d checkpoints into the graph store: %s", len(self._uncopied), exc)
            return
        self._uncopied.clear()
