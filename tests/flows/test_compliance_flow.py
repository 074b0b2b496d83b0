"""The scheduled compliance scan as a real Prefect flow run."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineage_api.core.settings import get_settings
from lineage_api.ingest.eventlog import EventLog
from lineage_api.store.embedded.store import EmbeddedStore
from tests import governance_events as g
from tests.factories import api


@pytest.mark.integration
def test_compliance_scan_flow_records_its_findings(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINEAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LINEAGE_STORE", "embedded")
    monkeypatch.delenv("LINEAGE_NEO4J__URI", raising=False)
    get_settings.cache_clear()
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.apply_schema()
    with api(store, tmp_path) as client:
        for event in [
            g.training("t", model_name="m", version="1", inputs=[], time="2026-01-01T00:00:00Z"),
            g.inference("i", model_name="m", version="1", outputs=["o"], time="2026-01-02T00:00:00Z"),
            g.decision(
                "d",
                decision_id="deny",
                action="benefit_denial",
                basis=[("ai_output", "o")],
                time="2026-01-03T00:00:00Z",
            ),
        ]:
            assert client.post("/api/v1/lineage", json=event).status_code == 201
    store.close()
    from flows.compliance import compliance_scan

    result = compliance_scan()
    get_settings.cache_clear()
    assert result["high"] >= 2 and result["runId"]
    log = EventLog(tmp_path / "events.sqlite")
    try:
        last = log.read(after=result["seq"] - 1, limit=1)[0]
    finally:
        log.close()
    assert f'"runId":"{result["runId"]}"' in last.body
    assert '"SOLE_BASIS"' in last.body and '"trigger":"prefect"' in last.body
