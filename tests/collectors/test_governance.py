"""Governance records: one COMPLETE run each, carrying the contract's facets, valid against their JSON Schemas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from collectors import (
    Actor,
    Dataset,
    Field,
    InvalidArgument,
    InvalidFacet,
    Lineage,
    UseCase,
    ai_output,
    evidence,
    human_review,
)
from tests.collectors.memory import Event, MemoryTransport, governance_facets, schema_validator

USE_CASE = UseCase(
    "uc-benefits-triage",
    "rights-impacting",
    name="Benefit claim triage",
    component="USCIS",
    purpose="prioritise claims for officer review",
    owner="team:benefits-ai",
)
SCORES = Dataset("scores", "claim_scores")
CASE_FILE = Dataset("s3://case-files", "claims/5531")
OFFICER = Actor("user:officer12", "adjudicator")
SUBGROUP = {"attribute": "protected.age", "group": "65+", "metric": "fpr", "value": 0.05}


def _body(facet: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facet.items() if not k.startswith("_")}


def _record(memory: MemoryTransport, job: str) -> Event:
    event = memory.one(job)
    assert event["eventType"] == "COMPLETE" and memory.types(job) == ["COMPLETE"]
    return event


def _model_runs(lineage: Lineage) -> None:
    """Declare the use case, train, evaluate, approve the model and run it, every optional field given."""
    lineage.declare_use_case(USE_CASE)
    with lineage.training_run("triage", "1.2.0", inputs=[CASE_FILE]):
        pass
    lineage.evaluation_run(
        "triage",
        "1.2.0",
        evaluation_id="eval-9",
        kind="bias",
        passed=True,
        metrics={"auc": 0.87},
        thresholds={"auc": 0.8},
        subgroups=[SUBGROUP],
    )
    lineage.record_approval(
        "appr-17",
        kind="governance_board",
        decision="conditional",
        approver=Actor("user:jdoe", "AI Governance Board"),
        approves=[lineage.model("triage", "1.2.0")],
        granted_at="2026-02-01T00:00:00Z",
        expires_at="2027-02-01T00:00:00Z",
        conditions="human review of every denial",
        reference="AIGB-2026-004",
    )
    with lineage.inference_run("triage", "1.2.0", output_dataset=SCORES, use_case=USE_CASE) as run:
        run.record_output("out-000123", "score", "0.91", "sha256:9f2c", produced_at="2026-03-02T10:00:01Z")
        run.record_output("out-000124", "label", None, None)


def _scenario(lineage: Lineage) -> None:
    """Every kind of record and run the API sends, with every optional field given."""
    _model_runs(lineage)
    lineage.record_review(
        "rev-88",
        output_ids=["out-000123"],
        reviewer=OFFICER,
        outcome="concur",
        rationale="documents confirm",
        reviewed_at="2026-03-02T11:00:00Z",
        outputs_dataset=SCORES,
    )
    lineage.record_decision(
        "dec-5531",
        action_type="benefit_denial",
        significant=True,
        decided_by=OFFICER,
        basis=[ai_output("out-000123"), human_review("rev-88"), evidence(CASE_FILE)],
        decided_at="2026-03-02T12:00:00Z",
        subject_ref="sha256:9f2c",
        use_case=USE_CASE,
    )
    lineage.report_incident(
        "inc-3",
        kind="pii_release",
        severity="high",
        affects=[CASE_FILE],
        reported_at="2026-04-01T09:00:00Z",
        description="training extract shared with vendor without agreement",
    )
    lineage.revoke_approval("appr-17", approver="user:jdoe", at="2026-05-01T00:00:00Z", kind="governance_board")


def test_every_governance_facet_the_api_sends_validates_against_its_schema(
    lineage: Lineage, memory: MemoryTransport
) -> None:
    _scenario(lineage)
    seen: dict[str, int] = {}
    for event in memory.events:
        for name, facet in governance_facets(event):
            errors = [e.message for e in schema_validator(name).iter_errors(facet)]
            assert errors == [], f"{name} in {event['job']['name']}: {errors}"
            assert facet["_schemaURL"] == f"https://ai-lineage.dev/spec/facets/1-0-0/{name}.json"
            assert facet["_producer"] == "https://example.org/tests"
            seen[name] = seen.get(name, 0) + 1
    assert set(seen) == {
        "aigov_useCase",
        "aigov_outputs",
        "aigov_approval",
        "aigov_review",
        "aigov_decision",
        "aigov_evaluation",
        "aigov_incident",
    }


def test_the_contract_examples_come_out_as_the_contract_writes_them(lineage: Lineage, memory: MemoryTransport) -> None:
    _scenario(lineage)
    decision = _record(memory, "aigov.decision.uc-benefits-triage")
    assert _body(decision["run"]["facets"]["aigov_decision"]) == {
        "decisionId": "dec-5531",
        "actionType": "benefit_denial",
        "significant": True,
        "basis": [
            {"type": "ai_output", "ref": "out-000123"},
            {"type": "human_review", "ref": "rev-88"},
            {"type": "evidence", "ref": "dataset:s3://case-files:claims/5531"},
        ],
        "decidedBy": {"id": "user:officer12", "role": "adjudicator"},
        "decidedAt": "2026-03-02T12:00:00.000000Z",
        "subjectRef": "sha256:9f2c",
    }
    assert _body(decision["job"]["facets"]["aigov_useCase"]) == {
        "useCaseId": "uc-benefits-triage",
        "name": "Benefit claim triage",
        "component": "USCIS",
        "riskCategory": "rights-impacting",
        "purpose": "prioritise claims for officer review",
        "owner": "team:benefits-ai",
    }
    review = _record(memory, "aigov.review")
    assert _body(review["run"]["facets"]["aigov_review"]) == {
        "reviewId": "rev-88",
        "outputIds": ["out-000123"],
        "reviewer": {"id": "user:officer12", "role": "adjudicator"},
        "outcome": "concur",
        "rationale": "documents confirm",
        "reviewedAt": "2026-03-02T11:00:00.000000Z",
    }
    assert [(d["namespace"], d["name"]) for d in review["inputs"]] == [SCORES.key]
    incident = _record(memory, "aigov.incident")
    assert _body(incident["run"]["facets"]["aigov_incident"])["kind"] == "pii_release"
    assert [d["name"] for d in incident["inputs"]] == ["claims/5531"]


def test_an_approval_approves_its_inputs_and_a_revocation_ends_it(lineage: Lineage, memory: MemoryTransport) -> None:
    _scenario(lineage)
    grant, revocation = memory.runs("aigov.approval")
    assert _body(grant["run"]["facets"]["aigov_approval"]) == {
        "approvalId": "appr-17",
        "kind": "governance_board",
        "decision": "conditional",
        "approver": {"id": "user:jdoe", "role": "AI Governance Board"},
        "grantedAt": "2026-02-01T00:00:00.000000Z",
        "expiresAt": "2027-02-01T00:00:00.000000Z",
        "conditions": "human review of every denial",
        "reference": "AIGB-2026-004",
    }
    (approved,) = grant["inputs"]
    assert (approved["name"], approved["facets"]["version"]["datasetVersion"]) == ("triage", "1.2.0")
    assert approved["facets"]["datasetType"]["datasetType"] == "MODEL"
    revoked = revocation["run"]["facets"]["aigov_approval"]
    assert (revoked["approvalId"], revoked["decision"]) == ("appr-17", "revoked")
    # The server reads a revocation's time from grantedAt.
    assert revoked["grantedAt"] == revoked["revokedAt"] == "2026-05-01T00:00:00.000000Z"
    assert revocation["inputs"] == []


def test_a_use_case_is_declared_by_a_run_event_with_the_job_facet(lineage: Lineage, memory: MemoryTransport) -> None:
    run_id = lineage.declare_use_case(USE_CASE)
    event = _record(memory, "aigov.use_case.uc-benefits-triage")
    assert event["run"]["runId"] == run_id
    assert event["job"]["facets"]["aigov_useCase"]["useCaseId"] == "uc-benefits-triage"


def test_record_times_default_to_now_and_keep_their_instant(lineage: Lineage, memory: MemoryTransport) -> None:
    before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    lineage.record_review("r-1", output_ids=["o"], reviewer="user:a", outcome="escalate")
    eastern = timezone(timedelta(hours=-5))
    lineage.record_review(
        "r-2",
        output_ids=["o"],
        reviewer="user:a",
        outcome="override",
        reviewed_at=datetime(2026, 3, 2, 6, tzinfo=eastern),
    )
    first, second = (e["run"]["facets"]["aigov_review"]["reviewedAt"] for e in memory.runs("aigov.review"))
    assert first >= before
    assert second == "2026-03-02T11:00:00.000000Z"


def test_classify_sends_a_dataset_event_with_all_the_datasets_tags(lineage: Lineage, memory: MemoryTransport) -> None:
    shared = Dataset(
        "s3://vendor", "extract", fields=[Field("ssn", classifications=["pii.ssn"]), Field("dob")], external=True
    )
    lineage.classify(shared, {"dob": ["pii.dob", "protected.age"], "name": "pii.name"}, by="user:privacy-officer")
    (event,) = memory.events
    assert "run" not in event and "job" not in event
    assert event["schemaURL"].endswith("#/$defs/DatasetEvent")
    dataset = event["dataset"]
    assert (dataset["namespace"], dataset["name"]) == ("s3://vendor", "extract")
    assert list(dataset["facets"]) == ["tags"]  # the schema facet others sent is left alone
    assert dataset["facets"]["tags"]["tags"] == [
        {"key": "classification", "value": "pii.ssn", "field": "ssn"},
        {"key": "classification", "value": "pii.dob", "field": "dob", "source": "user:privacy-officer"},
        {"key": "classification", "value": "protected.age", "field": "dob", "source": "user:privacy-officer"},
        {"key": "classification", "value": "pii.name", "field": "name", "source": "user:privacy-officer"},
        {"key": "boundary", "value": "external"},
    ]


def _approve(lineage: Lineage, **changes: Any) -> str:
    arguments: dict[str, Any] = {"kind": "privacy", "decision": "approved", "approver": "u", "approves": SCORES}
    return lineage.record_approval(str(changes.pop("approval_id", "a")), **{**arguments, **changes})


def _review(lineage: Lineage, **changes: Any) -> str:
    arguments: dict[str, Any] = {"output_ids": ["o"], "reviewer": "u", "outcome": "concur"}
    return lineage.record_review("r", **{**arguments, **changes})


def _decide(lineage: Lineage, **changes: Any) -> str:
    arguments: dict[str, Any] = {"action_type": "other", "significant": True, "basis": [], "decided_by": "u"}
    return lineage.record_decision("d", **{**arguments, **changes})


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda lin: _approve(lin, approval_id=""), InvalidArgument),
        (lambda lin: _approve(lin, kind="board"), InvalidFacet),
        (lambda lin: _approve(lin, decision="ok"), InvalidFacet),
        (lambda lin: _approve(lin, approves=[]), InvalidArgument),
        (lambda lin: _approve(lin, approves=["scores"]), InvalidArgument),
        (lambda lin: _approve(lin, approver=""), InvalidArgument),
        (lambda lin: _approve(lin, granted_at="yesterday"), InvalidArgument),
        (lambda lin: _approve(lin, expires_at="2027-01-01T00:00:00"), InvalidArgument),
        (lambda lin: _review(lin, output_ids=[]), InvalidFacet),
        (lambda lin: _review(lin, output_ids="out-1"), InvalidArgument),
        (lambda lin: _review(lin, outcome="agree"), InvalidFacet),
        (lambda lin: _decide(lin, action_type="deny"), InvalidFacet),
        (lambda lin: _decide(lin, basis=["out-1"]), InvalidArgument),
        (lambda lin: _decide(lin, significant="yes"), InvalidFacet),
        (lambda lin: _decide(lin, decided_at=datetime(2026, 3, 2)), InvalidArgument),
        (lambda lin: lin.report_incident("i", kind="outage", severity="high"), InvalidFacet),
        (lambda lin: lin.report_incident("i", kind="harm", severity=""), InvalidArgument),
        (lambda lin: lin.classify(SCORES, {"score": "secret"}), InvalidArgument),
        (lambda lin: lin.classify(SCORES, {}), InvalidArgument),
        (lambda lin: lin.declare_use_case("uc-1"), InvalidArgument),
        (lambda lin: UseCase("uc-1", "high"), InvalidArgument),  # type: ignore[arg-type]
        (lambda lin: evidence("s3://case-files/claims/5531"), InvalidArgument),
        (lambda lin: ai_output(""), InvalidArgument),
    ],
)
def test_malformed_records_raise_before_anything_is_sent(
    lineage: Lineage, memory: MemoryTransport, call: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        call(lineage)
    assert memory.events == []


def test_an_invalid_facet_names_the_offending_field(lineage: Lineage) -> None:
    with pytest.raises(InvalidFacet) as caught:
        lineage.record_review("r", output_ids=["o", ""], reviewer="u", outcome="concur")
    assert caught.value.facet == "aigov_review"
    assert caught.value.path == "aigov_review.outputIds.1"


def test_evidence_names_a_dataset_version_when_the_dataset_has_one() -> None:
    assert (
        evidence(Dataset("s3://case-files", "claims/5531", version="v3")).ref
        == "dataset:s3://case-files:claims/5531#v3"
    )
    assert evidence("dataset:postgres://db:5432:public.claims").ref == "dataset:postgres://db:5432:public.claims"
