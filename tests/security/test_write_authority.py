"""Every write-authority attack of an ``etl.*`` key on the ``cbp.*`` record, against a real server on both stores.

Each attack is refused whole (403 or 409 in the one error shape, naming the entity, its namespace and the rule),
leaves nothing in the log, and changes none of the victim's findings, flows, dataset classifications or traces.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import Secured
from tests.security.scenario import (
    approval,
    attacks,
    decision,
    model_version,
    observed_read,
    victim_events,
)

VOLATILE = {"requestId", "elapsedMs", "generatedAt", "tookMs"}


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _victims_part(flows: dict[str, Any]) -> dict[str, Any]:
    """The flows reaching the victim's nodes (the attacker's own runs may legitimately read the victim's data)."""
    return {
        k: [r for r in v if str(r.get("id", "")).startswith(("dataset:cbp.", "field:cbp.", "output:out-cbp"))]
        if isinstance(v, list)
        else v
        for k, v in flows.items()
        if k != "outputCount"
    }


def _answers(s: Secured) -> dict[str, Any]:
    """What the auditor and the privacy officer see of the victim's record."""
    auditor = s.as_("auditor")
    findings = auditor.get("/api/v1/compliance/findings").json()["findings"]
    answers = {
        "findings": sorted(
            (f for f in findings if "cbp" in str(f.get("node"))), key=lambda f: (f["rule"], f["node"])
        ),
        "trace": auditor.get("/api/v1/trace", params={"nodeId": "decision:dec-cbp-1"}).json(),
        "output": auditor.get("/api/v1/trace", params={"nodeId": "output:out-cbp-1"}).json(),
        "claims": auditor.get("/api/v1/privacy/datasets/cbp.raw:claims").json(),
        "flows": _victims_part(auditor.get("/api/v1/privacy/flows", params={"classification": "pii.ssn"}).json()),
        "usecase": auditor.get("/api/v1/trace", params={"nodeId": "usecase:uc-cbp-triage"}).json(),
    }
    return _clean(answers)  # type: ignore[no-any-return]


def _post(s: Secured, who: str, event: dict[str, Any]) -> Any:
    return s.as_(who).post("/api/v1/lineage", json=event)


def _log_count(s: Secured) -> int:
    return len(list(s.server.iter_events(s.as_("admin"))))


@pytest.fixture(scope="module")
def baseline(secured: Secured) -> dict[str, Any]:
    for event in victim_events():
        assert _post(secured, "cbp", event).status_code in (201, 202), event["run"]["runId"]
    granted = approval(
        "cbp-approve", approval_id="appr-cbp-1", job=("cbp.governance", "approve"), target=model_version()
    )
    assert _post(secured, "approver", granted).status_code in (201, 202)
    secured.server.wait_projected(secured.as_("admin"))
    answers = _answers(secured)
    rules = {f["rule"] for f in answers["findings"] if f["node"] == "decision:dec-cbp-1"}
    assert {"SOLE_BASIS", "NO_HUMAN_REVIEW"} <= rules, answers["findings"]
    assert any(f["field"] == "ssn" and f["classifications"] for f in answers["claims"]["fields"]), answers["claims"]
    return answers


@pytest.mark.parametrize("attack", attacks(), ids=lambda a: a.name)
def test_attack_is_refused_whole_and_clearly(secured: Secured, baseline: dict[str, Any], attack: Any) -> None:
    before = _log_count(secured)
    response = _post(secured, attack.key, attack.event)
    assert response.status_code == attack.status, response.text
    error = response.json()["error"]
    assert error["code"] == {403: "forbidden", 409: "conflict"}[attack.status]
    for word in attack.words:
        assert word in error["message"], (word, error)
    assert error["field"]
    assert _log_count(secured) == before, "a refused event left something in the log"


def test_the_victims_record_is_unchanged_after_every_attack(secured: Secured, baseline: dict[str, Any]) -> None:
    for attack in attacks():
        _post(secured, attack.key, attack.event)
    assert _post(secured, "etl", observed_read()).status_code in (201, 202)
    secured.server.wait_projected(secured.as_("admin"))
    after = _answers(secured)
    for part in ("findings", "trace", "output", "flows", "usecase"):
        assert after[part] == baseline[part], part
    # The reader's schema may add a field nobody recorded; it changes none the owner recorded.
    before_fields = {f["field"]: f for f in baseline["claims"]["fields"]}
    after_fields = {f["field"]: f for f in after["claims"]["fields"]}
    assert {k: after_fields[k] for k in before_fields} == before_fields
    assert set(after_fields) - set(before_fields) == {"notes"}
    assert after_fields["notes"]["classifications"] == []


def test_a_batch_reports_each_refused_event_and_keeps_the_others(secured: Secured, baseline: dict[str, Any]) -> None:
    good = observed_read() | {"run": {"runId": "etl-batch-good", "facets": {}}}
    refused = [a for a in attacks() if a.key == "etl"][:3]
    answer = secured.as_("etl").post("/api/v1/lineage/batch", json=[good, *(a.event for a in refused)])
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "partial_success" and body["summary"]["successful"] == 1
    assert [(f["index"], f["status"]) for f in body["failed_events"]] == [
        (i + 1, a.status) for i, a in enumerate(refused)
    ]
    events = list(secured.server.iter_events(secured.as_("admin")))
    assert any(e["event"].get("run", {}).get("runId") == "etl-batch-good" for e in events)


def test_every_event_and_every_post_is_attributed(secured: Secured, baseline: dict[str, Any]) -> None:
    events = list(secured.server.iter_events(secured.as_("admin")))
    by_run = {e["event"]["run"]["runId"]: e["writer"] for e in events if "run" in e["event"]}
    assert by_run["cbp-decide"]["keyId"] == secured.key_id("cbp")
    assert by_run["cbp-approve"] == {"keyId": secured.key_id("approver"), "role": "approver", "namespaces": ["cbp.*"]}
    access = secured.as_("auditor").get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    posts = [(e["keyId"], e["status"]) for e in access if e["method"] == "POST"]
    assert (secured.key_id("etl"), 409) in posts and (secured.key_id("etl"), 403) in posts
    assert (secured.key_id("approver"), 201) in posts or (secured.key_id("approver"), 202) in posts


def test_the_writer_revises_its_own_decision_and_the_trace_says_who(secured: Secured, baseline: dict[str, Any]) -> None:
    revised = decision(
        "cbp-decide-2",
        job=("cbp.adjudication", "decide"),
        significant=True,
        time="2026-03-01T14:00:00Z",
        rationale="documents attached",
    )
    assert _post(secured, "cbp", revised).status_code in (201, 202)
    secured.server.wait_projected(secured.as_("admin"))
    trace = secured.as_("auditor").get("/api/v1/trace", params={"nodeId": "decision:dec-cbp-1"}).json()
    (record,) = [d for d in trace["decisions"] if d.get("decisionId") == "dec-cbp-1"]
    assert record["recordedBy"] == f"key:{secured.key_id('cbp')}"
    assert [r["recordedBy"] for r in record["revisions"]] == [f"key:{secured.key_id('cbp')}"] * 2
    assert record["revisions"][-1]["content"]["rationale"] == "documents attached"
    approvals = [a for a in trace["approvals"] if a.get("approvalId") == "appr-cbp-1"]
    assert approvals and approvals[0]["recordedBy"] == f"key:{secured.key_id('approver')}"
