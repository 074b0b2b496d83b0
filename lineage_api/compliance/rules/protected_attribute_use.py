"""PROTECTED_ATTRIBUTE_USE (V.A.9.b): training or inference on protected attributes without approval."""

from __future__ import annotations

from graph_schema import EdgeType, NodeLabel
from lineage_api.compliance.context import Ctx, finding
from lineage_api.compliance.holdings import holdings
from lineage_api.compliance.schemas import FindingOut
from lineage_api.store.protocol import Direction

MODEL_RUNS = ("training", "inference")


def _model_runs(ctx: Ctx) -> list[str]:
    runs = ctx.candidates(NodeLabel.RUN) if ctx.scope is not None else ctx.all(NodeLabel.RUN, {"modelRun": True})
    return sorted({r.id for r in runs if set(r.props.get("kinds") or ()) & set(MODEL_RUNS)})


def check(ctx: Ctx) -> list[FindingOut]:
    runs = _model_runs(ctx)
    reads = ctx.edges(runs, EdgeType.READ, Direction.OUT)
    versions = {e.dst for edges in reads.values() for e in edges}
    version_of = ctx.edges(versions, EdgeType.VERSION_OF, Direction.OUT)
    dataset_of = {v: edges[0].dst for v, edges in version_of.items() if edges}
    held = holdings(ctx, "protected", set(dataset_of.values()) if ctx.scope is not None else None)
    wrote = ctx.edges(runs, EdgeType.WROTE, Direction.OUT)
    out = []
    for run in runs:
        for edge in reads[run]:
            dataset = dataset_of.get(edge.dst)
            reach = held.get(dataset or "")
            if reach is None:
                continue
            artifacts = [edge.dst, *(e.dst for e in wrote[run]), *(e.dst for e in reads[run])]
            if ctx.approvals_in_force(artifacts, "protected_attribute_use", edge.at):
                continue
            kinds = "/".join(ctx.nodes([run])[run].props.get("kinds") or [])
            out.append(
                finding(
                    "PROTECTED_ATTRIBUTE_USE",
                    node=run,
                    at=edge.at,
                    evidence=[*reach.path, str(dataset), edge.dst, run],
                    summary=f"{kinds} run {run.removeprefix('run:')} read {reach.classification} ({reach.status}, in "
                    f"{str(dataset).removeprefix('dataset:')}) with no protected_attribute_use approval in force",
                )
            )
    return out
