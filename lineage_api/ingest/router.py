"""OpenLineage ingestion endpoints and the raw event log."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from lineage_api.auth.principal import Principal, guard, requires
from lineage_api.auth.roles import Permission
from lineage_api.core.deps import StateDep
from lineage_api.core.errors import PayloadTooLarge
from lineage_api.ingest import evidence, service
from lineage_api.ingest.pipeline import IngestPipeline
from lineage_api.ingest.schemas import (
    BatchResult,
    CheckpointKeyOut,
    CheckpointPage,
    ConsistencyProofOut,
    EventPage,
    InclusionProofOut,
    IngestResult,
    VerifyResult,
)

router = APIRouter(prefix="/api/v1", tags=["ingest"])
Writer = Annotated[Principal, Depends(requires(Permission.INGEST))]

_EVENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "An OpenLineage RunEvent, DatasetEvent or JobEvent (spec 2-0-2).",
                    "additionalProperties": True,
                }
            }
        },
    }
}
_BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}},
    }
}


def _pipeline(state: StateDep) -> IngestPipeline:
    assert state.pipeline is not None
    return state.pipeline


async def _read_json(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body is larger than {limit} bytes", field="body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body is larger than {limit} bytes", field="body")
        chunks.append(chunk)
    return service.decode_body(b"".join(chunks), encoding=request.headers.get("content-encoding"), limit=limit)


async def _wait_projected(pipeline: IngestPipeline, seq: int, wait_ms: int) -> bool:
    try:
        await asyncio.wait_for(pipeline.projected_future(seq), timeout=wait_ms / 1000)
    except TimeoutError:
        return False
    return True


@router.post(
    "/lineage",
    response_model=IngestResult,
    status_code=201,
    responses={202: {"model": IngestResult, "description": "Durably accepted, not yet in the graph."}},
    **guard(Permission.INGEST, _EVENT_BODY),
)
async def post_event(request: Request, state: StateDep, principal: Writer) -> JSONResponse:
    """Accept one OpenLineage event: 201 once in the graph, 202 once durably logged."""
    pipeline = _pipeline(state)
    data = await _read_json(request, state.settings.ingest.max_body_bytes)
    seq, duplicate, event = await run_in_threadpool(
        service.accept_one, pipeline=pipeline, data=data, writer=principal.writer
    )
    projected = await _wait_projected(pipeline, seq, state.settings.ingest.ack_wait_ms)
    result = IngestResult(
        status="projected" if projected else "accepted",
        seq=seq,
        replica=pipeline.replica,
        duplicate=duplicate,
        notes=list(event.notes),
    )
    return JSONResponse(result.model_dump(), status_code=201 if projected else 202)


@router.post("/lineage/batch", response_model=BatchResult, **guard(Permission.INGEST, _BATCH_BODY))
async def post_batch(request: Request, state: StateDep, principal: Writer) -> BatchResult:
    """Accept an array of events; good ones are kept even when others are rejected."""
    data = await _read_json(request, state.settings.ingest.max_body_bytes)
    return await run_in_threadpool(
        service.accept_batch,
        pipeline=_pipeline(state),
        data=data,
        max_events=state.settings.ingest.max_batch_events,
        writer=principal.writer,
    )


@router.get("/events", response_model=EventPage, **guard(Permission.READ_EVENTS))
def get_events(
    state: StateDep,
    after: Annotated[int, Query(ge=0, le=2**53, description="Return events with a sequence number above this.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    """The raw events of this replica's log, in log order."""
    return service.read_events(pipeline=_pipeline(state), after=after, limit=limit)


@router.get("/events/verify", response_model=VerifyResult, **guard(Permission.READ_EVENTS))
def verify_events(state: StateDep) -> VerifyResult:
    """Recompute the hash chains of the local log and of every replica's events in the graph store."""
    pipeline = _pipeline(state)
    signer = pipeline.checkpointer
    return service.verify(eventlog=pipeline.log, store=state.store, key=signer.public_key, log_origin=signer.origin)


@router.get("/events/checkpoints/key", response_model=CheckpointKeyOut, **guard(Permission.READ_EVENTS))
def checkpoint_key(state: StateDep) -> CheckpointKeyOut:
    """This replica's Ed25519 checkpoint-signing public key."""
    signer = _pipeline(state).checkpointer
    return evidence.key_info(key=signer.public_key, log_origin=signer.origin)


@router.get("/events/checkpoints", response_model=CheckpointPage, **guard(Permission.READ_EVENTS))
def list_checkpoints(state: StateDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> CheckpointPage:
    """The signed checkpoints of this replica's event log, newest first."""
    pipeline = _pipeline(state)
    return evidence.list_checkpoints(eventlog=pipeline.log, log_origin=pipeline.checkpointer.origin, limit=limit)


@router.get("/events/consistency", response_model=ConsistencyProofOut, **guard(Permission.READ_EVENTS))
def consistency_proof(
    state: StateDep,
    old: Annotated[int, Query(alias="from", description="The older tree size.")],
    new: Annotated[int, Query(alias="to", description="The newer tree size.")],
) -> ConsistencyProofOut:
    """RFC 9162 proof that the log of `from` events is a prefix of the log of `to` events."""
    return evidence.consistency(eventlog=_pipeline(state).log, old=old, new=new)


@router.get("/events/{seq}/proof", response_model=InclusionProofOut, **guard(Permission.READ_EVENTS))
def inclusion_proof(
    state: StateDep,
    seq: int,
    tree_size: Annotated[int | None, Query(alias="treeSize", description="Default: the latest checkpoint's.")] = None,
) -> InclusionProofOut:
    """RFC 9162 proof that event `seq` is in the log's tree of `treeSize` events."""
    pipeline = _pipeline(state)
    return evidence.inclusion(eventlog=pipeline.log, log_origin=pipeline.checkpointer.origin, seq=seq,
                              tree_size=tree_size)
