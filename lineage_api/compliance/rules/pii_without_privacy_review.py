"""PII_WITHOUT_PRIVACY_REVIEW (V.A.7): PII read by an AI use case's jobs with no privacy approval in force."""

from __future__ import annotations

from graph_schema import EdgeType, NodeLabel
from lineage_api.compliance.context import Ctx, finding
from lineage_api.compliance.holdings import holdings
from lineage_api.compliance.schemas import FindingOut
from lineage_api.store.protocol import Direction, Node


def _runs_of_use_cases(ctx: Ctx) -> tuple[dict[str, str], dict[str, Node]]:
    """(run -> job, job -> use case) for the runs of jobs serving a use case: those in scope, or all."""
    if ctx.scope is not None:
        runs = sorted(n.id for n in ctx.candidates(NodeLabel.RUN))
        run_jobs = {r: ctx.targets(r, EdgeType.RUN_OF) for r in runs}
        jobs = sorted({j for js in run_jobs.values() for j in js})
        job_case = {j: case for j in jobs if (case := ctx.use_case_of_job(j)) is not None}
        return {r: js[0] for r, js in run_jobs.items() if js and js[0] in job_case}, job_case
    cases = ctx.all(NodeLabel.USE_CASE)
    serving = ctx.edges([c.id for c in cases], EdgeType.SERVES, Direction.IN)
    job_case = {e.src: case for case in cases for e in serving[case.id]}
    runs_by_job = ctx.edges(sorted(job_case), EdgeType.RUN_OF, Direction.IN)
    return {e.src: job for job, edges in runs_by_job.items() for e in edges}, job_case


def check(ctx: Ctx) -> list[FindingOut]:
    run_job, job_case = _runs_of_use_cases(ctx)
    reads = ctx.edges(sorted(run_job), EdgeType.READ, Direction.OUT)
    versions = {e.dst for edges in reads.values() for e in edges}
    dataset_of = {v: es[0].dst for v, es in ctx.edges(versions, EdgeType.VERSION_OF, Direction.OUT).items() if es}
    held = holdings(ctx, "pii", set(dataset_of.values()) if ctx.scope is not None else None)
    seen: set[tuple[str, str]] = set()
    out = []
    for run, job in sorted(run_job.items()):
        for edge in reads[run]:
            dataset = dataset_of.get(edge.dst, "")
            reach = held.get(dataset)
            if reach is None or (dataset, job) in seen:
                continue
            if ctx.approvals_in_force([edge.dst, job], "privacy", edge.at):
                continue
            seen.add((dataset, job))
            case = job_case[job]
            out.append(
                finding(
                    "PII_WITHOUT_PRIVACY_REVIEW",
                    node=dataset,
                    at=edge.at,
                    evidence=[*reach.path, dataset, run, job, case.id],
                    summary=f"{dataset.removeprefix('dataset:')} holds {reach.classification} ({reach.status}) "
                    f"and is read by {job.removeprefix('job:')} of use case {case.props.get('useCaseId')} "
                    "with no privacy approval in force",
                )
            )
    return out
