"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and proof verification.

Pure functions over a ``Subtree`` callback: ``get(level, idx)`` answers the hash of the perfect subtree of
``2**level`` leaves starting at leaf ``idx * 2**level`` (level 0 are the leaf hashes). Logs store those as leaves
are appended (``lineage_api.ingest.merkle_table``), so a root, an inclusion or a consistency proof for any tree
size needs O(log n) look-ups: every range the RFC's recursion visits splits into at most log2(n) perfect subtrees.

Hashing (RFC 9162 §2.1.1): leaf ``SHA-256(0x00 || entry)``, node ``SHA-256(0x01 || left || right)``, the empty
tree ``SHA-256("")``; a tree of n leaves splits at k, the largest power of two below n.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

Subtree = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """k: the largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(get: Subtree, start: int, size: int) -> bytes:
    """MTH(D[start:start+size]) for a range the RFC recursion visits (``start`` aligned to its left part)."""
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return get(level, start >> level)
    k = split(size)
    return node_hash(range_hash(get, start, k), range_hash(get, start + k, size - k))


def root(get: Subtree, size: int) -> bytes:
    """The root hash of the tree of the first ``size`` leaves."""
    return EMPTY_ROOT if size == 0 else range_hash(get, 0, size)


def inclusion_proof(get: Subtree, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf-side first; ``0 <= index < size``."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, n, m = 0, size, index
    while n > 1:
        k = split(n)
        if m < k:
            path.append(range_hash(get, start + k, n - k))
            n = k
        else:
            path.append(range_hash(get, start, k))
            start, n, m = start + k, n - k, m - k
    path.reverse()
    return path


def consistency_proof(get: Subtree, old: int, new: int) -> list[bytes]:
    """PROOF(old, D[new]) (RFC 9162 §2.1.4.1); ``0 < old <= new``, empty when ``old == new``."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    proof: list[bytes] = []
    start, n, m, whole = 0, new, old, True
    while m != n:
        k = split(n)
        if m <= k:
            proof.append(range_hash(get, start + k, n - k))
            n = k
        else:
            proof.append(range_hash(get, start, k))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:
        proof.append(range_hash(get, start, m))
    proof.reverse()
    return proof


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show the leaf hash ``leaf`` at ``index`` in the tree ``expected_root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(old: int, new: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2: does ``proof`` show the tree ``old_root`` of ``old`` leaves is a prefix of ``new_root``?"""
    if not 0 < old <= new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is itself the first node of the proof
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


def memory_tree(leaves: Sequence[bytes]) -> Subtree:
    """A ``Subtree`` over leaf hashes held in memory (for verifiers and tests): every perfect subtree, built once."""
    levels: list[list[bytes]] = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def get(level: int, idx: int) -> bytes:
        return levels[level][idx]

    return get
