"""RFC 9162 tree hashing and proofs, against a naive recursive implementation of the RFC's definitions."""

from __future__ import annotations

import hashlib

import pytest

from lineage_api.ingest import merkle

MAX = 70
ENTRIES = [f"entry-{i}".encode() for i in range(MAX)]
LEAVES = [merkle.leaf_hash(e) for e in ENTRIES]
GET = merkle.memory_tree(LEAVES)


def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < len(d):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], whole: bool) -> list[bytes]:
    if m == len(d):
        return [] if whole else [mth(d)]
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m <= k:
        return [*subproof(m, d[:k], whole), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


ROOTS = [mth(ENTRIES[:n]) for n in range(MAX + 1)]


def test_roots_match_the_rfc_definition_for_every_size() -> None:
    for n in range(MAX + 1):
        assert merkle.root(GET, n) == ROOTS[n]


def test_inclusion_proofs_match_and_verify_for_every_leaf_and_size() -> None:
    for n in range(1, MAX + 1):
        for m in range(n):
            proof = merkle.inclusion_proof(GET, m, n)
            assert proof == path(m, ENTRIES[:n])
            assert merkle.verify_inclusion(m, n, LEAVES[m], proof, ROOTS[n])
            assert not merkle.verify_inclusion(m, n, LEAVES[(m + 1) % MAX], proof, ROOTS[n])
            assert not merkle.verify_inclusion(m, n, LEAVES[m], proof, ROOTS[n - 1])


def test_consistency_proofs_match_and_verify_for_every_pair_of_sizes() -> None:
    for n in range(1, MAX + 1):
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(GET, m, n)
            assert proof == subproof(m, ENTRIES[:n], True)
            assert merkle.verify_consistency(m, n, proof, ROOTS[m], ROOTS[n])
            if m < n:
                assert not merkle.verify_consistency(m, n, proof, ROOTS[m - 1] if m > 1 else ROOTS[2], ROOTS[n])
                assert not merkle.verify_consistency(m, n, proof, ROOTS[m], ROOTS[n - 1])


def test_tampered_proofs_fail() -> None:
    proof = merkle.inclusion_proof(GET, 5, 37)
    bad = [proof[0], hashlib.sha256(b"x").digest(), *proof[2:]]
    assert not merkle.verify_inclusion(5, 37, LEAVES[5], bad, ROOTS[37])
    assert not merkle.verify_inclusion(5, 37, LEAVES[5], proof[:-1], ROOTS[37])
    assert not merkle.verify_inclusion(37, 37, LEAVES[5], proof, ROOTS[37])
    cons = merkle.consistency_proof(GET, 10, 37)
    assert not merkle.verify_consistency(10, 37, cons[:-1], ROOTS[10], ROOTS[37])
    assert not merkle.verify_consistency(10, 37, [], ROOTS[10], ROOTS[37])


@pytest.mark.parametrize(("index", "size"), [(-1, 3), (3, 3), (0, 0)])
def test_out_of_range_inclusion_is_refused(index: int, size: int) -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_proof(GET, index, size)


@pytest.mark.parametrize(("old", "new"), [(0, 3), (4, 3)])
def test_out_of_range_consistency_is_refused(old: int, new: int) -> None:
    with pytest.raises(ValueError):
        merkle.consistency_proof(GET, old, new)
