"""Faults under load: the server killed with SIGKILL, Neo4j stopped, while events keep coming.

Every event a client got a 2xx for must be in the log and, once projection caught up, in the graph.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from lineage_api.core import ids
from lineage_api.store.embedded.store import EmbeddedStore
from lineage_api.store.neo4j.store import Neo4jStore
from lineage_api.store.protocol import GraphStore
from tests.integration.conftest import SERVER_STORES, StartServer
from tests.integration.lineage_server import LineageServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WORKERS = 4


def _event(run_id: str, n: int) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": f"2026-03-01T10:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000:03d}Z",
        "producer": "https://example.org/ai-lineage/fault-tests",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run_id, "facets": {}},
        "job": {"namespace": "it-faults", "name": f"job-{n % 7}", "facets": {}},
        "inputs": [{"namespace": "it-faults", "name": f"in-{n % 11}", "facets": {}}],
        "outputs": [{"namespace": "it-faults", "name": f"out-{n % 5}", "facets": {}}],
    }


@dataclass
class Outcome:
    run_id: str
    status: int | None  # None: no answer (connection refused or reset, timeout)
    at: float  # when the answer (or the failure) came
    seconds: float  # how long the request took
    error: str | None = None


@dataclass
class EventStream:
    """``WORKERS`` threads posting one event per request, each with a fresh runId, until stopped."""

    url: str
    timeout_s: float = 10.0
    pause_s: float = 0.0  # between two posts of a worker
    outcomes: list[Outcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> EventStream:
        self._threads = [threading.Thread(target=self._post, name=f"poster-{i}", daemon=True) for i in range(WORKERS)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout_s + 5)
        assert not any(t.is_alive() for t in self._threads), "a posting thread hung"

    def _post(self) -> None:
        with httpx.Client(base_url=self.url, timeout=self.timeout_s) as client:
            while not self._stop.is_set():
                run_id = str(uuid.uuid4())
                with self._lock:
                    n = len(self.outcomes)
                t0 = time.monotonic()
                try:
                    response = client.post("/api/v1/lineage", json=_event(run_id, n))
                    outcome = Outcome(run_id, response.status_code, time.monotonic(), time.monotonic() - t0)
                except httpx.HTTPError as exc:
                    outcome = Outcome(run_id, None, time.monotonic(), time.monotonic() - t0, repr(exc))
                with self._lock:
                    self.outcomes.append(outcome)
                time.sleep(0.05 if outcome.status is None else self.pause_s)

    def snapshot(self) -> list[Outcome]:
        with self._lock:
            return list(self.outcomes)

    def acked(self) -> list[str]:
        return [o.run_id for o in self.snapshot() if o.status is not None and 200 <= o.status < 300]

    def wait_acked(self, count: int, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.acked()) < count:
            assert time.monotonic() < deadline, f"only {len(self.acked())} events acknowledged in {timeout_s:.0f}s"
            time.sleep(0.02)


def _graph_run_states(server: LineageServer, run_ids: list[str]) -> dict[str, Any]:
    """The state of each of these runs in the server's graph store, read straight from the store."""
    store: GraphStore
    if server.neo4j_uri:
        store = Neo4jStore(server.neo4j_uri, user="neo4j", password="", database="neo4j")
    else:
        store = EmbeddedStore(server.data_dir / "graph.sqlite")
    try:
        nodes = store.get_nodes([ids.run_id(r) for r in run_ids])
    finally:
        store.close()
    return {n.props["runId"]: n.props.get("state") for n in nodes}


def _assert_all_present(server: LineageServer, acked: list[str], *, projection_timeout_s: float = 60.0) -> None:
    """Every acknowledged run is in the log, projection caught up, and every one is a run in the graph."""
    with server.client() as client:
        logged = Counter(e["event"]["run"]["runId"] for e in server.iter_events(client))
        missing_in_log = [r for r in acked if r not in logged]
        assert not missing_in_log, f"{len(missing_in_log)} of {len(acked)} acknowledged events are not in the log"
        assert max(logged.values()) == 1, "an event was logged twice"
        health = server.wait_projected(client, timeout_s=projection_timeout_s)
        assert health["ingest"]["logged"] == sum(logged.values())
        # Every run through the store (fast), a sample of them through the API.
        states = _graph_run_states(server, acked)
        not_completed = [r for r in acked if states.get(r) != "COMPLETED"]
        assert not not_completed, f"{len(not_completed)} of {len(acked)} acknowledged runs are not in the graph"
        for run_id in random.Random(7).sample(acked, min(25, len(acked))):
            response = client.get(f"/api/v1/runs/{run_id}")
            assert response.status_code == 200 and response.json()["state"] == "COMPLETED", response.text
        chains = {c["source"]: c for c in client.get("/api/v1/events/verify", timeout=60).json()["chains"]}
    assert chains["log"]["ok"] and chains["log"]["count"] == sum(logged.values()), chains["log"]
    graph_chain = chains[f"graph:{server.replica_id}"]
    assert graph_chain["ok"] and graph_chain["count"] == sum(logged.values()), graph_chain


