"""The real ``openlineage-python`` client (HTTP transport) against a real ``lineage serve``, on both stores."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    job_type_job,
    nominal_time_run,
    output_statistics_output_dataset,
    schema_dataset,
)
from openlineage.client.serde import Serde
from openlineage.client.transport.http import HttpConfig, HttpTransport

from tests.integration.conftest import StartServer
from tests.integration.lineage_server import LineageServer

pytestmark = pytest.mark.integration

PRODUCER = "https://example.org/ai-lineage/integration-tests"
NAMESPACE = "it-client"
API_KEY = "it-secret-key"


def _schema(*names: str) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type="string") for n in names]
    )


def _events(run_id: str, tag: str) -> list[RunEvent]:
    """A START and a COMPLETE of one run reading one dataset and writing another, as an integration sends them."""
    now = datetime.now(UTC)
    job = Job(
        namespace=NAMESPACE,
        name=f"job-{tag}",
        facets={"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="PYTHON", jobType="JOB")},
    )
    inputs = [InputDataset(namespace="postgres://db:5432", name=f"raw.orders_{tag}", facets={"schema": _schema("id")})]
    outputs = [
        OutputDataset(
            namespace="s3://lake",
            name=f"clean/orders_{tag}",
            facets={"schema": _schema("id", "amount")},
            outputFacets={
                "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(rowCount=3)
            },
        )
    ]
    nominal = nominal_time_run.NominalTimeRunFacet(nominalStartTime=now.isoformat())
    return [
        RunEvent(
            eventType=state,
            eventTime=(now.replace(microsecond=0) if state is RunState.START else now).isoformat(),
            run=Run(runId=run_id, facets={"nominalTime": nominal}),
            job=job,
            inputs=inputs,
            outputs=outputs,
            producer=PRODUCER,
        )
        for state in (RunState.START, RunState.COMPLETE)
    ]


class Recorder:
    """A requests session that keeps every request the transport sent and the status it got."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.sent: list[tuple[dict[str, str], bytes, int]] = []
        self.session.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        body = response.request.body
        raw = body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else b""
        headers = {k: v if isinstance(v, str) else v.decode() for k, v in response.request.headers.items()}
        self.sent.append((headers, raw, response.status_code))


def _transport(server: LineageServer, recorder: Recorder | None = None, **config: Any) -> HttpTransport:
    params: dict[str, Any] = {"url": server.url, "timeout": 10.0, **config}
    if recorder is not None:
        params["session"] = recorder.session
    return HttpTransport(HttpConfig.from_dict(params))


def _logged(server: LineageServer, run_id: str) -> list[dict[str, Any]]:
    with server.client() as client:
        return [e["event"] for e in server.iter_events(client) if e["event"].get("run", {}).get("runId") == run_id]


