"""Catalog read endpoints over ingested events, on both stores: namespaces, jobs, datasets, runs, lineage graph."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from lineage_api.app import create_app
from lineage_api.catalog import lineage
from lineage_api.catalog.lineage import MAX_DEPTH
from lineage_api.core.settings import IngestSettings, Settings
from lineage_api.store.protocol import GraphStore
from tests.factories import DEV_AUTH

# Real OpenLineage events; these move to tests/corpus/ later, then only this constant changes.
CORPUS = Path("/work/shared/openlineage-corpus")
RENTGEN = "data-rentgen__tests__resources__events_"

DBT_COMMAND_RUN = "0196eccd-8aa4-7274-9116-824575596aaf"
DBT_MODEL_RUN = "0196eccd-ebdc-70e3-b532-6e66f541ba29"
AIRFLOW_DAG_RUN = "01908223-0782-79b8-9495-b1c38aaee839"
AIRFLOW_TASK_RUN = "01908223-0782-7fc0-9d69-b1df9dac2c60"
SPARK_APP_RUN = "01908224-8410-79a2-8de6-a769ad6944c9"
SPARK_JOB_RUN = "01908225-1fd7-746b-910c-70d24f2898b1"

PG = "postgres://db:5432"
S3 = "s3://bucket"
Ref = tuple[str, str]


def corpus(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    return data


def rentgen(kind: str, *lines: int) -> list[dict[str, Any]]:
    return [corpus(f"{RENTGEN}{kind}__line{n:02d}.json") for n in lines]


def facet(**body: Any) -> dict[str, Any]:
    return {"_producer": "https://example.org/test", "_schemaURL": "https://example.org/schema.json", **body}


def dataset(ref: Ref, **facets: Any) -> dict[str, Any]:
    return {"namespace": ref[0], "name": ref[1], "facets": facets}


def run_event(
    run_id: str,
    job: Ref,
    *,
    event_type: str = "COMPLETE",
    at: str = "2026-01-01T00:00:00Z",
    inputs: Sequence[Ref | dict[str, Any]] = (),
    outputs: Sequence[Ref | dict[str, Any]] = (),
    run_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "eventTime": at,
        "producer": "https://example.org/test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": job[0], "name": job[1], "facets": {}},
        "inputs": [d if isinstance(d, dict) else dataset(d) for d in inputs],
        "outputs": [d if isinstance(d, dict) else dataset(d) for d in outputs],
    }


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    # A cold Neo4j can take longer than the default ack wait to project the first events; the tests want 201s.
    settings = Settings(data_dir=tmp_path / "data", ingest=IngestSettings(ack_wait_ms=30_000), auth=DEV_AUTH)
    app = create_app(settings, store=store)
    with TestClient(app) as test_client:
        yield test_client


def post(client: TestClient, *events: dict[str, Any]) -> None:
    for event in events:
        response = client.post("/api/v1/lineage", json=event)
        assert response.status_code == 201, response.text


def get_ok(client: TestClient, url: str, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def pages(client: TestClient, url: str, key: str, limit: int, **params: Any) -> list[list[str]]:
    """Every page of a paginated list, as lists of ids (or names), following nextOffset."""
    out: list[list[str]] = []
    offset: int | None = 0
    while offset is not None:
        body = get_ok(client, url, limit=limit, offset=offset, **params)
        out.append([item.get("id", item.get("name")) for item in body[key]])
        offset = body["nextOffset"]
    return out


# -- namespaces -------------------------------------------------------------------------------------------------
def test_namespaces_count_jobs_and_datasets_of_corpus_runs(client: TestClient) -> None:
    post(client, *rentgen("dbt", 0, 1, 2, 3), *rentgen("airflow", 0, 1, 2, 3))
    body = get_ok(client, "/api/v1/namespaces")
    assert body["namespaces"] == [
        {"name": "http://airflow-host:8081", "jobCount": 2, "datasetCount": 0},
        {"name": "local://somehost", "jobCount": 2, "datasetCount": 0},
        {"name": "postgres://postgres:5432", "jobCount": 0, "datasetCount": 2},
        {"name": "spark://localhost:10000", "jobCount": 0, "datasetCount": 2},
    ]
    assert body["nextOffset"] is None
    assert pages(client, "/api/v1/namespaces", "namespaces", 3) == [
        ["http://airflow-host:8081", "local://somehost", "postgres://postgres:5432"],
        ["spark://localhost:10000"],
    ]


def test_namespaces_reject_out_of_range_paging(client: TestClient) -> None:
    for params in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        response = client.get("/api/v1/namespaces", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"]["field"] == next(iter(params))


# -- jobs -------------------------------------------------------------------------------------------------------
def test_jobs_carry_type_owners_description_facets_and_latest_run(client: TestClient) -> None:
    post(client, *rentgen("airflow", 0, 1, 2, 3), *rentgen("dbt", 0))
    body = get_ok(client, "/api/v1/jobs", namespace="http://airflow-host:8081")
    assert [j["id"] for j in body["jobs"]] == [
        "job:http://airflow-host:8081:mydag",
        "job:http://airflow-host:8081:mydag.mytask",
    ]
    dag, task = body["jobs"]
    assert (task["namespace"], task["name"]) == ("http://airflow-host:8081", "mydag.mytask")
    assert (task["jobType"], task["integration"], task["processingType"]) == ("TASK", "AIRFLOW", "BATCH")
    assert task["description"] == "Task description"
    assert task["owners"] == ["myuser"]
    assert "INSERT INTO popular_orders_day_of_week" in task["facets"]["sql"]["query"]
    assert task["updatedAt"] == "2024-07-05T09:07:37.858423Z"
    assert task["latestRun"] == {"id": f"run:{AIRFLOW_TASK_RUN}", "runId": AIRFLOW_TASK_RUN, "state": "COMPLETED"}
    assert dag["jobType"] == "DAG"
    assert dag["latestRun"]["runId"] == AIRFLOW_DAG_RUN
    dbt_only = get_ok(client, "/api/v1/jobs", namespace="local://somehost")["jobs"]
    assert [(j["name"], j["latestRun"]["state"]) for j in dbt_only] == [("dbt-run-demo_project", "RUNNING")]
    assert get_ok(client, "/api/v1/jobs", namespace="nowhere")["jobs"] == []


def test_latest_run_follows_event_time_not_arrival(client: TestClient) -> None:
    job = (S3, "nightly")
    post(
        client,
        run_event("late", job, event_type="START", at="2026-03-02T00:00:00Z"),
        run_event("early", job, event_type="FAIL", at="2026-03-01T00:00:00Z"),
    )
    (only,) = get_ok(client, "/api/v1/jobs")["jobs"]
    assert only["latestRun"] == {"id": "run:late", "runId": "late", "state": "RUNNING"}


def test_jobs_paginate_in_id_order(client: TestClient) -> None:
    post(client, *(run_event(f"r{i}", ("ns", f"job{i}")) for i in range(5)))
    assert pages(client, "/api/v1/jobs", "jobs", 2) == [
        ["job:ns:job0", "job:ns:job1"],
        ["job:ns:job2", "job:ns:job3"],
        ["job:ns:job4"],
    ]
    assert get_ok(client, "/api/v1/jobs", limit=2, offset=5) == {"jobs": [], "nextOffset": None}


# -- datasets ---------------------------------------------------------------------------------------------------
def test_datasets_show_schema_tags_classifications_owners_and_latest_version(client: TestClient) -> None:
    out = dataset(
        (PG, "public.people"),
        schema=facet(
            fields=[
                {"name": "ssn", "type": "varchar", "description": "social security number"},
                {"name": "name", "type": "text"},
            ]
        ),
        tags=facet(
            tags=[
                {"key": "boundary", "value": "external", "source": "test"},
                {"key": "classification", "value": "PII", "field": "ssn", "source": "test"},
            ]
        ),
        ownership=facet(owners=[{"name": "team:privacy"}]),
        datasetType=facet(datasetType="table"),
        version=facet(datasetVersion="v7"),
    )
    post(client, run_event("writer", (S3, "load"), outputs=[out]))
    (people,) = get_ok(client, "/api/v1/datasets", namespace=PG)["datasets"]
    assert people["id"] == f"dataset:{PG}:public.people"
    assert (people["namespace"], people["name"], people["datasetType"]) == (PG, "public.people", "TABLE")
    assert people["owners"] == ["team:privacy"]
    assert people["tags"] == [{"key": "boundary", "value": "external"}]
    assert people["external"] is True
    assert people["latestVersion"] == "v7"
    assert people["fields"] == [
        {"name": "name", "type": "text", "description": None, "tags": [], "classifications": []},
        {
            "name": "ssn",
            "type": "varchar",
            "description": "social security number",
            "tags": [{"key": "classification", "value": "PII"}],
            "classifications": ["PII"],
        },
    ]
    assert set(people["facets"]) >= {"schema", "tags", "ownership", "datasetType", "version"}


def test_datasets_from_corpus_have_schema_and_paginate(client: TestClient) -> None:
    post(client, *rentgen("airflow", 0, 1, 2, 3), *rentgen("dbt", 0, 1, 2, 3))
    body = get_ok(client, "/api/v1/datasets", namespace="postgres://postgres:5432")
    written, read = body["datasets"]
    assert written["name"] == "food_delivery.public.popular_orders_day_of_week"
    assert [(f["name"], f["type"]) for f in written["fields"]] == [
        ("order_day_of_week", "varchar"),
        ("order_placed_on", "timestamp"),
        ("orders_placed", "int4"),
    ]
    assert written["latestVersion"] == AIRFLOW_TASK_RUN
    assert written["external"] is False
    assert read["latestVersion"] is None
    assert pages(client, "/api/v1/datasets", "datasets", 3) == [
        [
            "dataset:postgres://postgres:5432:food_delivery.public.popular_orders_day_of_week",
            "dataset:postgres://postgres:5432:food_delivery.public.top_delivery_times",
            "dataset:spark://localhost:10000:demo_schema.source_table",
        ],
        ["dataset:spark://localhost:10000:demo_schema.target_table"],
    ]


# -- runs -------------------------------------------------------------------------------------------------------
def test_dbt_model_run_has_parent_root_job_and_dataset_versions(client: TestClient) -> None:
    post(client, *rentgen("dbt", 0, 1, 2, 3))
    run = get_ok(client, f"/api/v1/runs/{DBT_MODEL_RUN}")
    assert run["id"] == f"run:{DBT_MODEL_RUN}"
    assert run["state"] == "COMPLETED"
    assert (run["startedAt"], run["endedAt"]) == ("2025-05-20T08:27:16.601799Z", "2025-05-20T08:27:18.581235Z")
    assert run["job"] == {
        "id": "job:local://somehost:demo_schema.demo_project.target_table",
        "namespace": "local://somehost",
        "name": "demo_schema.demo_project.target_table",
    }
    assert (run["parentRunId"], run["rootRunId"]) == (DBT_COMMAND_RUN, DBT_COMMAND_RUN)
    assert run["facets"]["dbt_run"]["invocation_id"] == "93c69fcd-10d0-4639-a4f8-95be0da4476b"
    assert run["inputs"] == [
        {
            "id": "dataset:spark://localhost:10000:demo_schema.source_table#unknown",
            "namespace": "spark://localhost:10000",
            "name": "demo_schema.source_table",
            "version": "unknown",
        }
    ]
    assert run["outputs"] == [
        {
            "id": f"dataset:spark://localhost:10000:demo_schema.target_table#{DBT_MODEL_RUN}",
            "namespace": "spark://localhost:10000",
            "name": "demo_schema.target_table",
            "version": DBT_MODEL_RUN,
        }
    ]
    command = get_ok(client, f"/api/v1/runs/{DBT_COMMAND_RUN}")
    assert (command["state"], command["parentRunId"], command["rootRunId"]) == ("COMPLETED", None, None)
    assert command["inputs"] == command["outputs"] == []


def test_airflow_task_run_has_nominal_time_and_its_dag_run_as_parent(client: TestClient) -> None:
    post(client, *rentgen("airflow", 0, 1, 2, 3))
    task = get_ok(client, f"/api/v1/runs/{AIRFLOW_TASK_RUN}")
    assert task["state"] == "COMPLETED"
    assert task["nominalStartTime"].startswith("2024-07-05T09:04:12.162809")
    assert task["parentRunId"] == AIRFLOW_DAG_RUN
    assert [i["name"] for i in task["inputs"]] == ["food_delivery.public.top_delivery_times"]
    assert [o["name"] for o in task["outputs"]] == ["food_delivery.public.popular_orders_day_of_week"]


def test_spark_parent_known_only_from_facet_is_a_run_without_state(client: TestClient) -> None:
    post(client, *rentgen("spark", 1, 2, 3))
    child = get_ok(client, f"/api/v1/runs/{SPARK_JOB_RUN}")
    assert child["state"] == "COMPLETED"
    assert child["parentRunId"] == SPARK_APP_RUN
    assert [(i["namespace"], i["name"]) for i in child["inputs"]] == [
        ("hdfs://test-hadoop:9820", "/user/hive/warehouse/mydatabase.db/source_table")
    ]
    assert [(o["namespace"], o["name"], o["version"]) for o in child["outputs"]] == [
        ("clickhouse://localhost:8123", "mydb.myschema.mytable", SPARK_JOB_RUN)
    ]
    parent = get_ok(client, f"/api/v1/runs/{SPARK_APP_RUN}")
    assert parent["state"] is None
    assert parent["job"] == {
        "id": "job:local://some.host.name:spark_session",
        "namespace": "local://some.host.name",
        "name": "spark_session",
    }


def test_failed_run_reports_error_and_root_from_parent_facet(client: TestClient) -> None:
    parent = facet(
        run={"runId": "mid"}, job={"namespace": "ns", "name": "mid"}, root={"run": {"runId": "top"}, "job": {}}
    )
    error = facet(message="division by zero", programmingLanguage="python")
    post(
        client,
        run_event("leaf", ("ns", "leaf"), event_type="FAIL", run_facets={"parent": parent, "errorMessage": error}),
    )
    run = get_ok(client, "/api/v1/runs/leaf")
    assert (run["state"], run["errorMessage"]) == ("FAILED", "division by zero")
    assert (run["parentRunId"], run["rootRunId"]) == ("mid", "top")


def test_run_ids_of_any_shape_are_found(client: TestClient) -> None:
    odd = "scheduled__2026-01-01T00:00:00+00:00/task:1 b"
    post(client, run_event(odd, ("ns", "j")))
    run = get_ok(client, f"/api/v1/runs/{quote(odd, safe='')}")
    assert (run["runId"], run["id"]) == (odd, f"run:{odd}")
    assert get_ok(client, f"/api/v1/runs/{quote(odd, safe='/:')}")["runId"] == odd


def test_unknown_run_is_404_naming_it(client: TestClient) -> None:
    post(client, run_event("known", ("ns", "j")))
    response = client.get("/api/v1/runs/missing-run")
    assert response.status_code == 404
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("not_found", "runId")
    assert "missing-run" in error["message"]


# -- lineage ----------------------------------------------------------------------------------------------------
def chain(client: TestClient) -> None:
    """extract: d0 -> d1; transform: d1 -> d2; report: d2 -> d3; audit also reads d1 (a sibling of transform)."""
    d = [(PG, "raw"), (PG, "clean"), (S3, "agg/part.parquet"), (S3, "report.csv")]
    post(
        client,
        run_event("r-extract", ("jobs", "extract"), inputs=[d[0]], outputs=[d[1]], at="2026-01-01T01:00:00Z"),
        run_event("r-transform", ("jobs", "transform"), inputs=[d[1]], outputs=[d[2]], at="2026-01-01T02:00:00Z"),
        run_event("r-report", ("jobs", "report"), inputs=[d[2]], outputs=[d[3]], at="2026-01-01T03:00:00Z"),
        run_event("r-audit", ("jobs", "audit"), inputs=[d[1]], at="2026-01-01T04:00:00Z"),
    )


def edges_of(graph: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Every edge of the graph, checked to be listed on both of its ends."""
    out = {(e["origin"], e["destination"]) for n in graph for e in n["outEdges"]}
    ins = {(e["origin"], e["destination"]) for n in graph for e in n["inEdges"]}
    assert out == ins
    for node in graph:
        assert all(e["origin"] == node["id"] for e in node["outEdges"])
        assert all(e["destination"] == node["id"] for e in node["inEdges"])
    return out


