"""Node id parts and times at their bounds, on both stores: at the limit accepted, projected and (ids of about
3 KB of 4-byte characters) indexed by the real Neo4j; one byte or one minute over, refused naming the path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph_schema import EdgeType
from lineage_api.core import ids
from lineage_api.core.limits import MAX_ID_PART_BYTES
from lineage_api.ingest.bounds import key_text
from lineage_api.store.protocol import Direction, GraphStore, Step
from tests import governance_events as g
from tests.factories import api, dataset, facet, run_event
from tests.poison_events import ai_output, assert_projected, assert_refused, id_part, logged


# -- id parts: at most MAX_ID_PART_BYTES UTF-8 bytes each, and the longest ids they make can be indexed ------------
def _schema_nested(value: str) -> dict[str, Any]:
    fields = [{"name": "p", "fields": [{"name": value.removeprefix("p.")}]}]
    return run_event(outputs=[dataset("db", "t", {"schema": facet(fields=fields)})])


def _lineage(spec: dict[str, Any]) -> dict[str, Any]:
    return run_event(outputs=[dataset("db", "t", {"columnLineage": facet(fields=spec)})])


def _source(field: str) -> dict[str, Any]:
    return {"inputFields": [{"namespace": "db", "name": "src", "field": field}]}


def _review(value: str) -> dict[str, Any]:
    return g.review("rv", review_id="rv1", outputs=[value], outcome="concur", time="2026-03-01T10:00:00Z")


ID_SLOTS: dict[str, Callable[[str], dict[str, Any]]] = {
    "job.namespace": lambda v: run_event(job=(v, "j")),
    "job.name": lambda v: run_event(job=("ns", v)),
    "run.runId": lambda v: run_event(run_id=v),
    "inputs[0].namespace": lambda v: run_event(inputs=[dataset(v, "t")]),
    "outputs[0].name": lambda v: run_event(outputs=[dataset("db", v)]),
    "outputs[0].facets.schema.fields[0].fields[0].name": _schema_nested,
    "outputs[0].facets.version.datasetVersion": lambda v: run_event(
        outputs=[dataset("db", "t", {"version": facet(datasetVersion=v)})]
    ),
    "outputs[0].facets.columnLineage.fields.f.inputFields[0].field": lambda v: _lineage({"f": _source(v)}),
    "inputs[0].facets.symlinks.identifiers[0].name": lambda v: run_event(
        inputs=[dataset("db", "t", {"symlinks": facet(identifiers=[{"namespace": "db", "name": v, "type": "T"}])})]
    ),
    "outputs[0].facets.tags.tags[0].field": lambda v: run_event(
        outputs=[dataset("db", "t", {"tags": facet(tags=[{"key": "classification", "value": "pii", "field": v}])})]
    ),
    "run.facets.parent.run.runId": lambda v: run_event(
        run_facets={"parent": facet(run={"runId": v}, job={"namespace": "ns", "name": "parent"})}
    ),
    "run.facets.aigov_decision.decisionId": lambda v: g.decision(
        "d", decision_id=v, action="other", basis=[("ai_output", "o1")], time="2026-03-01T10:00:00Z"
    ),
    "run.facets.aigov_decision.basis[0].ref": lambda v: g.decision(
        "d", decision_id="d1", action="other", basis=[("ai_output", v)], time="2026-03-01T10:00:00Z"
    ),
    "run.facets.aigov_review.outputIds[0]": _review,
    "outputs[0].outputFacets.aigov_outputs.outputs[0].outputId": lambda v: ai_output(outputId=v),
}


@pytest.mark.parametrize("field", list(ID_SLOTS))
def test_id_parts_at_the_limit_are_projected_and_one_byte_more_is_refused(
    store: GraphStore, tmp_path: Path, field: str
) -> None:
    build = ID_SLOTS[field]
    with api(store, tmp_path) as client:
        assert_projected(client, build(id_part("p.")))
        assert_refused(client, build(id_part("p.", MAX_ID_PART_BYTES + 1)), field)
        assert logged(client) == 1


def test_column_names_are_id_parts_too(store: GraphStore, tmp_path: Path) -> None:
    name = id_part("c")
    with api(store, tmp_path) as client:
        assert_projected(client, _lineage({name: _source("a")}))
        over = id_part("c", MAX_ID_PART_BYTES + 1)
        path = f"outputs[0].facets.columnLineage.fields.{key_text(over)}"
        assert_refused(client, _lineage({over: _source("a")}), path)
    assert store.get_node(ids.field_id("db", "t", name)) is not None


def test_the_longest_ids_allowed_are_stored_and_indexed(store: GraphStore, tmp_path: Path) -> None:
    """Namespace, name, field and version each at the limit, in 4-byte characters: ids of about 3 KB."""
    ns, name, field, version, run = (id_part(tag) for tag in ("n", "m", "f", "v", "r"))
    out = dataset(ns, name, {"schema": facet(fields=[{"name": field}]), "version": facet(datasetVersion=version)})
    with api(store, tmp_path) as client:
        assert_projected(client, run_event(run_id=run, job=(ns, name), outputs=[out]))
    for node_id in (
        ids.field_id(ns, name, field),
        ids.dataset_version_id(ns, name, version),
        ids.job_id(ns, name),
        ids.run_id(run),
    ):
        assert len(node_id.encode()) > 1000
        assert store.get_node(node_id) is not None, node_id[:40]
    assert len(ids.field_id(ns, name, field).encode()) == 3 * MAX_ID_PART_BYTES + len("field::#")
    has_field = store.edges([ids.dataset_id(ns, name)], [Step(EdgeType.HAS_FIELD, Direction.OUT)])
    assert [e.dst for e in has_field] == [ids.field_id(ns, name, field)]


# -- times: years 1-9999 once in UTC -------------------------------------------------------------------------------
FIRST, LAST = "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"
BEFORE, AFTER = "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"


def _decided(moment: str) -> dict[str, Any]:
    event = g.decision("t", decision_id="d1", action="other", basis=[("ai_output", "o1")], time=FIRST)
    event["run"]["facets"]["aigov_decision"]["decidedAt"] = moment
    return event


def _revoked(moment: str) -> dict[str, Any]:
    revocation = facet(approvalId="a1", kind="other", decision="revoked", approver={"id": "u"}, revokedAt=moment)
    return run_event(run_id="t", job=("governance", "approvals"), run_facets={"aigov_approval": revocation})


TIME_SLOTS: dict[str, Callable[[str], dict[str, Any]]] = {
    "eventTime": lambda t: run_event(run_id="t", time=t),
    "run.facets.nominalTime.nominalEndTime": lambda t: run_event(
        run_id="t", run_facets={"nominalTime": facet(nominalStartTime=FIRST, nominalEndTime=t)}
    ),
    "run.facets.aigov_decision.decidedAt": _decided,
    "run.facets.aigov_approval.revokedAt": _revoked,
    "outputs[0].outputFacets.aigov_outputs.outputs[0].producedAt": lambda t: ai_output(producedAt=t),
}


@pytest.mark.parametrize("field", list(TIME_SLOTS))
def test_times_hold_years_1_to_9999_once_in_utc(store: GraphStore, tmp_path: Path, field: str) -> None:
    build = TIME_SLOTS[field]
    with api(store, tmp_path) as client:
        assert_projected(client, build(FIRST))
        assert_projected(client, build(LAST))
        for moment in (BEFORE, AFTER):
            assert_refused(client, build(moment), field)


def test_early_times_keep_four_digit_years_so_they_sort(store: GraphStore, tmp_path: Path) -> None:
    with api(store, tmp_path) as client:
        assert_projected(client, run_event("START", run_id="early", time="0099-01-01T00:00:00+01:00"))
        assert_projected(client, run_event("COMPLETE", run_id="early", time="2026-01-01T00:00:00Z"))
    run = store.get_node("run:early")
    assert run is not None
    assert run.props["startedAt"] == "0098-12-31T23:00:00.000000Z"
    assert run.props["firstEventAt"] < run.props["lastEventAt"] == "2026-01-01T00:00:00.000000Z"
