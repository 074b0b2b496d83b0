"""OpenLineage events carrying the governance facets, for building scenarios in tests."""

from __future__ import annotations

from typing import Any

from tests.factories import dataset, facet, run_event, schema

MODEL_NS = "models"


def model(name: str, version: str) -> dict[str, Any]:
    return dataset(
        MODEL_NS, name, {"datasetType": facet(datasetType="MODEL"), "version": facet(datasetVersion=version)}
    )


def training(run_id: str, *, model_name: str, version: str, inputs: list[dict[str, Any]], time: str) -> dict[str, Any]:
    return run_event(
        run_id=run_id, job=("ml", f"train_{model_name}"), time=time, inputs=inputs, outputs=[model(model_name, version)]
    )


def evaluation(
    run_id: str, *, eval_id: str, model_name: str, version: str, passed: bool, kind: str, time: str
) -> dict[str, Any]:
    return run_event(
        run_id=run_id,
        job=("ml", f"evaluate_{model_name}"),
        time=time,
        inputs=[model(model_name, version)],
        run_facets={"aigov_evaluation": facet(evaluationId=eval_id, kind=kind, passed=passed)},
    )


def approval(
    run_id: str,
    *,
    approval_id: str,
    inputs: list[dict[str, Any]],
    granted: str,
    expires: str | None = None,
    kind: str = "governance_board",
    decision: str = "approved",
    time: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "approvalId": approval_id,
        "kind": kind,
        "decision": decision,
        "grantedAt": granted,
        "approver": {"id": "user:board-chair", "role": "AI Governance Board"},
    }
    if expires:
        body["expiresAt"] = expires
    return run_event(
        run_id=run_id,
        job=("governance", "approvals"),
        time=time or granted,
        inputs=inputs,
        run_facets={"aigov_approval": facet(**body)},
    )


USE_CASE = {
    "useCaseId": "uc-benefits",
    "name": "Benefit claim triage",
    "riskCategory": "rights-impacting",
    "component": "USCIS",
    "purpose": "prioritise claims",
}


def inference(
    run_id: str,
    *,
    model_name: str,
    version: str,
    outputs: list[str],
    time: str,
    features: dict[str, Any] | None = None,
    use_case: dict[str, Any] | None = None,
) -> dict[str, Any]:
    produced = [
        {"outputId": o, "kind": "score", "value": "0.9", "subjectRef": f"sha256:{o}", "producedAt": time}
        for o in outputs
    ]
    out = dataset(
        "scores",
        "claim_scores",
        {"schema": schema("claim_id", "score")},
        outputFacets={"aigov_outputs": facet(outputs=produced)},
    )
    return run_event(
        run_id=run_id,
        job=("ml", "score_claims"),
        time=time,
        inputs=[model(model_name, version)] + ([features] if features else []),
        outputs=[out],
        job_facets={"aigov_useCase": facet(**(use_case or USE_CASE))},
    )


def review(run_id: str, *, review_id: str, outputs: list[str], outcome: str, time: str) -> dict[str, Any]:
    return run_event(
        run_id=run_id,
        job=("adjudication", "review"),
        time=time,
        inputs=[dataset("scores", "claim_scores")],
        run_facets={
            "aigov_review": facet(
                reviewId=review_id,
                outputIds=outputs,
                outcome=outcome,
                reviewer={"id": "user:officer12", "role": "adjudicator"},
                reviewedAt=time,
            )
        },
    )


def decision(
    run_id: str, *, decision_id: str, action: str, basis: list[tuple[str, str]], time: str, significant: bool = True
) -> dict[str, Any]:
    return run_event(
        run_id=run_id,
        job=("adjudication", "decide"),
        time=time,
        job_facets={"aigov_useCase": facet(**USE_CASE)},
        run_facets={
            "aigov_decision": facet(
                decisionId=decision_id,
                actionType=action,
                significant=significant,
                basis=[{"type": t, "ref": r} for t, r in basis],
                decidedBy={"id": "user:officer12", "role": "adjudicator"},
                decidedAt=time,
            )
        },
    )


def pipeline(
    run_id: str, *, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]], time: str, job: str = "build_features"
) -> dict[str, Any]:
    return run_event(run_id=run_id, job=("etl", job), time=time, inputs=inputs, outputs=outputs)