def test_lineage_alternates_jobs_and_datasets_with_marquez_ids(client: TestClient) -> None:
    chain(client)
    body = get_ok(client, "/api/v1/lineage", nodeId=f"dataset:{PG}:clean")
    graph = body["graph"]
    assert body["truncated"] is False
    ids = [n["id"] for n in graph]
    assert ids == sorted(ids)
    assert ids == [
        f"dataset:{PG}:clean",
        f"dataset:{PG}:raw",
        f"dataset:{S3}:agg/part.parquet",
        f"dataset:{S3}:report.csv",
        "job:jobs:audit",
        "job:jobs:extract",
        "job:jobs:report",
        "job:jobs:transform",
    ]
    assert edges_of(graph) == {
        (f"dataset:{PG}:raw", "job:jobs:extract"),
        ("job:jobs:extract", f"dataset:{PG}:clean"),
        (f"dataset:{PG}:clean", "job:jobs:transform"),
        (f"dataset:{PG}:clean", "job:jobs:audit"),
        ("job:jobs:transform", f"dataset:{S3}:agg/part.parquet"),
        (f"dataset:{S3}:agg/part.parquet", "job:jobs:report"),
        ("job:jobs:report", f"dataset:{S3}:report.csv"),
    }
    by_id = {n["id"]: n for n in graph}
    transform = by_id["job:jobs:transform"]
    assert transform["type"] == "JOB"
    assert transform["data"]["id"] == {"namespace": "jobs", "name": "transform"}
    assert transform["data"]["inputs"] == [{"namespace": PG, "name": "clean"}]
    assert transform["data"]["outputs"] == [{"namespace": S3, "name": "agg/part.parquet"}]
    part = by_id[f"dataset:{S3}:agg/part.parquet"]
    assert part["type"] == "DATASET"
    assert part["data"]["id"] == {"namespace": S3, "name": "agg/part.parquet"}
    assert part["data"]["latestVersion"] == "r-transform"


