"""Catalog read endpoints: namespaces, jobs, datasets, runs and the Marquez-compatible lineage graph."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AfterValidator

from lineage_api.auth.principal import Principal, guard, requires
from lineage_api.auth.redaction import redact_lineage
from lineage_api.auth.roles import Permission
from lineage_api.catalog import lineage, service
from lineage_api.catalog.schemas import DatasetPage, JobPage, LineageGraph, NamespacePage, RunOut
from lineage_api.core.deps import StoreDep
from lineage_api.core.errors import NotFound
from lineage_api.core.limits import node_id_param

router = APIRouter(prefix="/api/v1", tags=["catalog"])

Reader = Annotated[Principal, Depends(requires(Permission.READ_LINEAGE))]
Limit = Annotated[int, Query(ge=1, le=1000, description="Most items to return.")]
Offset = Annotated[int, Query(ge=0, le=2**53, description="Items to skip.")]
NamespaceFilter = Annotated[str | None, Query(description="Only items of this namespace (e.g. postgres://db:5432).")]
READ = guard(Permission.READ_LINEAGE)


@router.get("/namespaces", response_model=NamespacePage, **READ)
def list_namespaces(store: StoreDep, principal: Reader, limit: Limit = 100, offset: Offset = 0) -> NamespacePage:
    """The namespaces of jobs and datasets, with how many of each they hold (those this key may see)."""
    page = service.list_namespaces(store=store, limit=limit, offset=offset)
    return page.model_copy(update={"namespaces": [n for n in page.namespaces if principal.covers(n.name)]})


@router.get("/jobs", response_model=JobPage, **READ)
def list_jobs(
    store: StoreDep, principal: Reader, namespace: NamespaceFilter = None, limit: Limit = 100, offset: Offset = 0
) -> JobPage:
    """Jobs sorted by id, with their latest facets and latest run (those this key may see)."""
    page = service.list_jobs(store=store, namespace=namespace, limit=limit, offset=offset)
    return page.model_copy(update={"jobs": [j for j in page.jobs if principal.covers(j.namespace)]})


@router.get("/datasets", response_model=DatasetPage, **READ)
def list_datasets(
    store: StoreDep, principal: Reader, namespace: NamespaceFilter = None, limit: Limit = 100, offset: Offset = 0
) -> DatasetPage:
    """Datasets sorted by id, with their current schema fields and latest version (those this key may see)."""
    page = service.list_datasets(store=store, namespace=namespace, limit=limit, offset=offset)
    return page.model_copy(update={"datasets": [d for d in page.datasets if principal.covers(d.namespace)]})


@router.get("/runs/{run_id:path}", response_model=RunOut, **READ)
def get_run(
    store: StoreDep, principal: Reader, run_id: Annotated[str, Path(description="The OpenLineage runId (any string).")]
) -> RunOut:
    """One run: state, times, job, parent, and the dataset versions it read and wrote."""
    run = service.get_run(store=store, run_id=run_id)
    if run.job is not None and not principal.covers(run.job.namespace):
        raise NotFound(f"no run {run_id!r} has been recorded", field="runId")
    return run


@router.get("/lineage", response_model=LineageGraph, **READ)
def get_lineage(
    store: StoreDep,
    principal: Reader,
    node_id: Annotated[
        str,
        Query(alias="nodeId", description="dataset:<namespace>:<name> or job:<namespace>:<name>"),
        AfterValidator(node_id_param),
    ],
    depth: Annotated[int, Query(ge=0, le=10**6, description=f"Job hops to walk (at most {lineage.MAX_DEPTH}).")] = (
        lineage.DEFAULT_DEPTH
    ),
) -> LineageGraph:
    """The Marquez-compatible lineage graph of jobs and datasets around one node."""
    graph = redact_lineage(lineage.lineage_graph(store=store, node_id=node_id, depth=depth), principal)
    if (
        any(n.id.startswith("restricted:") and not n.inEdges and not n.outEdges for n in graph.graph)
        and len(graph.graph) == 1
    ):
        raise NotFound(f"no node {node_id!r} is visible to this key", field="nodeId")
    return graph
