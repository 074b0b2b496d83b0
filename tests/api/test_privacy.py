"""Classification flows along column lineage, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lineage_api.store.protocol import GraphStore
from tests.factories import api
from tests.privacy_events import classified, derived, step

D, I = "DIRECT", "INDIRECT"  # noqa: E741


def scenario() -> list[dict[str, Any]]:
    """raw -> stage (copy) -> masked (ssn hashed) -> export (copy of the hash, external);
    raw -> left, right -> joined (a diamond); features.age -> adults (filter only); raw read whole -> dump."""
    raw = classified("raw", {"ssn": "pii.ssn", "dob": "pii.dob", "nationality": "protected.nationality", "state": None})
    return [
        step("r0", [], raw, time="2026-01-01T00:00:00Z", job="ingest_raw"),
        step(
            "r1",
            ["raw"],
            derived("stage", {"ssn": [("raw", "ssn", D, False)], "nat": [("raw", "nationality", D, False)]}),
            time="2026-01-02T00:00:00Z",
        ),
        step(
            "r2", ["stage"], derived("masked", {"ssn_hash": [("stage", "ssn", D, True)]}), time="2026-01-03T00:00:00Z"
        ),
        step(
            "r3",
            ["masked"],
            derived("export", {"ssn_hash": [("masked", "ssn_hash", D, False)]}, external=True),
            time="2026-01-04T00:00:00Z",
        ),
        step("r4", ["raw"], derived("left", {"ssn": [("raw", "ssn", D, False)]}), time="2026-01-02T00:00:00Z"),
        step("r5", ["raw"], derived("right", {"ssn": [("raw", "ssn", D, False)]}), time="2026-01-02T00:00:00Z"),
        step(
            "r6",
            ["left", "right"],
            derived("joined", {"ssn": [("left", "ssn", D, False), ("right", "ssn", D, False)]}),
            time="2026-01-03T00:00:00Z",
        ),
        step("r7", ["raw"], derived("features", {"age": [("raw", "dob", D, False)]}), time="2026-01-02T00:00:00Z"),
        step(
            "r8",
            ["features"],
            derived("adults", {"claim_id": [("features", "age", I, False)]}),
            time="2026-01-03T00:00:00Z",
        ),
        step("r9", ["raw"], classified("dump", {"blob": None}, external=True), time="2026-01-05T00:00:00Z"),
    ]


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    with api(store, tmp_path) as c:
        for event in scenario():
            assert c.post("/api/v1/lineage", json=event).status_code == 201
        yield c


def flows(client: TestClient, classification: str) -> dict[str, Any]:
    response = client.get("/api/v1/privacy/flows", params={"classification": classification})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in items}


def test_direct_copies_carry_and_a_mask_in_the_middle_stops(client: TestClient) -> None:
    f = by_id(flows(client, "pii.ssn")["fields"])
    assert f["field:warehouse:raw#ssn"]["status"] == "declared"
    assert f["field:warehouse:stage#ssn"]["status"] == "direct"
    assert f["field:warehouse:stage#ssn"]["path"] == ["field:warehouse:raw#ssn", "field:warehouse:stage#ssn"]
    assert f["field:warehouse:masked#ssn_hash"]["status"] == "masked-after"
    assert "field:warehouse:export#ssn_hash" not in f


def test_diamond_reaches_once_with_one_path(client: TestClient) -> None:
    f = by_id(flows(client, "pii.ssn")["fields"])
    joined = f["field:warehouse:joined#ssn"]
    assert joined["status"] == "direct" and len(joined["path"]) == 3
    assert joined["path"][0] == "field:warehouse:raw#ssn"
    assert [x["id"] for x in flows(client, "pii.ssn")["fields"]].count("field:warehouse:joined#ssn") == 1


def test_indirect_influence_is_reported_but_not_carried(client: TestClient) -> None:
    f = by_id(flows(client, "pii.dob")["fields"])
    assert f["field:warehouse:features#age"]["status"] == "direct"
    assert f["field:warehouse:adults#claim_id"]["status"] == "indirect"
    datasets = by_id(flows(client, "pii.dob")["datasets"])
    assert datasets["dataset:warehouse:adults"]["status"] == "indirect"


def test_whole_dataset_reads_are_possible_and_external_datasets_are_flagged(client: TestClient) -> None:
    answer = flows(client, "pii")
    datasets = by_id(answer["datasets"])
    assert datasets["dataset:warehouse:dump"]["status"] == "possible"
    assert datasets["dataset:warehouse:dump"]["path"][-3:] == [
        "dataset:warehouse:raw",
        "run:r9",
        "dataset:warehouse:dump",
    ]
    external = {d["id"]: d["status"] for d in answer["external"]}
    assert external == {"dataset:warehouse:dump": "possible"}
    assert "dataset:warehouse:export" not in datasets


def test_prefix_queries_and_bad_classifications(client: TestClient) -> None:
    protected = flows(client, "protected")
    assert {f["id"] for f in protected["fields"] if f["status"] != "suggested"} == {
        "field:warehouse:raw#nationality",
        "field:warehouse:stage#nat",
    }
    assert client.get("/api/v1/privacy/flows", params={"classification": "banana"}).status_code == 400
    assert client.get("/api/v1/privacy/flows").status_code == 400


def test_dataset_privacy_lists_origins(client: TestClient) -> None:
    response = client.get("/api/v1/privacy/datasets/warehouse:features")
    assert response.status_code == 200
    fields = {f["field"]: f["classifications"] for f in response.json()["fields"]}
    age = {(c["classification"], c["origin"], c["status"]) for c in fields["age"]}
    assert ("pii.dob", "propagated", "direct") in age
    assert ("protected.age", "suggested", "suggested") in age
    masked = client.get("/api/v1/privacy/datasets/warehouse:masked").json()
    origins = [c for f in masked["fields"] for c in f["classifications"]]
    assert [(c["classification"], c["status"]) for c in origins] == [("pii.ssn", "masked-after")]
    assert client.get("/api/v1/privacy/datasets/warehouse:nope").status_code == 404


def test_classify_records_an_event_and_confirms_a_field(client: TestClient) -> None:
    before = client.get("/api/v1/events").json()["events"]
    response = client.post(
        "/api/v1/privacy/classifications",
        json={"dataset": "dataset:warehouse:raw", "fields": {"state": "pii.address"}},
    )
    assert response.status_code == 201, response.text
    after = client.get("/api/v1/events").json()["events"]
    assert len(after) == len(before) + 1 and "dataset" in after[-1]["event"]
    raw = client.get("/api/v1/privacy/datasets/warehouse:raw").json()
    declared = {
        f["field"]: [c["classification"] for c in f["classifications"] if c["origin"] == "declared"]
        for f in raw["fields"]
    }
    assert declared["state"] == ["pii.address"] and declared["ssn"] == ["pii.ssn"]
    external = client.get("/api/v1/privacy/flows", params={"classification": "pii.address"}).json()
    assert any(f["id"] == "field:warehouse:raw#state" for f in external["fields"])
    bad = client.post(
        "/api/v1/privacy/classifications", json={"dataset": "dataset:warehouse:raw", "fields": {"state": "secret"}}
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "fields.state"
