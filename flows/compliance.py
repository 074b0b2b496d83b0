"""The scheduled compliance scan: run the directive rules, record the findings as an event.

Run once:            python -m flows.compliance
Serve on a schedule: python -m flows.compliance --serve --interval 3600
(`lineage check` runs the same scan once without Prefect.)
"""

from __future__ import annotations

import argparse
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run

from lineage_api.compliance.recording import record_scan
from lineage_api.compliance.schemas import FindingOut
from lineage_api.compliance.service import scan
from lineage_api.core.settings import get_settings
from lineage_api.ingest.pipeline import IngestPipeline
from lineage_api.store.factory import build_store


@task(name="run-compliance-rules")
def run_rules(rules: list[str] | None = None) -> list[dict[str, Any]]:
    store = build_store(get_settings())
    try:
        return [f.model_dump() for f in scan(store=store, rule_ids=rules)]
    finally:
        store.close()


@task(name="record-compliance-scan")
def record(findings: list[dict[str, Any]], run_id: str | None) -> int:
    settings = get_settings()
    store = build_store(settings)
    pipeline = IngestPipeline.open(settings, store)
    try:
        seq = record_scan(
            pipeline=pipeline, findings=[FindingOut(**f) for f in findings], trigger="prefect", run_id=run_id
        )
        pipeline.drain(60)
        return seq
    finally:
        pipeline.close()
        store.close()


@flow(name="compliance-scan")
def compliance_scan(rules: list[str] | None = None) -> dict[str, Any]:
    """Scan the lineage graph with the directive's rules and record the findings in the event log."""
    findings = run_rules(rules)
    run_id = flow_run.get_id()
    seq = record(findings, str(run_id) if run_id else None)
    high = sum(1 for f in findings if f["severity"] == "high")
    get_run_logger().info("%d finding(s), %d high severity; recorded as event %d", len(findings), high, seq)
    return {"total": len(findings), "high": high, "seq": seq, "runId": run_id}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", action="store_true", help="serve the flow on a schedule")
    parser.add_argument("--interval", type=int, default=3600, help="seconds between scans when serving")
    args = parser.parse_args()
    if args.serve:
        compliance_scan.serve(name="compliance-scan", interval=args.interval)
    else:
        print(compliance_scan())


if __name__ == "__main__":
    main()
