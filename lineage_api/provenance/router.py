"""Trace (upstream, as of the traced moment) and impact (downstream) endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AfterValidator

from lineage_api.auth.principal import Principal, bounded, guard, requires
from lineage_api.auth.redaction import redact_impact, redact_trace
from lineage_api.auth.roles import Permission
from lineage_api.core.deps import StoreDep
from lineage_api.core.limits import node_id_param, time_param
from lineage_api.provenance import service
from lineage_api.provenance.prov import to_prov_json
from lineage_api.provenance.schemas import ImpactAnswer, TraceAnswer

router = APIRouter(prefix="/api/v1", tags=["provenance"])
Reader = Annotated[Principal, Depends(requires(Permission.READ_LINEAGE))]
NodeIdQuery = Annotated[
    str,
    Query(alias="nodeId", description="output:<id>, decision:<id>, run:<id> or dataset:<ns>:<name>[#<version>]"),
    AfterValidator(node_id_param),
]
AsOf = Annotated[
    str | None,
    Query(alias="asOf", description="Trace as of this time (default: the node's own)."),
    AfterValidator(time_param("asOf")),
]
Since = Annotated[
    str | None, Query(description="Only what happened at or after this time."), AfterValidator(time_param("since"))
]
Until = Annotated[
    str | None, Query(description="Only what happened at or before this time."), AfterValidator(time_param("until"))
]
Depth = Annotated[int, Query(ge=1, le=service.MAX_DEPTH, description="Hop limit.")]


@router.get("/trace", response_model=TraceAnswer | dict[str, Any], **guard(Permission.READ_LINEAGE))
async def get_trace(
    request: Request,
    store: StoreDep,
    principal: Reader,
    node_id: NodeIdQuery,
    as_of: AsOf = None,
    depth: Depth = 25,
    max_nodes: Annotated[int, Query(alias="maxNodes", ge=1, le=service.MAX_NODES)] = 2000,
    format: Annotated[Literal["json", "prov"], Query(description="json, or W3C PROV-JSON")] = "json",
) -> TraceAnswer | dict[str, Any]:
    """Where an AI output, decision, run or dataset version came from, as it stood at that moment."""
    answer = await bounded(
        request, lambda: service.trace(store=store, node_id=node_id, as_of=as_of, depth=depth, max_nodes=max_nodes)
    )
    answer = redact_trace(answer, principal)
    request.state.answer_nodes = len(answer.nodes)
    return to_prov_json(answer) if format == "prov" else answer


@router.get("/impact", response_model=ImpactAnswer, **guard(Permission.READ_LINEAGE))
async def get_impact(
    request: Request,
    store: StoreDep,
    principal: Reader,
    node_id: NodeIdQuery,
    since: Since = None,
    until: Until = None,
    depth: Depth = 25,
    max_nodes: Annotated[int, Query(alias="maxNodes", ge=1, le=service.MAX_NODES)] = 10_000,
) -> ImpactAnswer:
    """Everything derived from a dataset version, model version or run: down to outputs and decisions."""
    answer = await bounded(
        request,
        lambda: service.impact(
            store=store, node_id=node_id, since=since, until=until, depth=depth, max_nodes=max_nodes
        ),
    )
    answer = redact_impact(answer, principal)
    request.state.answer_nodes = len(answer.nodes)
    return answer