def _wait_for_access_log(server: LineageServer, path: str, count: int, timeout_s: float = 5.0) -> list[int]:
    """The statuses of ``POST path`` once at least ``count`` are logged, then after a pause (to see late retries)."""
    deadline = time.monotonic() + timeout_s
    while len(server.requests_seen("POST", path)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    return server.requests_seen("POST", path)


@pytest.mark.parametrize("mode", ["plain", "gzip", "api_key"])
def test_client_events_land_in_the_log_and_the_graph(
    served: LineageServer, start_server: StartServer, mode: str
) -> None:
    server = served
    config: dict[str, Any] = {}
    if mode == "gzip":
        config["compression"] = "gzip"
    if mode == "api_key":
        # A server that requires keys, and a producer key for the job namespace, as a real deployment has.
        server = start_server(served.store_kind, neo4j_uri=served.neo4j_uri, auth_mode="keys")
        # The job writes an output dataset in s3://lake, so its key holds that namespace too.
        config["auth"] = {"type": "api_key", "apiKey": server.mint_key("producer", [NAMESPACE, "s3://lake"])}
    recorder = Recorder()
    client = OpenLineageClient(transport=_transport(server, recorder, **config))
    run_id = str(uuid.uuid4())
    tag = f"{mode}_{run_id[:8]}"
    for event in _events(run_id, tag):
        client.emit(event)
    client.close()

    # What went over the wire: one request per event, compressed / authenticated as configured, each accepted
    # (201 once projected; 202 when projection took longer than the ack wait, as the first on a cold Neo4j may).
    statuses = [status for _, _, status in recorder.sent]
    assert len(statuses) == 2 and set(statuses) <= {201, 202}, statuses
    sent_events = []
    for headers, body, _ in recorder.sent:
        assert headers.get("Content-Encoding") == ("gzip" if mode == "gzip" else None)
        assert headers.get("Authorization") == (f"Bearer {config['auth']['apiKey']}" if mode == "api_key" else None)
        sent_events.append(json.loads(gzip.decompress(body) if mode == "gzip" else body))

    # The log holds exactly what the client sent, in order.
    assert _logged(server, run_id) == sent_events
    assert [e["eventType"] for e in sent_events] == ["START", "COMPLETE"]

    with server.client() as http:
        health = server.wait_projected(http, timeout_s=10)
        assert health["status"] == "ok" and health["store"]["kind"] == server.store_kind
        run = http.get(f"/api/v1/runs/{run_id}")
    assert run.status_code == 200, run.text
    body = run.json()
    assert body["runId"] == run_id
    assert body["state"] == "COMPLETED"
    assert body["producer"] == PRODUCER
    assert body["job"]["namespace"] == NAMESPACE and body["job"]["name"] == f"job-{tag}"
    assert "nominalTime" in body["facets"]
    assert [(d["namespace"], d["name"]) for d in body["inputs"]] == [("postgres://db:5432", f"raw.orders_{tag}")]
    assert [(d["namespace"], d["name"], d["version"]) for d in body["outputs"]] == [
        ("s3://lake", f"clean/orders_{tag}", run_id)
    ]


@pytest.mark.parametrize(
    ("key", "status"),
    [("", 401), ("lk_nosuchkey_secret", 401), ("producer-of-another-namespace", 403)],
)
def test_client_with_a_refused_key_sends_once(
    served: LineageServer, start_server: StartServer, key: str, status: int
) -> None:
    server = start_server(served.store_kind, neo4j_uri=served.neo4j_uri, auth_mode="keys")
    if key.startswith("producer"):
        key = server.mint_key("producer", ["someone-else"])
    auth = {"auth": {"type": "api_key", "apiKey": key}} if key else {}
    client = OpenLineageClient(transport=_transport(server, **auth))
    with pytest.raises(requests.HTTPError) as raised:
        client.emit(_events(str(uuid.uuid4()), "refused")[0])
    client.close()
    assert raised.value.response is not None and raised.value.response.status_code == status
    assert _wait_for_access_log(server, "/api/v1/lineage", 1) == [status]
    with server.client() as http:
        assert server.health(http)["ingest"]["logged"] == 0


def test_client_does_not_retry_a_4xx(served: LineageServer) -> None:
    path = "/api/v1/lineage"
    run_id = str(uuid.uuid4())
    # The client's models refuse an empty runId, so the invalid event is a hand-edited copy of a valid one,
    # sent through the transport as it is configured by default (its retry policy included).
    invalid = Serde.to_dict(_events(run_id, "invalid")[0])
    invalid["run"]["runId"] = ""
    before = len(served.requests_seen("POST", path))
    transport = _transport(served)
    with pytest.raises(requests.HTTPError) as raised:
        transport.emit(invalid)  # type: ignore[arg-type]
    transport.close()
    assert raised.value.response is not None and raised.value.response.status_code == 400
    assert raised.value.response.json()["error"]["field"] == "run.runId"
    assert _wait_for_access_log(served, path, before + 1)[before:] == [400]
    assert _logged(served, "") == []

    # The same count sees retries when there are some: a policy that retries 400 is visible as 3 requests.
    before = len(served.requests_seen("POST", path))
    retrying = _transport(served, retry={"total": 2, "status_forcelist": [400], "backoff_factor": 0})
    with pytest.raises(requests.exceptions.RetryError):
        retrying.emit(invalid)  # type: ignore[arg-type]
    retrying.close()
    assert _wait_for_access_log(served, path, before + 3)[before:] == [400, 400, 400]
