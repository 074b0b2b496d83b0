"""Recording a compliance scan as an OpenLineage event, so the scan itself is in the audit log."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from typing import Any

from lineage_api.compliance.schemas import FindingOut
from lineage_api.core.times import now_iso
from lineage_api.ingest.pipeline import IngestPipeline

PRODUCER = "https://ai-lineage.dev/compliance-scan"
SCAN_JOB = ("ai-lineage", "compliance_scan")
MAX_LISTED = 500


def scan_event(findings: list[FindingOut], *, run_id: str | None = None, trigger: str = "cli") -> dict[str, Any]:
    """A COMPLETE RunEvent of the scan job carrying the findings (counts, a digest, the first 500)."""
    listed = [f.model_dump() for f in findings]
    digest = hashlib.sha256(json.dumps(listed, sort_keys=True).encode()).hexdigest()
    return {
        "eventType": "COMPLETE",
        "eventTime": now_iso(),
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {
            "runId": run_id or str(uuid.uuid4()),
            "facets": {
                "aigov_complianceScan": {
                    "_producer": PRODUCER,
                    "_schemaURL": "https://ai-lineage.dev/spec/facets/1-0-0/aigov_complianceScan.json",
                    "trigger": trigger,
                    "total": len(findings),
                    "high": sum(1 for f in findings if f.severity == "high"),
                    "counts": dict(sorted(Counter(f.rule for f in findings).items())),
                    "digest": digest,
                    "findings": listed[:MAX_LISTED],
                }
            },
        },
        "job": {"namespace": SCAN_JOB[0], "name": SCAN_JOB[1], "facets": {}},
        "inputs": [],
        "outputs": [],
    }


def record_scan(
    *, pipeline: IngestPipeline, findings: list[FindingOut], trigger: str, run_id: str | None = None
) -> int:
    """Log the scan event through the one ingestion path; returns its sequence number."""
    event = scan_event(findings, run_id=run_id, trigger=trigger)
    pipeline.check(event)
    return pipeline.log_events([event])[0].seq
