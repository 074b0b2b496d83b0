"""SOLE_BASIS (V.A.9.a): enforcement or a benefit denial resting on an AI output alone."""

from __future__ import annotations

from graph_schema import NodeLabel
from lineage_api.compliance.context import Ctx, finding
from lineage_api.compliance.schemas import FindingOut

ACTIONS = ("law_enforcement_action", "civil_enforcement_action", "benefit_denial")
QUALIFYING = ("concur", "override")


def check(ctx: Ctx) -> list[FindingOut]:
    out = []
    decisions = ctx.candidates(NodeLabel.DECISION)
    ctx.prefetch_decisions(decisions)
    for decision in decisions:
        p = ctx.record(decision)
        if p.get("actionType") not in ACTIONS or not p.get("decidedAt"):
            continue
        basis = ctx.based_on(decision, p)
        outputs = sorted(e.dst for e in basis if e.props.get("basis") == "ai_output")
        if not outputs or any(e.props.get("basis") == "evidence" for e in basis):
            continue
        unreviewed = [o for o in outputs if not ctx.reviews_before(o, p["decidedAt"], QUALIFYING)]
        if not unreviewed:
            continue
        chain = []
        for output in unreviewed:
            run = ctx.producer_of(output)
            chain += [output] + ([run] if run else []) + ([m.id for m in ctx.models_read(run)] if run else [])
        out.append(
            finding(
                "SOLE_BASIS",
                node=decision.id,
                at=p["decidedAt"],
                evidence=[decision.id, *chain],
                summary=f"{p.get('actionType')} {p.get('decisionId')} rests on AI output(s) "
                f"{', '.join(o.removeprefix('output:') for o in unreviewed)} with no concurring or overriding human "
                "review before the decision and no other evidence",
            )
        )
    return out
