"""Checking a log against its Merkle tree and its signed checkpoints (for ``verify``).

The log's rows are replayed leaf by leaf (memory O(log n)); a break names the first sequence number that cannot
be vouched for:

- a row missing or out of order, or a row whose leaf differs from the stored tree: that row;
- a stored tree holding more leaves than the log has rows (the tail was deleted): the first missing row;
- a checkpoint whose signature does not verify, or whose root the rows no longer reproduce: the first row after
  the last checkpoint that still holds (the change is between there and the checkpoint's size);
- a checkpoint larger than the log: the first missing row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lineage_api.ingest.checkpoints import Checkpoint
from lineage_api.ingest.eventlog import ChainCheck
from lineage_api.ingest.merkle_table import Frontier, MissingNode


@dataclass(frozen=True, slots=True)
class TreeInputs:
    """What to check: the rows' (seq, leaf), the stored tree (or None, when only checkpoints are checked)."""

    leaves: Iterable[tuple[int, bytes]]
    checkpoints: Sequence[Checkpoint]
    key: Ed25519PublicKey
    stored: Iterator[tuple[int, bytes]] | None = None
    stored_root: Callable[[int], bytes] | None = None


class _Break(Exception):
    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


class _Checker:
    def __init__(self, inputs: TreeInputs) -> None:
        self.inputs = inputs
        self.frontier = Frontier()
        self.pending = sorted(inputs.checkpoints, key=lambda c: c.size)
        self.good = 0  # the size of the last checkpoint that holds

    def leaf(self, seq: int, leaf: bytes) -> None:
        expected = self.frontier.size + 1
        if seq != expected:
            raise _Break(expected, f"sequence {expected} is missing")
        if self.inputs.stored is not None:
            stored = next(self.inputs.stored, None)
            if stored is None or stored[1] != leaf:
                what = "has no leaf for it" if stored is None else "holds another leaf for it"
                raise _Break(seq, f"event {seq} does not match the Merkle tree: the tree {what}")
        self.frontier.push(leaf)
        while self.pending and self.pending[0].size <= self.frontier.size:
            self.checkpoint(self.pending.pop(0))

    def checkpoint(self, checkpoint: Checkpoint) -> None:
        size = checkpoint.size
        if not checkpoint.verifies(self.inputs.key):
            raise _Break(self.good + 1, f"the checkpoint of size {size} has a signature that does not verify")
        if size > self.frontier.size:
            n = self.frontier.size
            raise _Break(n + 1, f"sequence {n + 1} is missing: a signed checkpoint covers {size} events, the log {n}")
        if size == self.frontier.size and checkpoint.root != self.frontier.root():
            raise _Break(
                self.good + 1,
                f"the log no longer reproduces the signed root of size {size}: an event in {self.good + 1}..{size}"
                " was changed",
            )
        self.good = max(self.good, size)

    def finish(self) -> None:
        n = self.frontier.size
        if self.inputs.stored is not None and next(self.inputs.stored, None) is not None:
            raise _Break(n + 1, f"sequence {n + 1} is missing: the Merkle tree holds more leaves than the log")
        for checkpoint in self.pending:
            self.checkpoint(checkpoint)
        if self.inputs.stored_root is not None and n:
            try:
                same = self.inputs.stored_root(n) == self.frontier.root()
            except MissingNode:
                same = False
            if not same:
                raise _Break(self.good + 1, "the stored Merkle tree does not hash to the log's root")


def check_tree(inputs: TreeInputs) -> ChainCheck:
    """Replay the rows into a tree; compare with the stored tree and every checkpoint."""
    checker = _Checker(inputs)
    try:
        for seq, leaf in inputs.leaves:
            checker.leaf(seq, leaf)
        checker.finish()
    except _Break as found:
        return ChainCheck(False, checker.frontier.size, found.seq, found.reason)
    return ChainCheck(True, checker.frontier.size, None)
