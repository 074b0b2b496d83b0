"""Ingestion over HTTP, on both stores."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest

from graph_schema import EdgeType, NodeLabel
from lineage_api.store.protocol import Direction, GraphStore, Step
from tests.factories import DEV_AUTH, PATIENT, api, corpus_event, corpus_files, dataset, facet, run_event, schema

NO_RUN_ID = "openlineage__proxy__fluentd__events__event_no_run_id.json"


def test_every_corpus_event_is_accepted_but_the_one_without_run_id(store: GraphStore, tmp_path: Path) -> None:
    with api(store, tmp_path) as client:
        for path in corpus_files():
            response = client.post("/api/v1/lineage", content=path.read_bytes())
            if path.name == NO_RUN_ID:
                assert response.status_code == 400
                assert response.json()["error"]["field"] == "run.runId"
                assert "run.runId is required for a RunEvent" in response.json()["error"]["message"]
            else:
                assert response.status_code == 201, (path.name, response.text)
                assert response.json()["status"] == "projected"
        verify = client.get("/api/v1/events/verify").json()
        assert verify["ok"] is True
        assert verify["count"] == len(corpus_files()) - 1


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        (b"{not json", {}, None),
        (b"[1, 2]", {}, "body"),
        (b'"text"', {}, "body"),
        (b'{"hello": "world"}', {}, "run"),
        (b'{"run": {"runId": "x"}, "job": {"namespace": "a", "name": "b"}}', {}, "eventTime"),
        (b'{"eventTime": "yesterday", "run": {"runId": "x"}, "job": {"namespace": "a", "name": "b"}}', {}, "eventTime"),
        (b'{"eventTime": "2026-01-01T00:00:00Z", "run": {"runId": "x"}}', {}, "job"),
        (b'{"eventTime": "2026-01-01T00:00:00Z", "run": {"runId": "x"}, "job": {"name": "b"}}', {}, "job.namespace"),
        (b'{"eventTime": "2026-01-01T00:00:00Z", "eventType": "DONE", "run": {"runId": "x"}, "job": {}}', {}, None),
        (b"\x1f\x8b not gzip at all", {"content-encoding": "gzip"}, "body"),
        (b"{}", {"content-encoding": "br"}, "Content-Encoding"),
        (b"\xff\xfe", {}, "body"),
    ],
)
def test_what_cannot_be_an_event_gets_400_naming_the_field(
    store: GraphStore, tmp_path: Path, body: bytes, headers: dict[str, str], field: str | None
) -> None:
    with api(store, tmp_path) as client:
        response = client.post("/api/v1/lineage", content=body, headers=headers)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid_input" and error["message"]
        if field:
            assert error["field"] == field
        assert client.get("/api/v1/events").json()["events"] == []


def test_gzip_bearer_and_lenient_fields_are_accepted(store: GraphStore, tmp_path: Path) -> None:
    event = run_event("START", run_id="not-a-uuid", time="2026-03-01T10:00:00")
    event["run"]["facets"]["custom_thing"] = {"anything": [1, 2, {"x": None}]}
    body = gzip.compress(json.dumps(event).encode())
    with api(store, tmp_path) as client:
        response = client.post(
            "/api/v1/lineage",
            content=body,
            headers={
                "content-encoding": "gzip",
                "authorization": "Bearer whatever",
                "content-type": "application/json",
            },
        )
        assert response.status_code == 201, response.text
        assert any("custom_thing" in note for note in response.json()["notes"])
    run = store.get_node("run:not-a-uuid")
    assert run is not None
    assert run.props["facets"]["custom_thing"] == {"anything": [1, 2, {"x": None}]}
    assert run.props["startedAt"] == "2026-03-01T10:00:00.000000Z"


def test_body_limit_gives_413(store: GraphStore, tmp_path: Path) -> None:
    big = run_event(job_facets={"blob": facet(data="x" * 5000)})
    with api(store, tmp_path, max_body_bytes=2000) as client:
        assert client.post("/api/v1/lineage", json=big).status_code == 413
        zipped = gzip.compress(json.dumps(big).encode())
        assert len(zipped) < 2000
        response = client.post("/api/v1/lineage", content=zipped, headers={"content-encoding": "gzip"})
        assert response.status_code == 413
        assert client.post("/api/v1/lineage", json=run_event()).status_code == 201


def test_batch_keeps_the_good_events_of_a_partly_bad_batch(store: GraphStore, tmp_path: Path) -> None:
    good1, good2 = run_event(run_id="b1"), run_event(run_id="b2")
    with api(store, tmp_path) as client:
        response = client.post("/api/v1/lineage/batch", json=[good1, {"nope": 1}, good2, 42])
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "partial_success"
        assert body["summary"] == {"received": 4, "successful": 2, "failed": 2, "retriable": 0, "non_retriable": 2}
        assert [f["index"] for f in body["failed_events"]] == [1, 3]
        assert client.post("/api/v1/lineage/batch", json=[good1]).json()["status"] == "success"
        assert client.post("/api/v1/lineage/batch", json={"not": "a list"}).status_code == 400
        client.app.state.lineage.pipeline.drain()  # type: ignore[attr-defined]
    assert store.get_node("run:b1") is not None and store.get_node("run:b2") is not None


def test_identical_events_are_stored_once(store: GraphStore, tmp_path: Path) -> None:
    event = run_event(run_id="dup")
    with api(store, tmp_path) as client:
        first = client.post("/api/v1/lineage", json=event).json()
        second = client.post("/api/v1/lineage", json=event).json()
        assert first["duplicate"] is False and second["duplicate"] is True
        assert first["seq"] == second["seq"]
        assert len(client.get("/api/v1/events").json()["events"]) == 1


def test_event_log_pages_in_order_and_verify_detects_tampering(store: GraphStore, tmp_path: Path) -> None:
    with api(store, tmp_path) as client:
        for i in range(5):
            assert client.post("/api/v1/lineage", json=run_event(run_id=f"r{i}")).status_code == 201
        page = client.get("/api/v1/events", params={"after": 0, "limit": 2}).json()
        assert [e["seq"] for e in page["events"]] == [1, 2] and page["next_after"] == 2
        rest = client.get("/api/v1/events", params={"after": 2, "limit": 10}).json()
        assert [e["event"]["run"]["runId"] for e in rest["events"]] == ["r2", "r3", "r4"]
        assert rest["next_after"] is None
        assert client.get("/api/v1/events/verify").json()["ok"] is True
        db = sqlite3.connect(tmp_path / "events.sqlite")
        db.execute("UPDATE events SET body = replace(body, 'r3', 'rX') WHERE seq = 4")
        db.commit()
        db.close()
        broken = client.get("/api/v1/events/verify").json()
        assert broken["ok"] is False and broken["firstBreak"] == 4
        # The body changed, its chain hash did not: the chain breaks, the Merkle tree over chain hashes holds.
        chains = [(c["source"], c["ok"]) for c in broken["chains"]]
        assert chains == [("log", False), ("merkle", True), ("graph:r1", True)]


def test_run_state_follows_event_time_and_terminal_states_stay(store: GraphStore, tmp_path: Path) -> None:
    with api(store, tmp_path) as client:
        post = client.post
        post("/api/v1/lineage", json=run_event("COMPLETE", run_id="late", time="2026-03-01T10:05:00Z"))
        post("/api/v1/lineage", json=run_event("START", run_id="late", time="2026-03-01T10:00:00Z"))
        post("/api/v1/lineage", json=run_event("OTHER", run_id="late", time="2026-03-01T10:10:00Z"))
        post("/api/v1/lineage", json=run_event("COMPLETE", run_id="only"))
        post("/api/v1/lineage", json=run_event("START", run_id="going", time="2026-03-01T10:00:00Z"))
        post("/api/v1/lineage", json=run_event("RUNNING", run_id="going", time="2026-03-01T10:01:00Z"))
        post(
            "/api/v1/lineage",
            json=run_event(
                "FAIL", run_id="bad", run_facets={"errorMessage": facet(message="boom", programmingLanguage="python")}
            ),
        )
    late = store.get_node("run:late")
    assert late is not None
    assert late.props["state"] == "COMPLETED"
    assert late.props["startedAt"] == "2026-03-01T10:00:00.000000Z"
    assert late.props["endedAt"] == "2026-03-01T10:05:00.000000Z"
    only = store.get_node("run:only")
    assert only is not None and only.props["state"] == "COMPLETED" and "startedAt" not in only.props
    going = store.get_node("run:going")
    assert going is not None and going.props["state"] == "RUNNING" and "endedAt" not in going.props
    bad = store.get_node("run:bad")
    assert bad is not None and bad.props["state"] == "FAILED" and bad.props["errorMessage"] == "boom"


def test_facets_replace_and_io_accumulate_across_a_run(store: GraphStore, tmp_path: Path) -> None:
    with api(store, tmp_path) as client:
        client.post(
            "/api/v1/lineage",
            json=run_event(
                "START",
                run_id="acc",
                time="2026-03-01T10:00:00Z",
                inputs=[dataset("db", "a")],
                job_facets={"documentation": facet(description="old")},
            ),
        )
        client.post(
            "/api/v1/lineage",
            json=run_event(
                "COMPLETE",
                run_id="acc",
                time="2026-03-01T10:01:00Z",
                inputs=[dataset("db", "b")],
                outputs=[dataset("db", "c")],
                job_facets={"documentation": facet(description="new")},
            ),
        )
    job = store.get_node("job:ns:job")
    assert job is not None and job.props["description"] == "new"
    reads = store.edges(["run:acc"], [Step(EdgeType.READ, Direction.OUT)])
    wrote = store.edges(["run:acc"], [Step(EdgeType.WROTE, Direction.OUT)])
    assert sorted(e.dst for e in reads) == ["dataset:db:a#unknown", "dataset:db:b#unknown"]
    assert [e.dst for e in wrote] == ["dataset:db:c#acc"]


def test_versions_read_are_the_ones_written_before(store: GraphStore, tmp_path: Path) -> None:
    with api(store, tmp_path) as client:
        client.post(
            "/api/v1/lineage", json=run_event(run_id="w1", time="2026-03-01T10:00:00Z", outputs=[dataset("db", "t")])
        )
        client.post(
            "/api/v1/lineage",
            json=run_event(run_id="r1", time="2026-03-01T11:00:00Z", job=("ns", "reader"), inputs=[dataset("db", "t")]),
        )
        client.post(
            "/api/v1/lineage", json=run_event(run_id="w2", time="2026-03-01T12:00:00Z", outputs=[dataset("db", "t")])
        )
        client.post(
            "/api/v1/lineage",
            json=run_event(run_id="r2", time="2026-03-01T13:00:00Z", job=("ns", "reader"), inputs=[dataset("db", "t")]),
        )
        client.post(
            "/api/v1/lineage",
            json=run_event(
                run_id="r3",
                time="2026-03-01T13:00:00Z",
                job=("ns", "m"),
                inputs=[dataset("models", "m", {"version": facet(datasetVersion="7")})],
            ),
        )
    assert [e.dst for e in store.edges(["run:r1"], [Step(EdgeType.READ, Direction.OUT)])] == ["dataset:db:t#w1"]
    assert [e.dst for e in store.edges(["run:r2"], [Step(EdgeType.READ, Direction.OUT)])] == ["dataset:db:t#w2"]
    assert [e.dst for e in store.edges(["run:r3"], [Step(EdgeType.READ, Direction.OUT)])] == ["dataset:models:m#7"]


def test_corpus_runs_project_parents_fields_and_column_lineage(store: GraphStore, tmp_path: Path) -> None:
    names = [
        f"data-rentgen__tests__resources__events_{kind}__line0{i}.json"
        for kind, n in (("dbt", 4), ("airflow", 4), ("spark", 4), ("flink", 3))
        for i in range(n)
        if (kind, i) != ("spark", 0)
    ]
    with api(store, tmp_path) as client:
        for name in names:
            assert client.post("/api/v1/lineage", json=corpus_event(name)).status_code == 201
    dbt_model = corpus_event("data-rentgen__tests__resources__events_dbt__line01.json")
    parent = dbt_model["run"]["facets"]["parent"]["run"]["runId"]
    model_run = f"run:{dbt_model['run']['runId']}"
    assert [e.dst for e in store.edges([model_run], [Step(EdgeType.PARENT, Direction.OUT)])] == [f"run:{parent}"]
    airflow_task = corpus_event("data-rentgen__tests__resources__events_airflow__line02.json")
    task_run = store.get_node(f"run:{airflow_task['run']['runId']}")
    assert task_run is not None and task_run.props["state"] == "COMPLETED"
    out_field = "field:postgres://postgres:5432:food_delivery.public.popular_orders_day_of_week#order_placed_on"
    derived = store.edges([out_field], [Step(EdgeType.DERIVED_FROM, Direction.OUT)])
    assert [e.dst for e in derived] == [
        "field:postgres://postgres:5432:food_delivery.public.top_delivery_times#order_placed_on"
    ]
    spark_out = "field:clickhouse://localhost:8123:mydb.myschema.mytable#customer_id"
    spark = {e.dst: e.props for e in store.edges([spark_out], [Step(EdgeType.DERIVED_FROM, Direction.OUT)])}
    src = "field:hdfs://test-hadoop:9820:/user/hive/warehouse/mydatabase.db/source_table#customer_id"
    assert spark[src]["type"] == "DIRECT" and spark[src]["masking"] is False
    fields = store.edges(
        ["dataset:hdfs://test-hadoop:9820:/user/hive/warehouse/mydatabase.db/source_table"],
        [Step(EdgeType.HAS_FIELD, Direction.OUT)],
    )
    assert {e.dst.rsplit("#", 1)[1] for e in fields} == {"dt", "customer_id", "total_spent"}
    assert (
        store.edges(
            ["dataset:hdfs://test-hadoop:9820:/user/hive/warehouse/mydatabase.db/source_table"],
            [Step(EdgeType.SYMLINK, Direction.OUT)],
        )[0].dst
        == "dataset:hive://test-hadoop:9083:mydatabase.source_table"
    )
    flink = corpus_event("data-rentgen__tests__resources__events_flink__line02.json")
    flink_run = store.get_node(f"run:{flink['run']['runId']}")
    assert flink_run is not None and flink_run.props["state"] == "COMPLETED"
    assert store.count(NodeLabel.RUN) == 7  # dbt 2, airflow 2, spark job + its app run, flink 1


def test_nested_schema_fields_are_flattened(store: GraphStore, tmp_path: Path) -> None:
    name = (
        "datahub__metadata-integration__java__acryl-spark-lineage__src__test__resources__ol_events__debezium_event.json"
    )
    event = corpus_event(name)
    with api(store, tmp_path) as client:
        assert client.post("/api/v1/lineage", json=event).status_code == 201
    out = event["outputs"][0]
    fields = store.edges([f"dataset:{out['namespace']}:{out['name']}"], [Step(EdgeType.HAS_FIELD, Direction.OUT)])
    paths = {e.dst.rsplit("#", 1)[1] for e in fields}
    assert any("." in p for p in paths), paths


def test_column_lineage_masking_and_legacy_transformation_type(store: GraphStore, tmp_path: Path) -> None:
    lineage = facet(
        fields={
            "ssn_hash": {
                "inputFields": [
                    {
                        "namespace": "db",
                        "name": "raw",
                        "field": "ssn",
                        "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION", "masking": True}],
                    }
                ]
            },
            "age": {
                "inputFields": [{"namespace": "db", "name": "raw", "field": "dob"}],
                "transformationType": "IDENTITY",
            },
            "legacy_mask": {
                "inputFields": [{"namespace": "db", "name": "raw", "field": "ssn"}],
                "transformationType": "MASKED",
            },
        },
        dataset=[
            {
                "namespace": "db",
                "name": "raw",
                "field": "state",
                "transformations": [{"type": "INDIRECT", "subtype": "FILTER"}],
            }
        ],
    )
    out = dataset("db", "features", {"schema": schema("ssn_hash", "age", "legacy_mask"), "columnLineage": lineage})
    with api(store, tmp_path) as client:
        assert (
            client.post(
                "/api/v1/lineage", json=run_event(run_id="f", inputs=[dataset("db", "raw")], outputs=[out])
            ).status_code
            == 201
        )

    def derived(field: str) -> dict[str, dict[str, object]]:
        edges = store.edges([f"field:db:features#{field}"], [Step(EdgeType.DERIVED_FROM, Direction.OUT)])
        return {e.dst.rsplit("#", 1)[1]: e.props for e in edges}

    assert derived("ssn_hash")["ssn"]["masking"] is True
    assert derived("ssn_hash")["ssn"]["subtypes"] == ["TRANSFORMATION"]
    assert derived("age")["dob"] == {"type": "DIRECT", "subtypes": ["IDENTITY"], "masking": False, "runId": "f"}
    assert derived("legacy_mask")["ssn"]["masking"] is True
    assert derived("age")["state"]["type"] == "INDIRECT" and derived("age")["state"]["subtypes"] == ["FILTER"]


def test_field_tags_become_classifications(store: GraphStore, tmp_path: Path) -> None:
    tags = facet(
        tags=[{"key": "classification", "value": "pii.ssn", "field": "ssn"}, {"key": "boundary", "value": "external"}]
    )
    with api(store, tmp_path) as client:
        client.post(
            "/api/v1/lineage", json=run_event(outputs=[dataset("db", "x", {"schema": schema("ssn"), "tags": tags})])
        )
    field = store.get_node("field:db:x#ssn")
    assert field is not None and field.props["classifications"] == ["pii.ssn"]
    ds = store.get_node("dataset:db:x")
    assert ds is not None and ds.props["external"] is True


def test_replicas_keep_their_own_chains_in_one_store(store: GraphStore, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from lineage_api.app import create_app
    from lineage_api.core.settings import Settings

    for replica in ("api-1", "api-2"):
        settings = Settings(data_dir=tmp_path / replica, replica_id=replica, auth=DEV_AUTH, ingest=PATIENT)
        with TestClient(create_app(settings, store=store)) as client:
            for i in range(3):
                event = run_event(run_id=f"{replica}-{i}")
                assert client.post("/api/v1/lineage", json=event).status_code == 201
    with TestClient(
        create_app(Settings(data_dir=tmp_path / "api-1", replica_id="api-1", auth=DEV_AUTH), store=store)
    ) as client:
        verify = client.get("/api/v1/events/verify").json()
    assert verify["ok"] is True
    chains = [(c["source"], c["count"]) for c in verify["chains"] if not c["source"].startswith("merkle")]
    assert chains == [("log", 3), ("graph:api-1", 3), ("graph:api-2", 3)]
    tampered = store.get_node("event:api-2:000000000002")
    assert tampered is not None
    from graph_schema import NodeLabel as L
    from lineage_api.store.protocol import ChangeBatch, NodeUpsert

    store.apply(ChangeBatch([NodeUpsert(tampered.id, L.EVENT, {"body": tampered.props["body"].replace("api-2", "x")})]))
    with TestClient(
        create_app(Settings(data_dir=tmp_path / "api-1", replica_id="api-1", auth=DEV_AUTH), store=store)
    ) as client:
        broken = client.get("/api/v1/events/verify").json()
    assert broken["ok"] is False
    assert [(c["source"], c["firstBreak"]) for c in broken["chains"] if not c["ok"]] == [("graph:api-2", 2)]
