"""PII_WITHOUT_PRIVACY_REVIEW (V.A.7): PII read by an AI use case's jobs with no privacy approval in force."""

from __future__ import annotations

from graph_schema import EdgeType, NodeLabel
from lineage_api.compliance.context import Ctx, finding
from lineage_api.compliance.holdings import holdings
from lineage_api.compliance.schemas import FindingOut
from lineage_api.store.protocol import Direction


def check(ctx: Ctx) -> list[FindingOut]:
    cases = ctx.all(NodeLabel.USE_CASE)
    jobs = ctx.edges([c.id for c in cases], EdgeType.SERVES, Direction.IN)
    job_case = {e.src: case for case in cases for e in jobs[case.id]}
    runs_by_job = ctx.edges(sorted(job_case), EdgeType.RUN_OF, Direction.IN)
    run_job = {e.src: job for job, edges in runs_by_job.items() for e in edges}
    if ctx.scope is not None:
        run_job = {r: j for r, j in run_job.items() if r in ctx.scope}
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
