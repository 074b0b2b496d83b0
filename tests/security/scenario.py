"""The victim's record (namespace ``cbp.*``) and the attacks an ``etl.*`` key tries on it.

The victim: claims with an SSN column, features, a model trained, evaluated and approved, an inference run in a
rights-impacting use case producing one output, and a benefit denial resting on that output alone (so SOLE_BASIS
and NO_HUMAN_REVIEW hold against it). Each attack names the status it must get and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.factories import dataset, facet, run_event, schema

T0 = "2026-03-01T09:00:00Z"
RAW = ("cbp.raw", "claims")
MODEL = ("cbp.models", "triage")
USE_CASE = {
    "useCaseId": "uc-cbp-triage",
    "name": "Claim triage",
    "riskCategory": "rights-impacting",
    "component": "CBP",
    "purpose": "prioritise claims",
}


def _tags(*pairs: tuple[str, str]) -> dict[str, Any]:
    return facet(tags=[{"key": "classification", "value": v, "field": f} for f, v in pairs])


def model_version(version: str = "v1") -> dict[str, Any]:
    return dataset(*MODEL, {"datasetType": facet(datasetType="MODEL"), "version": facet(datasetVersion=version)})


def victim_events() -> list[dict[str, Any]]:
    """Events the cbp producer key sends (the approval is sent by the approver: see ``approval``)."""
    raw = dataset(*RAW, {"schema": schema("claim_id", "ssn", "name"), "tags": _tags(("ssn", "pii.ssn"))})
    features = dataset("cbp.features", "claim_features", {"schema": schema("claim_id", "ssn")})
    scores = dataset(
        "cbp.scores",
        "claim_scores",
        {"schema": schema("claim_id", "score")},
        outputFacets={
            "aigov_outputs": facet(
                outputs=[
                    {
                        "outputId": "out-cbp-1",
                        "kind": "score",
                        "value": "0.9",
                        "subjectRef": "sha256:c1",
                        "producedAt": "2026-03-01T12:00:00Z",
                    }
                ]
            )
        },
    )
    return [
        run_event(run_id="cbp-load", job=("cbp.etl", "load_claims"), time=T0, outputs=[raw]),
        run_event(
            run_id="cbp-feat",
            job=("cbp.etl", "features"),
            time="2026-03-01T09:30:00Z",
            inputs=[dataset(*RAW)],
            outputs=[features],
        ),
        run_event(
            run_id="cbp-train",
            job=("cbp.ml", "train_triage"),
            time="2026-03-01T10:00:00Z",
            inputs=[dataset("cbp.features", "claim_features")],
            outputs=[model_version()],
        ),
        run_event(
            run_id="cbp-eval",
            job=("cbp.ml", "evaluate"),
            time="2026-03-01T10:30:00Z",
            inputs=[model_version()],
            run_facets={"aigov_evaluation": facet(evaluationId="eval-cbp-1", kind="bias", passed=True)},
        ),
        run_event(
            run_id="cbp-score",
            job=("cbp.ml", "score"),
            time="2026-03-01T12:00:00Z",
            inputs=[model_version()],
            outputs=[scores],
            job_facets={"aigov_useCase": facet(**USE_CASE)},
        ),
        decision("cbp-decide", job=("cbp.adjudication", "decide"), significant=True),
    ]


def approval(run_id: str, *, approval_id: str, job: tuple[str, str], target: dict[str, Any]) -> dict[str, Any]:
    body = facet(
        approvalId=approval_id,
        kind="governance_board",
        decision="approved",
        grantedAt="2026-03-01T11:00:00Z",
        approver={"id": "user:chair", "role": "AI Governance Board"},
    )
    return run_event(
        run_id=run_id, job=job, time="2026-03-01T11:00:00Z", inputs=[target], run_facets={"aigov_approval": body}
    )


def decision(
    run_id: str,
    *,
    job: tuple[str, str],
    significant: bool,
    decision_id: str = "dec-cbp-1",
    time: str = "2026-03-01T13:00:00Z",
    rationale: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = dict(
        decisionId=decision_id,
        actionType="benefit_denial",
        significant=significant,
        basis=[{"type": "ai_output", "ref": "out-cbp-1"}],
        decidedBy={"id": "user:officer1", "role": "adjudicator"},
        decidedAt=time,
    )
    if rationale:
        body["rationale"] = rationale
    return run_event(
        run_id=run_id,
        job=job,
        time=time,
        job_facets={"aigov_useCase": facet(**USE_CASE)},
        run_facets={"aigov_decision": facet(**body)},
    )


def review(run_id: str, *, job: tuple[str, str]) -> dict[str, Any]:
    body = facet(
        reviewId="rev-etl-1",
        outputIds=["out-cbp-1"],
        outcome="concur",
        reviewer={"id": "user:mallory", "role": "adjudicator"},
        reviewedAt="2026-03-01T12:30:00Z",
    )
    return run_event(run_id=run_id, job=job, time="2026-03-01T12:30:00Z", run_facets={"aigov_review": body})


@dataclass(frozen=True)
class Attack:
    name: str
    key: str  # which key sends it: "etl" (producer etl.*), "cbp2" (a second cbp.* producer), "etl_approver"
    event: dict[str, Any]
    status: int  # what a single POST must answer
    words: tuple[str, ...]  # the error message names these (entity, namespace, rule)


ETL = ("etl.jobs", "mallory")


def attacks() -> list[Attack]:
    return [
        Attack(
            "review another namespace's output", "etl", review("a-review", job=ETL), 403, ("output:out-cbp-1", "cbp.ml")
        ),
        Attack(
            "approve another namespace's model with a producer key",
            "etl",
            approval("a-appr", approval_id="appr-etl", job=ETL, target=model_version()),
            403,
            ("approver", "separation of duties"),
        ),
        Attack(
            "approve another namespace's model with an approver key of etl.*",
            "etl_approver",
            approval("a-appr2", approval_id="appr-etl2", job=("etl.gov", "approve"), target=model_version()),
            403,
            ("cbp.models", "triage"),
        ),
        Attack(
            "overwrite a decision (significant=false)",
            "etl",
            decision("a-dec", job=ETL, significant=False),
            409,
            ("decision:dec-cbp-1", "append-only"),
        ),
        Attack(
            "overwrite a decision with another key of the same namespace",
            "cbp2",
            decision("a-dec2", job=("cbp.adjudication", "decide"), significant=False),
            409,
            ("decision:dec-cbp-1", "append-only"),
        ),
        Attack(
            "move an AI output to its own run",
            "etl",
            run_event(
                run_id="a-move",
                job=ETL,
                time="2026-03-01T12:00:00Z",
                outputs=[
                    dataset(
                        "etl.out",
                        "scores",
                        outputFacets={
                            "aigov_outputs": facet(
                                outputs=[{"outputId": "out-cbp-1", "kind": "score", "value": "0.1", "subjectRef": "x"}]
                            )
                        },
                    )
                ],
            ),
            409,
            ("output:out-cbp-1",),
        ),
        Attack(
            "take over another job's run",
            "etl",
            run_event(run_id="cbp-score", job=ETL),
            409,
            ("run:cbp-score", "job:cbp.ml:score"),
        ),
        Attack(
            "write an output dataset in a foreign namespace with an empty tags facet",
            "etl",
            run_event(run_id="a-out", job=ETL, outputs=[dataset(*RAW, {"tags": facet(tags=[])})]),
            403,
            ("cbp.raw", "output dataset"),
        ),
        Attack(
            "change a use case's risk category with a JobEvent",
            "etl",
            {
                "eventTime": "2026-03-02T00:00:00Z",
                "producer": "x",
                "schemaURL": "x",
                "job": {
                    "namespace": ETL[0],
                    "name": ETL[1],
                    "facets": {"aigov_useCase": facet(**{**USE_CASE, "riskCategory": "neither"})},
                },
            },
            409,
            ("usecase:uc-cbp-triage",),
        ),
        Attack(
            "create a job in a foreign namespace through a parent facet",
            "etl",
            run_event(
                run_id="a-child",
                job=ETL,
                run_facets={
                    "parent": facet(run={"runId": "a-fresh-parent"}, job={"namespace": "cbp.ml", "name": "planted"})
                },
            ),
            403,
            ("cbp.ml", "parent"),
        ),
        Attack(
            "write a foreign dataset through a DatasetEvent",
            "etl",
            {
                "eventTime": "2026-03-02T00:00:00Z",
                "producer": "x",
                "schemaURL": "x",
                "dataset": dataset(*RAW, {"tags": facet(tags=[])}),
            },
            403,
            ("cbp.raw",),
        ),
        Attack(
            "evaluate another namespace's model",
            "etl",
            run_event(
                run_id="a-eval",
                job=ETL,
                inputs=[model_version()],
                run_facets={"aigov_evaluation": facet(evaluationId="eval-etl", kind="bias", passed=True)},
            ),
            403,
            ("cbp.models",),
        ),
        Attack(
            "an approver key sending a lineage event",
            "etl_approver",
            run_event(run_id="a-approver-etl", job=("etl.gov", "approve")),
            403,
            ("approver",),
        ),
    ]


def observed_read() -> dict[str, Any]:
    """A legitimate etl run reading the victim's claims, sending an empty tags facet and a different schema."""
    return run_event(
        run_id="etl-reads-claims",
        job=ETL,
        time="2026-03-02T00:00:00Z",
        inputs=[dataset(*RAW, {"schema": schema("claim_id", "notes"), "tags": facet(tags=[])})],
        outputs=[dataset("etl.out", "copy")],
    )
