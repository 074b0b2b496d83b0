"""NO_HUMAN_REVIEW (V.A.3): significant or rights-/safety-impacting decisions on AI outputs nobody reviewed."""

from __future__ import annotations

from graph_schema import EdgeType, NodeLabel
from lineage_api.compliance.context import RISKY, Ctx, finding
from lineage_api.compliance.schemas import FindingOut
from lineage_api.store.protocol import Node


def _use_case(ctx: Ctx, decision: Node, outputs: list[str]) -> Node | None:
    job = decision.props.get("jobId")
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
        p = decision.props
        if not p.get("decidedAt"):
            continue
        outputs = [o for o in ctx.targets(decision.id, EdgeType.BASED_ON) if o.startswith("output:")]
        if not outputs:
            continue
        case = _use_case(ctx, decision, outputs)
        risky = case is not None and case.props.get("riskCategory") in RISKY
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