def test_lineage_depth_counts_job_hops(client: TestClient) -> None:
    chain(client)

    def ids(depth: int) -> list[str]:
        return [n["id"] for n in get_ok(client, "/api/v1/lineage", nodeId="job:jobs:transform", depth=depth)["graph"]]

    assert ids(0) == [f"dataset:{PG}:clean", f"dataset:{S3}:agg/part.parquet", "job:jobs:transform"]
    assert ids(1) == [
        f"dataset:{PG}:clean",
        f"dataset:{PG}:raw",
        f"dataset:{S3}:agg/part.parquet",
        f"dataset:{S3}:report.csv",
        "job:jobs:audit",
        "job:jobs:extract",
        "job:jobs:report",
        "job:jobs:transform",
    ]
    graph = get_ok(client, "/api/v1/lineage", nodeId="job:jobs:transform", depth=0)["graph"]
    assert edges_of(graph) == {
        (f"dataset:{PG}:clean", "job:jobs:transform"),
        ("job:jobs:transform", f"dataset:{S3}:agg/part.parquet"),
    }
    assert ids(10_000) == ids(MAX_DEPTH) == ids(1)
    from_extract = [n["id"] for n in get_ok(client, "/api/v1/lineage", nodeId="job:jobs:extract", depth=1)["graph"]]
    assert "job:jobs:transform" in from_extract
    assert "job:jobs:report" not in from_extract
    two_hops = get_ok(client, "/api/v1/lineage", nodeId="job:jobs:extract", depth=2)["graph"]
    assert "job:jobs:report" in [n["id"] for n in two_hops]


