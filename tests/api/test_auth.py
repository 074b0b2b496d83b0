"""Who may do what: every route x every role x bad keys, namespace-scoped writes, redaction, the access log."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lineage_api.app import create_app
from lineage_api.auth.keys import KeyStore
from lineage_api.auth.roles import GRANTS, Permission, Role
from lineage_api.core.settings import AuthSettings, Settings
from lineage_api.store.protocol import GraphStore
from tests import governance_events as g
from tests.factories import PATIENT, dataset, run_event

PARAMS = {"nodeId": "dataset:ml:features", "classification": "pii"}
BODIES: dict[str, Any] = {
    "/api/v1/lineage": run_event(run_id="m1", job=("ml", "j")),
    "/api/v1/lineage/batch": [run_event(run_id="m2", job=("ml", "j"))],
    "/api/v1/privacy/classifications": {"dataset": "dataset:ml:features", "fields": {"x": "pii.ssn"}},
    "/api/v1/keys": {"role": "viewer"},
}


def operations(client: TestClient) -> list[tuple[str, str, str]]:
    """(method, path, permission) of every operation in the app's OpenAPI route table."""
    out = []
    for path, ops in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method, op in ops.items():
            assert "x-permission" in op, f"{method.upper()} {path} has no access decision"
            out.append((method.upper(), path, op["x-permission"]))
    return sorted(out)


# Approvers record approvals only: their ingest calls carry one.
APPROVAL = g.approval("m3", approval_id="appr-matrix", inputs=[dataset("ml", "m")], granted="2026-01-01T00:00:00Z")
APPROVER_BODIES: dict[str, Any] = {"/api/v1/lineage": APPROVAL, "/api/v1/lineage/batch": [APPROVAL]}


def call(client: TestClient, method: str, path: str, key: str | None, role: Role | None = None) -> int:
    url = re.sub(r"\{[^}]+\}", "x", path)
    headers = {"authorization": f"Bearer {key}"} if key else {}
    body = APPROVER_BODIES.get(path, BODIES.get(path)) if role is Role.APPROVER else BODIES.get(path)
    response = client.request(method, url, params=PARAMS, json=body, headers=headers)
    return response.status_code


@pytest.fixture
def secured(store: GraphStore, tmp_path: Path) -> Iterator[tuple[TestClient, KeyStore]]:
    settings = Settings(data_dir=tmp_path, auth=AuthSettings(rate_per_minute=100_000, burst=100_000), ingest=PATIENT)
    keys = KeyStore(tmp_path / "auth.sqlite")
    with TestClient(create_app(settings, store=store)) as client:
        yield client, keys
    keys.close()


def test_authorization_matrix(secured: tuple[TestClient, KeyStore]) -> None:
    client, keys = secured
    tokens = {role: keys.create(role=role)[1] for role in Role}
    expired = keys.create(role=Role.ADMIN, expires_at="2020-01-01T00:00:00.000000Z")[1]
    revoked_key, revoked = keys.create(role=Role.ADMIN)
    keys.revoke(revoked_key.key_id)
    elsewhere = keys.create(role=Role.PRODUCER, namespaces=["etl.*"])[1]
    ops = operations(client)
    assert len(ops) >= 20
    for method, path, permission in ops:
        public = permission == Permission.PUBLIC.value
        for role, token in tokens.items():
            status = call(client, method, path, token, role)
            allowed = Permission(permission) in GRANTS[role]
            assert (status not in (401, 403)) == allowed, (method, path, role.value, status)
        for bad in (None, expired, revoked, "lk_nope_nope", "not-a-key"):
            status = call(client, method, path, bad)
            assert status == (200 if public else 401) or (public and status != 401), (method, path, bad, status)
        if path == "/api/v1/lineage/batch":  # each event is answered on its own
            answer = client.post(path, json=BODIES[path], headers={"authorization": f"Bearer {elsewhere}"})
            assert [f["status"] for f in answer.json()["failed_events"]] == [403], answer.text
        elif permission == Permission.INGEST.value:
            assert call(client, method, path, elsewhere) == 403, (method, path)


