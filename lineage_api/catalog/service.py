"""Catalog reads over what was ingested: namespaces, jobs, datasets and runs (the lineage graph is in ``lineage``).

Everything is read through the ``GraphStore`` protocol; stored property values are JSON and read defensively.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from graph_schema import EdgeType, NodeLabel
from lineage_api.catalog.schemas import (
    DatasetOut,
    DatasetPage,
    DatasetVersionRef,
    FieldOut,
    JobOut,
    JobPage,
    JobRef,
    NamespaceOut,
    NamespacePage,
    RunOut,
    RunRef,
    TagOut,
)
from lineage_api.core import ids
from lineage_api.core.errors import NotFound
from lineage_api.store.protocol import Direction, Edge, GraphStore, Node, Step

_EDGE_CAP = 100_000  # edges read per store call
_LATEST_RUN_BATCH = 20_000  # runs read for a whole page of jobs before falling back to one job at a time
_LATEST_RUN_CAP = 2_000  # runs read per job in that fallback; a job with more shows no latest run
_SCAN_PAGE = 1_000
_PARENT_DEPTH = 32

_RUN_OF_IN = Step(EdgeType.RUN_OF, Direction.IN)
_HAS_FIELD = Step(EdgeType.HAS_FIELD, Direction.OUT)
_RUN_IO = (Step(EdgeType.READ, Direction.OUT), Step(EdgeType.WROTE, Direction.OUT))


# -- property helpers -------------------------------------------------------------------------------------------
def prop_text(props: dict[str, Any], key: str) -> str | None:
    value = props.get(key)
    return value if isinstance(value, str) and value else None


def prop_texts(props: dict[str, Any], key: str) -> list[str]:
    value = props.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def prop_tags(props: dict[str, Any]) -> list[TagOut]:
    value = props.get("tags")
    items = value if isinstance(value, list) else []
    return [TagOut(key=str(t["key"]), value=str(t["value"])) for t in items if isinstance(t, dict) and "key" in t]


def prop_facets(props: dict[str, Any]) -> dict[str, Any]:
    value = props.get("facets")
    return value if isinstance(value, dict) else {}


def _next_offset(found: int, limit: int, offset: int) -> int | None:
    return offset + limit if found > limit else None


# -- namespaces, jobs, datasets ---------------------------------------------------------------------------------
def _scan(store: GraphStore, label: NodeLabel) -> Iterator[Node]:
    offset = 0
    while True:
        page = store.find_nodes(label, limit=_SCAN_PAGE, offset=offset)
        yield from page
        if len(page) < _SCAN_PAGE:
            return
        offset += len(page)


def list_namespaces(*, store: GraphStore, limit: int, offset: int) -> NamespacePage:
    """Distinct namespaces of jobs and datasets with their counts, sorted by name."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for slot, label in enumerate((NodeLabel.JOB, NodeLabel.DATASET)):
        for node in _scan(store, label):
            namespace = prop_text(node.props, "namespace")
            if namespace is not None:
                counts[namespace][slot] += 1
    names = sorted(counts)
    return NamespacePage(
        namespaces=[
            NamespaceOut(name=n, jobCount=counts[n][0], datasetCount=counts[n][1])
            for n in names[offset : offset + limit]
        ],
        nextOffset=_next_offset(len(names) - offset, limit, offset),
    )


def _latest_runs(store: GraphStore, job_ids: list[str]) -> dict[str, RunRef]:
    """The run first seen last for each job (RUN_OF edges keep the earliest eventTime of the run)."""
    edges = store.edges(job_ids, [_RUN_OF_IN], limit=_LATEST_RUN_BATCH + 1)
    if len(edges) > _LATEST_RUN_BATCH:
        edges = []
        for job_id in job_ids:
            mine = store.edges([job_id], [_RUN_OF_IN], limit=_LATEST_RUN_CAP + 1)
            edges += mine if len(mine) <= _LATEST_RUN_CAP else []
    latest: dict[str, Edge] = {}
    for edge in edges:
        if edge.dst not in latest or (edge.at, edge.src) > (latest[edge.dst].at, latest[edge.dst].src):
            latest[edge.dst] = edge
    runs = {n.id: n for n in store.get_nodes(e.src for e in latest.values())}
    return {
        job_id: RunRef(id=run.id, runId=prop_text(run.props, "runId") or run.id, state=prop_text(run.props, "state"))
        for job_id, edge in latest.items()
        if (run := runs.get(edge.src)) is not None
    }


def _job_out(node: Node, latest: RunRef | None) -> JobOut:
    p = node.props
    return JobOut(
        id=node.id,
        namespace=str(p.get("namespace", "")),
        name=str(p.get("name", "")),
        jobType=prop_text(p, "jobType"),
        integration=prop_text(p, "integration"),
        processingType=prop_text(p, "processingType"),
        description=prop_text(p, "description"),
        owners=prop_texts(p, "owners"),
        facets=prop_facets(p),
        updatedAt=prop_text(p, "updatedAt"),
        latestRun=latest,
    )


def list_jobs(*, store: GraphStore, namespace: str | None, limit: int, offset: int) -> JobPage:
    """Jobs (optionally of one namespace) sorted by id, with their latest run."""
    where = {"namespace": namespace} if namespace is not None else None
    found = store.find_nodes(NodeLabel.JOB, where, limit=limit + 1, offset=offset)
    page = found[:limit]
    latest = _latest_runs(store, [n.id for n in page])
    return JobPage(
        jobs=[_job_out(n, latest.get(n.id)) for n in page], nextOffset=_next_offset(len(found), limit, offset)
    )


