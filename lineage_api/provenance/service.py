"""Trace (upstream provenance, as of the traced moment) and impact (downstream, in a time window)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from graph_schema import EdgeType, NodeLabel
from lineage_api.compliance.service import scan
from lineage_api.core.errors import InvalidInput, NotFound
from lineage_api.core.ids import parse_node_id
from lineage_api.core.times import normalize
from lineage_api.provenance.narrative import narrate
from lineage_api.provenance.revisions import shown
from lineage_api.provenance.schemas import Finding, GraphNode, ImpactAnswer, TraceAnswer, Truncation
from lineage_api.provenance.sections import Sections, display
from lineage_api.provenance.steps import DOWNSTREAM, LATER, UPSTREAM
from lineage_api.store.protocol import Expansion, GraphStore, Node

MAX_DEPTH = 100
MAX_NODES = 10_000
TRACEABLE = (NodeLabel.OUTPUT, NodeLabel.DECISION, NodeLabel.RUN, NodeLabel.DATASET, NodeLabel.DATASET_VERSION)
IMPACTABLE = (NodeLabel.DATASET, NodeLabel.DATASET_VERSION, NodeLabel.RUN, NodeLabel.OUTPUT)


def _root(store: GraphStore, node_id: str, allowed: tuple[NodeLabel, ...]) -> Node:
    parsed = parse_node_id(node_id)
    if parsed.label not in allowed:
        kinds = ", ".join(sorted(label.value for label in allowed))
        raise InvalidInput(f"nodeId must name one of: {kinds}", field="nodeId")
    node = store.get_node(str(parsed))
    if node is None:
        raise NotFound(f"no {parsed.label.value} with id {node_id!r} has been recorded", field="nodeId")
    if parsed.label is NodeLabel.DATASET and node.props.get("latestVersion") and allowed is TRACEABLE:
        latest = store.get_node(f"{node.id}#{node.props['latestVersion']}")
        return latest or node
    return node


def moment_of(node: Node) -> str | None:
    """The traced thing's own time: when the output was produced, the decision made, the version written."""
    p = node.props
    keys = {
        NodeLabel.OUTPUT: ("producedAt",),
        NodeLabel.DECISION: ("decidedAt",),
        NodeLabel.RUN: ("endedAt", "lastEventAt"),
        NodeLabel.DATASET_VERSION: ("writtenAt", "createdAt"),
    }.get(node.label, ())
    for key in keys:
        if p.get(key):
            return str(p[key])
    return None


def _truncation(expansion: Expansion) -> Truncation | None:
    if expansion.truncated is None:
        return None
    return Truncation(limit=expansion.truncated, at=expansion.frontier)


def _clamp(value: int, maximum: int, name: str) -> int:
    if value < 1:
        raise InvalidInput(f"{name} must be at least 1", field=name)
    return min(value, maximum)


def trace(
    *, store: GraphStore, node_id: str, as_of: str | None = None, depth: int = 25, max_nodes: int = 2000
) -> TraceAnswer:
    """Everything the thing named by ``node_id`` came from, as it stood at its own moment (or ``as_of``).

    Governance records show the revision in force at that moment; without ``as_of`` the traced record itself shows
    its latest revision (its moment is that revision's). Findings read records the same way."""
    root = _root(store, node_id, TRACEABLE)
    explicit = normalize(as_of, field="asOf") if as_of else None
    at = explicit or moment_of(root)
    expansion = store.expand(
        [root.id],
        UPSTREAM,
        as_of=at,
        max_depth=_clamp(depth, MAX_DEPTH, "depth"),
        max_nodes=_clamp(max_nodes, MAX_NODES, "maxNodes"),
    )
    s = Sections(expansion, at, frozenset() if explicit else frozenset({root.id}))
    use_cases = [{"id": n.id, **s.as_of_props(n)} for n in s.of(NodeLabel.USE_CASE)]
    nodes, edges = s.graph()
    answer = TraceAnswer(
        root=next(n for n in nodes if n.id == root.id),
        asOf=at,
        complete=expansion.complete,
        truncated=_truncation(expansion),
        models=s.models(),
        datasets=s.datasets(),
        runs=s.runs(),
        outputs=s.records(
            NodeLabel.OUTPUT, links={"producedBy": (EdgeType.PRODUCED, False), "reviewedBy": (EdgeType.REVIEWED, False)}
        ),
        approvals=s.approvals(),
        evaluations=s.records(NodeLabel.EVALUATION, links={"evaluated": (EdgeType.EVALUATED, True)}),
        reviews=s.records(NodeLabel.REVIEW, links={"outputs": (EdgeType.REVIEWED, True)}),
        decisions=s.records(NodeLabel.DECISION, links={"basedOn": (EdgeType.BASED_ON, True)}),
        incidents=s.records(NodeLabel.INCIDENT, links={"concerns": (EdgeType.CONCERNS, True)}),
        useCase=use_cases[0] if use_cases else None,
        useCases=use_cases,
        gaps=s.gaps(),
        later=_later(store, expansion, at),
        nodes=nodes,
        edges=edges,
        narrative=[],
    )
    found = scan(store=store, scope={n.id for n in nodes}, as_of=explicit)
    answer.findings = [Finding(**f.model_dump(exclude={"at"})) for f in found]
    answer.narrative = narrate(answer)
    return answer


