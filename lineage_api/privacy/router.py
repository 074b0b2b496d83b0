"""Privacy endpoints: where a classification flows, a dataset's classified fields, classifying fields."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from lineage_api.core.deps import StateDep, StoreDep
from lineage_api.privacy import service
from lineage_api.privacy.schemas import ClassifyRequest, ClassifyResult, DatasetPrivacy, FlowAnswer

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])


@router.get("/flows", response_model=FlowAnswer)
def get_flows(
    store: StoreDep,
    classification: Annotated[str, Query(description="pii.ssn, protected.age, or a prefix such as protected")],
) -> FlowAnswer:
    """Where a classification flows: fields, datasets, models, outputs and external datasets, with paths."""
    return service.flows(store=store, classification=classification)


@router.get("/datasets/{dataset:path}", response_model=DatasetPrivacy)
def get_dataset_privacy(store: StoreDep, dataset: str) -> DatasetPrivacy:
    """A dataset's fields with their classifications and origins (declared, suggested, propagated)."""
    return service.dataset_privacy(store=store, dataset=dataset)


@router.post("/classifications", response_model=ClassifyResult, status_code=201)
async def post_classification(state: StateDep, body: ClassifyRequest) -> ClassifyResult:
    """Classify fields of a dataset; recorded as an OpenLineage event like everything else."""
    assert state.pipeline is not None
    return await run_in_threadpool(
        service.classify, pipeline=state.pipeline, dataset=body.dataset, fields=body.fields, by=body.by
    )
