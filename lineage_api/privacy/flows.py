"""Where a classification flows: column lineage first, then whole-dataset reads, then models and outputs.

Status of what a classification reaches, from strongest to weakest:
``declared`` (tagged on the field), ``direct`` (copied by DIRECT, unmasked derivations), ``masked-after`` (a masking
transformation on the way: a hashed SSN is not an SSN), ``indirect`` (only INDIRECT derivations, e.g. a filter on
age: influence, not a copy), ``possible`` (a run read the dataset whole with no column lineage for what it wrote, or
a model trained on it produced the output). Only ``declared`` and ``direct`` carry the classification further.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph_schema import EdgeType, NodeLabel
from lineage_api.core.ids import dataset_id, parse_node_id
from lineage_api.store.protocol import Direction, Edge, GraphStore, Node, Step

RANK = {"declared": 6, "direct": 5, "masked-after": 4, "indirect": 3, "possible": 2, "suggested": 1}
CARRIES = ("declared", "direct")
MAX_HOPS = 25
EDGE_LIMIT = 500_000


def matches(query: str, classification: str) -> bool:
    """``pii.ssn`` matches itself; ``pii`` or ``pii.`` match every ``pii.*``."""
    q = query.rstrip(".")
    return classification == q or classification.startswith(q + ".")


@dataclass(slots=True)
class Reach:
    status: str
    classification: str
    path: list[str]


@dataclass(slots=True)
class Flow:
    fields: dict[str, Reach] = field(default_factory=dict)
    suggested: dict[str, Reach] = field(default_factory=dict)
    datasets: dict[str, Reach] = field(default_factory=dict)
    models: dict[str, Reach] = field(default_factory=dict)
    outputs: dict[str, Reach] = field(default_factory=dict)
    output_count: int = 0
    complete: bool = True


def _better(new: Reach, old: Reach | None) -> bool:
    return old is None or RANK[new.status] > RANK[old.status]


def derivation_status(props: dict[str, object]) -> str:
    if props.get("type") == "DIRECT":
        return "masked-after" if props.get("masking") else "direct"
    return "indirect"


def _all(store: GraphStore, label: NodeLabel, where: dict[str, str | int | float | bool]) -> list[Node]:
    out: list[Node] = []
    while True:
        page = store.find_nodes(label, where, limit=5000, offset=len(out))
        out += page
        if len(page) < 5000:
            return out


def _dataset_of(node_id: str) -> str:
    parsed = parse_node_id(node_id)
    assert parsed.namespace is not None and parsed.name is not None
    return dataset_id(parsed.namespace, parsed.name)


def _sources(store: GraphStore, query: str, flow: Flow) -> list[str]:
    for node in _all(store, NodeLabel.FIELD, {"classified": True}):
        found = [c for c in node.props.get("classifications", []) if matches(query, c)]
        if found:
            flow.fields[node.id] = Reach("declared", found[0], [node.id])
    for node in _all(store, NodeLabel.FIELD, {"suggested": True}):
        found = [c for c in node.props.get("suggestions", []) if matches(query, c)]
        if found and node.id not in flow.fields and not node.props.get("classifications"):
            flow.suggested[node.id] = Reach("suggested", found[0], [node.id])
    return sorted(flow.fields)


def _column_level(store: GraphStore, frontier: list[str], flow: Flow) -> None:
    for _ in range(MAX_HOPS):
        if not frontier:
            return
        edges = store.edges(frontier, [Step(EdgeType.DERIVED_FROM, Direction.IN)], limit=EDGE_LIMIT)
        nxt: list[str] = []
        for edge in edges:  # edge.src was derived from edge.dst
            up = flow.fields.get(edge.dst)
            if up is None or up.status not in CARRIES:
                continue
            reach = Reach(derivation_status(edge.props), up.classification, [*up.path, edge.src])
            if _better(reach, flow.fields.get(edge.src)):
                flow.fields[edge.src] = reach
                if reach.status in CARRIES:
                    nxt.append(edge.src)
        frontier = sorted(set(nxt))
    flow.complete = False


def _by_src(edges: list[Edge]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in edges:
        out.setdefault(e.src, []).append(e.dst)
    return out


def _dataset_level(store: GraphStore, flow: Flow) -> None:
    """Whole-dataset reads: models trained on, outputs produced from, datasets written without column lineage."""
    for fid, reach in flow.fields.items():
        ds = _dataset_of(fid)
        if _better(reach, flow.datasets.get(ds)):
            flow.datasets[ds] = reach
    frontier = sorted(d for d, r in flow.datasets.items() if r.status in CARRIES)
    for _ in range(MAX_HOPS):
        if not frontier:
            return
        versions = store.edges(frontier, [Step(EdgeType.VERSION_OF, Direction.IN)], limit=EDGE_LIMIT)
        version_ds = {e.src: e.dst for e in versions}
        reads = store.edges(list(version_ds), [Step(EdgeType.READ, Direction.IN)], limit=EDGE_LIMIT)
        read_by_run: dict[str, list[str]] = {}
        for e in reads:
            read_by_run.setdefault(e.src, []).append(version_ds[e.dst])
        runs = sorted(read_by_run)
        wrote = _by_src(store.edges(runs, [Step(EdgeType.WROTE, Direction.OUT)], limit=EDGE_LIMIT))
        produced = _by_src(store.edges(runs, [Step(EdgeType.PRODUCED, Direction.OUT)], limit=EDGE_LIMIT))
        written = {n.id: n for n in store.get_nodes({v for vs in wrote.values() for v in vs})}
        nxt: set[str] = set()
        for run in runs:
            source_ds = min(read_by_run[run], key=lambda d: -RANK[flow.datasets[d].status])
            base = flow.datasets[source_ds]
            for version in wrote.get(run, []):
                node = written.get(version)
                if node is not None and node.props.get("datasetType") == "MODEL":
                    reach = Reach("direct", base.classification, [*base.path, source_ds, run, version])
                    if _better(reach, flow.models.get(version)):
                        flow.models[version] = reach
                    continue
                out_ds = _dataset_of(version)
                if out_ds in flow.datasets:
                    continue  # column lineage (or an earlier read) already says how it got there
                flow.datasets[out_ds] = Reach("possible", base.classification, [*base.path, source_ds, run, out_ds])
                nxt.add(out_ds)
            for output in produced.get(run, []):
                # An output is not a copy of what the run read: its influence is possible, not direct.
                _add_output(flow, output, Reach("possible", base.classification, [*base.path, source_ds, run, output]))
        frontier = sorted(nxt)
    flow.complete = False


def _add_output(flow: Flow, output: str, reach: Reach, cap: int = 1000) -> None:
    if output in flow.outputs:
        if _better(reach, flow.outputs[output]):
            flow.outputs[output] = reach
        return
    flow.output_count += 1
    if len(flow.outputs) < cap:
        flow.outputs[output] = reach


def _via_models(store: GraphStore, flow: Flow) -> None:
    """Outputs of inference runs that read a model trained on the classified data: possible influence."""
    models = sorted(flow.models)
    readers = store.edges(models, [Step(EdgeType.READ, Direction.IN)], limit=EDGE_LIMIT)
    by_run = {e.src: e.dst for e in readers}
    produced = store.edges(sorted(by_run), [Step(EdgeType.PRODUCED, Direction.OUT)], limit=EDGE_LIMIT)
    for e in produced:
        model = flow.models[by_run[e.src]]
        _add_output(flow, e.dst, Reach("possible", model.classification, [*model.path, e.src, e.dst]))


def trace_flows(store: GraphStore, query: str) -> Flow:
    """Every place a classification (or a prefix such as ``protected``) reaches, with the path it came by."""
    flow = Flow()
    _column_level(store, _sources(store, query, flow), flow)
    _dataset_level(store, flow)
    _via_models(store, flow)
    return flow