def fields_by_dataset(*, store: GraphStore, dataset_ids: Iterable[str]) -> dict[str, list[FieldOut]]:
    """The Field nodes each dataset has (HAS_FIELD), sorted by field name."""
    edges = store.edges(sorted(set(dataset_ids)), [_HAS_FIELD], limit=_EDGE_CAP)
    nodes = {n.id: n for n in store.get_nodes(e.dst for e in edges)}
    out: dict[str, list[FieldOut]] = defaultdict(list)
    for edge in edges:
        node = nodes.get(edge.dst)
        if node is None:
            continue
        p = node.props
        out[edge.src].append(
            FieldOut(
                name=prop_text(p, "field") or edge.dst,
                type=prop_text(p, "type"),
                description=prop_text(p, "description"),
                tags=prop_tags(p),
                classifications=prop_texts(p, "classifications"),
            )
        )
    for fields in out.values():
        fields.sort(key=lambda f: f.name)
    return out


def _dataset_out(node: Node, fields: list[FieldOut]) -> DatasetOut:
    p = node.props
    return DatasetOut(
        id=node.id,
        namespace=str(p.get("namespace", "")),
        name=str(p.get("name", "")),
        datasetType=prop_text(p, "datasetType"),
        owners=prop_texts(p, "owners"),
        tags=prop_tags(p),
        external=p.get("external") is True,
        fields=fields,
        latestVersion=prop_text(p, "latestVersion"),
        latestVersionAt=prop_text(p, "latestVersionAt"),
        facets=prop_facets(p),
        updatedAt=prop_text(p, "updatedAt"),
    )


def list_datasets(*, store: GraphStore, namespace: str | None, limit: int, offset: int) -> DatasetPage:
    """Datasets (optionally of one namespace) sorted by id, with their current fields."""
    where = {"namespace": namespace} if namespace is not None else None
    found = store.find_nodes(NodeLabel.DATASET, where, limit=limit + 1, offset=offset)
    page = found[:limit]
    fields = fields_by_dataset(store=store, dataset_ids=[n.id for n in page])
    return DatasetPage(
        datasets=[_dataset_out(n, fields.get(n.id, [])) for n in page],
        nextOffset=_next_offset(len(found), limit, offset),
    )


# -- runs -------------------------------------------------------------------------------------------------------
def _job_ref(props: dict[str, Any]) -> JobRef | None:
    job_id = prop_text(props, "jobId")
    if job_id is None:
        return None
    namespace, name = prop_text(props, "jobNamespace"), prop_text(props, "jobName")
    if namespace is None or name is None:
        namespace, name = ids.split_namespace_name(job_id.removeprefix("job:"))
    return JobRef(id=job_id, namespace=namespace, name=name)


def _root_run(store: GraphStore, run_node_id: str) -> str | None:
    """The runId at the top of the PARENT chain above a run."""
    walk = store.expand([run_node_id], [Step(EdgeType.PARENT, Direction.OUT)], max_depth=_PARENT_DEPTH, max_nodes=64)
    top = max(walk.nodes, key=lambda n: (walk.depth.get(n.id, 0), n.id), default=None)
    return prop_text(top.props, "runId") if top is not None and top.id != run_node_id else None


def get_run(*, store: GraphStore, run_id: str) -> RunOut:
    """One run with its job, parent, and the dataset versions it read and wrote; ``NotFound`` when unknown."""
    node = store.get_node(ids.run_id(run_id))
    if node is None or node.label is not NodeLabel.RUN:
        raise NotFound(f"run {run_id!r} was not found", field="runId")
    io = store.edges([node.id], _RUN_IO, limit=_EDGE_CAP)
    versions = {n.id: n for n in store.get_nodes(e.dst for e in io)}
    refs: dict[EdgeType, list[DatasetVersionRef]] = {EdgeType.READ: [], EdgeType.WROTE: []}
    for edge in io:
        if (version := versions.get(edge.dst)) is not None:
            v = version.props
            refs[edge.type].append(
                DatasetVersionRef(
                    id=version.id,
                    namespace=str(v.get("namespace", "")),
                    name=str(v.get("name", "")),
                    version=str(v.get("version", "")),
                )
            )
    p = node.props
    parent = prop_text(p, "parentRunId")
    return RunOut(
        id=node.id,
        runId=prop_text(p, "runId") or run_id,
        state=prop_text(p, "state"),
        startedAt=prop_text(p, "startedAt"),
        endedAt=prop_text(p, "endedAt"),
        nominalStartTime=prop_text(p, "nominalStartTime"),
        nominalEndTime=prop_text(p, "nominalEndTime"),
        errorMessage=prop_text(p, "errorMessage"),
        producer=prop_text(p, "producer"),
        facets=prop_facets(p),
        job=_job_ref(p),
        parentRunId=parent,
        rootRunId=prop_text(p, "rootRunId") or (_root_run(store, node.id) if parent else None),
        inputs=sorted(refs[EdgeType.READ], key=lambda r: r.id),
        outputs=sorted(refs[EdgeType.WROTE], key=lambda r: r.id),
    )