@pytest.mark.parametrize("store", SERVER_STORES)
def test_sigkill_mid_stream_loses_no_acknowledged_event(start_server: StartServer, store: str) -> None:
    # Acknowledge on durable logging alone (202), so that the kill also leaves logged but unprojected events.
    server = start_server(store, env={"LINEAGE_INGEST__ACK_WAIT_MS": "0"})
    stream = EventStream(server.url).start()
    try:
        stream.wait_acked(250)
        with server.client() as client:
            lag_before_kill = server.health(client)["ingest"]["lag"]
        server.kill()
    finally:
        stream.stop()
    outcomes = stream.snapshot()
    acked = stream.acked()
    assert all(o.status is None or 200 <= o.status < 300 for o in outcomes), Counter(o.status for o in outcomes)
    assert any(o.status is None for o in outcomes), "no request failed: the server was not killed mid-stream"

    server.start()  # same data dir, port and replica id
    _assert_all_present(server, acked)
    # What the kill interrupted: requests in flight, and (usually) a projection backlog recovered from the log.
    print(f"{store}: {len(acked)} acknowledged, lag {lag_before_kill} just before SIGKILL")


@pytest.mark.neo4j
def test_neo4j_outage_keeps_accepting_and_projects_everything_after(own_neo4j: Any, start_server: StartServer) -> None:
    server = start_server("neo4j", neo4j_uri=own_neo4j.uri, env={"LINEAGE_INGEST__ACK_WAIT_MS": "200"})
    # ~40 events/s at most: a backlog the (slow) projection catches up with in seconds once Neo4j is back.
    stream = EventStream(server.url, pause_s=0.1).start()
    t0 = time.monotonic()
    timeline: list[str] = []

    def mark(what: str) -> None:
        timeline.append(f"{time.monotonic() - t0:5.1f}s {what}")

    try:
        stream.wait_acked(50)
        own_neo4j.stop(remove_home=False)
        down_at = time.monotonic()
        mark("Neo4j stopped")
        time.sleep(3.0)
        assert server.alive(), f"lineage serve died when Neo4j stopped; log:\n{server.log_tail()}"
        accepted_while_down = [o for o in stream.snapshot() if o.at > down_at and o.status == 202]
        own_neo4j.start()  # same home dir and port
        mark("Neo4j started again")
        time.sleep(2.0)  # events keep coming while the server reconnects
    finally:
        stream.stop()
    outcomes = stream.snapshot()
    statuses = Counter(o.status for o in outcomes)
    assert server.alive(), f"lineage serve died; log:\n{server.log_tail()}"
    first_bad = next((o for o in outcomes if o.status not in (201, 202)), None)
    assert set(statuses) <= {201, 202}, f"answers other than 201/202: {statuses}; first: {first_bad}"
    assert accepted_while_down, f"nothing was accepted while Neo4j was down: {statuses}"
    slowest = max(outcomes, key=lambda o: o.seconds)
    assert slowest.seconds < 5, f"a POST took {slowest.seconds:.1f} s (ack wait is 0.2 s): {slowest}"
    mark("stream stopped")
    _assert_all_present(server, stream.acked())
    mark("every acknowledged event found projected")
    print(f"{len(stream.acked())} acknowledged ({dict(statuses)}); " + "; ".join(timeline))


@pytest.mark.neo4j
def test_health_says_degraded_promptly_while_neo4j_is_down(own_neo4j: Any, start_server: StartServer) -> None:
    server = start_server("neo4j", neo4j_uri=own_neo4j.uri, env={"LINEAGE_INGEST__ACK_WAIT_MS": "200"})
    own_neo4j.stop(remove_home=False)
    try:
        with server.client(timeout_s=5) as client:
            accepted = client.post("/api/v1/lineage", json=_event(str(uuid.uuid4()), 0))
            assert accepted.status_code == 202, accepted.text
            try:
                health = client.get("/health")
            except httpx.TimeoutException:
                pytest.fail("GET /health did not answer within 5 s while Neo4j was down")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded" and health.json()["store"]["ok"] is False, health.json()
    finally:
        server.kill()  # a graceful stop waits for the projector, itself stuck in the driver's retries
