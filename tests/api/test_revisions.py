"""Governance records are attributed and append-only: a writer's revision adds to the record, never erases it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph_schema import EdgeType, NodeLabel
from lineage_api.app import create_app
from lineage_api.auth.keys import KeyStore
from lineage_api.auth.roles import Role
from lineage_api.core.settings import AuthSettings, Settings
from lineage_api.core.writer import Writer
from lineage_api.ingest.parse import parse_event
from lineage_api.ingest.projection import LoggedEvent, project
from lineage_api.store.protocol import Direction, GraphStore, Step
from tests import governance_events as g
from tests.factories import PATIENT, dataset, snapshot

FEATURES = dataset("warehouse", "claim_features")
EVIDENCE = "dataset:cases:claims/5531"


def pipeline() -> list[dict[str, Any]]:
    """Model v1 trained and approved until April; out-1 produced in March, out-2 in mid-April."""
    return [
        g.training("train-1", model_name="triage", version="v1", inputs=[FEATURES], time="2026-01-02T00:00:00Z"),
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
            time="2026-04-10T00:00:00Z",
        ),
    ]


def approval(run_id: str, *, expires: str, time: str) -> dict[str, Any]:
    model = g.model("triage", "v1")
    return g.approval(
        run_id, approval_id="ap-1", inputs=[model], granted="2026-01-04T00:00:00Z", expires=expires, time=time
    )


def decision(run_id: str, *, basis: list[tuple[str, str]], significant: bool, time: str) -> dict[str, Any]:
    return g.decision(
        run_id, decision_id="dec-1", action="benefit_denial", basis=basis, significant=significant, time=time
    )


FIRST = decision(
    "dec-run-1", basis=[("ai_output", "out-1"), ("evidence", EVIDENCE)], significant=False, time="2026-03-01T02:00:00Z"
)
# The same writer revises it: the evidence is dropped and the decision marked significant, on the 5th.
SECOND = decision("dec-run-2", basis=[("ai_output", "out-1")], significant=True, time="2026-03-05T00:00:00Z")


@pytest.fixture
def secured(store: GraphStore, tmp_path: Path) -> Iterator[tuple[TestClient, KeyStore]]:
    settings = Settings(data_dir=tmp_path, auth=AuthSettings(rate_per_minute=100_000, burst=100_000), ingest=PATIENT)
    keys = KeyStore(tmp_path / "auth.sqlite")
    with TestClient(create_app(settings, store=store)) as client:
        yield client, keys
    keys.close()


class Writers:
    def __init__(self, keys: KeyStore) -> None:
        self.refs: dict[str, str] = {}
        self.headers: dict[str, dict[str, str]] = {}
        for name, role, namespaces in (
            ("admin", Role.ADMIN, None),
            ("approver", Role.APPROVER, ["governance", "models"]),
            ("adjudication", Role.PRODUCER, ["adjudication", "ml"]),
        ):
            key, token = keys.create(role=role, namespaces=namespaces)
            self.refs[name] = f"key:{key.key_id}"
            self.headers[name] = {"authorization": f"Bearer {token}"}

    def post(self, client: TestClient, name: str, *events: dict[str, Any]) -> None:
        for event in events:
            response = client.post("/api/v1/lineage", json=event, headers=self.headers[name])
            assert response.status_code == 201, response.text


def trace(client: TestClient, w: Writers, node_id: str, as_of: str | None = None) -> dict[str, Any]:
    params = {"nodeId": node_id, **({"asOf": as_of} if as_of else {})}
    response = client.get("/api/v1/trace", params=params, headers=w.headers["admin"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sole_basis(answer: dict[str, Any]) -> list[str]:
    return [f["node"] for f in answer["findings"] if f["rule"] == "SOLE_BASIS"]


def test_a_revision_changes_the_current_answer_and_keeps_the_earlier_one(
    secured: tuple[TestClient, KeyStore], store: GraphStore
) -> None:
    client, keys = secured
    w = Writers(keys)
    w.post(client, "admin", *pipeline())
    w.post(client, "approver", approval("appr-1", expires="2026-04-01T00:00:00Z", time="2026-01-04T00:00:00Z"))
    w.post(client, "adjudication", FIRST, SECOND)

    now = trace(client, w, "decision:dec-1")
    root = now["root"]["props"]
    assert root["significant"] is True and root["decidedAt"].startswith("2026-03-05") and root["revision"] == 2
    assert [r["revision"] for r in root["revisions"]] == [1, 2]
    assert {r["recordedBy"] for r in root["revisions"]} == {w.refs["adjudication"]}
    first, second = root["revisions"]
    assert first["content"]["significant"] is False and "significant" in second["changed"]
    (dec,) = now["decisions"]
    assert dec["recordedBy"] == w.refs["adjudication"] and dec["recordedByRole"] == "producer"
    assert dec["basedOn"] == ["output:out-1"]  # the evidence edge stays in the graph, the revision no longer names it
    (appr,) = now["approvals"]
    assert appr["recordedBy"] == w.refs["approver"] and appr["recordedByRole"] == "approver"
    assert sole_basis(now) == ["decision:dec-1"]
    assert any("revised" in line for line in now["narrative"])

    before = trace(client, w, "decision:dec-1", as_of="2026-03-02T00:00:00Z")
    root = before["root"]["props"]
    assert root["significant"] is False and root["revision"] == 1 and len(root["revisions"]) == 2
    assert before["decisions"][0]["basedOn"] == [EVIDENCE, "output:out-1"]
    assert sole_basis(before) == []  # as it stood then, the denial rested on evidence too

    basis = store.edges(["decision:dec-1"], [Step(EdgeType.BASED_ON, Direction.OUT)])
    assert {e.dst for e in basis} == {EVIDENCE, "output:out-1"}
    findings = client.get("/api/v1/compliance/findings", params={"rule": "SOLE_BASIS"}, headers=w.headers["admin"])
    assert [f["node"] for f in findings.json()["findings"]] == ["decision:dec-1"]

    # Re-posting changes nothing; the same content sent again by another run is no new revision.
    reference = snapshot(store)
    w.post(client, "adjudication", FIRST, SECOND)
    for event in pipeline():
        assert client.post("/api/v1/lineage", json=event, headers=w.headers["admin"]).status_code in (200, 201)
    assert snapshot(store) == reference
    w.post(client, "adjudication", {**SECOND, "eventTime": "2026-03-06T00:00:00Z", "eventType": "RUNNING"})
    node = store.get_node("decision:dec-1")
    assert node is not None and len(node.props["revisions"]) == 2


def test_a_later_revision_does_not_rewrite_an_earlier_judgement(
    secured: tuple[TestClient, KeyStore], store: GraphStore
) -> None:
    client, keys = secured
    w = Writers(keys)
    w.post(client, "admin", *pipeline())
    w.post(client, "approver", approval("appr-1", expires="2026-04-01T00:00:00Z", time="2026-01-04T00:00:00Z"))
    review = g.review("rev-run-1", review_id="rev-1", outputs=["out-1"], outcome="concur", time="2026-03-01T01:00:00Z")
    w.post(
        client,
        "adjudication",
        review,
        decision("dec-run-1", basis=[("ai_output", "out-1")], significant=True, time="2026-03-01T02:00:00Z"),
    )
    findings = client.get("/api/v1/compliance/findings", headers=w.headers["admin"]).json()["findings"]
    assert not [f for f in findings if f["node"] == "decision:dec-1"]
    assert [f["node"] for f in findings if f["rule"] == "NO_APPROVAL"] == ["output:out-2"]

    # In April the review is revised to inconclusive and the approval extended to 2027 (granted as before).
    revised = {**review, "eventTime": "2026-04-20T00:00:00Z", "run": {**review["run"], "runId": "rev-run-2"}}
    revised["run"]["facets"] = {"aigov_review": {**review["run"]["facets"]["aigov_review"], "outcome": "inconclusive"}}
    w.post(client, "adjudication", revised)
    w.post(client, "approver", approval("appr-2", expires="2027-01-01T00:00:00Z", time="2026-04-15T00:00:00Z"))

    node = store.get_node("review:rev-1")
    assert node is not None and node.props["outcome"] == "inconclusive" and len(node.props["revisions"]) == 2
    assert node.props["recordedBy"] == w.refs["adjudication"] and node.props["recordedSeq"] > 0
    findings = client.get("/api/v1/compliance/findings", headers=w.headers["admin"]).json()["findings"]
    # Judged at the decision's and the output's moments, with the revisions in force then: nothing changes.
    assert not [f for f in findings if f["node"] == "decision:dec-1"]
    assert [f["node"] for f in findings if f["rule"] == "NO_APPROVAL"] == ["output:out-2"]
    out_2 = trace(client, w, "output:out-2")
    (appr,) = out_2["approvals"]
    assert appr["inForce"] is False and appr["revision"] == 1 and appr["expiresAt"].startswith("2026-04-01")
    assert [f["rule"] for f in out_2["findings"] if f["rule"] == "NO_APPROVAL"] == ["NO_APPROVAL"]
    later = trace(client, w, "output:out-2", as_of="2026-05-01T00:00:00Z")
    assert later["approvals"][0]["inForce"] is True and later["approvals"][0]["revision"] == 2


# -- projection: revisions are keyed by the recording event ----------------------------------------------------
ADJ = Writer("adj", "producer", ("adjudication", "ml"))


def logged(events: list[tuple[int, dict[str, Any]]]) -> list[LoggedEvent]:
    return [
        LoggedEvent("r1", seq, f"h{seq}", "", f"c{seq}", "2026-06-01T00:00:00.000000Z", "{}", parse_event(e), ADJ)
        for seq, e in events
    ]


def test_revisions_are_idempotent_and_order_independent(store: GraphStore) -> None:
    third = decision("dec-run-3", basis=[("ai_output", "out-1")], significant=False, time="2026-03-09T00:00:00Z")
    resent = {**SECOND, "eventTime": "2026-03-06T00:00:00Z", "eventType": "RUNNING"}  # same content, later
    events = logged(list(enumerate([FIRST, SECOND, resent, third], start=1)))
    store.apply(project(store, events))
    reference = snapshot(store)
    node = store.get_node("decision:dec-1")
    assert node is not None
    assert [(r["revision"], r["seq"]) for r in node.props["revisions"]] == [(1, 1), (2, 2), (3, 4)]
    assert node.props["significant"] is False and node.props["recordedSeq"] == 4
    assert node.props["recordedBy"] == "key:adj" and node.props["recordedByRole"] == "producer"
    again = project(store, events)
    assert [n.id for n in again.nodes if n.label is not NodeLabel.EVENT] == []
    for order in (list(reversed(events)), random.Random(3).sample(events, len(events))):
        store.wipe()
        store.apply_schema()
        for event in order:
            store.apply(project(store, [event]))
        assert snapshot(store) == reference