def _later(store: GraphStore, expansion: Expansion, at: str | None) -> dict[str, list[dict[str, Any]]]:
    """Governance records about the traced nodes that were made after the traced moment."""
    if at is None:
        return {}
    known = {n.id for n in expansion.nodes}
    later = [e for e in store.edges(known, LATER, since=at, limit=5000) if e.at > at and e.src not in known]
    records = {n.id: n for n in store.get_nodes({e.src for e in later})}
    out: dict[str, list[dict[str, Any]]] = {}
    for edge in later:
        node = records.get(edge.src)
        if node is not None:
            key = node.label.value[0].lower() + node.label.value[1:] + "s"
            out.setdefault(key, []).append({"id": node.id, "about": edge.dst, "at": edge.at, **shown(node.props, None)})
    return {k: sorted(v, key=lambda r: (r["at"], r["id"])) for k, v in sorted(out.items())}


def impact(
    *,
    store: GraphStore,
    node_id: str,
    since: str | None = None,
    until: str | None = None,
    depth: int = 25,
    max_nodes: int = 10_000,
) -> ImpactAnswer:
    """Everything derived from a dataset (version), model version, run or output within a time window."""
    root = _root(store, node_id, IMPACTABLE)
    lo = normalize(since, field="since") if since else None
    hi = normalize(until, field="until") if until else None
    if lo and hi and lo > hi:
        raise InvalidInput("since must not be after until", field="since")
    expansion = store.expand(
        [root.id],
        DOWNSTREAM,
        as_of=hi,
        since=lo,
        max_depth=_clamp(depth, MAX_DEPTH, "depth"),
        max_nodes=_clamp(max_nodes, MAX_NODES, "maxNodes"),
    )
    s = Sections(expansion, hi)
    nodes, edges = s.graph()
    counts = Counter(n.label.value for n in expansion.nodes if n.id != root.id)
    return ImpactAnswer(
        root=GraphNode(
            id=root.id,
            kind=root.label.value,
            label=display(root),
            depth=0,
            props={k: v for k, v in shown(root.props, hi).items() if k not in ("facets", "facetsAt", "observedFacets")},
        ),
        since=lo,
        until=hi,
        complete=expansion.complete,
        truncated=_truncation(expansion),
        counts=dict(sorted(counts.items())),
        runs=[r for r in s.runs() if r["id"] != root.id],
        datasets=[d for d in s.datasets() if d["id"] != root.id] + s.models(),
        outputs=s.records(NodeLabel.OUTPUT, links={"producedBy": (EdgeType.PRODUCED, False)}),
        reviews=s.records(NodeLabel.REVIEW, links={"outputs": (EdgeType.REVIEWED, True)}),
        decisions=s.records(NodeLabel.DECISION, links={"basedOn": (EdgeType.BASED_ON, True)}),
        nodes=nodes,
        edges=edges,
    )
