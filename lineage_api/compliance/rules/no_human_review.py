"""NO_HUMAN_REVIEW (V.A.3): significant or rights-/safety-impacting decisions on AI outputs nobody reviewed."""

from __future__ import annotations

from typing import Any

from graph_schema import NodeLabel
from lineage_api.compliance.context import RISKY, Ctx, finding
from lineage_api.compliance.schemas import FindingOut
from lineage_api.store.protocol import Node


def _use_case(ctx: Ctx, decision: dict[str, Any], outputs: list[str]) -> Node | None:
    job = decision.get("jobId")
    case = ctx.use_case_of_job(str(job)) if job else None
    for output in outputs:
        if case is not None:
            break
        run = ctx.producer_of(output)
        job_id = ctx.job_of(run) if run else None
        case = ctx.use_case_of_job(job_id) if job_id else None
    return case


def check(ctx: Ctx) -> list[FindingOut]:
    out = []
    decisions = ctx.candidates(NodeLabel.DECISION)
    ctx.prefetch_decisions(decisions)
    for decision in decisions:
        p = ctx.record(decision)
        if not p.get("decidedAt"):
            continue
        outputs = sorted(e.dst for e in ctx.based_on(decision, p) if e.dst.startswith("output:"))
        if not outputs:
            continue
        case = _use_case(ctx, p, outputs)
        risky = case is not None and ctx.record(case, p["decidedAt"]).get("riskCategory") in RISKY
        if not (p.get("significant") is True or risky):
            continue
        unreviewed = [o for o in outputs if not ctx.reviews_before(o, p["decidedAt"])]
        if not unreviewed:
            continue
        why = "a significant decision" if p.get("significant") else f"a decision in {case.id if case else ''}"
        out.append(
            finding(
                "NO_HUMAN_REVIEW",
                node=decision.id,
                at=p["decidedAt"],
                evidence=[decision.id, *unreviewed, *([case.id] if case else [])],
                summary=f"{why} ({p.get('decisionId')}) rests on AI output(s) no person reviewed before it: "
                f"{', '.join(o.removeprefix('output:') for o in unreviewed)}",
            )
        )
    return out
