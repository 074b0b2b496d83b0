"""The verifiable log over HTTP, on both stores: checkpoints, proofs a third party checks with the public key
alone, and tampering with the files on disk that verify names."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lineage_api.ingest import merkle
from lineage_api.store.protocol import GraphStore
from tests.factories import api, run_event


def _b(text: str) -> bytes:
    return base64.b64decode(text)


def _fill(store: GraphStore, data_dir: Path, count: int, **ingest: object) -> None:
    with api(store, data_dir, **ingest) as client:
        for i in range(count):
            assert client.post("/api/v1/lineage", json=run_event(job=("ns", f"job{i}"))).status_code == 201


def _chains(verify: dict[str, object]) -> dict[str, tuple[bool, int | None]]:
    return {c["source"]: (c["ok"], c["firstBreak"]) for c in verify["chains"]}  # type: ignore[attr-defined, index]


def test_checkpoints_and_proofs_check_with_the_public_key_alone(store: GraphStore, tmp_path: Path) -> None:
    _fill(store, tmp_path, 7, checkpoint_every=3)
    with api(store, tmp_path, checkpoint_every=3) as client:
        key = client.get("/api/v1/events/checkpoints/key").json()
        public = Ed25519PublicKey.from_public_bytes(_b(key["publicKey"]))
        listed = client.get("/api/v1/events/checkpoints").json()["checkpoints"]
        assert [c["treeSize"] for c in listed] == [7, 6, 3]  # every 3 events, and 7 at shutdown
        for c in listed:
            public.verify(_b(c["signature"]), c["note"].encode())
            assert c["note"] == f"{key['origin']}\n{c['treeSize']}\n{c['rootHash']}\n"
        assert client.get("/api/v1/events/5/proof").json()["treeSize"] == 7  # the latest checkpoint's
        proof = client.get("/api/v1/events/5/proof", params={"treeSize": 6}).json()
        assert proof["treeSize"] == 6 and proof["checkpoint"]["treeSize"] == 6
        leaf = merkle.leaf_hash(bytes.fromhex(proof["entry"]))
        assert leaf == _b(proof["leafHash"])
        assert merkle.verify_inclusion(4, 6, leaf, [_b(p) for p in proof["proof"]], _b(listed[1]["rootHash"]))
        cons = client.get("/api/v1/events/consistency", params={"from": 3, "to": 7}).json()
        assert merkle.verify_consistency(
            3, 7, [_b(p) for p in cons["proof"]], _b(listed[2]["rootHash"]), _b(listed[0]["rootHash"])
        )
        assert client.get("/api/v1/events/99/proof").status_code == 404
        for params, field in (({"treeSize": 2}, "treeSize"), ({"treeSize": 8}, "treeSize")):
            answer = client.get("/api/v1/events/5/proof", params=params)
            assert answer.status_code == 400 and answer.json()["error"]["field"] == field
        bad = (({"from": 0, "to": 3}, "from"), ({"from": 4, "to": 3}, "from"), ({"from": 1, "to": 8}, "to"))
        for params, field in bad:
            answer = client.get("/api/v1/events/consistency", params=params)
            assert answer.status_code == 400 and answer.json()["error"]["field"] == field
        verify = client.get("/api/v1/events/verify").json()
        assert verify["ok"] is True
        assert _chains(verify)["merkle"] == (True, None) and _chains(verify)["merkle:graph"] == (True, None)


def test_a_cut_tail_with_its_checkpoints_is_named_by_the_graphs_copies(store: GraphStore, tmp_path: Path) -> None:
    _fill(store, tmp_path, 6, checkpoint_every=2)
    db = sqlite3.connect(tmp_path / "events.sqlite")
    for statement in (
        "DELETE FROM events WHERE seq > 3",
        "DELETE FROM merkle WHERE (idx + 1) * (1 << level) > 3",
        "DELETE FROM checkpoints WHERE size > 3",
    ):
        db.execute(statement)
    db.commit()
    db.close()
    with api(store, tmp_path, checkpoint_every=2) as client:
        verify = client.get("/api/v1/events/verify").json()
    assert verify["ok"] is False
    chains = _chains(verify)
    assert chains["log"] == (True, None)
    assert chains["merkle"] == (True, None)  # the log, its tree and its remaining checkpoint agree
    assert chains["merkle:graph"] == (False, 4)


def test_a_truncated_access_log_is_caught(store: GraphStore, tmp_path: Path) -> None:
    _fill(store, tmp_path, 5, checkpoint_every=2)  # every POST is in the access log
    db = sqlite3.connect(tmp_path / "access.sqlite")
    (count,) = db.execute("SELECT COUNT(*) FROM access_log").fetchone()
    assert count >= 5
    db.execute("DELETE FROM access_log WHERE seq > 3")
    db.commit()
    db.close()
    with api(store, tmp_path) as client:
        check = client.get("/api/v1/audit/verify").json()
    assert check["ok"] is False and check["firstBreak"] == 4, check
