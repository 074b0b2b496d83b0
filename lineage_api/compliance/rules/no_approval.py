"""NO_APPROVAL (V.B.1, V.A.3): a risky use case's output from a model version not approved at that moment."""

from __future__ import annotations

from lineage_api.compliance.context import Ctx, finding
from lineage_api.compliance.rules._outputs import risky_outputs
from lineage_api.compliance.schemas import FindingOut


def check(ctx: Ctx) -> list[FindingOut]:
    out = []
    for item in risky_outputs(ctx):
        for model in item.models:
            if ctx.approvals_in_force([model.id], "governance_board", item.at):
                continue
            out.append(
                finding(
                    "NO_APPROVAL",
                    node=item.output.id,
                    at=item.at,
                    evidence=[item.output.id, item.run, model.id, item.use_case.id],
                    summary=f"output {item.output.props.get('outputId')} of {item.use_case.props.get('riskCategory')} "
                    f"use case {item.use_case.props.get('useCaseId')} came from model {model.props.get('name')} "
                    f"version {model.props.get('version')} with no governance_board approval in force at {item.at}",
                )
            )
    return out
