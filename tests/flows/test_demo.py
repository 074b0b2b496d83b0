"""The demo end to end: real Prefect flows, collectors over HTTP to a real server, the answers it prints."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from lineage_api.core.settings import Settings
from lineage_api.demo import REVIEWED_DENIAL, UNREVIEWED_DENIAL, prepare, run_demo
from lineage_api.store.embedded.store import EmbeddedStore


@pytest.mark.integration
def test_demo_traces_the_unreviewed_denial_and_finds_what_the_directive_forbids(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENLINEAGE_URL", raising=False)
    settings = Settings(data_dir=tmp_path / "data")
    prepare(settings, fresh=True)
    store = EmbeddedStore(settings.data_dir / "graph.sqlite")
    out = io.StringIO()
    try:
        result = run_demo(
            settings=settings, store=store, host="127.0.0.1", port=0, serve=False, console=Console(file=out, width=160)
        )
    finally:
        store.close()
    trace = result.trace
    assert trace.root.id == UNREVIEWED_DENIAL
    assert [(m["name"], m["version"]) for m in trace.models] == [("benefits-triage", "v2")]
    assert {a["approvalId"]: a["inForce"] for a in trace.approvals}["appr-aigb-triage-v2"] is True
    assert trace.useCase is not None and trace.useCase["riskCategory"] == "rights-impacting"
    assert trace.reviews == []
    assert {f.rule for f in trace.findings} == {"SOLE_BASIS", "NO_HUMAN_REVIEW"}
    rules = {f.rule for f in result.findings}
    assert {"SOLE_BASIS", "EXTERNAL_SHARING"} <= rules
    assert not [f for f in result.findings if REVIEWED_DENIAL in (f.node, *f.evidence)]
    assert not [f for f in result.findings if f.node == "decision:dec-C-1006"]
    ssn = {d.id: d.status for d in result.ssn.datasets}
    assert ssn["dataset:sftp://vendor-analytics.example.com:outbound/claims_extract.csv"] == "direct"
    assert ssn["dataset:postgres://benefits-db:5432:benefits.ml.claim_features"] == "masked-after"
    assert [d.id for d in result.ssn.external] == [
        "dataset:sftp://vendor-analytics.example.com:outbound/claims_extract.csv"
    ]
    printed = out.getvalue()
    assert "Trace of the unreviewed benefit denial" in printed and "SOLE_BASIS" in printed
    assert result.state["v1_passed"] is False and result.state["v2_passed"] is True
    assert (settings.data_dir / "demo-files" / "vendor_extract.csv").exists()
