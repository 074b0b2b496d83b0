"""Compliance endpoints: the rules and their findings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator

from lineage_api.auth.principal import bounded, guard
from lineage_api.auth.roles import Permission
from lineage_api.compliance import service
from lineage_api.compliance.schemas import FindingsAnswer, RulesAnswer
from lineage_api.core.deps import StoreDep
from lineage_api.core.limits import node_id_param, time_param

router = APIRouter(prefix="/api/v1/compliance", tags=["compliance"])


@router.get("/rules", response_model=RulesAnswer, **guard(Permission.READ_LINEAGE))
def get_rules() -> RulesAnswer:
    """The rules, the directive clause and text each comes from, and when it finds something."""
    return service.rules()


@router.get("/findings", response_model=FindingsAnswer, **guard(Permission.READ_COMPLIANCE))
async def get_findings(
    request: Request,
    store: StoreDep,
    rule: Annotated[str | None, Query(description="Only this rule, e.g. SOLE_BASIS.")] = None,
    since: Annotated[
        str | None,
        Query(description="Only findings about things at or after this time."),
        AfterValidator(time_param("since")),
    ] = None,
    until: Annotated[
        str | None,
        Query(description="Only findings about things at or before this time."),
        AfterValidator(time_param("until")),
    ] = None,
    node_id: Annotated[
        str | None,
        Query(alias="nodeId", description="Only findings involving this node."),
        AfterValidator(node_id_param),
    ] = None,
) -> FindingsAnswer:
    """Compliance findings: rule, clause, severity, offending node, summary and evidence path."""
    answer = await bounded(
        request, lambda: service.findings(store=store, rule=rule, since=since, until=until, node_id=node_id)
    )
    request.state.answer_nodes = len(answer.findings)
    return answer
