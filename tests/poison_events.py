"""Builders for events at and over the bounds of ``lineage_api.core.limits``, and a client that reports on them."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from lineage_api.core.limits import MAX_ID_PART_BYTES
from lineage_api.ingest.pipeline import IngestPipeline
from tests.factories import dataset, facet, run_event

EMOJI = "\U0001f600"  # 4 UTF-8 bytes, 1 character: shows that limits count bytes


def nested(levels: int, leaf: Any = "x") -> Any:
    """``levels`` objects nested in one another around ``leaf``."""
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def depth_of(value: Any) -> int:
    """Objects/arrays nested in ``value`` (a scalar is 0, the event object itself counts 1)."""
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


def id_part(tag: str, size: int = MAX_ID_PART_BYTES) -> str:
    """A ``size``-byte string of 4-byte characters (plus ASCII to make up the rest), starting with ``tag``."""
    rest = size - len(tag.encode())
    return tag + EMOJI * (rest // 4) + "x" * (rest % 4)


def ai_output(**item: Any) -> dict[str, Any]:
    """A run writing one AI output (``aigov_outputs``) with ``item``'s fields."""
    produced = {"outputId": "o1", "kind": "score", **item}
    return run_event(
        run_id="r-out",
        outputs=[dataset("scores", "s", outputFacets={"aigov_outputs": facet(outputs=[produced])})],
    )


def dumps(event: Any) -> bytes:
    """JSON as a careless producer may send it: NaN/Infinity literals, lone surrogates escaped."""
    return json.dumps(event, allow_nan=True).encode()


def pipeline_of(client: TestClient) -> IngestPipeline:
    pipeline: IngestPipeline = client.app.state.lineage.pipeline  # type: ignore[attr-defined]
    return pipeline


def post(client: TestClient, event: Any) -> Response:
    return client.post("/api/v1/lineage", content=event if isinstance(event, bytes) else dumps(event))


def logged(client: TestClient) -> int:
    """How many events the log holds."""
    return len(client.get("/api/v1/events", params={"limit": 1000}).json()["events"])


def assert_refused(client: TestClient, event: Any, field: str) -> dict[str, Any]:
    """400 naming ``field``, and nothing logged."""
    before = logged(client)
    response = post(client, event)
    assert response.status_code == 400, response.text[:500]
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "invalid_input", error
    assert error["field"] == field, error
    assert field in error["message"], error
    assert logged(client) == before
    return error


def assert_projecting(client: TestClient) -> None:
    """Everything logged is in the graph: projection neither halted nor passed an event over."""
    pipeline = pipeline_of(client)
    assert pipeline.drain(30), pipeline.status()
    assert pipeline.status().state == "ok", pipeline.status()
    assert pipeline.log.failures() == []


def assert_projected(client: TestClient, event: Any) -> None:
    """201 once in the graph, and the projector is still going."""
    response = post(client, event)
    assert response.status_code == 201, response.text[:500]
    assert response.json()["status"] == "projected"
    assert_projecting(client)
