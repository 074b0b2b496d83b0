"""What the rules read from the graph, batched and cached for one scan."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graph_schema import EdgeType, NodeLabel
from lineage_api.compliance.catalog import RULE_BY_ID
from lineage_api.compliance.schemas import FindingOut
from lineage_api.core.ids import dataset_id, parse_node_id
from lineage_api.provenance.revisions import as_of
from lineage_api.provenance.sections import in_force
from lineage_api.store.protocol import Direction, Edge, GraphStore, Node, Step

RISKY = ("rights-impacting", "safety-impacting", "both")
EDGE_LIMIT = 1_000_000
# Edges that fan into a node by the thousand (a version's readers, a job's runs, a dataset's versions): never
# prefetched for a scope; asked for explicitly when a rule needs them.
FAN_IN = {(EdgeType.READ, Direction.IN), (EdgeType.RUN_OF, Direction.IN), (EdgeType.VERSION_OF, Direction.IN)}
PREFETCH = [Step(t, d) for t in EdgeType for d in Direction if (t, d) not in FAN_IN]


class Ctx:
    """A scan's view of the graph; ``scope`` (node ids) limits which decisions, outputs and runs are checked.

    Governance records are read as the revision in force when they are consulted (an approval when the output was
    produced, a review when the decision was made), so a later revision never rewrites an earlier judgement; a
    decision is judged in its latest revision. With ``as_of`` (a trace as of a moment) nothing recorded after it
    counts: every record is read in the revision in force then.
    """

    def __init__(self, store: GraphStore, scope: set[str] | None = None, as_of: str | None = None) -> None:
        self.store = store
        self.scope = scope
        self.as_of = as_of
        self._nodes: dict[str, Node | None] = {}
        self._edges: dict[tuple[str, EdgeType, Direction], list[Edge]] = {}
        if scope:
            self._prefetch(scope)

    def _prefetch(self, scope: set[str]) -> None:
        """Every edge the rules may ask about the scope's nodes, in one store call (fan-ins excepted)."""
        for edge in self.store.edges(scope, PREFETCH, limit=EDGE_LIMIT):
            for node_id, direction in ((edge.src, Direction.OUT), (edge.dst, Direction.IN)):
                if node_id in scope and (edge.type, direction) not in FAN_IN:
                    self._edges.setdefault((node_id, edge.type, direction), []).append(edge)
        for node_id in scope:
            for step in PREFETCH:
                self._edges.setdefault((node_id, step.type, step.direction), [])

    # -- reading ---------------------------------------------------------------------------------------------
    def all(self, label: NodeLabel, where: dict[str, Any] | None = None) -> list[Node]:
        out: list[Node] = []
        while True:
            page = self.store.find_nodes(label, where, limit=5000, offset=len(out))
            out += page
            if len(page) < 5000:
                break
        for node in out:
            self._nodes[node.id] = node
        return out

    def candidates(self, label: NodeLabel) -> list[Node]:
        """Nodes of a label to check: those in scope, or all of them."""
        if self.scope is None:
            return self.all(label)
        return [n for n in self.nodes(self.scope).values() if n.label is label]

    def nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        wanted = set(ids)
        missing = {i for i in wanted if i not in self._nodes}
        found = {n.id: n for n in self.store.get_nodes(missing)} if missing else {}
        for node_id in missing:
            self._nodes[node_id] = found.get(node_id)
        return {i: n for i in wanted if (n := self._nodes.get(i)) is not None}

    def edges(self, ids: Iterable[str], etype: EdgeType, direction: Direction) -> dict[str, list[Edge]]:
        """Edges of a type leaving (OUT) or entering (IN) each node, keyed by that node."""
        wanted = set(ids)
        missing = [i for i in wanted if (i, etype, direction) not in self._edges]
        if missing:
            for i in missing:
                self._edges[(i, etype, direction)] = []
            for edge in self.store.edges(missing, [Step(etype, direction)], limit=EDGE_LIMIT):
                key = edge.src if direction is Direction.OUT else edge.dst
                self._edges[(key, etype, direction)].append(edge)
        return {i: self._edges[(i, etype, direction)] for i in wanted}

    def targets(self, node_id: str, etype: EdgeType) -> list[str]:
        return sorted(e.dst for e in self.edges([node_id], etype, Direction.OUT)[node_id])

    def sources(self, node_id: str, etype: EdgeType) -> list[str]:
        return sorted(e.src for e in self.edges([node_id], etype, Direction.IN)[node_id])

    def prefetch_decisions(self, decisions: list[Node]) -> None:
        """Batch what the decision rules ask about each decision: bases, reviews, producers, models, use cases."""
        basis = self.edges([d.id for d in decisions], EdgeType.BASED_ON, Direction.OUT)
        outputs = {e.dst for edges in basis.values() for e in edges if e.dst.startswith("output:")}
        reviews = self.edges(outputs, EdgeType.REVIEWED, Direction.IN)
        self.nodes({e.src for edges in reviews.values() for e in edges})
        producers = self.edges(outputs, EdgeType.PRODUCED, Direction.IN)
        runs = {e.src for edges in producers.values() for e in edges}
        reads = self.edges(runs, EdgeType.READ, Direction.OUT)
        self.nodes({e.dst for edges in reads.values() for e in edges})
        jobs = self.edges(runs, EdgeType.RUN_OF, Direction.OUT)
        job_ids = {str(d.props["jobId"]) for d in decisions if d.props.get("jobId")}
        job_ids |= {e.dst for edges in jobs.values() for e in edges}
        serves = self.edges(job_ids, EdgeType.SERVES, Direction.OUT)
        self.nodes({e.dst for edges in serves.values() for e in edges})

    def prefetch_models(self, models: list[str]) -> None:
        """Batch the approvals and evaluations of model versions (and of their datasets)."""
        datasets = {dataset_id(p.namespace, p.name) for m in models if (p := parse_node_id(m)).namespace and p.name}
        approvals = self.edges({*models, *datasets}, EdgeType.APPROVES, Direction.IN)
        evaluations = self.edges(models, EdgeType.EVALUATED, Direction.IN)
        self.nodes({e.src for group in (approvals, evaluations) for edges in group.values() for e in edges})

    # -- governance questions --------------------------------------------------------------------------------
    def record(self, node: Node, at: str | None = None) -> dict[str, Any]:
        """A record's properties in the revision in force at ``at`` (no later than ``as_of``); else the latest."""
        moments = [m for m in (at, self.as_of) if m]
        return as_of(node.props, min(moments) if moments else None)

    def based_on(self, decision: Node, props: dict[str, Any]) -> list[Edge]:
        """The decision's BASED_ON edges that its revision ``props`` names (all of them for unrevised records)."""
        edges = self.edges([decision.id], EdgeType.BASED_ON, Direction.OUT)[decision.id]
        named = props.get("basedOn")
        return [e for e in edges if e.dst in named] if isinstance(named, list) else edges

    def approvals_in_force(self, artifacts: Iterable[str], kind: str, at: str) -> list[Node]:
        """Approvals of ``kind`` in force at ``at`` for any of the artifacts (a version counts for its dataset)."""
        targets = set(artifacts)
        for artifact in list(targets):
            if artifact.startswith("dataset:") and "#" in artifact:
                parsed = parse_node_id(artifact)
                assert parsed.namespace is not None and parsed.name is not None
                targets.add(dataset_id(parsed.namespace, parsed.name))
        incoming = self.edges(targets, EdgeType.APPROVES, Direction.IN)
        approvals = self.nodes({e.src for edges in incoming.values() for e in edges})
        held = ((a, self.record(a, at)) for a in approvals.values())
        return sorted((a for a, p in held if p.get("kind") == kind and in_force(p, at)), key=lambda a: a.id)

    def reviews_before(self, output: str, at: str, outcomes: tuple[str, ...] | None = None) -> list[Node]:
        """Reviews of ``output`` made by ``at``, as their revision in force at ``at`` records them."""
        reviews = self.nodes(self.sources(output, EdgeType.REVIEWED))
        out = []
        for review in reviews.values():
            p = self.record(review, at)
            named = p.get("outputIds")
            if isinstance(named, list) and output.removeprefix("output:") not in {str(o) for o in named}:
                continue
            if p.get("reviewedAt") and p["reviewedAt"] <= at and (outcomes is None or p.get("outcome") in outcomes):
                out.append(review)
        return out

    def use_case_of_job(self, job_id: str) -> Node | None:
        cases = self.nodes(self.targets(job_id, EdgeType.SERVES))
        return next(iter(sorted(cases.values(), key=lambda n: n.id)), None)

    def job_of(self, run_id: str) -> str | None:
        jobs = self.targets(run_id, EdgeType.RUN_OF)
        return jobs[0] if jobs else None

    def producer_of(self, output: str) -> str | None:
        runs = self.sources(output, EdgeType.PRODUCED)
        return runs[0] if runs else None

    def models_read(self, run_id: str) -> list[Node]:
        read = self.nodes(self.targets(run_id, EdgeType.READ))
        return [n for n in read.values() if n.props.get("datasetType") == "MODEL"]


def finding(rule: str, *, node: str, summary: str, evidence: list[str], at: str | None) -> FindingOut:
    info = RULE_BY_ID[rule]
    ordered = list(dict.fromkeys(evidence))
    return FindingOut(
        rule=rule, clause=info.clause, severity=info.severity, node=node, summary=summary, evidence=ordered, at=at
    )
