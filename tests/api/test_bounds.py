"""Acknowledged means applicable: the bounds of ``docs/bounds.md``, at the limit accepted and projected, over it
refused with 400 naming the JSON path and nothing logged, on both stores. Here the poison events and the values;
ids and times in ``test_bounds_ids.py``, shapes in ``test_shapes.py``, parameters and bodies in
``test_bounds_http.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph_schema import EdgeType
from lineage_api.core import ids
from lineage_api.core.limits import (
    MAX_DEPTH,
    MAX_GRAPH_ITEMS,
    MAX_INT,
    MAX_KEY_BYTES,
    MAX_STRING_BYTES,
    MIN_INT,
)
from lineage_api.ingest.bounds import key_text
from lineage_api.store.protocol import Direction, GraphStore, Step
from tests.factories import api, dataset, facet, run_event
from tests.poison_events import (
    EMOJI,
    ai_output,
    assert_projected,
    assert_projecting,
    assert_refused,
    depth_of,
    dumps,
    nested,
)

DEEP_PATH = "job.facets.deep.v" + ".a" * (MAX_DEPTH - 4)  # the event, job, facets and deep are levels 1-4


def _fan_out(width: int) -> dict[str, Any]:
    """``width`` output fields, each derived from ``width`` dataset-wide inputs: ``width``^2 edges."""
    columns = facet(fields=[{"name": f"o{i}"} for i in range(width)])
    lineage = facet(dataset=[{"namespace": "db", "name": "src", "field": f"s{i}"} for i in range(width)])
    return run_event(outputs=[dataset("db", "wide", {"schema": columns, "columnLineage": lineage})])


def _wide(fields: int) -> dict[str, Any]:
    return run_event(
        outputs=[dataset("db", "wide", {"schema": facet(fields=[{"name": f"f{i}"} for i in range(fields)])})]
    )


POISON: dict[str, tuple[dict[str, Any], str]] = {
    "symlinks identifiers an object": (
        run_event(inputs=[dataset("db", "a", {"symlinks": facet(identifiers={"namespace": "x", "name": "y"})})]),
        "inputs[0].facets.symlinks.identifiers",
    ),
    "symlinks identifiers a number": (
        run_event(inputs=[dataset("db", "a", {"symlinks": facet(identifiers=5)})]),
        "inputs[0].facets.symlinks.identifiers",
    ),
    "columnLineage fields a list": (
        run_event(outputs=[dataset("db", "a", {"columnLineage": facet(fields=[{"inputFields": []}])})]),
        "outputs[0].facets.columnLineage.fields",
    ),
    "integer 2^70": (ai_output(value=2**70), "outputs[0].outputFacets.aigov_outputs.outputs[0].value"),
    "10,000-character field name": (
        run_event(outputs=[dataset("db", "a", {"schema": facet(fields=[{"name": "f" * 10_000}])})]),
        "outputs[0].facets.schema.fields[0].name",
    ),
    "facet nested 300 deep": (run_event(job_facets={"deep": facet(v=nested(300))}), DEEP_PATH),
    "column lineage fanning out to 90,000 edges from 22 KB": (_fan_out(300), "outputs[0].facets.columnLineage"),
    "NaN": (run_event(run_facets={"custom": facet(n=float("nan"))}), "run.facets.custom.n"),
    "Infinity": (run_event(run_facets={"custom": facet(n=float("inf"))}), "run.facets.custom.n"),
    "lone surrogate": (run_event(job=("ns", "job\ud800")), "job.name"),
    "eventTime before year 1 in UTC": (run_event(time="0001-01-01T00:00:00+00:01"), "eventTime"),
    "nominalTime after year 9999 in UTC": (
        run_event(run_facets={"nominalTime": facet(nominalStartTime="9999-12-31T23:59:59-00:01")}),
        "run.facets.nominalTime.nominalStartTime",
    ),
}


@pytest.mark.parametrize("name", list(POISON))
def test_poison_is_refused_before_the_ack_and_reads_keep_working(store: GraphStore, tmp_path: Path, name: str) -> None:
    event, field = POISON[name]
    with api(store, tmp_path) as client:
        assert_projected(client, run_event(run_id="good", outputs=[dataset("db", "ok")]))
        assert_refused(client, event, field)
        for path in ("/api/v1/jobs", "/api/v1/datasets", "/api/v1/runs/good", "/api/v1/events"):
            assert client.get(path).status_code == 200, path
        assert_projecting(client)


def test_a_batch_keeps_the_good_events_and_names_the_poisoned_ones(store: GraphStore, tmp_path: Path) -> None:
    with api(store, tmp_path) as client:
        poisons = [event for event, _ in POISON.values()]
        body = dumps([run_event(run_id="b1"), *poisons, run_event(run_id="b2")])
        result = client.post("/api/v1/lineage/batch", content=body).json()
        assert result["summary"]["successful"] == 2 and result["summary"]["failed"] == len(poisons)
        reasons = [f["reason"] for f in result["failed_events"]]
        assert all(field in reason for (_, field), reason in zip(POISON.values(), reasons, strict=True))
        assert_projecting(client)
    assert store.get_node("run:b1") is not None and store.get_node("run:b2") is not None


def test_nesting_at_the_limit_is_projected_and_answered(store: GraphStore, tmp_path: Path) -> None:
    deepest = run_event(job=("ns", "deep"), job_facets={"deep": facet(v=nested(MAX_DEPTH - 4))})
    too_deep = run_event(job=("ns", "deep"), job_facets={"deep": facet(v=nested(MAX_DEPTH - 3))})
    assert (depth_of(deepest), depth_of(too_deep)) == (MAX_DEPTH, MAX_DEPTH + 1)
    with api(store, tmp_path) as client:
        assert_projected(client, deepest)
        jobs = client.get("/api/v1/jobs")
        assert jobs.status_code == 200 and "deep" in jobs.text
        assert client.get("/api/v1/events").status_code == 200
        assert_refused(client, too_deep, DEEP_PATH)


def test_64_bit_integers_are_stored_as_they_are(store: GraphStore, tmp_path: Path) -> None:
    with api(store, tmp_path) as client:
        assert_projected(client, ai_output(value=MAX_INT))
        for value in (MAX_INT + 1, MIN_INT - 1):
            assert_refused(client, ai_output(value=value), POISON["integer 2^70"][1])
        big = facet(n=MIN_INT, f=1.7976931348623157e308)
        assert_projected(client, run_event(run_id="min", run_facets={"custom": big}))
    output = store.get_node("output:o1")
    assert output is not None and output.props["value"] == MAX_INT
    run = store.get_node("run:min")
    assert run is not None and run.props["facets"]["custom"]["n"] == MIN_INT


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_numbers_that_are_not_json_are_refused(store: GraphStore, tmp_path: Path, literal: bytes) -> None:
    body = dumps(run_event(run_facets={"custom": facet(n="N")})).replace(b'"N"', literal)
    with api(store, tmp_path) as client:
        assert_refused(client, body, "run.facets.custom.n")


def test_strings_and_keys_are_capped_in_utf8_bytes(store: GraphStore, tmp_path: Path) -> None:
    longest, key = "s" * MAX_STRING_BYTES, "k" * MAX_KEY_BYTES
    with api(store, tmp_path) as client:
        assert_projected(client, run_event(run_id="long", run_facets={"custom": facet(s=longest, **{key: 1})}))
        assert_refused(client, run_event(run_facets={"custom": facet(s=longest + "s")}), "run.facets.custom.s")
        wide = "é" * (MAX_STRING_BYTES // 2 + 1)  # fewer characters than the limit, more bytes
        assert_refused(client, run_event(run_facets={"custom": facet(s=wide)}), "run.facets.custom.s")
        long_key = EMOJI * (MAX_KEY_BYTES // 4 + 1)
        path = f"run.facets.custom.{key_text(long_key)}"
        assert_refused(client, run_event(run_facets={"custom": {long_key: 1}}), path)
    run = store.get_node("run:long")
    assert run is not None and run.props["facets"]["custom"]["s"] == longest


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (run_event(run_facets={"c": facet(s="a\udfffb")}), "run.facets.c.s"),
        (run_event(run_facets={"c": facet(**{"k\ud800": 1})}), "run.facets.c.k\\ud800"),
        (run_event(outputs=[dataset("db", "\ud83d")]), "outputs[0].name"),
    ],
)
def test_lone_surrogates_are_refused(store: GraphStore, tmp_path: Path, event: dict[str, Any], field: str) -> None:
    with api(store, tmp_path) as client:
        assert_refused(client, event, field)
        raw = dumps(run_event(run_facets={"c": facet(s="S")})).replace(b'"S"', b'"\xed\xa0\x80"')
        assert_refused(client, raw, "run.facets.c.s")


# -- fan-out: at most MAX_GRAPH_ITEMS nodes and edges per event (an output is 4, each schema field 2) ------------
@pytest.mark.slow
def test_an_event_at_the_fan_out_limit_is_projected_and_one_field_more_is_refused(
    store: GraphStore, tmp_path: Path
) -> None:
    at_limit = (MAX_GRAPH_ITEMS - 4) // 2
    with api(store, tmp_path) as client:
        assert_projected(client, _wide(at_limit))
        assert_refused(client, _wide(at_limit + 1), "outputs[0].facets.schema.fields")
    fields = store.edges([ids.dataset_id("db", "wide")], [Step(EdgeType.HAS_FIELD, Direction.OUT)], limit=100_000)
    assert len(fields) == at_limit


def test_column_lineage_is_counted_per_output_field(store: GraphStore, tmp_path: Path) -> None:
    with api(store, tmp_path) as client:
        assert_projected(client, _fan_out(70))  # 4 + 2 x 140 fields + 4,900 edges
        assert_refused(client, _fan_out(140), "outputs[0].facets.columnLineage")  # 19,600 edges and 280 fields
    derived = store.edges([ids.field_id("db", "wide", "o0")], [Step(EdgeType.DERIVED_FROM, Direction.OUT)])
    assert len(derived) == 70
