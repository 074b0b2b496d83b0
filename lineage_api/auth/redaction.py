"""Redaction for callers limited to some namespaces: restricted nodes become placeholders, never silent drops.

A placeholder keeps the node's kind and classifications and says "restricted"; every edge to or from the node
is kept, pointing at the placeholder, so the path stays visible. Nothing else of a restricted node (id, name,
fields, values) appears in the answer, and the answer says it is redacted (``complete`` is false).
"""

from __future__ import annotations

from typing import Any

from lineage_api.auth.principal import Principal
from lineage_api.catalog.schemas import LineageEdge, LineageGraph, LineageJobData, NameRef, RestrictedData
from lineage_api.core.errors import NotFound
from lineage_api.core.ids import parse_node_id
from lineage_api.provenance.narrative import narrate
from lineage_api.provenance.schemas import Finding, Gap, GraphEdge, GraphNode, ImpactAnswer, TraceAnswer

VALUE_KEYS = ("value", "subjectRef")  # classified values viewers never see


NAMESPACED = {"Dataset", "DatasetVersion", "Field", "Job", "Approval", "Review", "Decision", "Evaluation", "Incident"}


def namespace_of(node: GraphNode) -> str | None:
    """The namespace a node belongs to: its own, its job's, or (outputs) its dataset version's."""
    p = node.props
    if node.kind in NAMESPACED and p.get("namespace"):
        return str(p["namespace"])
    if node.kind == "Run":
        return str(p.get("jobNamespace")) if p.get("jobNamespace") else None
    for key in ("datasetVersion", "jobId"):
        if p.get(key):
            try:
                return parse_node_id(str(p[key])).namespace
            except Exception:
                return None
    return None


class Redactor:
    def __init__(self, principal: Principal, nodes: list[GraphNode]) -> None:
        self.principal = principal
        self.hidden: dict[str, str] = {}
        for node in nodes:
            if node.kind == "UseCase":
                continue
            if not principal.covers(namespace_of(node)):
                self.hidden[node.id] = f"restricted:{len(self.hidden) + 1}"

    def nid(self, node_id: str) -> str:
        return self.hidden.get(node_id, node_id)

    def node(self, node: GraphNode) -> GraphNode:
        if node.id not in self.hidden:
            props = {k: v for k, v in node.props.items() if k not in VALUE_KEYS}
            return node.model_copy(update={"props": props})
        classes = node.props.get("classifications") or [
            t.get("value")
            for t in node.props.get("tags") or []
            if isinstance(t, dict) and t.get("key") == "classification"
        ]
        return GraphNode(
            id=self.hidden[node.id],
            kind=node.kind,
            label="restricted",
            depth=node.depth,
            props={"restricted": True, "classifications": classes},
        )

    def item(self, item: dict[str, Any]) -> dict[str, Any]:
        if item.get("id") in self.hidden:
            return {"id": self.hidden[item["id"]], "restricted": True}
        out: dict[str, Any] = {}
        for key, value in item.items():
            if key in VALUE_KEYS:
                continue
            if isinstance(value, str):
                out[key] = self.nid(value)
            elif isinstance(value, list):
                out[key] = [self.nid(v) if isinstance(v, str) else v for v in value]
            else:
                out[key] = value
        return out

    def items(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.item(i) for i in items]

    def edges(self, edges: list[GraphEdge]) -> list[GraphEdge]:
        out = [e.model_copy(update={"source": self.nid(e.source), "target": self.nid(e.target)}) for e in edges]
        return sorted(out, key=lambda e: (e.source, e.type, e.target))

    def finding(self, f: Finding) -> Finding:
        touched = f.node in self.hidden or any(e in self.hidden for e in f.evidence)
        summary = "details restricted: the finding involves nodes outside your namespaces" if touched else f.summary
        return f.model_copy(
            update={"node": self.nid(f.node), "evidence": [self.nid(e) for e in f.evidence], "summary": summary}
        )


def _visible_root(r: Redactor, root: GraphNode) -> None:
    if root.id in r.hidden:
        raise NotFound(f"no node with id {root.id!r} is visible to this key", field="nodeId")


