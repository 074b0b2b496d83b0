"""Turning an expansion into the sections auditors read: models, datasets, runs, approvals, reviews, gaps."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graph_schema import EdgeType, NodeLabel
from lineage_api.provenance.revisions import shown
from lineage_api.provenance.schemas import Gap, GraphEdge, GraphNode
from lineage_api.store.protocol import Edge, Expansion, Node

_BULKY = {"facets", "facetsAt", "observedFacets", "body"}
# Properties that describe the present, not a past moment.
_CURRENT = {"latestVersion", "latestVersionAt", "updatedAt"}
# Links a record's revision names itself (link key -> (property, id prefix)): older revisions' edges stay in the
# graph, the record as of a moment rests only on what its revision in force names.
_NAMED_LINKS = {"basedOn": ("basedOn", ""), "outputs": ("outputIds", "output:")}
_ATTRIBUTION = ("recordedBy", "recordedByRole", "recordedSeq")


def display(node: Node) -> str:
    p = node.props
    match node.label:
        case NodeLabel.DATASET | NodeLabel.JOB:
            return f"{p.get('namespace')}:{p.get('name')}"
        case NodeLabel.DATASET_VERSION:
            return f"{p.get('name')}@{p.get('version')}"
        case NodeLabel.FIELD:
            return f"{p.get('name')}.{p.get('field')}"
        case NodeLabel.RUN:
            return f"run {p.get('runId')} of {p.get('jobName') or '?'}"
        case NodeLabel.USE_CASE:
            return str(p.get("name") or p.get("useCaseId"))
    return node.id.split(":", 1)[1]


def in_force(approval: dict[str, Any], at: str | None) -> bool:
    """Granted at or before ``at``, not expired, not revoked at ``at``, and a positive decision."""
    if approval.get("decision") not in ("approved", "conditional") or not approval.get("grantedAt"):
        return False
    if at is None:
        at = "9999"
    if approval["grantedAt"] > at:
        return False
    if approval.get("expiresAt") and approval["expiresAt"] <= at:
        return False
    return not (approval.get("revokedAt") and approval["revokedAt"] <= at)


class Sections:
    """Indexes over an expansion's nodes and edges, and the section builders.

    Records are shown in the revision in force at ``at``; those in ``current`` (a trace's root when no asOf was
    asked for) in their latest revision.
    """

    def __init__(self, expansion: Expansion, at: str | None, current: frozenset[str] = frozenset()) -> None:
        self.at = at
        self.current = current
        self.nodes = {n.id: n for n in expansion.nodes}
        self.depth = expansion.depth
        self.edges = expansion.edges
        self.out: dict[tuple[str, EdgeType], list[Edge]] = defaultdict(list)
        self.inc: dict[tuple[str, EdgeType], list[Edge]] = defaultdict(list)
        for e in expansion.edges:
            self.out[(e.src, e.type)].append(e)
            self.inc[(e.dst, e.type)].append(e)

    def of(self, label: NodeLabel) -> list[Node]:
        return [n for n in self.nodes.values() if n.label is label]

    def src_of(self, node_id: str, etype: EdgeType) -> list[str]:
        return sorted(e.src for e in self.inc[(node_id, etype)])

    def dst_of(self, node_id: str, etype: EdgeType) -> list[str]:
        return sorted(e.dst for e in self.out[(node_id, etype)])

    def _run_ids(self, ids: list[str]) -> list[str]:
        return [self.nodes[i].props.get("runId", i) for i in ids if i in self.nodes]

    def is_model(self, node: Node) -> bool:
        if node.props.get("datasetType") == "MODEL":
            return True
        return any(self.nodes[d].props.get("datasetType") == "MODEL" for d in self.dst_of(node.id, EdgeType.VERSION_OF))

    def models(self) -> list[dict[str, Any]]:
        return [
            {
                "id": n.id,
                "namespace": n.props.get("namespace"),
                "name": n.props.get("name"),
                "version": n.props.get("version"),
                "trainingRun": next(iter(self._run_ids(self.src_of(n.id, EdgeType.WROTE))), None),
                "readBy": self._run_ids(self.src_of(n.id, EdgeType.READ)),
            }
            for n in self.of(NodeLabel.DATASET_VERSION)
            if self.is_model(n)
        ]

    def datasets(self) -> list[dict[str, Any]]:
        out = []
        for n in self.of(NodeLabel.DATASET_VERSION):
            if self.is_model(n):
                continue
            writers = self._run_ids(self.src_of(n.id, EdgeType.WROTE))
            out.append(
                {
                    "id": n.id,
                    "namespace": n.props.get("namespace"),
                    "name": n.props.get("name"),
                    "version": n.props.get("version"),
                    "source": not writers,
                    "writtenBy": writers,
                    "readBy": self._run_ids(self.src_of(n.id, EdgeType.READ)),
                }
            )
        for n in self.of(NodeLabel.DATASET):
            if not self.src_of(n.id, EdgeType.VERSION_OF):
                out.append(
                    {
                        "id": n.id,
                        "namespace": n.props.get("namespace"),
                        "name": n.props.get("name"),
                        "version": None,
                        "source": True,
                        "writtenBy": [],
                        "readBy": [],
                    }
                )
        return out

    def runs(self) -> list[dict[str, Any]]:
        keys = ("runId", "jobNamespace", "jobName", "state", "startedAt", "endedAt", "kinds", "errorMessage")
        return [{"id": n.id, **{k: n.props.get(k) for k in keys}} for n in self.of(NodeLabel.RUN)]

    def records(self, label: NodeLabel, *, links: dict[str, tuple[EdgeType, bool]]) -> list[dict[str, Any]]:
        """Governance records with their props and linked node ids (``(edge type, outgoing)`` per key)."""
        out = []
        for n in self.of(label):
            item: dict[str, Any] = {"id": n.id, **{k: None for k in _ATTRIBUTION}, **self.as_of_props(n)}
            for key, (etype, outgoing) in links.items():
                linked = self.dst_of(n.id, etype) if outgoing else self.src_of(n.id, etype)
                prop, prefix = _NAMED_LINKS.get(key, ("", ""))
                named = item.get(prop)
                if outgoing and isinstance(named, list):
                    linked = [i for i in linked if i.removeprefix(prefix) in {str(x) for x in named}]
                item[key] = linked
            out.append(item)
        return out

    def approvals(self) -> list[dict[str, Any]]:
        items = self.records(NodeLabel.APPROVAL, links={"approves": (EdgeType.APPROVES, True)})
        for item in items:
            item["inForce"] = in_force(item, self.at)
        return items

    def gaps(self) -> list[Gap]:
        gaps: list[Gap] = []
        for n in self.of(NodeLabel.DATASET_VERSION):
            if not self.src_of(n.id, EdgeType.WROTE):
                gaps.append(
                    Gap(
                        node=n.id,
                        kind="unwritten_dataset",
                        message=f"no instrumented run wrote {display(n)}: its origin is not recorded",
                    )
                )
        for n in self.of(NodeLabel.RUN):
            if n.props.get("jobName") and not self.dst_of(n.id, EdgeType.READ) and self.dst_of(n.id, EdgeType.WROTE):
                gaps.append(Gap(node=n.id, kind="run_without_inputs", message=f"{display(n)} recorded no inputs"))
        for n in self.of(NodeLabel.OUTPUT):
            if not self.src_of(n.id, EdgeType.PRODUCED):
                gaps.append(
                    Gap(
                        node=n.id,
                        kind="unrecorded_output",
                        message=f"output {n.props.get('outputId')} is referenced but no run recorded producing it",
                    )
                )
        for n in self.of(NodeLabel.REVIEW):
            if not n.props.get("reviewedAt"):
                gaps.append(
                    Gap(
                        node=n.id,
                        kind="unrecorded_review",
                        message=f"review {n.props.get('reviewId')} is referenced but was never recorded",
                    )
                )
        return sorted(gaps, key=lambda g: (g.kind, g.node))

    def as_of_props(self, node: Node) -> dict[str, Any]:
        """A node's properties as they describe the traced moment: no current-state or later facts."""
        hidden = _BULKY | (_CURRENT if self.at else set())
        at = None if node.id in self.current else self.at
        props = {k: v for k, v in shown(node.props, at).items() if k not in hidden}
        if self.at and str(props.get("revokedAt") or "") > self.at:
            for key in ("revokedAt", "revokedBy", "revocationRunId"):
                props.pop(key, None)
        return props

    def graph(self) -> tuple[list[GraphNode], list[GraphEdge]]:
        nodes = [
            GraphNode(
                id=n.id,
                kind=n.label.value,
                label=display(n),
                depth=self.depth.get(n.id, 0),
                props=self.as_of_props(n),
            )
            for n in sorted(self.nodes.values(), key=lambda n: n.id)
        ]
        edges = [GraphEdge(source=e.src, target=e.dst, type=e.type.value, at=e.at) for e in self.edges]
        return nodes, edges
