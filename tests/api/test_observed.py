"""Facets a run sends on a foreign input are observations: they add what nobody with authority recorded, never more."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph_schema import NodeLabel
from lineage_api.app import create_app
from lineage_api.auth.keys import KeyStore
from lineage_api.auth.roles import Role
from lineage_api.core.settings import AuthSettings, Settings
from lineage_api.core.writer import Writer
from lineage_api.ingest.parse import parse_event
from lineage_api.ingest.projection import LoggedEvent, project
from lineage_api.store.protocol import GraphStore
from tests.factories import PATIENT, dataset, facet, run_event, snapshot

ARRIVALS = ("cbp.raw", "arrivals")
MANIFESTS = ("cbp.raw", "manifests")  # a source no instrumented job writes


def tags(*items: tuple[str, str, str | None]) -> dict[str, Any]:
    return facet(tags=[{"key": k, "value": v, **({"field": f} if f else {})} for k, v, f in items])


def typed_schema(**fields: str) -> dict[str, Any]:
    return facet(fields=[{"name": n, "type": t} for n, t in fields.items()])


def owner_load(time: str = "2026-03-01T00:00:00Z", **extra: Any) -> dict[str, Any]:
    """The cbp producer writes arrivals: typed fields, ssn and name classified, port and notes not."""
    facets = {
        "schema": typed_schema(ssn="string", name="string", port="string", notes="string"),
        "tags": tags(("classification", "pii.ssn", "ssn"), ("classification", "pii.name", "name")),
        **extra,
    }
    return run_event(run_id="cbp-load", job=("cbp.ingest", "load"), time=time, outputs=[dataset(*ARRIVALS, facets)])


def foreign_read(
    run_id: str, facets: dict[str, Any], *, source: tuple[str, str] = ARRIVALS, time: str
) -> dict[str, Any]:
    """An etl job reads a cbp dataset and reports what it saw there."""
    return run_event(
        run_id=run_id,
        job=("etl.features", "build"),
        time=time,
        inputs=[dataset(*source, facets)],
        outputs=[dataset("etl.features", "arrival_features")],
    )


@pytest.fixture
def secured(store: GraphStore, tmp_path: Path) -> Iterator[tuple[TestClient, KeyStore]]:
    settings = Settings(data_dir=tmp_path, auth=AuthSettings(rate_per_minute=100_000, burst=100_000), ingest=PATIENT)
    keys = KeyStore(tmp_path / "auth.sqlite")
    with TestClient(create_app(settings, store=store)) as client:
        yield client, keys
    keys.close()


def bearer(keys: KeyStore, role: Role, namespaces: list[str] | None = None) -> tuple[str, dict[str, str]]:
    key, token = keys.create(role=role, namespaces=namespaces)
    return f"key:{key.key_id}", {"authorization": f"Bearer {token}"}


def post(client: TestClient, headers: dict[str, str], *events: dict[str, Any]) -> None:
    for event in events:
        response = client.post("/api/v1/lineage", json=event, headers=headers)
        assert response.status_code == 201, response.text


def props(store: GraphStore, node_id: str) -> dict[str, Any]:
    node = store.get_node(node_id)
    assert node is not None, node_id
    return node.props


def field(store: GraphStore, name: str, source: tuple[str, str] = ARRIVALS) -> dict[str, Any]:
    return props(store, f"field:{source[0]}:{source[1]}#{name}")


def test_a_foreign_reader_cannot_erase_or_change_what_the_owner_recorded(
    secured: tuple[TestClient, KeyStore], store: GraphStore
) -> None:
    client, keys = secured
    _, cbp = bearer(keys, Role.PRODUCER, ["cbp.*"])
    etl_ref, etl = bearer(keys, Role.PRODUCER, ["etl.*"])
    post(client, cbp, owner_load())
    recorded = props(store, "dataset:cbp.raw:arrivals")
    post(
        client,
        etl,
        foreign_read(
            "etl-1",
            {"tags": tags(), "schema": typed_schema(ssn="integer", name="string", extra="string")},
            time="2026-03-02T00:00:00Z",
        ),
    )
    dataset_now = props(store, "dataset:cbp.raw:arrivals")
    assert dataset_now["facets"] == recorded["facets"] and dataset_now["facetsAt"] == recorded["facetsAt"]
    assert field(store, "ssn")["classifications"] == ["pii.ssn"] and field(store, "ssn")["type"] == "string"
    assert field(store, "name")["classifications"] == ["pii.name"]
    assert "classificationSource" not in field(store, "ssn") and "schemaSource" not in field(store, "ssn")
    # What it saw is kept as its observation, attributed to its key and run.
    seen = dataset_now["observedFacets"]
    assert set(seen) == {"schema", "tags"} and seen["schema"]["by"] == etl_ref and seen["schema"]["runId"] == "etl-1"
    # A field nobody recorded is added, marked as observed.
    extra = field(store, "extra")
    assert extra["type"] == "string" and extra["schemaSource"] == "observed" and extra["schemaObservedBy"] == etl_ref
    # The owner's own later facets still replace its earlier ones.
    post(client, cbp, owner_load("2026-03-03T00:00:00Z", tags=tags(("classification", "pii.ssn", "ssn"))))
    assert field(store, "name")["classifications"] == [] and field(store, "ssn")["classifications"] == ["pii.ssn"]


def test_an_observation_classifies_only_what_nobody_classified(
    secured: tuple[TestClient, KeyStore], store: GraphStore
) -> None:
    client, keys = secured
    _, cbp = bearer(keys, Role.PRODUCER, ["cbp.*"])
    etl_ref, etl = bearer(keys, Role.PRODUCER, ["etl.*"])
    post(client, cbp, owner_load())
    observed = tags(
        ("classification", "pii.address", "port"),
        ("classification", "pii.other", "ssn"),
        ("boundary", "external", None),
    )
    post(client, etl, foreign_read("etl-1", {"tags": observed}, time="2026-03-02T00:00:00Z"))
    port = field(store, "port")
    assert port["classifications"] == ["pii.address"] and port["classified"] is True
    assert port["classificationSource"] == "observed" and port["observedBy"] == [etl_ref]
    assert field(store, "ssn")["classifications"] == ["pii.ssn"]  # declared: the observation waits
    ds = props(store, "dataset:cbp.raw:arrivals")
    assert ds["external"] is True and ds["tags"] == [{"key": "boundary", "value": "external", "observedBy": [etl_ref]}]
    answer = client.get("/api/v1/privacy/datasets/dataset:cbp.raw:arrivals", headers=cbp_admin(keys)).json()
    origins = {f["field"]: f["classifications"] for f in answer["fields"]}
    (port_origin,) = [o for o in origins["port"] if o["origin"] != "suggested"]
    assert port_origin["origin"] == "observed" and port_origin["observedBy"] == [etl_ref]
    assert [o["origin"] for o in origins["ssn"] if o["classification"] == "pii.ssn"] == ["declared"]
    # The owner classifying the field replaces the observation; an owner's tags facet without it gives it back.
    owner_tags = tags(("classification", "pii.ssn", "ssn"), ("classification", "pii.other", "port"))
    post(client, cbp, owner_load("2026-03-03T00:00:00Z", tags=owner_tags))
    port = field(store, "port")
    assert port["classifications"] == ["pii.other"] and "classificationSource" not in port
    post(client, cbp, owner_load("2026-03-04T00:00:00Z", tags=tags(("classification", "pii.ssn", "ssn"))))
    assert field(store, "port")["classifications"] == ["pii.address"]


def cbp_admin(keys: KeyStore) -> dict[str, str]:
    return bearer(keys, Role.AUDITOR)[1]


def test_a_source_nobody_writes_is_described_by_observation_and_classified_with_authority(
    secured: tuple[TestClient, KeyStore], store: GraphStore
) -> None:
    client, keys = secured
    etl_ref, etl = bearer(keys, Role.PRODUCER, ["etl.*"])
    officer = bearer(keys, Role.PRIVACY_OFFICER)[1]
    seen = {
        "schema": typed_schema(passport="string", carrier="string"),
        "tags": tags(("classification", "pii.passport", "passport")),
    }
    post(client, etl, foreign_read("etl-1", seen, source=MANIFESTS, time="2026-03-02T00:00:00Z"))
    manifests = props(store, "dataset:cbp.raw:manifests")
    assert manifests["facets"]["schema"] == seen["schema"] and not manifests.get("facetsAt")
    assert field(store, "passport", MANIFESTS)["classificationSource"] == "observed"
    assert field(store, "carrier", MANIFESTS)["type"] == "string"
    # A privacy officer classifies another field: the observed tags do not become the officer's declaration.
    response = client.post(
        "/api/v1/privacy/classifications",
        json={"dataset": "dataset:cbp.raw:manifests", "fields": {"carrier": "pii.other"}},
        headers=officer,
    )
    assert response.status_code == 201, response.text
    assert field(store, "carrier", MANIFESTS)["classifications"] == ["pii.other"]
    passport = field(store, "passport", MANIFESTS)
    assert passport["classifications"] == ["pii.passport"] and passport["observedBy"] == [etl_ref]
    flows = client.get("/api/v1/privacy/flows", params={"classification": "pii.passport"}, headers=officer).json()
    assert "field:cbp.raw:manifests#passport" in {f["id"] for f in flows["fields"]}


# -- projection: order and repetition do not matter -------------------------------------------------------------
CBP = Writer("cbp", "producer", ("cbp.*",))
ETL = Writer("etl", "producer", ("etl.*",))
OTHER = Writer("other", "producer", ("ops",))


def scenario() -> list[tuple[dict[str, Any], Writer | None]]:
    # Versions named explicitly: which version an unversioned read resolves to depends on what was written before it.
    v1 = {"version": facet(datasetVersion="v1")}
    observed = {
        **v1,
        "tags": tags(("classification", "pii.address", "port"), ("boundary", "external", None)),
        "schema": typed_schema(ssn="integer", extra="string"),
    }
    other_seen = {**v1, "tags": tags(("classification", "pii.phone", "notes")), "schema": typed_schema(extra="text")}
    other_read = run_event(
        run_id="ops-1", job=("ops", "audit"), time="2026-03-02T12:00:00Z", inputs=[dataset(*ARRIVALS, other_seen)]
    )
    return [
        (owner_load(**v1), CBP),
        (foreign_read("etl-1", observed, time="2026-03-02T00:00:00Z"), ETL),
        (foreign_read("etl-2", {**v1, "tags": tags(), "schema": typed_schema()}, time="2026-03-05T00:00:00Z"), ETL),
        (other_read, OTHER),
        (
            run_event(
                run_id="ops-2", job=("ops", "audit"), time="2026-03-02T06:00:00Z", inputs=[dataset(*ARRIVALS, observed)]
            ),
            OTHER,
        ),
        (owner_load("2026-03-03T00:00:00Z", tags=tags(("classification", "pii.ssn", "ssn")), **v1), CBP),
        (foreign_read("etl-3", observed, source=MANIFESTS, time="2026-03-02T00:00:00Z"), ETL),
        (owner_load("2026-03-04T00:00:00Z", **v1), None),  # logged before writers were kept: full authority
    ]


def logged(events: list[tuple[dict[str, Any], Writer | None]]) -> list[LoggedEvent]:
    return [
        LoggedEvent(
            "r1", seq, f"h{seq}", f"h{seq - 1}", f"c{seq}", "2026-06-01T00:00:00.000000Z", "{}", parse_event(e), w
        )
        for seq, (e, w) in enumerate(events, start=1)
    ]


def test_projection_of_observations_is_idempotent_and_order_independent(store: GraphStore) -> None:
    events = logged(scenario())
    store.apply(project(store, events))
    reference = snapshot(store)
    port = field(store, "port")
    assert port["classificationSource"] == "observed" and port["classifications"] == ["pii.address"]
    assert port["observedBy"] == ["key:etl", "key:other"]  # the same observation from two keys: both named
    assert field(store, "extra")["schemaObservedBy"] == "key:other"  # the latest observation of a new field
    assert field(store, "ssn")["type"] == "string" and field(store, "notes")["classifications"] == ["pii.phone"]
    again = project(store, events)
    assert [n.id for n in again.nodes if n.label is not NodeLabel.EVENT] == []
    for order in (list(reversed(events)), random.Random(7).sample(events, len(events))):
        store.wipe()
        store.apply_schema()
        for event in order:
            store.apply(project(store, [event]))
        assert snapshot(store) == reference
