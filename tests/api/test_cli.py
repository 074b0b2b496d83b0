"""The lineage CLI on the embedded store: trace, impact, pii, check, classify, verify, replay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lineage_api.cli import app
from lineage_api.core.settings import Settings, get_settings
from lineage_api.store.embedded.store import EmbeddedStore
from tests import governance_events as g
from tests.factories import api
from tests.privacy_events import classified, step

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("LINEAGE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LINEAGE_NEO4J__URI", raising=False)
    monkeypatch.setenv("LINEAGE_STORE", "embedded")
    get_settings.cache_clear()
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.apply_schema()
    events = [
        step("s0", [], classified("people", {"ssn": "pii.ssn", "city": None}), time="2026-01-01T00:00:00Z"),
        g.training("train", model_name="triage", version="v1", inputs=[], time="2026-01-01T00:00:00Z"),
        g.inference("inf", model_name="triage", version="v1", outputs=["o1"], time="2026-02-01T00:00:00Z"),
        g.decision(
            "d", decision_id="denial", action="benefit_denial", basis=[("ai_output", "o1")], time="2026-02-01T01:00:00Z"
        ),
    ]
    with api(store, tmp_path) as client:
        for event in events:
            assert client.post("/api/v1/lineage", json=event).status_code == 201
    store.close()
    assert Settings().data_dir == tmp_path
    yield tmp_path
    get_settings.cache_clear()


def test_trace_tree_json_and_prov(data_dir: Path) -> None:
    tree = runner.invoke(app, ["trace", "decision:denial"])
    assert tree.exit_code == 0, tree.output
    assert "triage version v1 (trained by train)" in tree.output
    assert "SOLE_BASIS" in tree.output
    as_json = runner.invoke(app, ["trace", "output:o1", "--format", "json"])
    assert json.loads(as_json.output)["models"][0]["version"] == "v1"
    prov = runner.invoke(app, ["trace", "output:o1", "--format", "prov"])
    assert "wasGeneratedBy" in json.loads(prov.output)
    missing = runner.invoke(app, ["trace", "output:nope"])
    assert missing.exit_code == 2 and "no Output" in missing.output


def test_check_exits_1_on_high_findings_and_records_the_scan(data_dir: Path) -> None:
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1, result.output
    assert "SOLE_BASIS" in result.output and "V.A.9.a" in result.output
    only_eval = runner.invoke(app, ["check", "--rule", "NO_EVALUATION", "--no-record"])
    assert only_eval.exit_code == 0 and "high severity" in only_eval.output
    verify = runner.invoke(app, ["verify"])
    assert verify.exit_code == 0, verify.output
    assert '"count": 5' in verify.output


def test_pii_classify_impact_and_replay(data_dir: Path) -> None:
    before = runner.invoke(app, ["pii", "pii.address", "--format", "json"])
    assert json.loads(before.output)["fields"] == []
    classified_run = runner.invoke(app, ["classify", "dataset:warehouse:people", "city=pii.address"])
    assert classified_run.exit_code == 0, classified_run.output
    after = runner.invoke(app, ["pii", "pii.address", "--format", "json"])
    assert [f["id"] for f in json.loads(after.output)["fields"]] == ["field:warehouse:people#city"]
    bad = runner.invoke(app, ["classify", "dataset:warehouse:people", "city"])
    assert bad.exit_code == 2
    impact = runner.invoke(app, ["impact", "dataset:models:triage#v1", "--format", "json"])
    assert json.loads(impact.output)["counts"]["Decision"] == 1
    replay = runner.invoke(app, ["replay"])
    assert replay.exit_code == 0 and "replayed 5 events" in replay.output
    again = runner.invoke(app, ["pii", "pii.address", "--format", "json"])
    assert [f["id"] for f in json.loads(again.output)["fields"]] == ["field:warehouse:people#city"]


def test_checkpoint_export_lets_a_third_party_check_the_log_offline(data_dir: Path) -> None:
    import base64
    import hashlib
    import sqlite3

    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    exported = runner.invoke(app, ["checkpoint", "export"])
    assert exported.exit_code == 0, exported.output
    body = json.loads(exported.output)
    latest = body["checkpoints"][0]
    assert latest["treeSize"] == 4 and latest["note"] == f"{latest['origin']}\n4\n{latest['rootHash']}\n"
    public = load_pem_public_key(body["key"]["pem"].encode())
    public.verify(base64.b64decode(latest["signature"]), latest["note"].encode())  # type: ignore[union-attr]
    # The root, recomputed from the log's chain hashes with nothing but RFC 9162 hashing, is the signed one.
    db = sqlite3.connect(data_dir / "events.sqlite")
    leaves = [
        hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest()
        for (h,) in db.execute("SELECT hash FROM events ORDER BY seq")
    ]
    db.close()
    node = lambda a, b: hashlib.sha256(b"\x01" + a + b).digest()  # noqa: E731
    root = node(node(leaves[0], leaves[1]), node(leaves[2], leaves[3]))
    assert base64.b64decode(latest["rootHash"]) == root
