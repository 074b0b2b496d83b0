"""NO_EVALUATION (V.A.6): a risky use case's output from a model version with no passed evaluation before it."""

from __future__ import annotations

from graph_schema import EdgeType
from lineage_api.compliance.context import Ctx, finding
from lineage_api.compliance.rules._outputs import risky_outputs
from lineage_api.compliance.schemas import FindingOut


def check(ctx: Ctx) -> list[FindingOut]:
    out = []
    for item in risky_outputs(ctx):
        rights = item.use_case.props.get("riskCategory") in ("rights-impacting", "both")
        for model in item.models:
            nodes = ctx.nodes(ctx.sources(model.id, EdgeType.EVALUATED)).values()
            evaluations = [(e, ctx.record(e, item.at)) for e in nodes]
            passed = [p for _, p in evaluations if p.get("passed") is True and str(p.get("evaluatedAt", "")) <= item.at]
            missing = None
            if not passed:
                missing = "no passed evaluation"
            elif rights and not any(p.get("kind") == "bias" for p in passed):
                missing = "no passed bias evaluation"
            if missing is None:
                continue
            failed = sorted(e.id for e, p in evaluations if p.get("passed") is False)
            out.append(
                finding(
                    "NO_EVALUATION",
                    node=item.output.id,
                    at=item.at,
                    evidence=[item.output.id, item.run, model.id, *failed],
                    summary=f"model {model.props.get('name')} version {model.props.get('version')} had {missing} "
                    f"before output {item.output.props.get('outputId')} ({item.use_case.props.get('riskCategory')})",
                )
            )
    return out