def test_producer_writes_only_its_namespaces_and_nothing_else_is_stored(secured: tuple[TestClient, KeyStore]) -> None:
    client, keys = secured
    producer = {"authorization": f"Bearer {keys.create(role=Role.PRODUCER, namespaces=['etl.*'])[1]}"}
    admin = {"authorization": f"Bearer {keys.create(role=Role.ADMIN)[1]}"}
    ok = client.post("/api/v1/lineage", json=run_event(run_id="good", job=("etl.claims", "load")), headers=producer)
    assert ok.status_code == 201
    denied = client.post("/api/v1/lineage", json=run_event(run_id="bad", job=("ml", "train")), headers=producer)
    assert denied.status_code == 403 and "'ml'" in denied.json()["error"]["message"]
    batch = [run_event(run_id="b1", job=("etl.x", "j")), run_event(run_id="b2", job=("finance", "j"))]
    answer = client.post("/api/v1/lineage/batch", json=batch, headers=producer)
    assert answer.status_code == 200 and answer.json()["status"] == "partial_success"
    (refused,) = answer.json()["failed_events"]
    assert refused["index"] == 1 and refused["status"] == 403 and "'finance'" in refused["reason"]
    events = client.get("/api/v1/events", headers=admin).json()["events"]
    assert [e["event"]["run"]["runId"] for e in events] == ["good", "b1"]
    unauthenticated = client.post("/api/v1/lineage", json=run_event(run_id="anon"))
    assert unauthenticated.status_code == 401 and unauthenticated.headers["www-authenticate"].startswith("Bearer")


def restricted_scenario() -> list[dict[str, Any]]:
    secret = dataset(
        "hr-secret",
        "salaries_2026",
        {
            "tags": {
                "_producer": "x",
                "_schemaURL": "x",
                "tags": [{"key": "classification", "value": "pii.financial", "field": "salary"}],
            }
        },
    )
    return [
        run_event(run_id="hr-load", job=("hr-secret", "load_salaries"), outputs=[secret], time="2026-01-01T00:00:00Z"),
        run_event(
            run_id="ml-feat",
            job=("ml", "features"),
            inputs=[dataset("hr-secret", "salaries_2026")],
            outputs=[dataset("ml", "features")],
            time="2026-01-02T00:00:00Z",
        ),
        g.training(
            "ml-train", model_name="pay", version="v1", inputs=[dataset("ml", "features")], time="2026-01-03T00:00:00Z"
        ),
    ]


