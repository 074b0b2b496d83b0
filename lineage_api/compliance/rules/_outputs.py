"""The outputs of rights-/safety-impacting use cases, with the model versions their runs read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graph_schema import EdgeType, NodeLabel
from lineage_api.compliance.context import RISKY, Ctx
from lineage_api.store.protocol import Direction, Node


@dataclass(frozen=True, slots=True)
class RiskyOutput:
    output: Node
    run: str
    use_case: Node
    models: list[Node]

    @property
    def at(self) -> str:
        return str(self.output.props.get("producedAt") or "")


def _runs_in_scope(ctx: Ctx) -> dict[str, Node]:
    """Producer run -> its use case, for the outputs in scope."""
    outputs = [n.id for n in ctx.candidates(NodeLabel.OUTPUT)]
    runs = {e.src for edges in ctx.edges(outputs, EdgeType.PRODUCED, Direction.IN).values() for e in edges}
    out = {}
    for run in sorted(runs):
        job = ctx.job_of(run)
        case = ctx.use_case_of_job(job) if job else None
        if case is not None and case.props.get("riskCategory") in RISKY:
            out[run] = case
    return out


def _all_risky_runs(ctx: Ctx) -> dict[str, Node]:
    cases = [c for c in ctx.all(NodeLabel.USE_CASE) if c.props.get("riskCategory") in RISKY]
    jobs = ctx.edges([c.id for c in cases], EdgeType.SERVES, Direction.IN)
    out = {}
    for case in cases:
        runs = ctx.edges([e.src for e in jobs[case.id]], EdgeType.RUN_OF, Direction.IN)
        for edges in runs.values():
            for e in edges:
                out[e.src] = case
    return out


def risky_outputs(ctx: Ctx) -> Iterator[RiskyOutput]:
    run_case = _runs_in_scope(ctx) if ctx.scope is not None else _all_risky_runs(ctx)
    run_ids = sorted(run_case)
    produced = ctx.edges(run_ids, EdgeType.PRODUCED, Direction.OUT)
    reads = ctx.edges(run_ids, EdgeType.READ, Direction.OUT)
    read = ctx.nodes({e.dst for edges in reads.values() for e in edges})
    ctx.prefetch_models(sorted(i for i, n in read.items() if n.props.get("datasetType") == "MODEL"))
    ctx.nodes({e.dst for edges in produced.values() for e in edges})
    for run in run_ids:
        outputs = [e.dst for e in produced[run]]
        if ctx.scope is not None:
            outputs = [o for o in outputs if o in ctx.scope]
        if not outputs:
            continue
        models = ctx.models_read(run)
        for output in sorted(ctx.nodes(outputs).values(), key=lambda n: n.id):
            yield RiskyOutput(output, run, run_case[run], models)
