"""The same bounds outside event bodies: time and node id parameters, gzip framing, and one body limit for every
route, on both stores."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.middleware import Middleware

from lineage_api.app import create_app
from lineage_api.core.body_limit import BodyLimit
from lineage_api.core.limits import MAX_NODE_ID_BYTES
from lineage_api.core.settings import IngestSettings, Settings
from lineage_api.store.protocol import GraphStore
from tests.factories import DEV_AUTH, api, dataset, run_event
from tests.poison_events import EMOJI, assert_projected, logged, post

BEFORE, AFTER = "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"
TIMED = [
    ("/api/v1/trace", "asOf"),
    ("/api/v1/impact", "since"),
    ("/api/v1/impact", "until"),
    ("/api/v1/compliance/findings", "since"),
    ("/api/v1/compliance/findings", "until"),
]
NODE_ID_ROUTES = ["/api/v1/trace", "/api/v1/impact", "/api/v1/lineage", "/api/v1/compliance/findings"]
VERSION = "dataset:db:t#q"


def _assert_400(client: TestClient, route: str, params: dict[str, str], field: str) -> None:
    response = client.get(route, params=params)
    assert response.status_code == 400, (route, params, response.text[:300])
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == field, error


def test_time_parameters_are_bounded_like_event_times(store: GraphStore, tmp_path: Path) -> None:
    with api(store, tmp_path) as client:
        assert_projected(client, run_event(run_id="q", outputs=[dataset("db", "t")]))
        for route, param in TIMED:
            for bad in (BEFORE, AFTER, "yesterday", "2026-13-01T00:00:00Z", "x" * 10_000):
                _assert_400(client, route, {"nodeId": VERSION, param: bad}, param)
            for good in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"):
                response = client.get(route, params={"nodeId": VERSION, param: good})
                assert response.status_code == 200, (route, param, good, response.text[:300])
        # Checked before the node is looked up: an unknown node with a bad time is still a 400 naming the time.
        _assert_400(client, "/api/v1/trace", {"nodeId": "run:nobody", "asOf": AFTER}, "asOf")


def test_node_id_parameters_are_bounded(store: GraphStore, tmp_path: Path) -> None:
    at_limit = "dataset:db:" + EMOJI * ((MAX_NODE_ID_BYTES - len("dataset:db:")) // 4)
    at_limit += "x" * (MAX_NODE_ID_BYTES - len(at_limit.encode()))
    assert len(at_limit.encode()) == MAX_NODE_ID_BYTES
    with api(store, tmp_path) as client:
        for route in NODE_ID_ROUTES:
            _assert_400(client, route, {"nodeId": at_limit + "x"}, "nodeId")
            _assert_400(client, route, {"nodeId": "dataset:db:" + "y" * 60_000}, "nodeId")
            answer = client.get(route, params={"nodeId": at_limit})
            assert answer.status_code in (200, 404), (route, answer.text[:300])


def _gzip_event(event_id: str) -> bytes:
    return gzip.compress(json.dumps(run_event(run_id=event_id)).encode())


@pytest.mark.parametrize(
    ("body", "headers", "problem"),
    [
        (_gzip_event("g1") + b"trailing", {"content-encoding": "gzip"}, "after the end of the gzip stream"),
        (_gzip_event("g1") + _gzip_event("g2"), {"content-encoding": "gzip"}, "after the end of the gzip stream"),
        (_gzip_event("g1")[:-4], {"content-encoding": "gzip"}, "truncated"),
        (b'{"eventTime": ' + b"1" * 5000 + b"}", {}, "integer string conversion"),
        (b"[" * 100_000 + b"]" * 100_000, {}, "nested deeper than 64"),
        (gzip.compress(b'{"a":' * 100_000 + b"1" + b"}" * 100_000), {"content-encoding": "gzip"}, "deeper than 64"),
    ],
    ids=["garbage-after-gzip", "two-gzip-members", "truncated-gzip", "huge-integer", "deep-array", "deep-gzipped"],
)
def test_bodies_that_do_not_decode_to_one_value_are_400(
    store: GraphStore, tmp_path: Path, body: bytes, headers: dict[str, str], problem: str
) -> None:
    with api(store, tmp_path) as client:
        for route in ("/api/v1/lineage", "/api/v1/lineage/batch"):
            response = client.post(route, content=body, headers=headers)
            assert response.status_code == 400, (route, response.text[:300])
            error = response.json()["error"]
            assert error["field"] == "body" and problem in error["message"], error
        assert logged(client) == 0
        assert post(client, run_event(run_id="fine")).status_code == 201
        good = client.post("/api/v1/lineage", content=_gzip_event("g3"), headers={"content-encoding": "gzip"})
        assert good.status_code == 201, good.text


LIMIT = 20_000


@pytest.fixture
def limited(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    """The app with ``BodyLimit`` installed as ``create_app`` should install it, bodies capped at ``LIMIT``."""
    settings = Settings(
        data_dir=tmp_path, auth=DEV_AUTH, ingest=IngestSettings(ack_wait_ms=30_000, max_body_bytes=LIMIT)
    )
    app = create_app(settings, store=store)
    app.user_middleware.append(Middleware(BodyLimit))  # innermost: what add_middleware right after FastAPI() gives
    with TestClient(app) as client:
        yield client


BODY_ROUTES = ["/api/v1/lineage", "/api/v1/lineage/batch", "/api/v1/privacy/classifications", "/api/v1/keys"]


def _chunks(total: int) -> Iterator[bytes]:
    yield b'{"padding": "'
    for _ in range(total // 1000):
        yield b"p" * 1000
    yield b'"}'


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_every_body_over_the_limit_is_413_before_the_route_reads_it(limited: TestClient, route: str) -> None:
    big = json.dumps({"dataset": "dataset:db:t", "fields": {f"f{i}": "pii.x" for i in range(2000)}}).encode()
    assert len(big) > LIMIT
    for response in (
        limited.post(route, content=big, headers={"content-type": "application/json"}),
        limited.post(route, content=_chunks(2 * LIMIT), headers={"content-type": "application/json"}),
    ):
        assert response.status_code == 413, (route, response.status_code, response.text[:300])
        error = response.json()["error"]
        assert error["code"] == "payload_too_large" and error["field"] == "body", error
        assert error["requestId"] == response.headers["x-request-id"]
    assert logged(limited) == 0


def test_bodies_within_the_limit_still_reach_the_routes(limited: TestClient) -> None:
    event = run_event(run_id="small", outputs=[dataset("db", "t")])
    assert limited.post("/api/v1/lineage", json=event).status_code == 201
    chunked = limited.post("/api/v1/lineage", content=iter([json.dumps(event).encode()]))
    assert chunked.status_code == 201 and chunked.json()["duplicate"] is True
    assert limited.get("/api/v1/runs/small").status_code == 200
