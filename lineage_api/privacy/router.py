"""Privacy endpoints: where a classification flows, a dataset's classified fields, classifying fields."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from lineage_api.auth.principal import CallerDep, bounded, guard
from lineage_api.auth.roles import Permission
from lineage_api.core.deps import StateDep, StoreDep
from lineage_api.privacy import service
from lineage_api.privacy.schemas import ClassifyRequest, ClassifyResult, DatasetPrivacy, FlowAnswer

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])


@router.get("/flows", response_model=FlowAnswer, **guard(Permission.READ_PRIVACY))
async def get_flows(
    request: Request,
    store: StoreDep,
    classification: Annotated[str, Query(description="pii.ssn, protected.age, or a prefix such as protected")],
) -> FlowAnswer:
    """Where a classification flows: fields, datasets, models, outputs and external datasets, with paths."""
    answer = await bounded(request, lambda: service.flows(store=store, classification=classification))
    request.state.answer_nodes = len(answer.fields) + len(answer.datasets) + len(answer.models) + len(answer.outputs)
    return answer


@router.get("/datasets/{dataset:path}", response_model=DatasetPrivacy, **guard(Permission.READ_PRIVACY))
async def get_dataset_privacy(request: Request, store: StoreDep, dataset: str) -> DatasetPrivacy:
    """A dataset's fields with their classifications and origins (declared, suggested, propagated)."""
    answer = await bounded(request, lambda: service.dataset_privacy(store=store, dataset=dataset))
    request.state.answer_nodes = len(answer.fields)
    return answer


@router.post("/classifications", response_model=ClassifyResult, status_code=201, **guard(Permission.CLASSIFY))
async def post_classification(state: StateDep, principal: CallerDep, body: ClassifyRequest) -> ClassifyResult:
    """Classify fields of a dataset, as the calling key; recorded as an OpenLineage event like everything else."""
    assert state.pipeline is not None
    return await run_in_threadpool(
        service.classify, pipeline=state.pipeline, dataset=body.dataset, fields=body.fields, principal=principal
    )
