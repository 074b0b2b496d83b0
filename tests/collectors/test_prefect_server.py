"""An instrumented Prefect flow against a real ``lineage serve`` over HTTP: the runs API shows the flow run, its
task runs and subflow run under their Prefect ids, with their parents and root, and the datasets they read and
wrote (declared and Prefect assets)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from openlineage.client import OpenLineageClient
from prefect import flow, task
from prefect.assets import materialize
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter

from collectors import Dataset, Field, Lineage
from collectors.prefect import lineage_flow, lineage_task
from tests.collectors.test_prefect import task_run_ids_of
from tests.integration.lineage_server import LineageServer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

CLAIMS = Dataset("postgres://db:5432", "claims.public.claims", fields=[Field("id", "int")])


@lineage_task(inputs=[CLAIMS])
@task
def read_claims() -> list[int]:
    return [1, 2]


@materialize("s3://lake/features/claims.parquet")
def build_features(rows: list[int]) -> list[int]:
    return rows


@flow
def score(rows: list[int]) -> int:
    return len(rows)


@flow
def claims_pipeline() -> int:
    return score(build_features(read_claims()))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LineageServer]:
    with LineageServer(Path(tmp_path_factory.mktemp("prefect-e2e"))) as running:
        yield running


@pytest.fixture
def lineage(server: LineageServer, caplog: pytest.LogCaptureFixture) -> Iterator[Lineage]:
    client = OpenLineageClient(
        config={
            "transport": {"type": "http", "url": server.url, "timeout": 10},
            "facets": {"source_code_location": {"disabled": True}},
        }
    )
    with Lineage(client, namespace=f"prefect-e2e-{uuid.uuid4().hex[:8]}") as lin:
        yield lin
    warnings = [r.getMessage() for r in caplog.records if r.name == "collectors" and r.levelno >= logging.WARNING]
    assert warnings == [], "the collectors could not send everything:\n" + "\n".join(warnings)


def _run(api: httpx.Client, server: LineageServer, run_id: UUID | str) -> dict[str, Any]:
    server.wait_projected(api)
    response = api.get(f"/api/v1/runs/{run_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _datasets(run: dict[str, Any], side: str) -> list[tuple[str, str]]:
    return [(d["namespace"], d["name"]) for d in run[side]]


def test_the_runs_api_shows_the_flow_its_tasks_subflow_and_datasets(server: LineageServer, lineage: Lineage) -> None:
    state = lineage_flow(claims_pipeline, lineage=lineage)(return_state=True)
    assert state.is_completed()
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    with get_client(sync_client=True) as client:
        subflow_run = client.read_flow_runs(flow_run_filter=FlowRunFilter(parent_flow_run_id={"any_": [flow_run_id]}))
    assert len(subflow_run) == 1
    # Prefect also makes a task run in the parent for the subflow call: it has no hooks, so no lineage run.
    task_run_ids = task_run_ids_of(flow_run_id, 3) - {str(subflow_run[0].parent_task_run_id)}

    with server.client() as api:
        pipeline = _run(api, server, flow_run_id)
        assert pipeline["state"] == "COMPLETED" and pipeline["parentRunId"] is None
        assert pipeline["job"]["name"] == "claims-pipeline" and pipeline["job"]["namespace"] == lineage.namespace

        by_job = {run["job"]["name"]: run for run in (_run(api, server, i) for i in task_run_ids)}
        assert set(by_job) == {"claims-pipeline.read_claims", "claims-pipeline.build_features"}
        for run in by_job.values():
            assert run["state"] == "COMPLETED"
            assert run["parentRunId"] == run["rootRunId"] == str(flow_run_id)
        assert _datasets(by_job["claims-pipeline.read_claims"], "inputs") == [CLAIMS.key]
        assert _datasets(by_job["claims-pipeline.build_features"], "outputs") == [
            ("s3://lake", "features/claims.parquet")
        ]

        sub = _run(api, server, subflow_run[0].id)
        assert sub["job"]["name"] == "score" and sub["state"] == "COMPLETED"
        assert sub["parentRunId"] == sub["rootRunId"] == str(flow_run_id)
        assert _datasets(sub, "inputs") == []
    assert all(status < 300 for status in server.requests_seen("POST", "/api/v1/lineage"))