def redact_trace(answer: TraceAnswer, principal: Principal) -> TraceAnswer:
    r = Redactor(principal, answer.nodes)
    _visible_root(r, answer.root)
    if not r.hidden and not any(k in n.props for n in answer.nodes for k in VALUE_KEYS):
        return answer
    redacted = answer.model_copy(
        update={
            "root": r.node(answer.root),
            "complete": answer.complete and not r.hidden,
            "redacted": bool(r.hidden),
            "models": r.items(answer.models),
            "datasets": r.items(answer.datasets),
            "runs": r.items(answer.runs),
            "outputs": r.items(answer.outputs),
            "approvals": r.items(answer.approvals),
            "evaluations": r.items(answer.evaluations),
            "reviews": r.items(answer.reviews),
            "decisions": r.items(answer.decisions),
            "incidents": r.items(answer.incidents),
            "gaps": [
                Gap(node=r.nid(g.node), kind=g.kind, message="a gap in a restricted part of the lineage")
                if g.node in r.hidden
                else g
                for g in answer.gaps
            ],
            "findings": [r.finding(f) for f in answer.findings],
            "later": {k: [i for i in r.items(v) if not i.get("restricted")] for k, v in answer.later.items()},
            "nodes": sorted((r.node(n) for n in answer.nodes), key=lambda n: n.id),
            "edges": r.edges(answer.edges),
            "narrative": [],
        }
    )
    redacted.narrative = narrate(redacted)
    if r.hidden:
        redacted.narrative.append(f"{len(r.hidden)} node(s) outside your namespaces are shown as 'restricted'.")
    return redacted


def redact_impact(answer: ImpactAnswer, principal: Principal) -> ImpactAnswer:
    r = Redactor(principal, answer.nodes)
    _visible_root(r, answer.root)
    return answer.model_copy(
        update={
            "root": r.node(answer.root),
            "complete": answer.complete and not r.hidden,
            "redacted": bool(r.hidden),
            "runs": r.items(answer.runs),
            "datasets": r.items(answer.datasets),
            "outputs": r.items(answer.outputs),
            "reviews": r.items(answer.reviews),
            "decisions": r.items(answer.decisions),
            "nodes": sorted((r.node(n) for n in answer.nodes), key=lambda n: n.id),
            "edges": r.edges(answer.edges),
        }
    )


def redact_lineage(graph: LineageGraph, principal: Principal) -> LineageGraph:
    """The Marquez-compatible graph with nodes outside the caller's namespaces as placeholders."""
    hidden: dict[str, str] = {}
    for node in graph.graph:
        namespace = getattr(node.data, "namespace", None)
        if not principal.covers(namespace):
            hidden[node.id] = f"restricted:{len(hidden) + 1}"
    if not hidden:
        return graph

    def nid(node_id: str) -> str:
        return hidden.get(node_id, node_id)

    def refs(items: list[NameRef], kind: str) -> list[NameRef]:
        out = []
        for ref in items:
            key = f"{kind}:{ref.namespace}:{ref.name}"
            out.append(NameRef(namespace="restricted", name=hidden[key]) if key in hidden else ref)
        return out

    nodes = []
    for node in graph.graph:
        data: Any = node.data
        if node.id in hidden:
            classes = sorted({c for f in getattr(data, "fields", []) for c in f.classifications})
            data = RestrictedData(classifications=classes)
        elif isinstance(data, LineageJobData):
            data = data.model_copy(
                update={"inputs": refs(data.inputs, "dataset"), "outputs": refs(data.outputs, "dataset")}
            )
        edges = {
            "inEdges": [LineageEdge(origin=nid(e.origin), destination=nid(e.destination)) for e in node.inEdges],
            "outEdges": [LineageEdge(origin=nid(e.origin), destination=nid(e.destination)) for e in node.outEdges],
        }
        nodes.append(node.model_copy(update={"id": nid(node.id), "data": data, **edges}))
    return graph.model_copy(update={"graph": sorted(nodes, key=lambda n: n.id), "redacted": True})
