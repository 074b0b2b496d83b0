"""The shapes the projection reads: a wrong one is refused naming its path, what the projection skips is still
accepted, and every real producer's event of the corpus is accepted and projected, on both stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lineage_api.store.protocol import GraphStore
from tests import governance_events as g
from tests.factories import CORPUS, api, dataset, facet, run_event
from tests.poison_events import assert_projected, assert_projecting, assert_refused, post

SHARED_CORPUS = Path("/work/shared/openlineage-corpus")
NO_RUN_ID = "openlineage__proxy__fluentd__events__event_no_run_id.json"


def _in(facets: dict[str, Any]) -> dict[str, Any]:
    return run_event(inputs=[dataset("db", "a", facets)])


def _out(facets: dict[str, Any]) -> dict[str, Any]:
    return run_event(outputs=[dataset("db", "a", facets)])


def _lineage(**fields: Any) -> dict[str, Any]:
    return _out({"columnLineage": facet(**fields)})


def _source(**entry: Any) -> dict[str, Any]:
    return {"namespace": "db", "name": "src", "field": "f", **entry}


def _use_case(**extra: Any) -> dict[str, Any]:
    return run_event(job_facets={"aigov_useCase": facet(**g.USE_CASE, **extra)})


def _evaluation(**extra: Any) -> dict[str, Any]:
    return run_event(run_facets={"aigov_evaluation": facet(evaluationId="e1", kind="bias", passed=True, **extra)})


def _output(**extra: Any) -> dict[str, Any]:
    outputs = [{"outputId": "o1", **extra}]
    return run_event(outputs=[dataset("s", "o", outputFacets={"aigov_outputs": facet(outputs=outputs)})])


WRONG: dict[str, dict[str, Any]] = {
    "inputs[0].facets.symlinks.identifiers": _in({"symlinks": facet(identifiers="db.a")}),
    "inputs[0].facets.symlinks.identifiers[0]": _in({"symlinks": facet(identifiers=["db.a"])}),
    "inputs[0].facets.symlinks.identifiers[0].namespace": _in(
        {"symlinks": facet(identifiers=[{"namespace": ["db"], "name": "a", "type": "TABLE"}])}
    ),
    "outputs[0].facets.columnLineage.fields": _lineage(fields=[{"inputFields": []}]),
    "outputs[0].facets.columnLineage.fields.x": _lineage(fields={"x": ["db.src.f"]}),
    "outputs[0].facets.columnLineage.fields.x.inputFields": _lineage(fields={"x": {"inputFields": 3}}),
    "outputs[0].facets.columnLineage.fields.x.inputFields[0]": _lineage(fields={"x": {"inputFields": ["f"]}}),
    "outputs[0].facets.columnLineage.fields.x.inputFields[0].field": _lineage(
        fields={"x": {"inputFields": [_source(field=7)]}}
    ),
    "outputs[0].facets.columnLineage.fields.x.inputFields[0].transformations": _lineage(
        fields={"x": {"inputFields": [_source(transformations={"type": "DIRECT"})]}}
    ),
    "outputs[0].facets.columnLineage.fields.x.inputFields[0].transformations[0].masking": _lineage(
        fields={"x": {"inputFields": [_source(transformations=[{"type": "DIRECT", "masking": "yes"}])]}}
    ),
    "outputs[0].facets.columnLineage.fields.x.transformationType": _lineage(
        fields={"x": {"inputFields": [], "transformationType": ["IDENTITY"]}}
    ),
    "outputs[0].facets.columnLineage.dataset": _lineage(dataset=_source()),
    "inputs[0].facets.columnLineage.dataset[0].name": _in({"columnLineage": facet(dataset=[_source(name={})])}),
    "outputs[0].facets.schema.fields": _out({"schema": facet(fields={"a": "string"})}),
    "outputs[0].facets.schema.fields[0]": _out({"schema": facet(fields=["a"])}),
    "outputs[0].facets.schema.fields[0].name": _out({"schema": facet(fields=[{"name": 1}])}),
    "outputs[0].facets.schema.fields[0].fields[0].type": _out(
        {"schema": facet(fields=[{"name": "a", "fields": [{"name": "b", "type": {"t": "int"}}]}])}
    ),
    "outputs[0].facets.tags.tags": _out({"tags": facet(tags={"key": "k", "value": "v"})}),
    "outputs[0].facets.tags.tags[0].value": _out({"tags": facet(tags=[{"key": "k", "value": {"v": 1}}])}),
    "outputs[0].facets.version.datasetVersion": _out({"version": facet(datasetVersion={"v": 1})}),
    "outputs[0].facets.datasetType.datasetType": _out({"datasetType": facet(datasetType=["MODEL"])}),
    "outputs[0].facets.documentation.description": _out({"documentation": facet(description=True)}),
    "outputs[0].facets.ownership.owners": _out({"ownership": facet(owners="team-a")}),
    "outputs[0].facets.ownership.owners[0].name": _out({"ownership": facet(owners=[{"name": ["a"]}])}),
    "job.facets.jobType.processingType": run_event(job_facets={"jobType": facet(processingType={"b": 1})}),
    "job.facets.ownership.owners[0]": run_event(job_facets={"ownership": facet(owners=["a"])}),
    "run.facets.nominalTime.nominalStartTime": run_event(run_facets={"nominalTime": facet(nominalStartTime=1)}),
    "run.facets.nominalTime.nominalEndTime": run_event(run_facets={"nominalTime": facet(nominalEndTime="soon")}),
    "run.facets.errorMessage.message": run_event(run_facets={"errorMessage": facet(message=["boom"])}),
    "run.facets.parent.run": run_event(run_facets={"parent": facet(run="r-1")}),
    "run.facets.parent.run.runId": run_event(run_facets={"parent": facet(run={"runId": 12})}),
    "run.facets.parentRun.job.name": run_event(run_facets={"parentRun": facet(run={"runId": "p"}, job={"name": 1})}),
    "run.facets.parent.root.run.runId": run_event(
        run_facets={"parent": facet(run={"runId": "p"}, root={"run": {"runId": {}}})}
    ),
    "job.facets.aigov_useCase.label": _use_case(label="x"),
    "job.facets.aigov_useCase.id": _use_case(id="x"),
    "run.facets.aigov_evaluation.runId": _evaluation(runId="elsewhere"),
    "run.facets.aigov_evaluation.node_id": _evaluation(node_id="x"),
    "outputs[0].outputFacets.aigov_outputs.outputs[0].datasetVersion": _output(datasetVersion="v"),
    "outputs[0].outputFacets.aigov_outputs.outputs[0]._j": _output(_j="x"),
    "outputs[0].outputFacets.aigov_outputs.outputs[0].": _output(**{"": "x"}),
}


@pytest.mark.parametrize("field", list(WRONG))
def test_a_wrong_shape_the_projection_reads_is_refused(store: GraphStore, tmp_path: Path, field: str) -> None:
    with api(store, tmp_path) as client:
        assert_refused(client, WRONG[field], field)


LENIENT: dict[str, dict[str, Any]] = {
    "a read facet that is not an object": _out({"symlinks": "db.a", "schema": [1], "columnLineage": 3}),
    "absent and null fields": _out(
        {"schema": facet(fields=None), "columnLineage": facet(fields={"x": {"inputFields": None}}, dataset=None)}
    ),
    "fields the projection skips": _out(
        {"schema": facet(fields=[{"name": "", "fields": "anything"}, {"name": "a", "extra": {"x": [1]}}])}
    ),
    "numbers read as text": _out({"version": facet(datasetVersion=7), "datasetType": facet(datasetType=1.5)}),
    "parent without runId, owner without name": run_event(
        run_facets={"parent": facet(run={"noRunId": "x"}, job={"namespace": "n", "name": "p"})},
        job_facets={"ownership": facet(owners=[{"no-name": "x"}])},
    ),
    "unknown facets of any shape": run_event(run_facets={"custom": {"fields": [], "identifiers": 5, "x": None}}),
    "a governance facet where the projection does not read it": run_event(
        inputs=[dataset("db", "a", inputFacets={"aigov_outputs": {"outputs": 5}})]
    ),
    "a governance field named like an underscore property": _use_case(_custom="kept out of the node"),
}


@pytest.mark.parametrize("name", list(LENIENT))
def test_what_the_projection_skips_is_still_accepted(store: GraphStore, tmp_path: Path, name: str) -> None:
    with api(store, tmp_path) as client:
        assert_projected(client, LENIENT[name])


@pytest.mark.parametrize("corpus", [CORPUS, SHARED_CORPUS], ids=["tests-corpus", "shared-corpus"])
def test_every_real_producer_event_is_accepted_and_projected(store: GraphStore, tmp_path: Path, corpus: Path) -> None:
    files = sorted(corpus.glob("*.json"))
    if not files:
        pytest.skip(f"{corpus} holds no events")
    assert len(files) == 30
    with api(store, tmp_path) as client:
        for path in files:
            response = post(client, path.read_bytes())
            if path.name == NO_RUN_ID:  # not an event: a RunEvent without run.runId
                assert response.status_code == 400 and response.json()["error"]["field"] == "run.runId"
            else:
                assert response.status_code == 201, (path.name, response.text[:300])
        assert_projecting(client)
