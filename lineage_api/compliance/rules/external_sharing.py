"""EXTERNAL_SHARING (V.A.9.e): PII or AI outputs reaching a dataset that leaves the agency, without approval."""

from __future__ import annotations

from graph_schema import EdgeType, NodeLabel
from lineage_api.compliance.context import Ctx, finding
from lineage_api.compliance.holdings import holdings
from lineage_api.compliance.schemas import FindingOut
from lineage_api.privacy.flows import Reach
from lineage_api.store.protocol import Direction, Node, Step

UPSTREAM = (
    Step(EdgeType.WROTE, Direction.IN),
    Step(EdgeType.READ, Direction.OUT),
    Step(EdgeType.VERSION_OF, Direction.OUT),
)


def _has_column_lineage(ctx: Ctx, dataset: str) -> bool:
    fields = [e.dst for e in ctx.edges([dataset], EdgeType.HAS_FIELD, Direction.OUT)[dataset]]
    return any(ctx.edges(fields, EdgeType.DERIVED_FROM, Direction.OUT).values())


class Holdings:
    """Which datasets hold PII: the whole-graph answer for a full scan, per dataset (looked up) for a scope."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.known: dict[str, Reach | None] = dict(holdings(ctx, "pii")) if ctx.scope is None else {}
        self.complete = ctx.scope is None

    def get(self, dataset: str) -> Reach | None:
        if not self.complete and dataset not in self.known:
            found = holdings(self.ctx, "pii", {dataset}) if "#" not in dataset else {}
            self.known[dataset] = found.get(dataset)
        return self.known.get(dataset)


def _what_reaches(ctx: Ctx, version: str, pii: Holdings) -> tuple[str, list[str]] | None:
    """'PII' or 'AI outputs' with a path, when either reaches this written version of an external dataset."""
    upstream = ctx.store.expand([version], UPSTREAM, max_depth=40, max_nodes=5000)
    depth = upstream.depth
    datasets = [n for n in upstream.nodes if n.label is NodeLabel.DATASET]
    holders = sorted((n for n in datasets if pii.get(n.id) is not None), key=lambda n: depth[n.id])
    if holders:
        reach = pii.get(holders[0].id)
        assert reach is not None
        return "PII", [*reach.path, holders[0].id, version]
    dsvs = [n.id for n in upstream.nodes if n.label is NodeLabel.DATASET_VERSION and n.id != version]
    with_outputs = [v for v, edges in ctx.edges(dsvs, EdgeType.IN_VERSION, Direction.IN).items() if edges]
    if with_outputs:
        first = min(with_outputs, key=lambda v: depth[v])
        return "AI outputs", [first, version]
    return None


def check(ctx: Ctx) -> list[FindingOut]:
    externals: list[Node] = (
        [n for n in ctx.candidates(NodeLabel.DATASET) if n.props.get("external")]
        if ctx.scope is not None
        else ctx.all(NodeLabel.DATASET, {"external": True})
    )
    if not externals:
        return []
    pii = Holdings(ctx)
    out = []
    for dataset in externals:
        column_level = _has_column_lineage(ctx, dataset.id)
        versions = ctx.nodes(ctx.sources(dataset.id, EdgeType.VERSION_OF))
        for version in sorted(versions.values(), key=lambda v: v.id):
            writers = ctx.sources(version.id, EdgeType.WROTE)
            if not writers:
                continue  # an inbound file no instrumented run wrote: nothing of ours left the agency here
            at = str(version.props.get("writtenAt") or version.props.get("createdAt") or "")
            if column_level:
                reach = pii.get(dataset.id)
                what = ("PII", [*reach.path, version.id]) if reach else None
            else:
                what = _what_reaches(ctx, version.id, pii)
            if what is None or ctx.approvals_in_force([version.id], "data_sharing", at):
                continue
            out.append(
                finding(
                    "EXTERNAL_SHARING",
                    node=dataset.id,
                    at=at,
                    evidence=[*what[1], *writers, dataset.id],
                    summary=f"{what[0]} reach {dataset.id.removeprefix('dataset:')} (boundary: external) with no "
                    f"data_sharing approval in force at {at}",
                )
            )
    return out
