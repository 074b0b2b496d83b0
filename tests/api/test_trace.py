"""Trace and impact over governance facts, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prov.model import ProvDocument

from lineage_api.store.protocol import GraphStore
from tests import governance_events as g
from tests.factories import api, dataset

RAW = dataset("s3://claims", "raw/claims.csv")
FEATURES = dataset("warehouse", "claim_features")


def post_all(client: TestClient, events: list[dict[str, Any]]) -> None:
    for event in events:
        response = client.post("/api/v1/lineage", json=event)
        assert response.status_code == 201, response.text


def scenario() -> list[dict[str, Any]]:
    """Features from raw claims; model v1 trained, evaluated, approved until April; two outputs in March and May;
    model v2 trained in June; a denial based on out-1 with a review, a grant based on out-2."""
    return [
        g.pipeline("feat-1", inputs=[RAW], outputs=[FEATURES], time="2026-01-01T00:00:00Z"),
        g.training("train-1", model_name="triage", version="v1", inputs=[FEATURES], time="2026-01-02T00:00:00Z"),
        g.evaluation(
            "eval-1",
            eval_id="ev-bias-1",
            model_name="triage",
            version="v1",
            passed=True,
            kind="bias",
            time="2026-01-03T00:00:00Z",
        ),
        g.approval(
            "appr-1",
            approval_id="ap-1",
            inputs=[g.model("triage", "v1")],
            granted="2026-01-04T00:00:00Z",
            expires="2026-04-01T00:00:00Z",
        ),
        g.inference(
            "inf-1",
            model_name="triage",
            version="v1",
            outputs=["out-1"],
            features=FEATURES,
            time="2026-03-01T00:00:00Z",
        ),
        g.inference(
            "inf-2",
            model_name="triage",
            version="v1",
            outputs=["out-2"],
            features=FEATURES,
            time="2026-05-01T00:00:00Z",
        ),
        g.review("rev-run-1", review_id="rev-1", outputs=["out-1"], outcome="concur", time="2026-03-01T01:00:00Z"),
        g.decision(
            "dec-run-1",
            decision_id="dec-1",
            action="benefit_denial",
            basis=[("ai_output", "out-1"), ("human_review", "rev-1")],
            time="2026-03-01T02:00:00Z",
        ),
        g.decision(
            "dec-run-2",
            decision_id="dec-2",
            action="benefit_grant",
            basis=[("ai_output", "out-1"), ("ai_output", "out-2")],
            time="2026-05-01T02:00:00Z",
        ),
        g.training("train-2", model_name="triage", version="v2", inputs=[FEATURES], time="2026-06-01T00:00:00Z"),
        g.evaluation(
            "eval-2",
            eval_id="ev-late",
            model_name="triage",
            version="v1",
            passed=False,
            kind="bias",
            time="2026-07-01T00:00:00Z",
        ),
    ]


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    with api(store, tmp_path) as c:
        post_all(c, scenario())
        yield c


def trace(client: TestClient, node_id: str, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/trace", params={"nodeId": node_id, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_output_trace_has_the_full_chain(client: TestClient) -> None:
    t = trace(client, "output:out-1")
    assert t["root"]["id"] == "output:out-1" and t["asOf"] == "2026-03-01T00:00:00.000000Z"
    assert t["complete"] is True and t["truncated"] is None
    assert [(m["name"], m["version"], m["trainingRun"]) for m in t["models"]] == [("triage", "v1", "train-1")]
    sources = {d["name"]: d["source"] for d in t["datasets"]}
    assert sources == {"claim_features": False, "raw/claims.csv": True}
    assert {r["runId"] for r in t["runs"]} == {"inf-1", "train-1", "feat-1"}
    assert [(a["approvalId"], a["inForce"]) for a in t["approvals"]] == [("ap-1", True)]
    assert [(e["evaluationId"], e["passed"]) for e in t["evaluations"]] == [("ev-bias-1", True)]
    assert t["useCase"]["riskCategory"] == "rights-impacting"
    assert [gap["kind"] for gap in t["gaps"]] == ["unwritten_dataset"]
    assert [r["reviewId"] for r in t["later"]["reviews"]] == ["rev-1"]
    assert [e["evaluationId"] for e in t["later"]["evaluations"]] == ["ev-late"]
    assert [n["id"] for n in t["nodes"]] == sorted(n["id"] for n in t["nodes"])
    assert t["edges"] == sorted(t["edges"], key=lambda e: (e["source"], e["type"], e["target"]))
    text = " ".join(t["narrative"])
    assert "out-1" in text and "triage version v1" in text and "ap-1" in text


def test_decision_trace_with_two_outputs_and_a_review(client: TestClient) -> None:
    denial = trace(client, "decision:dec-1")
    assert [r["reviewId"] for r in denial["reviews"]] == ["rev-1"]
    assert denial["reviews"][0]["outcome"] == "concur"
    assert denial["decisions"][0]["basedOn"] == ["output:out-1", "review:rev-1"]
    grant = trace(client, "decision:dec-2")
    assert {o["outputId"] for o in grant["outputs"]} == {"out-1", "out-2"}
    assert grant["reviews"] == [] or all(r["reviewId"] == "rev-1" for r in grant["reviews"])
    assert {r["runId"] for r in grant["runs"]} >= {"inf-1", "inf-2"}


def test_approval_expiring_between_two_outputs(client: TestClient) -> None:
    before = trace(client, "output:out-1")
    after = trace(client, "output:out-2")
    assert [a["inForce"] for a in before["approvals"]] == [True]
    assert [a["inForce"] for a in after["approvals"]] == [False]
    assert any("not in force" in sentence for sentence in after["narrative"])


def test_retraining_later_does_not_change_an_earlier_trace(client: TestClient, store: GraphStore) -> None:
    first = trace(client, "output:out-2")
    post_all(
        client,
        [
            g.approval(
                "appr-late", approval_id="ap-late", inputs=[g.model("triage", "v1")], granted="2026-08-01T00:00:00Z"
            ),
            g.training("train-3", model_name="triage", version="v3", inputs=[FEATURES], time="2026-08-02T00:00:00Z"),
        ],
    )
    again = trace(client, "output:out-2")
    assert [m["version"] for m in again["models"]] == ["v1"]
    for key in ("models", "datasets", "runs", "approvals", "evaluations", "nodes", "edges", "gaps"):
        assert again[key] == first[key], key
    now = trace(client, "output:out-2", asOf="2026-09-01T00:00:00Z")
    assert {a["approvalId"] for a in now["approvals"]} == {"ap-1", "ap-late"}


def test_run_and_dataset_version_traces(client: TestClient) -> None:
    run = trace(client, "run:train-1")
    assert {d["name"] for d in run["datasets"]} == {"claim_features", "raw/claims.csv"}
    model_v2 = trace(client, "dataset:models:triage#v2")
    assert [m["version"] for m in model_v2["models"]] == ["v2"]
    latest = trace(client, "dataset:models:triage")
    assert latest["root"]["id"] == "dataset:models:triage#v2"


def test_truncation_is_reported_never_silent(client: TestClient) -> None:
    shallow = trace(client, "output:out-1", depth=2)
    assert shallow["complete"] is False and shallow["truncated"]["limit"] == "depth" and shallow["truncated"]["at"]
    small = trace(client, "output:out-1", maxNodes=3)
    assert small["complete"] is False and small["truncated"]["limit"] == "nodes"
    assert len(small["nodes"]) == 3
    assert any("incomplete" in s for s in small["narrative"])


@pytest.mark.parametrize(
    ("node_id", "status"),
    [
        ("output:nope", 404),
        ("decision:nope", 404),
        ("dataset:ns:missing", 404),
        ("banana:1", 400),
        ("job:a:b", 400),
        ("output", 400),
    ],
)
def test_unknown_and_bad_ids(client: TestClient, node_id: str, status: int) -> None:
    response = client.get("/api/v1/trace", params={"nodeId": node_id})
    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_prov_export_validates(client: TestClient) -> None:
    response = client.get("/api/v1/trace", params={"nodeId": "decision:dec-1", "format": "prov"})
    assert response.status_code == 200
    doc = ProvDocument.deserialize(content=response.text, format="json")
    records = {type(r).__name__ for r in doc.get_records()}
    assert {
        "ProvEntity",
        "ProvActivity",
        "ProvAgent",
        "ProvUsage",
        "ProvGeneration",
        "ProvDerivation",
        "ProvAssociation",
    } <= records
    agents = {str(r.identifier) for r in doc.get_records() if type(r).__name__ == "ProvAgent"}
    assert any("officer12" in a for a in agents)


def test_impact_of_a_model_version_reaches_outputs_and_decisions(client: TestClient) -> None:
    response = client.get("/api/v1/impact", params={"nodeId": "dataset:models:triage#v1"})
    assert response.status_code == 200
    body = response.json()
    assert body["complete"] is True
    assert {o["outputId"] for o in body["outputs"]} == {"out-1", "out-2"}
    assert {d["decisionId"] for d in body["decisions"]} == {"dec-1", "dec-2"}
    assert body["counts"]["Output"] == 2 and body["counts"]["Decision"] == 2
    window = client.get(
        "/api/v1/impact",
        params={"nodeId": "dataset:models:triage#v1", "since": "2026-04-15T00:00:00Z", "until": "2026-05-31T00:00:00Z"},
    )
    assert {o["outputId"] for o in window.json()["outputs"]} == {"out-2"}
    assert {d["decisionId"] for d in window.json()["decisions"]} == {"dec-2"}
    capped = client.get("/api/v1/impact", params={"nodeId": "dataset:models:triage#v1", "maxNodes": 2}).json()
    assert capped["complete"] is False and capped["truncated"]["limit"] == "nodes"


def test_governance_facets_are_published_and_enforced(client: TestClient) -> None:
    listing = client.get("/api/v1/facets").json()["facets"]
    assert {f["name"] for f in listing} >= {"aigov_decision", "aigov_review", "aigov_outputs"}
    schema = client.get("/api/v1/facets/aigov_decision").json()
    assert "basis" in schema["required"]
    assert client.get("/api/v1/facets/aigov_nope").status_code == 404
    bad = g.decision(
        "bad", decision_id="d", action="benefit_denial", basis=[("vibes", "x")], time="2026-03-01T00:00:00Z"
    )
    response = client.post("/api/v1/lineage", json=bad)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "run.facets.aigov_decision.basis[0].type"
