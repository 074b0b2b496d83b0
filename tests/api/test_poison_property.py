"""Property: acknowledged means applicable, for real events poisoned at random.

Take a real producer's event (``tests/corpus/events``, plus one event per governance facet), replace a random
sub-value, or add a key the projection reads, with a random JSON value (deep nesting, huge integers, long strings,
wrong types, lone surrogates, times out of range), post it, and on both stores: no 5xx; every 2xx event is in the
graph once the pipeline drains, with no projection failure recorded; every refused (4xx) event left nothing in the
log; and the read routes still answer.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from graph_schema import NodeLabel
from lineage_api.core.limits import MAX_INT, MIN_INT
from lineage_api.store.protocol import GraphStore
from tests import governance_events as g
from tests.factories import api, corpus_files
from tests.poison_events import EMOJI, dumps, logged, nested, pipeline_of

T = "2026-03-01T10:00:00Z"
# The corpus has no governance facets: one event per governance facet joins it, so those get poisoned too.
GOVERNANCE = [
    g.inference("gi", model_name="m", version="1", outputs=["o1", "o2"], time=T),
    g.review("gr", review_id="rv1", outputs=["o1"], outcome="concur", time=T),
    g.decision(
        "gd", decision_id="d1", action="other", basis=[("ai_output", "o1"), ("evidence", "dataset:db:t")], time=T
    ),
    g.approval("ga", approval_id="a1", inputs=[g.model("m", "1")], granted=T, expires="2027-01-01T00:00:00Z"),
    g.evaluation("ge", eval_id="e1", model_name="m", version="1", passed=True, kind="bias", time=T),
]
EVENTS = [json.loads(path.read_text(encoding="utf-8")) for path in corpus_files()] + GOVERNANCE
READ_KEYS = [
    *("symlinks", "columnLineage", "schema", "tags", "version", "datasetType", "documentation", "ownership"),
    *("parent", "parentRun", "nominalTime", "errorMessage", "jobType", "aigov_useCase", "aigov_outputs"),
    *("aigov_decision", "aigov_review", "aigov_approval", "identifiers", "fields", "inputFields", "transformations"),
    *("dataset", "tags", "owners", "runId", "namespace", "name", "field", "datasetVersion", "nominalStartTime"),
    *("eventTime", "message", "outputs", "outputId", "decidedAt", "producedAt", "id", "label", "runId", ""),
]
TIMES = ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01", "0001-01-01T00:00:00Z", "later", "2026-02-30"]

_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _lineage(width: int) -> dict[str, Any]:
    """A column-lineage facet of ``width`` output fields times ``width`` dataset-wide inputs."""
    sources = [{"namespace": "db", "name": "src", "field": f"s{i}"} for i in range(width)]
    return {"fields": {f"o{i}": {"inputFields": []} for i in range(width)}, "dataset": sources}


POISON = st.one_of(
    st.integers(90, 150).map(_lineage),
    st.integers(40, 80).map(nested),
    st.sampled_from([MAX_INT, MAX_INT + 1, MIN_INT, MIN_INT - 1, 2**70, -(2**90)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(1020, 1030).map(lambda n: "x" * n),
    st.integers(254, 258).map(lambda n: EMOJI * n),
    st.just("f" * 10_000),
    st.sampled_from(["\ud800", "a\udfffb", "\udc00"]),
    st.sampled_from(TIMES),
    st.sampled_from([[], {}, "", 0, True, [1], ["x"], {"namespace": 1}, [{"name": {}}], {"runId": []}]),
    _json,
)


def _slots(value: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every sub-value of ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield value, key
            yield from _slots(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value, index
            yield from _slots(item)


@st.composite
def poisoned(draw: st.DrawFn) -> dict[str, Any]:
    """A corpus event with 1-3 sub-values replaced, or read keys added, by random poison."""
    mutated: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(EVENTS)))
    for _ in range(draw(st.integers(1, 3))):
        slots = list(_slots(mutated))
        objects = [mutated, *(c[k] for c, k in slots if isinstance(c[k], dict))]
        if slots and draw(st.booleans()):
            container, key = draw(st.sampled_from(slots))
        else:
            container, key = draw(st.sampled_from(objects)), draw(st.sampled_from(READ_KEYS) | st.text(max_size=6))
        container[key] = copy.deepcopy(draw(POISON))  # sampled values are shared: never alias them
    return mutated


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Iterator[tuple[TestClient, GraphStore]]:
    with api(store, tmp_path) as test_client:
        yield test_client, store


def _in_graph(store: GraphStore, replica: str, seq: int) -> bool:
    return bool(store.find_nodes(NodeLabel.EVENT, {"replica": replica, "seq": seq}, limit=1))


@given(poisoned())
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_every_acknowledged_event_is_projected_and_every_refused_one_left_nothing(
    client: tuple[TestClient, GraphStore], mutated: dict[str, Any]
) -> None:
    test_client, store = client
    pipeline = pipeline_of(test_client)
    before = logged(test_client)
    response = test_client.post("/api/v1/lineage", content=dumps(mutated))
    assert response.status_code < 500, response.text[:300]
    if response.status_code < 300:
        event("acknowledged")
        assert pipeline.drain(30), pipeline.status()
        assert _in_graph(store, pipeline.replica, response.json()["seq"]), response.text[:300]
    else:
        event(f"refused {response.status_code}")
        assert 400 <= response.status_code < 500
        assert logged(test_client) == before, response.text[:300]
    assert pipeline.status().state == "ok", pipeline.status()  # never halted at an acknowledged event
    assert pipeline.log.failures() == []
    for route in ("/api/v1/jobs", "/api/v1/datasets", "/api/v1/events"):
        assert test_client.get(route).status_code == 200, route
