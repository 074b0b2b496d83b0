"""Load and observation for fault tests: posting threads, a /health watcher, and what the graph store holds.

Every event a client got a 2xx for must be in the log and, once projection caught up, in the graph: its run, and
the ``Event`` node of its sequence number.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from graph_schema import NodeLabel
from lineage_api.core import ids
from lineage_api.store.embedded.store import EmbeddedStore
from lineage_api.store.neo4j.store import Neo4jStore
from lineage_api.store.protocol import GraphStore
from tests.integration.lineage_server import LineageServer

WORKERS = 4


def event(run_id: str, n: int, *, output: str | None = None) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": f"2026-03-01T10:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000:03d}Z",
        "producer": "https://example.org/ai-lineage/fault-tests",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run_id, "facets": {}},
        "job": {"namespace": "it-faults", "name": f"job-{n % 7}", "facets": {}},
        "inputs": [{"namespace": "it-faults", "name": f"in-{n % 11}", "facets": {}}],
        "outputs": [{"namespace": "it-faults", "name": output or f"out-{n % 5}", "facets": {}}],
    }


@dataclass
class Outcome:
    run_id: str
    status: int | None  # None: no answer (connection refused or reset, timeout)
    at: float  # when the answer (or the failure) came
    seconds: float  # how long the request took
    error: str | None = None
    seq: int | None = None  # where an acknowledged event was logged
    code: str | None = None  # the error code of a refusal

    @property
    def acked(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(client: httpx.Client, body: dict[str, Any]) -> Outcome:
    """POST one event; the outcome says whether (and where) it was acknowledged, or how it was refused."""
    run_id = str(body["run"]["runId"])
    t0 = time.monotonic()
    try:
        response = client.post("/api/v1/lineage", json=body)
    except httpx.HTTPError as exc:
        return Outcome(run_id, None, time.monotonic(), time.monotonic() - t0, repr(exc))
    outcome = Outcome(run_id, response.status_code, time.monotonic(), time.monotonic() - t0)
    try:
        answer = response.json()
    except ValueError:
        return outcome
    if outcome.acked:
        outcome.seq = int(answer["seq"])
    elif isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        outcome.code = answer["error"].get("code")
    return outcome


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
                with self._lock:
                    n = len(self.outcomes)
                outcome = post(client, event(str(uuid.uuid4()), n))
                with self._lock:
                    self.outcomes.append(outcome)
                time.sleep(0.05 if outcome.status is None else self.pause_s)

    def snapshot(self) -> list[Outcome]:
        with self._lock:
            return list(self.outcomes)

    def acked(self) -> list[Outcome]:
        return [o for o in self.snapshot() if o.acked]

    def wait(self, what: Callable[[list[Outcome]], bool], message: str, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not what(self.snapshot()):
            assert time.monotonic() < deadline, f"{message} not reached in {timeout_s:.0f}s"
            time.sleep(0.02)

    def wait_acked(self, count: int, timeout_s: float = 30.0) -> None:
        self.wait(lambda seen: sum(o.acked for o in seen) >= count, f"{count} events acknowledged", timeout_s)


@dataclass(frozen=True)
class Sample:
    at: float
    status: str | None  # None: /health did not answer
    ingest: dict[str, Any] | None


@dataclass
class HealthWatch:
    """Polls ``/health`` every ``every_s`` in a thread, keeping every answer."""

    url: str
    every_s: float = 0.1
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> HealthWatch:
        self._thread = threading.Thread(target=self._poll, name="health-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[Sample]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
        return list(self.samples)

    def _poll(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10.0) as client:
            while not self._stop.is_set():
                try:
                    body = client.get("/health").json()
                    sample = Sample(time.monotonic(), body["status"], body.get("ingest"))
                except (httpx.HTTPError, ValueError):
                    sample = Sample(time.monotonic(), None, None)
                self.samples.append(sample)
                self._stop.wait(self.every_s)

    def between(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if start <= s.at <= end and s.status is not None]


def wait_health(server: LineageServer, status: str, timeout_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    with server.client() as client:
        while True:
            health = server.health(client)
            if health["status"] == status:
                return health
            assert time.monotonic() < deadline, f"/health never said {status!r} in {timeout_s:.0f}s: {health}"
            time.sleep(0.1)


def open_store(server: LineageServer) -> GraphStore:
    """The server's graph store, opened straight (not through the API)."""
    if server.neo4j_uri:
        return Neo4jStore(server.neo4j_uri, user="neo4j", password="", database="neo4j")
    return EmbeddedStore(server.data_dir / "graph.sqlite")


def graph_event_seqs(server: LineageServer) -> set[int]:
    """The sequence numbers of this server's ``Event`` nodes in its graph store."""
    store = open_store(server)
    seqs: set[int] = set()
    try:
        while page := store.find_nodes(NodeLabel.EVENT, {"replica": server.replica_id}, limit=1000, offset=len(seqs)):
            seqs.update(int(node.props["seq"]) for node in page)
    finally:
        store.close()
    return seqs


def _graph_run_states(server: LineageServer, run_ids: list[str]) -> dict[str, Any]:
    store = open_store(server)
    try:
        nodes = store.get_nodes([ids.run_id(r) for r in run_ids])
    finally:
        store.close()
    return {n.props["runId"]: n.props.get("state") for n in nodes}


def assert_all_present(server: LineageServer, acked: list[Outcome], *, projection_timeout_s: float = 60.0) -> int:
    """Every acknowledged event is in the log, projection caught up, and every one is in the graph (its run, and the
    Event node of its seq); the chains verify. Returns how many events the log holds."""
    run_ids = [o.run_id for o in acked]
    with server.client() as client:
        logged = Counter(e["event"]["run"]["runId"] for e in server.iter_events(client))
        missing_in_log = [r for r in run_ids if r not in logged]
        assert not missing_in_log, f"{len(missing_in_log)} of {len(acked)} acknowledged events are not in the log"
        assert max(logged.values()) == 1, "an event was logged twice"
        health = server.wait_projected(client, timeout_s=projection_timeout_s)
        total = sum(logged.values())
        assert health["ingest"]["logged"] == total and health["status"] == "ok", health
        seqs = graph_event_seqs(server)
        missing = sorted({o.seq for o in acked if o.seq is not None} - seqs)
        assert not missing, f"{len(missing)} acknowledged events have no Event node in the graph: {missing[:10]}"
        assert seqs == set(range(1, total + 1)), f"{total} logged, {len(seqs)} Event nodes in the graph"
        # Every run through the store (fast), a sample of them through the API.
        states = _graph_run_states(server, run_ids)
        not_completed = [r for r in run_ids if states.get(r) != "COMPLETED"]
        assert not not_completed, f"{len(not_completed)} of {len(acked)} acknowledged runs are not in the graph"
        for run_id in random.Random(7).sample(run_ids, min(25, len(run_ids))):
            response = client.get(f"/api/v1/runs/{run_id}")
            assert response.status_code == 200 and response.json()["state"] == "COMPLETED", response.text
        verify = client.get("/api/v1/events/verify", timeout=60).json()
    chains = {c["source"]: c for c in verify["chains"]}
    assert verify["ok"] and "projection" not in chains, verify
    assert chains["log"]["ok"] and chains["log"]["count"] == total, chains["log"]
    graph_chain = chains[f"graph:{server.replica_id}"]
    assert graph_chain["ok"] and graph_chain["count"] == total, graph_chain
    return total
