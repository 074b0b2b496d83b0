"""The collectors against a real ``lineage serve`` over HTTP: what they send is what the trace shows.

A training -> evaluation -> approval -> inference (2 outputs) -> review -> decision scenario goes through the
OpenLineage HTTP transport to a server process; the trace of the decision must show the model version, the
approval in force and the review.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openlineage.client import OpenLineageClient

from collectors import Actor, Dataset, Field, Lineage, UseCase, ai_output, evidence, human_review
from tests.integration.lineage_server import LineageServer

pytestmark = pytest.mark.integration

OFFICER = Actor("user:officer12", "adjudicator")
BOARD = Actor("user:board-chair", "AI Governance Board")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LineageServer]:
    with LineageServer(Path(tmp_path_factory.mktemp("collectors-e2e"))) as running:
        yield running


@pytest.fixture
def api(server: LineageServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture
def lineage(server: LineageServer, caplog: pytest.LogCaptureFixture) -> Iterator[Lineage]:
    """A ``Lineage`` posting to the server, in a namespace of its own; it must not have logged a warning."""
    client = OpenLineageClient(
        config={
            "transport": {"type": "http", "url": server.url, "timeout": 10},
            "facets": {"source_code_location": {"disabled": True}},
        }
    )
    with Lineage(client, namespace=f"e2e-{uuid.uuid4().hex[:8]}", model_namespace="models-e2e") as lin:
        yield lin
    warnings = [r.getMessage() for r in caplog.records if r.name == "collectors" and r.levelno >= logging.WARNING]
    assert warnings == [], "the collectors could not send everything:\n" + "\n".join(warnings)


def _get(api: httpx.Client, server: LineageServer, path: str, **params: Any) -> Any:
    server.wait_projected(api)
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _by_id(items: list[dict[str, Any]], node_id: str) -> dict[str, Any]:
    found = [i for i in items if i["id"] == node_id]
    assert len(found) == 1, f"{node_id} not in {[i['id'] for i in items]}"
    return found[0]


def _datasets(tag: str) -> tuple[Dataset, Dataset, Dataset]:
    """Claims (with PII), features derived from them (the SSN masked) and the scores the model writes."""
    claims = Dataset(
        "postgres://db:5432", f"public.claims_{tag}", fields=[Field("id", "int"), Field("ssn", "text", ["pii.ssn"])]
    )
    features = Dataset(
        "s3://features",
        f"claims_{tag}",
        fields=[Field("id", "int"), Field("ssn_hash", "string")],
        column_lineage={"id": [claims.column("id")], "ssn_hash": [claims.column("ssn", masking=True)]},
    )
    scores = Dataset("scores", f"claim_scores_{tag}", fields=[Field("claim_id"), Field("score")])
    return claims, features, scores


def _train_evaluate_approve(lineage: Lineage, tag: str, claims: Dataset, features: Dataset) -> str:
    """Build features, train the model, evaluate and approve it; the training run's id."""
    model, version = f"triage-{tag}", "1.2.0"
    with lineage.step("build_features", inputs=[claims], outputs=[features]):
        pass
    with lineage.training_run(model, version, inputs=[features]) as training:
        pass
    lineage.evaluation_run(
        model,
        version,
        evaluation_id=f"eval-{tag}",
        kind="bias",
        passed=True,
        metrics={"auc": 0.87},
        thresholds={"auc": 0.8},
        test_data=features,
    )
    lineage.record_approval(
        f"appr-{tag}",
        kind="governance_board",
        decision="approved",
        approver=BOARD,
        approves=lineage.model(model, version),
        expires_at=datetime.now(UTC) + timedelta(days=365),
    )
    return training.run_id


def _scenario(lineage: Lineage, tag: str) -> dict[str, Any]:
    """Train, evaluate, approve, infer two outputs, review one, decide; returns the ids involved."""
    use_case = UseCase(f"uc-{tag}", "rights-impacting", name="Benefit claim triage", component="USCIS")
    claims, features, scores = _datasets(tag)
    lineage.declare_use_case(use_case)
    training_run = _train_evaluate_approve(lineage, tag, claims, features)
    model = f"triage-{tag}"
    with lineage.inference_run(model, "1.2.0", features=[features], output_dataset=scores, use_case=use_case) as run:
        run.record_output(f"out-{tag}-1", "score", 0.91, f"sha256:{tag}-1")
        run.record_output(f"out-{tag}-2", "score", 0.12, f"sha256:{tag}-2")
    lineage.record_review(
        f"rev-{tag}",
        output_ids=[f"out-{tag}-1"],
        reviewer=OFFICER,
        outcome="concur",
        rationale="documents confirm",
        outputs_dataset=scores,
    )
    lineage.record_decision(
        f"dec-{tag}",
        action_type="benefit_denial",
        significant=True,
        decided_by=OFFICER,
        basis=[ai_output(f"out-{tag}-1"), human_review(f"rev-{tag}"), evidence(claims)],
        subject_ref=f"sha256:{tag}-1",
        use_case=use_case,
    )
    return {
        "model_version": f"dataset:models-e2e:{model}#1.2.0",
        "training_run": training_run,
        "inference_run": run.run_id,
        "use_case": use_case,
    }


