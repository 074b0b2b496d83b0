"""Catalog read endpoints: namespaces, jobs, datasets, runs and the Marquez-compatible lineage graph."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from lineage_api.catalog import lineage, service
from lineage_api.catalog.schemas import DatasetPage, JobPage, LineageGraph, NamespacePage, RunOut
from lineage_api.core.deps import StoreDep

router = APIRouter(prefix="/api/v1", tags=["catalog"])

Limit = Annotated[int, Query(ge=1, le=1000, description="Most items to return.")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]
NamespaceFilter = Annotated[str | None, Query(description="Only items of this namespace (e.g. postgres://db:5432).")]


@router.get("/namespaces", response_model=NamespacePage)
def list_namespaces(store: StoreDep, limit: Limit = 100, offset: Offset = 0) -> NamespacePage:
    """The namespaces of jobs and datasets, with how many of each they hold."""
    return service.list_namespaces(store=store, limit=limit, offset=offset)


@router.get("/jobs", response_model=JobPage)
def list_jobs(store: StoreDep, namespace: NamespaceFilter = None, limit: Limit = 100, offset: Offset = 0) -> JobPage:
    """Jobs sorted by id, with their latest facets and latest run."""
    return service.list_jobs(store=store, namespace=namespace, limit=limit, offset=offset)


@router.get("/datasets", response_model=DatasetPage)
def list_datasets(
    store: StoreDep, namespace: NamespaceFilter = None, limit: Limit = 100, offset: Offset = 0
) -> DatasetPage:
    """Datasets sorted by id, with their current schema fields and latest version."""
    return service.list_datasets(store=store, namespace=namespace, limit=limit, offset=offset)


@router.get("/runs/{run_id:path}", response_model=RunOut)
def get_run(store: StoreDep, run_id: Annotated[str, Path(description="The OpenLineage runId (any string).")]) -> RunOut:
    """One run: state, times, job, parent, and the dataset versions it read and wrote."""
    return service.get_run(store=store, run_id=run_id)


@router.get("/lineage", response_model=LineageGraph)
def get_lineage(
    store: StoreDep,
    node_id: Annotated[str, Query(alias="nodeId", description="dataset:<namespace>:<name> or job:<namespace>:<name>")],
    depth: Annotated[int, Query(ge=0, description=f"Job hops to walk (at most {lineage.MAX_DEPTH}).")] = (
        lineage.DEFAULT_DEPTH
    ),
) -> LineageGraph:
    """The Marquez-compatible lineage graph of jobs and datasets around one node."""
    return lineage.lineage_graph(store=store, node_id=node_id, depth=depth)
