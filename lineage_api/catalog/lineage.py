"""The Marquez-compatible lineage graph: jobs and datasets, alternating, walked level by level from one node.

As in Marquez, two jobs are neighbours when they share a dataset (either as input or output), ``depth`` counts job
hops from the start, and every job in the graph comes with all of its input and output datasets. Job-level edges
are derived from runs: a job's inputs are the datasets whose versions its runs READ, its outputs those they WROTE.
Each level costs a fixed number of batched ``store.edges`` calls, whatever its width.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from graph_schema import EdgeType, NodeLabel
from lineage_api.catalog.schemas import (
    FieldOut,
    LineageDatasetData,
    LineageEdge,
    LineageGraph,
    LineageJobData,
    LineageNode,
    NameRef,
)
from lineage_api.catalog.service import fields_by_dataset, prop_tags, prop_text
from lineage_api.core import ids
from lineage_api.core.errors import InvalidInput, NotFound
from lineage_api.store.protocol import Direction, Edge, GraphStore, Node, Step

DEFAULT_DEPTH = 20
MAX_DEPTH = 50
MAX_GRAPH_NODES = 5_000  # jobs and datasets; checked before each level, so a graph may pass it by one level
_EDGE_CAP = 100_000  # per store call; reaching it marks the graph truncated


@dataclass
class _Walk:
    store: GraphStore
    io: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)  # job -> (inputs, outputs)
    datasets: set[str] = field(default_factory=set)
    truncated: bool = False

    def edges(self, node_ids: Iterable[str], *steps: Step) -> list[Edge]:
        wanted = sorted(set(node_ids))
        if not wanted:
            return []
        found = self.store.edges(wanted, steps, limit=_EDGE_CAP)
        self.truncated = self.truncated or len(found) >= _EDGE_CAP
        return found

    def jobs_touching(self, dataset_ids: Iterable[str]) -> set[str]:
        """Jobs whose runs read or wrote a version of any of these datasets."""
        versions = self.edges(dataset_ids, Step(EdgeType.VERSION_OF, Direction.IN))
        runs = self.edges(
            (e.src for e in versions), Step(EdgeType.READ, Direction.IN), Step(EdgeType.WROTE, Direction.IN)
        )
        return {e.dst for e in self.edges((e.src for e in runs), Step(EdgeType.RUN_OF, Direction.OUT))}

    def add_jobs(self, job_ids: list[str]) -> set[str]:
        """Record the inputs and outputs of these jobs; returns the datasets not seen before."""
        jobs_of_run: dict[str, set[str]] = defaultdict(set)
        for edge in self.edges(job_ids, Step(EdgeType.RUN_OF, Direction.IN)):
            jobs_of_run[edge.src].add(edge.dst)
        io_edges = self.edges(jobs_of_run, Step(EdgeType.READ, Direction.OUT), Step(EdgeType.WROTE, Direction.OUT))
        version_edges = self.edges((e.dst for e in io_edges), Step(EdgeType.VERSION_OF, Direction.OUT))
        dataset_of = {e.src: e.dst for e in version_edges}
        for job_id in job_ids:
            self.io[job_id] = (set(), set())
        for edge in io_edges:
            dataset_id = dataset_of.get(edge.dst)
            if dataset_id is None:
                continue
            for job_id in jobs_of_run[edge.src]:
                self.io[job_id][0 if edge.type is EdgeType.READ else 1].add(dataset_id)
        fresh = {d for ins, outs in (self.io[j] for j in job_ids) for d in ins | outs} - self.datasets
        self.datasets |= fresh
        return fresh

    def run(self, jobs: set[str], depth: int) -> None:
        frontier = sorted(jobs)
        for level in range(depth + 1):
            room = MAX_GRAPH_NODES - len(self.io) - len(self.datasets)
            if len(frontier) > room:
                frontier, self.truncated = frontier[: max(room, 0)], True
            if not frontier:
                return
            fresh = self.add_jobs(frontier)
            if level == depth:
                return
            frontier = sorted(self.jobs_touching(fresh) - self.io.keys())


def _start(store: GraphStore, node_id: str) -> Node:
    parsed = ids.parse_node_id(node_id)
    if parsed.label not in (NodeLabel.DATASET, NodeLabel.JOB):
        raise InvalidInput(
            f"nodeId {node_id!r} must name a dataset (dataset:<namespace>:<name>) or a job (job:<namespace>:<name>)",
            field="nodeId",
        )
    node = store.get_node(str(parsed))
    if node is None or node.label is not parsed.label:
        raise NotFound(f"{parsed.label.value.lower()} {str(parsed)!r} was not found", field="nodeId")
    return node


def _ref(node: Node) -> NameRef:
    return NameRef(namespace=str(node.props.get("namespace", "")), name=str(node.props.get("name", "")))


def _job_data(node: Node, inputs: list[NameRef], outputs: list[NameRef]) -> LineageJobData:
    ref = _ref(node)
    return LineageJobData(
        id=ref,
        type=prop_text(node.props, "jobType"),
        namespace=ref.namespace,
        name=ref.name,
        description=prop_text(node.props, "description"),
        updatedAt=prop_text(node.props, "updatedAt"),
        inputs=inputs,
        outputs=outputs,
    )


def _dataset_data(node: Node, fields: list[FieldOut]) -> LineageDatasetData:
    ref = _ref(node)
    return LineageDatasetData(
        id=ref,
        type=prop_text(node.props, "datasetType"),
        namespace=ref.namespace,
        name=ref.name,
        physicalName=ref.name,
        updatedAt=prop_text(node.props, "updatedAt"),
        latestVersion=prop_text(node.props, "latestVersion"),
        fields=fields,
        tags=prop_tags(node.props),
    )


def _graph(walk: _Walk) -> LineageGraph:
    nodes = walk.store.get_nodes([*walk.io, *walk.datasets])
    refs = {n.id: _ref(n) for n in nodes}
    fields = fields_by_dataset(store=walk.store, dataset_ids=walk.datasets)
    in_edges: dict[str, list[LineageEdge]] = defaultdict(list)
    out_edges: dict[str, list[LineageEdge]] = defaultdict(list)
    for job_id, (inputs, outputs) in walk.io.items():
        pairs = [(d, job_id) for d in inputs] + [(job_id, d) for d in outputs]
        for origin, destination in pairs:
            edge = LineageEdge(origin=origin, destination=destination)
            out_edges[origin].append(edge)
            in_edges[destination].append(edge)
    graph = []
    for node in nodes:  # get_nodes sorts by id
        if node.label is NodeLabel.JOB:
            inputs, outputs = walk.io[node.id]
            data: LineageJobData | LineageDatasetData = _job_data(
                node, [refs[d] for d in sorted(inputs) if d in refs], [refs[d] for d in sorted(outputs) if d in refs]
            )
        else:
            data = _dataset_data(node, fields.get(node.id, []))
        graph.append(
            LineageNode(
                id=node.id,
                type="JOB" if node.label is NodeLabel.JOB else "DATASET",
                data=data,
                inEdges=sorted(in_edges[node.id], key=lambda e: (e.origin, e.destination)),
                outEdges=sorted(out_edges[node.id], key=lambda e: (e.origin, e.destination)),
            )
        )
    return LineageGraph(graph=graph, truncated=walk.truncated)


def lineage_graph(*, store: GraphStore, node_id: str, depth: int) -> LineageGraph:
    """The jobs and datasets within ``depth`` job hops of a dataset or job; 400 for other ids, 404 when unknown."""
    start = _start(store, node_id)
    walk = _Walk(store)
    if start.label is NodeLabel.JOB:
        jobs = {start.id}
    else:
        walk.datasets.add(start.id)
        jobs = walk.jobs_touching([start.id])
    walk.run(jobs, max(0, min(depth, MAX_DEPTH)))
    return _graph(walk)