def test_lineage_reports_truncation_by_the_node_cap(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    chain(client)
    monkeypatch.setattr(lineage, "MAX_GRAPH_NODES", 3)
    body = get_ok(client, "/api/v1/lineage", nodeId="job:jobs:transform", depth=5)
    assert body["truncated"] is True
    assert [n["id"] for n in body["graph"]] == [
        f"dataset:{PG}:clean",
        f"dataset:{S3}:agg/part.parquet",
        "job:jobs:transform",
    ]


def test_lineage_node_ids_with_uri_namespaces_round_trip(client: TestClient) -> None:
    post(client, *rentgen("airflow", 0, 1, 2, 3))
    node_id = "dataset:postgres://postgres:5432:food_delivery.public.top_delivery_times"
    encoded = client.get("/api/v1/lineage", params={"nodeId": node_id})
    raw = client.get(f"/api/v1/lineage?nodeId={node_id}&depth=3")
    assert encoded.status_code == raw.status_code == 200
    assert encoded.json() == raw.json()
    by_id = {n["id"]: n for n in encoded.json()["graph"]}
    assert by_id[node_id]["data"]["id"] == {
        "namespace": "postgres://postgres:5432",
        "name": "food_delivery.public.top_delivery_times",
    }
    task = by_id["job:http://airflow-host:8081:mydag.mytask"]
    assert task["data"]["namespace"] == "http://airflow-host:8081"
    assert task["inEdges"] == [{"origin": node_id, "destination": task["id"]}]
    assert [f["name"] for f in by_id[node_id]["data"]["fields"]] == [
        "order_delivery_time",
        "order_dispatched_on",
        "order_id",
        "order_placed_on",
    ]
    s3_name = "dir/file:2026.csv"
    post(client, run_event("s3-run", (S3, "copy"), inputs=[(S3, s3_name)]))
    graph = get_ok(client, "/api/v1/lineage", nodeId=f"dataset:{S3}:{s3_name}")["graph"]
    assert [(n["id"], n["data"]["namespace"], n["data"]["name"]) for n in graph] == [
        (f"dataset:{S3}:{s3_name}", S3, s3_name),
        (f"job:{S3}:copy", S3, "copy"),
    ]


def test_lineage_of_dbt_corpus_links_model_job_to_its_tables(client: TestClient) -> None:
    post(client, *rentgen("dbt", 0, 1, 2, 3))
    graph = get_ok(client, "/api/v1/lineage", nodeId="job:local://somehost:demo_schema.demo_project.target_table")
    model = "job:local://somehost:demo_schema.demo_project.target_table"
    assert edges_of(graph["graph"]) == {
        ("dataset:spark://localhost:10000:demo_schema.source_table", model),
        (model, "dataset:spark://localhost:10000:demo_schema.target_table"),
    }
    command = get_ok(client, "/api/v1/lineage", nodeId="job:local://somehost:dbt-run-demo_project")["graph"]
    assert [(n["id"], n["inEdges"], n["outEdges"]) for n in command] == [
        ("job:local://somehost:dbt-run-demo_project", [], [])
    ]


def test_lineage_of_dataset_no_job_touches_is_the_dataset_alone(client: TestClient) -> None:
    post(client, *rentgen("spark", 1, 2, 3))
    (only,) = get_ok(client, "/api/v1/lineage", nodeId="dataset:hive://test-hadoop:9083:mydatabase.source_table")[
        "graph"
    ]
    assert (only["id"], only["type"], only["inEdges"], only["outEdges"]) == (
        "dataset:hive://test-hadoop:9083:mydatabase.source_table",
        "DATASET",
        [],
        [],
    )


@pytest.mark.parametrize(
    "node_id",
    [
        "nope",
        "widget:ns:x",
        "dataset:no-name",
        f"run:{DBT_MODEL_RUN}",
        f"dataset:spark://localhost:10000:demo_schema.target_table#{DBT_MODEL_RUN}",
        "field:spark://localhost:10000:demo_schema.target_table#id",
    ],
)
def test_lineage_rejects_ids_that_are_not_datasets_or_jobs(client: TestClient, node_id: str) -> None:
    post(client, *rentgen("dbt", 0, 1, 2, 3))
    response = client.get("/api/v1/lineage", params={"nodeId": node_id})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["field"] == "nodeId"


def test_lineage_unknown_node_is_404_and_missing_or_bad_params_are_400(client: TestClient) -> None:
    response = client.get("/api/v1/lineage", params={"nodeId": f"dataset:{PG}:nothing"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert f"dataset:{PG}:nothing" in response.json()["error"]["message"]
    missing = client.get("/api/v1/lineage")
    assert (missing.status_code, missing.json()["error"]["field"]) == (400, "nodeId")
    negative = client.get("/api/v1/lineage", params={"nodeId": f"dataset:{PG}:x", "depth": -1})
    assert (negative.status_code, negative.json()["error"]["field"]) == (400, "depth")
