"""Faults under load against a real ``lineage serve``: the server killed with SIGKILL, Neo4j stopped, a full disk,
a graph store that refuses one event or is locked, while events keep coming.

Every event a client got a 2xx for must be in the log and, once the fault is gone, in the graph (its run and its
``Event`` node): projection retries or stalls, it never passes an event over. Each test prints its figures.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from neo4j import GraphDatabase

from tests.integration.conftest import SERVER_STORES, StartServer
from tests.integration.lineage_server import LineageServer
from tests.integration.streams import (
    EventStream,
    HealthWatch,
    Outcome,
    assert_all_present,
    event,
    graph_event_seqs,
    post,
    wait_health,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NO_ACK_WAIT = {"LINEAGE_INGEST__ACK_WAIT_MS": "0"}
# A store-level rule validation cannot know about: the graph refuses one dataset name.
POISON_SQL = (
    "CREATE TRIGGER poison BEFORE INSERT ON nodes WHEN NEW.id LIKE 'dataset:%:poison' "
    "BEGIN SELECT RAISE(ABORT, 'this store refuses the poison dataset'); END"
)
# The same in Neo4j: a node outside the graph (no :Node label) already holds that dataset's natural key.
POISON_CYPHER = "CREATE (:Dataset {namespace: 'it-faults', name: 'poison'})"
CURE_CYPHER = "MATCH (d:Dataset {name: 'poison'}) WHERE NOT d:Node DELETE d"


def _sqlite(server: LineageServer, statement: str) -> None:
    db = sqlite3.connect(server.data_dir / "graph.sqlite", timeout=30, isolation_level=None)
    try:
        db.execute(statement)
    finally:
        db.close()


def _cypher(uri: str, statement: str) -> None:
    with GraphDatabase.driver(uri, auth=None) as driver:
        driver.execute_query(statement)


def _figures(outcomes: list[Outcome]) -> str:
    statuses = Counter(o.status for o in outcomes)
    codes = Counter(o.code for o in outcomes if o.code)
    return (
        f"{len(outcomes)} sent, {sum(o.acked for o in outcomes)} acked, answers {dict(statuses)}, codes {dict(codes)}"
    )


@pytest.mark.parametrize("store", SERVER_STORES)
def test_sigkill_mid_stream_loses_no_acknowledged_event(start_server: StartServer, store: str) -> None:
    # Acknowledge on durable logging alone (202), so that the kill also leaves logged but unprojected events.
    server = start_server(store, env=NO_ACK_WAIT)
    stream = EventStream(server.url).start()
    try:
        stream.wait_acked(250)
        with server.client() as client:
            lag_before_kill = server.health(client)["ingest"]["lag"]
        server.kill()
    finally:
        stream.stop()
    outcomes = stream.snapshot()
    assert all(o.status is None or o.acked for o in outcomes), Counter(o.status for o in outcomes)
    assert any(o.status is None for o in outcomes), "no request failed: the server was not killed mid-stream"

    server.start()  # same data dir, port and replica id
    total = assert_all_present(server, stream.acked())
    # What the kill interrupted: requests in flight, and (usually) a projection backlog recovered from the log.
    print(f"{store}: {_figures(outcomes)}; lag {lag_before_kill} just before SIGKILL; {total} in the graph")


@pytest.mark.neo4j
def test_neo4j_outage_keeps_accepting_and_projects_everything_after(own_neo4j: Any, start_server: StartServer) -> None:
    server = start_server("neo4j", neo4j_uri=own_neo4j.uri, env={"LINEAGE_INGEST__ACK_WAIT_MS": "200"})
    # ~40 events/s at most: a backlog the (slow) projection catches up with in seconds once Neo4j is back.
    stream = EventStream(server.url, pause_s=0.1).start()
    watch = HealthWatch(server.url, every_s=0.2).start()
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
        up_at = time.monotonic()
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
    total = assert_all_present(server, stream.acked())
    mark("every acknowledged event found projected")
    samples = watch.stop()
    down = watch.between(down_at + 1.0, up_at)
    assert down and all(s.status == "degraded" for s in down), Counter(s.status for s in down)
    assert not [s for s in samples if s.status == "stalled"], "an outage must be retried, not stall projection"
    print(f"{_figures(outcomes)}; {total} in the graph; /health while down: {dict(Counter(s.status for s in down))}")
    print("; ".join(timeline))


@pytest.mark.neo4j
def test_health_says_degraded_promptly_while_neo4j_is_down(own_neo4j: Any, start_server: StartServer) -> None:
    server = start_server("neo4j", neo4j_uri=own_neo4j.uri, env={"LINEAGE_INGEST__ACK_WAIT_MS": "200"})
    own_neo4j.stop(remove_home=False)
    try:
        with server.client(timeout_s=5) as client:
            accepted = client.post("/api/v1/lineage", json=event(str(uuid.uuid4()), 0))
            assert accepted.status_code == 202, accepted.text
            try:
                health = client.get("/health")
            except httpx.TimeoutException:
                pytest.fail("GET /health did not answer within 5 s while Neo4j was down")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded" and health.json()["store"]["ok"] is False, health.json()
    finally:
        server.kill()  # a graceful stop waits for the projector, itself stuck in the driver's retries


@pytest.mark.parametrize("store", SERVER_STORES)
def test_an_event_the_store_refuses_stalls_projection_and_none_is_skipped(
    request: pytest.FixtureRequest, start_server: StartServer, store: str
) -> None:
    if store == "neo4j":
        own_neo4j = request.getfixturevalue("own_neo4j")
        server = start_server("neo4j", neo4j_uri=own_neo4j.uri)
        _cypher(own_neo4j.uri, POISON_CYPHER)
        kind = "ConstraintError (Neo.ClientError.Schema.ConstraintValidationFailed)"
    else:
        server = start_server("embedded")
        _sqlite(server, POISON_SQL)
        kind = "IntegrityError (SQLITE_CONSTRAINT_TRIGGER)"
    stream = EventStream(server.url, pause_s=0.02).start()
    try:
        stream.wait_acked(100)
        with server.client() as client:
            poisoned = post(client, event(f"poison-{uuid.uuid4()}", 0, output="poison"))
        assert poisoned.status == 202 and poisoned.seq is not None, poisoned
        health = wait_health(server, "stalled")
        stream.wait(lambda seen: sum(o.acked and o.at > poisoned.at for o in seen) >= 100, "100 acks after the stall")
    finally:
        stream.stop()
    outcomes = [*stream.snapshot(), poisoned]
    assert all(o.acked for o in outcomes), _figures(outcomes)
    assert health["ingest"]["stalledAt"] == poisoned.seq
    assert health["ingest"]["reason"] == f"stalled at seq {poisoned.seq}: {kind}"
    with server.client() as client:
        verify = client.get("/api/v1/events/verify", timeout=60).json()
        after = server.health(client)
    assert verify["ok"] is False and verify["chains"][-1]["source"] == "projection", verify
    assert verify["chains"][-1]["reason"].startswith(f"stalled at seq {poisoned.seq}: {kind}: ")
    # Everything before the refused event is in the graph, nothing from it on; still stalled there.
    assert graph_event_seqs(server) == set(range(1, poisoned.seq))
    assert after["status"] == "stalled" and after["ingest"]["lag"] > 100, after

    if store == "neo4j":
        _cypher(own_neo4j.uri, CURE_CYPHER)
    else:
        _sqlite(server, "DROP TRIGGER poison")
    server.stop()
    server.start()  # the stalled event is retried at once
    total = assert_all_present(server, [o for o in outcomes if o.acked])
    print(f"{store}: {_figures(outcomes)}; stalled at seq {poisoned.seq}; after the fix {total} in the graph")


@pytest.mark.embedded
def test_a_locked_graph_file_is_retried_not_skipped(start_server: StartServer) -> None:
    server = start_server("embedded", env=NO_ACK_WAIT)
    stream = EventStream(server.url, pause_s=0.02).start()
    watch = HealthWatch(server.url, every_s=0.2).start()
    lock = sqlite3.connect(server.data_dir / "graph.sqlite", isolation_level=None)
    try:
        stream.wait_acked(50)
        lock.execute("BEGIN IMMEDIATE")  # another process holds the write lock: "database is locked"
        locked_at = time.monotonic()
        health = wait_health(server, "degraded", timeout_s=20)
        time.sleep(1.0)
        lock.execute("ROLLBACK")
        released_at = time.monotonic()
        stream.wait_acked(len(stream.acked()) + 50)
    finally:
        lock.close()
        stream.stop()
    outcomes = stream.snapshot()
    assert all(o.acked for o in outcomes), _figures(outcomes)
    assert "SQLITE_BUSY" in health["ingest"]["reason"] and health["ingest"]["stalledAt"] is None, health
    total = assert_all_present(server, stream.acked())  # without a restart
    samples = watch.stop()
    assert not [s for s in samples if s.status == "stalled"], "a locked file must be retried, not stall projection"
    while_locked = Counter(s.status for s in watch.between(locked_at, released_at))
    print(f"{_figures(outcomes)}; {total} in the graph; /health while locked: {dict(while_locked)}")


FULL_AT_BYTES = 3_500_000  # a little under SQLite's WAL checkpoint size: the logs' WAL files hit it first


@pytest.mark.parametrize("store", SERVER_STORES)
def test_a_full_disk_answers_503_never_500_and_loses_no_acknowledged_event(
    start_server: StartServer, store: str
) -> None:
    server = start_server(store, env=NO_ACK_WAIT, file_size_limit=FULL_AT_BYTES)
    stream = EventStream(server.url).start()
    watch = HealthWatch(server.url, every_s=0.2).start()
    try:
        stream.wait(lambda seen: len(seen) >= 1000, "1000 requests", timeout_s=90)
    finally:
        stream.stop()
    watch.stop()
    outcomes = stream.snapshot()
    statuses = Counter(o.status for o in outcomes)
    assert set(statuses) <= {201, 202, 503}, _figures(outcomes)
    assert statuses[503] and sum(o.acked for o in outcomes), f"the disk did not fill: {_figures(outcomes)}"
    last_ack = max(o.at for o in outcomes if o.acked)
    stuck = watch.between(last_ack, outcomes[-1].at)
    assert len(stuck) >= 5, f"too short a time stuck to judge /health: {len(stuck)} samples"
    assert all(s.status != "ok" for s in stuck), Counter(s.status for s in stuck)

    server.stop(timeout_s=15)
    server.file_size_limit = None  # the disk has room again
    server.start()
    total = assert_all_present(server, stream.acked())
    refused_but_logged = total - len({o.seq for o in outcomes if o.acked})
    reasons = Counter((s.ingest or {}).get("reason") for s in stuck)
    print(
        f"{store}: {_figures(outcomes)}; after a restart with room {total} in the graph, of which "
        f"{refused_but_logged} were answered 503 after being logged; /health while stuck: {dict(reasons)}"
    )
