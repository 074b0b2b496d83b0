"""Each compliance rule: a case that fires and a near miss that must not, on both stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lineage_api.store.protocol import GraphStore
from tests import governance_events as g
from tests.factories import api, dataset
from tests.privacy_events import NS, classified, derived, step

Post = Callable[[list[dict[str, Any]]], None]
MODEL = g.model("triage", "v1")


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    with api(store, tmp_path) as c:
        yield c


def post(client: TestClient, events: list[dict[str, Any]]) -> None:
    for event in events:
        response = client.post("/api/v1/lineage", json=event)
        assert response.status_code == 201, response.text


def findings(client: TestClient, rule: str, **params: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/compliance/findings", params={"rule": rule, **params})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["findings"]
    assert all(f["rule"] == rule for f in found)
    return found


def model_and_outputs(*, evaluated: bool = True, approved: bool = True) -> list[dict[str, Any]]:
    events = [g.training("train", model_name="triage", version="v1", inputs=[], time="2026-01-01T00:00:00Z")]
    if evaluated:
        events.append(
            g.evaluation(
                "ev",
                eval_id="ev-bias",
                model_name="triage",
                version="v1",
                passed=True,
                kind="bias",
                time="2026-01-02T00:00:00Z",
            )
        )
    if approved:
        events.append(g.approval("ap", approval_id="ap-board", inputs=[MODEL], granted="2026-01-03T00:00:00Z"))
    events.append(
        g.inference(
            "inf", model_name="triage", version="v1", outputs=["o1", "o2", "o3", "o4"], time="2026-02-01T00:00:00Z"
        )
    )
    return events


def test_sole_basis(client: TestClient) -> None:
    post(
        client,
        [
            *model_and_outputs(),
            g.review("rv1", review_id="rev-ok", outputs=["o1"], outcome="concur", time="2026-02-01T01:00:00Z"),
            g.decision(
                "d1",
                decision_id="reviewed-denial",
                action="benefit_denial",
                basis=[("ai_output", "o1")],
                time="2026-02-01T02:00:00Z",
            ),
            g.decision(
                "d2",
                decision_id="unreviewed-denial",
                action="benefit_denial",
                basis=[("ai_output", "o2")],
                time="2026-02-01T02:00:00Z",
            ),
            g.decision(
                "d3",
                decision_id="late-review-denial",
                action="civil_enforcement_action",
                basis=[("ai_output", "o3")],
                time="2026-02-01T02:00:00Z",
            ),
            g.review("rv3", review_id="rev-late", outputs=["o3"], outcome="concur", time="2026-02-01T03:00:00Z"),
            g.decision(
                "d4",
                decision_id="evidence-denial",
                action="benefit_denial",
                basis=[("ai_output", "o4"), ("evidence", "dataset:s3://case-files:claims/4")],
                time="2026-02-01T02:00:00Z",
            ),
            g.decision(
                "d5",
                decision_id="grant",
                action="benefit_grant",
                basis=[("ai_output", "o4")],
                time="2026-02-01T02:00:00Z",
            ),
        ],
    )
    found = findings(client, "SOLE_BASIS")
    assert [f["node"] for f in found] == ["decision:late-review-denial", "decision:unreviewed-denial"]
    unreviewed = found[1]
    assert unreviewed["clause"] == "V.A.9.a" and unreviewed["severity"] == "high"
    assert unreviewed["evidence"][:3] == ["decision:unreviewed-denial", "output:o2", "run:inf"]
    assert "dataset:models:triage#v1" in unreviewed["evidence"]


def test_no_human_review(client: TestClient) -> None:
    post(
        client,
        [
            *model_and_outputs(),
            g.review("rv1", review_id="rev-esc", outputs=["o1"], outcome="escalate", time="2026-02-01T01:00:00Z"),
            g.decision(
                "d1", decision_id="reviewed", action="other", basis=[("ai_output", "o1")], time="2026-02-01T02:00:00Z"
            ),
            g.decision(
                "d2",
                decision_id="unreviewed",
                action="secondary_screening_referral",
                basis=[("ai_output", "o2"), ("evidence", "dataset:files:x")],
                time="2026-02-01T02:00:00Z",
            ),
        ],
    )
    found = findings(client, "NO_HUMAN_REVIEW")
    assert [f["node"] for f in found] == ["decision:unreviewed"]
    assert found[0]["clause"] == "V.A.3" and "output:o2" in found[0]["evidence"]


def test_no_approval_is_judged_when_the_output_was_produced(client: TestClient) -> None:
    post(
        client,
        [
            *model_and_outputs(approved=False),
            g.approval(
                "ap-old",
                approval_id="ap-expired",
                inputs=[MODEL],
                granted="2025-01-01T00:00:00Z",
                expires="2026-01-15T00:00:00Z",
            ),
            g.approval("ap-late", approval_id="ap-after", inputs=[MODEL], granted="2026-03-01T00:00:00Z"),
            g.approval(
                "ap-priv", approval_id="ap-privacy", inputs=[MODEL], granted="2026-01-01T00:00:00Z", kind="privacy"
            ),
        ],
    )
    found = findings(client, "NO_APPROVAL")
    assert sorted(f["node"] for f in found) == ["output:o1", "output:o2", "output:o3", "output:o4"]
    assert found[0]["evidence"][2] == "dataset:models:triage#v1"


def test_no_approval_near_miss_approval_in_force(client: TestClient) -> None:
    post(client, model_and_outputs())
    assert findings(client, "NO_APPROVAL") == []
    assert findings(client, "NO_EVALUATION") == []


def test_no_evaluation(client: TestClient) -> None:
    post(
        client,
        [
            *model_and_outputs(evaluated=False),
            g.evaluation(
                "ev-perf",
                eval_id="perf",
                model_name="triage",
                version="v1",
                passed=True,
                kind="performance",
                time="2026-01-02T00:00:00Z",
            ),
            g.evaluation(
                "ev-late",
                eval_id="bias-late",
                model_name="triage",
                version="v1",
                passed=True,
                kind="bias",
                time="2026-03-01T00:00:00Z",
            ),
        ],
    )
    found = findings(client, "NO_EVALUATION")
    assert len(found) == 4 and "no passed bias evaluation" in found[0]["summary"]


def protected_scenario(*, approval: bool) -> list[dict[str, Any]]:
    raw = classified("people", {"nationality": "protected.nationality", "age": "protected.age", "income": None})
    feats = derived(
        "feats",
        {"nat": [("people", "nationality", "DIRECT", False)], "income": [("people", "income", "DIRECT", False)]},
    )
    filtered = derived(
        "filtered", {"income": [("people", "income", "DIRECT", False), ("people", "age", "INDIRECT", False)]}
    )
    events = [
        step("p0", [], raw, time="2026-01-01T00:00:00Z", job="ingest"),
        step("p1", ["people"], feats, time="2026-01-02T00:00:00Z"),
        step("p2", ["people"], filtered, time="2026-01-02T00:00:00Z"),
        g.training("t-feats", model_name="m1", version="1", inputs=[dataset(NS, "feats")], time="2026-01-03T00:00:00Z"),
        g.training(
            "t-filtered", model_name="m2", version="1", inputs=[dataset(NS, "filtered")], time="2026-01-03T00:00:00Z"
        ),
    ]
    if approval:
        events.insert(
            3,
            g.approval(
                "pa",
                approval_id="pa-1",
                inputs=[dataset(NS, "feats")],
                granted="2026-01-01T00:00:00Z",
                kind="protected_attribute_use",
            ),
        )
    return events


def test_protected_attribute_use_fires_for_direct_not_indirect(client: TestClient) -> None:
    post(client, protected_scenario(approval=False))
    found = findings(client, "PROTECTED_ATTRIBUTE_USE")
    assert [f["node"] for f in found] == ["run:t-feats"]
    assert found[0]["evidence"][0] == "field:warehouse:people#nationality"
    assert "protected.nationality" in found[0]["summary"]


def test_protected_attribute_use_near_miss_with_approval(client: TestClient) -> None:
    post(client, protected_scenario(approval=True))
    assert findings(client, "PROTECTED_ATTRIBUTE_USE") == []


def sharing_scenario(*, approval: bool) -> list[dict[str, Any]]:
    raw = classified("claims", {"ssn": "pii.ssn", "amount": None})
    events = [
        step("s0", [], raw, time="2026-01-01T00:00:00Z", job="ingest"),
        step(
            "s1",
            ["claims"],
            derived("vendor_copy", {"ssn": [("claims", "ssn", "DIRECT", False)]}, external=True),
            time="2026-01-02T00:00:00Z",
        ),
        step(
            "s2",
            ["claims"],
            derived("vendor_hashed", {"ssn_hash": [("claims", "ssn", "DIRECT", True)]}, external=True),
            time="2026-01-02T00:00:00Z",
        ),
        g.training("st", model_name="triage", version="v1", inputs=[], time="2026-01-01T00:00:00Z"),
        g.inference("si", model_name="triage", version="v1", outputs=["x1"], time="2026-01-03T00:00:00Z"),
        step("s3", [], classified("scores_extract", {"score": None}, external=True), time="2026-01-04T00:00:00Z"),
    ]
    events[-1]["inputs"] = [dataset("scores", "claim_scores")]
    if approval:
        events.insert(
            1,
            g.approval(
                "sa",
                approval_id="share-1",
                kind="data_sharing",
                granted="2025-12-01T00:00:00Z",
                inputs=[dataset(NS, "vendor_copy"), dataset(NS, "scores_extract")],
            ),
        )
    return events


def test_external_sharing_of_pii_and_ai_outputs(client: TestClient) -> None:
    post(client, sharing_scenario(approval=False))
    found = findings(client, "EXTERNAL_SHARING")
    assert [f["node"] for f in found] == ["dataset:warehouse:scores_extract", "dataset:warehouse:vendor_copy"]
    assert found[0]["summary"].startswith("AI outputs")
    assert found[1]["summary"].startswith("PII") and found[1]["evidence"][0] == "field:warehouse:claims#ssn"


def test_external_sharing_near_miss_with_data_sharing_approval(client: TestClient) -> None:
    post(client, sharing_scenario(approval=True))
    assert findings(client, "EXTERNAL_SHARING") == []


def test_pii_without_privacy_review(client: TestClient) -> None:
    raw = classified("applicants", {"ssn": "pii.ssn"})
    post(
        client,
        [
            step("a0", [], raw, time="2026-01-01T00:00:00Z", job="ingest"),
            g.training("t", model_name="triage", version="v1", inputs=[], time="2026-01-01T00:00:00Z"),
            g.inference(
                "i1",
                model_name="triage",
                version="v1",
                outputs=["y1"],
                features=dataset(NS, "applicants"),
                time="2026-01-05T00:00:00Z",
            ),
        ],
    )
    found = findings(client, "PII_WITHOUT_PRIVACY_REVIEW")
    assert [f["node"] for f in found] == ["dataset:warehouse:applicants"]
    assert "usecase:uc-benefits" in found[0]["evidence"]
    post(
        client,
        [
            g.approval(
                "pr",
                approval_id="privacy-1",
                kind="privacy",
                inputs=[dataset(NS, "applicants")],
                granted="2026-01-01T00:00:00Z",
            )
        ],
    )
    assert findings(client, "PII_WITHOUT_PRIVACY_REVIEW") == []


def test_rules_listing_filters_and_trace_findings(client: TestClient) -> None:
    post(
        client,
        [
            *model_and_outputs(),
            g.decision(
                "d2",
                decision_id="unreviewed-denial",
                action="benefit_denial",
                basis=[("ai_output", "o2")],
                time="2026-02-01T02:00:00Z",
            ),
        ],
    )
    rules = client.get("/api/v1/compliance/rules").json()["rules"]
    assert {r["id"] for r in rules} == {
        "SOLE_BASIS",
        "NO_HUMAN_REVIEW",
        "NO_APPROVAL",
        "NO_EVALUATION",
        "PROTECTED_ATTRIBUTE_USE",
        "EXTERNAL_SHARING",
        "PII_WITHOUT_PRIVACY_REVIEW",
    }
    assert all(r["directiveText"] and r["clause"] for r in rules)
    everything = client.get("/api/v1/compliance/findings").json()
    assert everything["counts"] == {"NO_HUMAN_REVIEW": 1, "SOLE_BASIS": 1}
    assert client.get("/api/v1/compliance/findings", params={"since": "2026-03-01T00:00:00Z"}).json()["findings"] == []
    by_node = client.get("/api/v1/compliance/findings", params={"nodeId": "output:o2"}).json()["findings"]
    assert {f["rule"] for f in by_node} == {"SOLE_BASIS", "NO_HUMAN_REVIEW"}
    assert client.get("/api/v1/compliance/findings", params={"rule": "NOPE"}).status_code == 400
    trace = client.get("/api/v1/trace", params={"nodeId": "decision:unreviewed-denial"}).json()
    assert {f["rule"] for f in trace["findings"]} == {"SOLE_BASIS", "NO_HUMAN_REVIEW"}
    assert any("SOLE_BASIS" in s for s in trace["narrative"])
