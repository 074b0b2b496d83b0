"""The event log as a Merkle log: proofs from the stored tree, signed checkpoints, and tampering that verify
catches only through them (a cut tail, a row edited and the chain recomputed after it)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lineage_api.ingest import checkpoints, merkle, merkle_table
from lineage_api.ingest.checkpoints import Checkpoint
from lineage_api.ingest.eventlog import GENESIS, EventLog, LogItem, chain_hash, content_hash, entry_hash
from lineage_api.ingest.tree_check import TreeInputs, check_tree

ORIGIN = "ai-lineage/r1/events"
KEY = Ed25519PrivateKey.generate()


def _item(i: int) -> LogItem:
    event = {"eventTime": "2026-01-01T00:00:00Z", "i": i}
    return LogItem(json.dumps(event), content_hash(event))


@pytest.fixture
def path(tmp_path: Path) -> Iterator[Path]:
    """A log of 10 events in groups of 1, 3 and 6, with a signed checkpoint after every event."""
    log = EventLog(tmp_path / "events.sqlite")
    for group in ([1], [2, 3, 4], [5, 6, 7, 8, 9, 10]):
        log.append_sync([_item(i) for i in group])
    with log.writing() as db:
        for size in range(1, 11):
            checkpoints.save(db, _sign(size, merkle.root(merkle_table.subtree(db), size)))
    log.close()
    yield tmp_path / "events.sqlite"


def _sign(size: int, root: bytes) -> Checkpoint:
    return checkpoints.sign(KEY, log_origin=ORIGIN, size=size, root=root, at="2026-01-01T00:00:00Z")


def _verify(path: Path) -> tuple[bool, int | None, str | None]:
    """The chain check, then the Merkle check (as ``verify`` reports them): (ok, first break, reason)."""
    log = EventLog(path)
    chain = log.verify()
    log.close()
    db = sqlite3.connect(path)
    leaves = [(int(s), merkle_table.log_leaf(h)) for s, h in db.execute("SELECT seq, hash FROM events ORDER BY seq")]
    inputs = TreeInputs(
        leaves,
        checkpoints.load(db, ORIGIN),
        KEY.public_key(),
        merkle_table.stored_leaves(db),
        lambda n: merkle.root(merkle_table.subtree(db), n),
    )
    tree = check_tree(inputs)
    db.close()
    if not chain.ok:
        return False, chain.first_break, chain.reason
    return tree.ok, tree.first_break, tree.reason


def _sql(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def _rechain(path: Path, edit_seq: int) -> None:
    """Edit event ``edit_seq`` and recompute every hash after it, as a careful forger would."""
    db = sqlite3.connect(path)
    prev = GENESIS
    for seq, body in db.execute("SELECT seq, body FROM events ORDER BY seq").fetchall():
        event = json.loads(body)
        if seq == edit_seq:
            event["i"] = 999
        digest = content_hash(event)
        current = chain_hash(prev, entry_hash(digest, None))
        db.execute(
            "UPDATE events SET body = ?, content_hash = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (json.dumps(event), digest, prev, current, seq),
        )
        prev = current
    db.commit()
    db.close()


def _rebuild_tree(path: Path) -> None:
    """Recompute the stored Merkle table from the (tampered) rows."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    db.execute("DELETE FROM merkle")
    hashes = [h for (h,) in db.execute("SELECT hash FROM events ORDER BY seq")]
    merkle_table.append_leaves(db, 0, [merkle_table.log_leaf(h) for h in hashes])
    db.execute("COMMIT")
    db.close()


def test_an_untouched_log_verifies_and_its_proofs_check(path: Path) -> None:
    assert _verify(path) == (True, None, None)
    db = sqlite3.connect(path)
    get = merkle_table.subtree(db)
    hashes = [h for (h,) in db.execute("SELECT hash FROM events ORDER BY seq")]
    for size in range(1, 11):
        root = merkle.root(get, size)
        assert root == merkle.root(merkle.memory_tree([merkle_table.log_leaf(h) for h in hashes[:size]]), size)
        for index in range(size):
            proof = merkle.inclusion_proof(get, index, size)
            assert merkle.verify_inclusion(index, size, merkle_table.log_leaf(hashes[index]), proof, root)
    assert merkle.verify_consistency(3, 10, merkle.consistency_proof(get, 3, 10), merkle.root(get, 3),
                                     merkle.root(get, 10))
    db.close()


def test_a_log_logged_before_the_tree_is_backfilled(path: Path) -> None:
    _sql(path, "DELETE FROM merkle")
    EventLog(path).close()
    assert _verify(path) == (True, None, None)


def test_deleting_the_tail_is_caught_by_the_checkpoints(path: Path) -> None:
    _sql(path, "DELETE FROM events WHERE seq > 7")
    ok, first, reason = _verify(path)
    assert (ok, first) == (False, 8) and reason and "missing" in reason
    _rebuild_tree(path)  # even with the tree cut to match
    assert _verify(path)[:2] == (False, 8)


def test_deleting_a_middle_row_is_caught(path: Path) -> None:
    _sql(path, "DELETE FROM events WHERE seq = 4")
    assert _verify(path)[:2] == (False, 4)


def test_an_edited_and_rechained_row_is_caught(path: Path) -> None:
    _rechain(path, 5)
    ok, first, reason = _verify(path)
    assert (ok, first) == (False, 5) and reason and "Merkle tree" in reason
    _rebuild_tree(path)  # the forger recomputes the tree too: the signed roots still name it
    ok, first, reason = _verify(path)
    assert (ok, first) == (False, 5) and reason and "signed root" in reason


def test_swapped_rows_are_caught(path: Path) -> None:
    _sql(
        path,
        "UPDATE events SET seq = -3 WHERE seq = 3",
        "UPDATE events SET seq = 3 WHERE seq = 6",
        "UPDATE events SET seq = 6 WHERE seq = -3",
    )
    assert _verify(path)[:2] == (False, 3)


def test_a_forged_checkpoint_is_caught(path: Path) -> None:
    db = sqlite3.connect(path)
    (root,) = db.execute("SELECT root FROM checkpoints WHERE size = 9").fetchone()
    db.execute("UPDATE checkpoints SET root = ? WHERE size = 10", (root,))  # 10's signature, another root
    db.commit()
    db.close()
    ok, first, reason = _verify(path)
    assert (ok, first) == (False, 10) and reason and "signature" in reason


def test_the_tree_tables_cost_no_chain_and_are_optional(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "plain.sqlite", merkle=False)
    log.append_sync([_item(1), _item(2)])
    log.close()
    with sqlite3.connect(tmp_path / "plain.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM merkle").fetchone() == (0,)
    log = EventLog(tmp_path / "plain.sqlite")  # turned on: the leaves are backfilled
    with log.reading() as db:
        assert merkle_table.size(db) == 2
    log.close()