def test_viewer_trace_through_a_restricted_dataset_shows_a_placeholder(secured: tuple[TestClient, KeyStore]) -> None:
    client, keys = secured
    admin = {"authorization": f"Bearer {keys.create(role=Role.ADMIN)[1]}"}
    for event in restricted_scenario():
        assert client.post("/api/v1/lineage", json=event, headers=admin).status_code == 201
    viewer = {"authorization": f"Bearer {keys.create(role=Role.VIEWER, namespaces=['ml', 'models'])[1]}"}
    full = client.get("/api/v1/trace", params={"nodeId": "dataset:ml:features"}, headers=admin).json()
    assert full["complete"] is True and "salaries_2026" in json.dumps(full)
    seen = client.get("/api/v1/trace", params={"nodeId": "dataset:ml:features"}, headers=viewer)
    assert seen.status_code == 200
    body = seen.json()
    assert body["complete"] is False and body["redacted"] is True
    text = json.dumps(body)
    for secret in ("hr-secret", "salaries_2026", "load_salaries", "hr-load", "salary"):
        assert secret not in text, secret
    placeholders = [n for n in body["nodes"] if n["props"].get("restricted")]
    assert {n["kind"] for n in placeholders} >= {"DatasetVersion", "Run"}
    assert all(n["label"] == "restricted" for n in placeholders)
    ids = {n["id"] for n in body["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in body["edges"])
    assert len(body["nodes"]) == len(full["nodes"])
    assert any("restricted" in s for s in body["narrative"])
    hidden = client.get("/api/v1/trace", params={"nodeId": "dataset:hr-secret:salaries_2026"}, headers=viewer)
    assert hidden.status_code == 404
    lineage = client.get("/api/v1/lineage", params={"nodeId": "dataset:ml:features"}, headers=viewer).json()
    assert lineage["redacted"] is True and "salaries_2026" not in json.dumps(lineage)
    jobs = client.get("/api/v1/jobs", headers=viewer).json()["jobs"]
    assert {j["namespace"] for j in jobs} <= {"ml", "models"}
    assert client.get("/api/v1/runs/hr-load", headers=viewer).status_code == 404


def test_access_log_records_queries_and_detects_tampering(secured: tuple[TestClient, KeyStore], tmp_path: Path) -> None:
    client, keys = secured
    auditor_key, token = keys.create(role=Role.AUDITOR)
    auditor = {"authorization": f"Bearer {token}"}
    client.get("/api/v1/trace", params={"nodeId": "output:none"}, headers=auditor)
    client.get("/api/v1/compliance/findings", headers=auditor)
    client.get("/api/v1/privacy/flows", params={"classification": "pii.ssn"}, headers=auditor)
    client.get("/api/v1/jobs", headers=auditor)
    log = client.get("/api/v1/audit", headers=auditor).json()["entries"]
    assert [(e["path"], e["status"], e["keyId"]) for e in log] == [
        ("/api/v1/trace", 404, auditor_key.key_id),
        ("/api/v1/compliance/findings", 200, auditor_key.key_id),
        ("/api/v1/privacy/flows", 200, auditor_key.key_id),
    ]
    assert log[1]["nodes"] == 0 and log[0]["role"] == "auditor"
    assert client.get("/api/v1/audit/verify", headers=auditor).json()["ok"] is True
    db = sqlite3.connect(tmp_path / "access.sqlite")
    db.execute("UPDATE access_log SET entry = replace(entry, 'findings', 'nothing') WHERE seq = 2")
    db.commit()
    db.close()
    broken = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert broken["ok"] is False and broken["firstBreak"] == 2


def test_rate_limit_gives_429_with_retry_after(store: GraphStore, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, auth=AuthSettings(rate_per_minute=60, burst=3))
    keys = KeyStore(tmp_path / "auth.sqlite")
    token = {"authorization": f"Bearer {keys.create(role=Role.AUDITOR)[1]}"}
    with TestClient(create_app(settings, store=store)) as client:
        statuses = [client.get("/api/v1/jobs", headers=token).status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
        limited = client.get("/api/v1/jobs", headers=token)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"]["code"] == "rate_limited"
    keys.close()


def test_key_lifecycle_through_the_api(secured: tuple[TestClient, KeyStore]) -> None:
    client, keys = secured
    admin = {"authorization": f"Bearer {keys.create(role=Role.ADMIN)[1]}"}
    created = client.post("/api/v1/keys", json={"role": "auditor", "label": "ig office"}, headers=admin)
    assert created.status_code == 201
    secret = created.json()["key"]
    listed = client.get("/api/v1/keys", headers=admin).json()["keys"]
    assert secret not in json.dumps(listed) and any(k["label"] == "ig office" for k in listed)
    new = {"authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/events", headers=new).status_code == 200
    assert client.delete(f"/api/v1/keys/{created.json()['keyId']}", headers=admin).json()["state"] == "revoked"
    after = client.get("/api/v1/events", headers=new)
    assert after.status_code == 401 and "revoked" in after.json()["error"]["message"]
    assert client.post("/api/v1/keys", json={"role": "root"}, headers=admin).status_code == 400


@pytest.mark.parametrize(
    "name",
    ["a'b", 'q"uote', "back`tick", "}) MATCH (n) DETACH DELETE n //", "x'; DROP TABLE nodes; --", "{{$x}}"],
)
def test_hostile_names_are_stored_verbatim_through_the_api(secured: tuple[TestClient, KeyStore], name: str) -> None:
    client, keys = secured
    admin = {"authorization": f"Bearer {keys.create(role=Role.ADMIN)[1]}"}
    event = run_event(
        run_id=f"run-{name}",
        job=(f"ns-{name}", name),
        inputs=[dataset(f"ns-{name}", f"in-{name}")],
        outputs=[dataset(f"ns-{name}", f"out-{name}")],
    )
    event["run"]["facets"][f"facet-{name}"] = {"k": name}
    assert client.post("/api/v1/lineage", json=event, headers=admin).status_code == 201
    run = client.get(f"/api/v1/runs/run-{name}", headers=admin).json()
    assert run["job"]["name"] == name and run["facets"][f"facet-{name}"] == {"k": name}
    trace = client.get("/api/v1/trace", params={"nodeId": f"dataset:ns-{name}:out-{name}"}, headers=admin).json()
    assert f"in-{name}" in {d["name"] for d in trace["datasets"]}
    assert client.get("/api/v1/jobs", headers=admin).json()["jobs"][0]["name"] == name