def test_the_trace_of_a_decision_shows_model_version_approval_in_force_and_review(
    server: LineageServer, api: httpx.Client, lineage: Lineage
) -> None:
    tag = uuid.uuid4().hex[:8]
    ids = _scenario(lineage, tag)
    assert lineage.close()
    trace = _get(api, server, "/api/v1/trace", nodeId=f"decision:dec-{tag}")

    assert trace["root"]["id"] == f"decision:dec-{tag}"
    model = _by_id(trace["models"], ids["model_version"])
    assert (model["version"], model["trainingRun"]) == ("1.2.0", ids["training_run"])
    assert ids["inference_run"] in model["readBy"]

    approval = _by_id(trace["approvals"], f"approval:appr-{tag}")
    assert approval["inForce"] is True
    assert approval["kind"] == "governance_board" and approval["decision"] == "approved"
    assert approval["approves"] == [ids["model_version"]]

    review = _by_id(trace["reviews"], f"review:rev-{tag}")
    assert review["outcome"] == "concur" and review["outputs"] == [f"output:out-{tag}-1"]
    assert review["reviewer"] == {"id": "user:officer12", "role": "adjudicator"}

    evaluation = _by_id(trace["evaluations"], f"evaluation:eval-{tag}")
    assert evaluation["passed"] is True and evaluation["evaluated"] == [ids["model_version"]]
    output = _by_id(trace["outputs"], f"output:out-{tag}-1")
    assert output["producedBy"] == [f"run:{ids['inference_run']}"]
    assert output["reviewedBy"] == [f"review:rev-{tag}"]
    decision = _by_id(trace["decisions"], f"decision:dec-{tag}")
    assert set(decision["basedOn"]) == {
        f"output:out-{tag}-1",
        f"review:rev-{tag}",
        f"dataset:postgres://db:5432:public.claims_{tag}",
    }
    assert trace["useCase"]["useCaseId"] == f"uc-{tag}"
    assert [g for g in trace["gaps"] if g["kind"] in ("unrecorded_output", "unrecorded_review")] == []
    assert all(status < 300 for status in server.requests_seen("POST", "/api/v1/lineage"))


def test_a_revocation_takes_the_approval_out_of_force_for_later_decisions(
    server: LineageServer, api: httpx.Client, lineage: Lineage
) -> None:
    tag = uuid.uuid4().hex[:8]
    ids = _scenario(lineage, tag)
    lineage.revoke_approval(f"appr-{tag}", approver=BOARD, kind="governance_board")
    lineage.record_decision(
        f"dec-{tag}-later",
        action_type="benefit_grant",
        significant=True,
        decided_by=OFFICER,
        basis=[ai_output(f"out-{tag}-2")],
        use_case=ids["use_case"],
    )
    before = _get(api, server, "/api/v1/trace", nodeId=f"decision:dec-{tag}")
    after = _get(api, server, "/api/v1/trace", nodeId=f"decision:dec-{tag}-later")
    assert _by_id(before["approvals"], f"approval:appr-{tag}")["inForce"] is True
    assert _by_id(after["approvals"], f"approval:appr-{tag}")["inForce"] is False


def test_steps_classifications_and_failures_arrive_as_sent(
    server: LineageServer, api: httpx.Client, lineage: Lineage
) -> None:
    shared = Dataset("s3://vendor", f"extract_{uuid.uuid4().hex[:8]}", fields=[Field("ssn")], external=True)
    with lineage.step("flow") as flow, lineage.step("task", outputs=[shared]) as task:
        pass
    lineage.classify(shared, {"ssn": "pii.ssn", "dob": ["pii.dob", "protected.age"]}, by="user:privacy-officer")
    with pytest.raises(ZeroDivisionError), lineage.step("broken") as broken:
        _ = 1 / 0

    child = _get(api, server, f"/api/v1/runs/{task.run_id}")
    assert child["state"] == "COMPLETED"
    assert (child["parentRunId"], child["rootRunId"]) == (flow.run_id, flow.run_id)
    failed = _get(api, server, f"/api/v1/runs/{broken.run_id}")
    assert failed["state"] == "FAILED" and failed["errorMessage"].startswith("ZeroDivisionError")
    page = _get(api, server, "/api/v1/datasets", namespace="s3://vendor", limit=1000)["datasets"]
    dataset = _by_id(page, f"dataset:s3://vendor:{shared.name}")
    assert dataset["external"] is True
    fields = {f["name"]: sorted(f["classifications"]) for f in dataset["fields"]}
    assert fields == {"ssn": ["pii.ssn"], "dob": ["pii.dob", "protected.age"]}
