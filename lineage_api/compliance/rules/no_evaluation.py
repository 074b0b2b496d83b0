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
            evaluations = ctx.nodes(ctx.sources(model.id, EdgeType.EVALUATED)).values()
            passed = [
                e
                for e in evaluations
                if e.props.get("passed") is True and str(e.props.get("evaluatedAt", "")) <= item.at
            ]
            missing = None
            if not passed:
                missing = "no passed evaluation"
            elif rights and not any(e.props.get("kind") == "bias" for e in passed):
                missing = "no passed bias evaluation"
            if missing is None:
                continue
            failed = sorted(e.id for e in evaluations if e.props.get("passed") is False)
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
