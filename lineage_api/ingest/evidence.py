"""The verifiable log: checkpoints, inclusion and consistency proofs, and the Merkle part of ``verify``.

See docs/merkle.md for the formats a third party checks.
"""

from __future__ import annotations

import base64
import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from graph_schema import NodeLabel
from lineage_api.core.errors import InvalidInput, NotFound
from lineage_api.ingest import checkpoints, merkle, merkle_table
from lineage_api.ingest.checkpointer import from_node
from lineage_api.ingest.checkpoints import Checkpoint
from lineage_api.ingest.eventlog import ChainCheck, EventLog
from lineage_api.ingest.schemas import (
    ChainStatus,
    CheckpointKeyOut,
    CheckpointOut,
    CheckpointPage,
    ConsistencyProofOut,
    InclusionProofOut,
)
from lineage_api.ingest.tree_check import TreeInputs, check_tree
from lineage_api.store.protocol import GraphStore


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def checkpoint_out(checkpoint: Checkpoint) -> CheckpointOut:
    return CheckpointOut(
        origin=checkpoint.origin,
        treeSize=checkpoint.size,
        rootHash=_b64(checkpoint.root),
        at=checkpoint.at,
        signature=_b64(checkpoint.signature),
        note=checkpoint.text().decode(),
    )


def key_info(*, key: Ed25519PublicKey, log_origin: str) -> CheckpointKeyOut:
    return CheckpointKeyOut(origin=log_origin, publicKey=checkpoints.public_raw(key), pem=checkpoints.public_pem(key))


def list_checkpoints(*, eventlog: EventLog, log_origin: str, limit: int) -> CheckpointPage:
    with eventlog.reading() as db:
        found = checkpoints.load(db, log_origin, limit=limit)
    return CheckpointPage(checkpoints=[checkpoint_out(c) for c in found])


def inclusion(*, eventlog: EventLog, log_origin: str, seq: int, tree_size: int | None) -> InclusionProofOut:
    """The proof that event ``seq`` is in the tree of ``tree_size`` events (default: the latest checkpoint's when
    it covers the event, else the whole log). ``NotFound`` for an unknown seq, ``InvalidInput`` for a bad size."""
    with eventlog.reading() as db:
        size = merkle_table.size(db)
        if not 1 <= seq <= size:
            raise NotFound(f"event {seq} is not in the log (it holds {size})", field="seq")
        signed = {c.size: c for c in checkpoints.load(db, log_origin)}
        if tree_size is None:
            covering = [s for s in signed if s >= seq]
            tree_size = max(covering) if covering else size
        if not seq <= tree_size <= size:
            raise InvalidInput(f"treeSize must be between {seq} and {size}", field="treeSize")
        get = merkle_table.subtree(db)
        row = db.execute("SELECT hash FROM events WHERE seq = ?", (seq,)).fetchone()
        path = merkle.inclusion_proof(get, seq - 1, tree_size)
        root = merkle.root(get, tree_size)
    entry = str(row[0]) if row else ""
    checkpoint = signed.get(tree_size)
    return InclusionProofOut(
        seq=seq,
        leafIndex=seq - 1,
        treeSize=tree_size,
        entry=entry,
        leafHash=_b64(get_leaf(entry)),
        rootHash=_b64(root),
        proof=[_b64(p) for p in path],
        checkpoint=checkpoint_out(checkpoint) if checkpoint else None,
    )


def get_leaf(entry: str) -> bytes:
    return merkle_table.log_leaf(entry) if entry else b""


def consistency(*, eventlog: EventLog, old: int, new: int) -> ConsistencyProofOut:
    """The proof that the tree of ``old`` events is a prefix of the tree of ``new``."""
    with eventlog.reading() as db:
        size = merkle_table.size(db)
        if not 1 <= new <= size:
            raise InvalidInput(f"to must be between 1 and {size}", field="to")
        if not 1 <= old <= new:
            raise InvalidInput(f"from must be between 1 and to ({new})", field="from")
        get = merkle_table.subtree(db)
        proof = merkle.consistency_proof(get, old, new)
        old_root, new_root = merkle.root(get, old), merkle.root(get, new)
    return ConsistencyProofOut(
        fromSize=old, toSize=new, fromRoot=_b64(old_root), toRoot=_b64(new_root), proof=[_b64(p) for p in proof]
    )


def graph_checkpoints(store: GraphStore, log_origin: str) -> list[Checkpoint]:
    found: list[Checkpoint] = []
    while page := store.find_nodes(NodeLabel.CHECKPOINT, {"origin": log_origin}, limit=1000, offset=len(found)):
        found.extend(from_node(dict(n.props)) for n in page)
    return found


@contextlib.contextmanager
def _snapshot(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection holding one snapshot, so rows and tree are compared as of the same moment."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        db.execute("BEGIN")
        yield db
    finally:
        db.close()


def _leaves(db: sqlite3.Connection) -> Iterator[tuple[int, bytes]]:
    for seq, digest in db.execute("SELECT seq, hash FROM events ORDER BY seq"):
        yield int(seq), merkle_table.log_leaf(str(digest))


def _status(source: str, check: ChainCheck) -> ChainStatus:
    return ChainStatus(source=source, ok=check.ok, count=check.count, firstBreak=check.first_break, reason=check.reason)


def merkle_checks(
    *, eventlog: EventLog, store: GraphStore, log_origin: str, key: Ed25519PublicKey
) -> list[ChainStatus]:
    """``merkle``: the log against its stored tree and its own signed checkpoints; ``merkle:graph``: against the
    copies of those checkpoints in the graph store (which outlive a log whose tail and checkpoints were cut)."""
    with _snapshot(eventlog.path) as db:
        local = checkpoints.load(db, log_origin)
        inputs = TreeInputs(
            _leaves(db), local, key, merkle_table.stored_leaves(db), lambda n: merkle.root(merkle_table.subtree(db), n)
        )
        statuses = [_status("merkle", check_tree(inputs))]
        copies = graph_checkpoints(store, log_origin)
        if copies:
            statuses.append(_status("merkle:graph", check_tree(TreeInputs(_leaves(db), copies, key))))
    return statuses
