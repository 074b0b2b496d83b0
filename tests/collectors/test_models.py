"""Model runs: training writes the model version; evaluation and inference read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collectors import Dataset, InferenceRun, InvalidArgument, Lineage, UseCase
from tests.collectors.memory import MemoryTransport

FEATURES = Dataset("s3://features", "claims")
SCORES = Dataset("scores", "claim_scores")
USE_CASE = UseCase("uc-triage", "rights-impacting", name="Benefit claim triage", component="USCIS")
MODEL = {"namespace": "models", "name": "triage"}


def _model_facets(version: str) -> dict[str, object]:
    return {"version": version, "type": "MODEL"}


def _model(dataset: dict[str, object]) -> dict[str, object]:
    facets = dataset["facets"]
    assert isinstance(facets, dict)
    return {
        "namespace": dataset["namespace"],
        "name": dataset["name"],
        "version": facets["version"]["datasetVersion"],
        "type": facets["datasetType"]["datasetType"],
    }


def test_training_writes_the_model_version(lineage: Lineage, memory: MemoryTransport) -> None:
    with lineage.training_run("triage", "1.2.0", inputs=[FEATURES]):
        pass
    assert memory.types("train.triage") == ["START", "COMPLETE"]
    complete = memory.one("train.triage")
    assert [d["name"] for d in complete["inputs"]] == ["claims"]
    assert [_model(d) for d in complete["outputs"]] == [{**MODEL, **_model_facets("1.2.0")}]


def test_evaluation_records_results_and_reads_model_and_test_data(lineage: Lineage, memory: MemoryTransport) -> None:
    holdout = Dataset("s3://features", "holdout")
    run_id = lineage.evaluation_run(
        "triage",
        "1.2.0",
        evaluation_id="eval-9",
        kind="bias",
        passed=True,
        metrics={"auc": 0.87},
        thresholds={"auc": 0.8, "max_disparity": 0.1},
        subgroups=[{"attribute": "protected.age", "group": "65+", "metric": "fpr", "value": 0.05}],
        test_data=holdout,
        evaluated_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    event = memory.one("evaluate.triage")
    assert event["run"]["runId"] == run_id
    assert event["eventTime"] == "2026-02-01T00:00:00.000000Z"
    assert _model(event["inputs"][0]) == {**MODEL, **_model_facets("1.2.0")}
    assert event["inputs"][1]["name"] == "holdout"
    facet = event["run"]["facets"]["aigov_evaluation"]
    assert facet["_schemaURL"] == "https://ai-lineage.dev/spec/facets/1-0-0/aigov_evaluation.json"
    assert facet["_producer"] == "https://example.org/tests"
    assert {k: v for k, v in facet.items() if not k.startswith("_")} == {
        "evaluationId": "eval-9",
        "kind": "bias",
        "passed": True,
        "metrics": {"auc": 0.87},
        "thresholds": {"auc": 0.8, "max_disparity": 0.1},
        "subgroups": [{"attribute": "protected.age", "group": "65+", "metric": "fpr", "value": 0.05}],
    }


def test_inference_records_outputs_on_completion_and_serves_the_use_case(
    lineage: Lineage, memory: MemoryTransport
) -> None:
    with lineage.inference_run("triage", "1.2.0", features=[FEATURES], output_dataset=SCORES, use_case=USE_CASE) as run:
        assert isinstance(run, InferenceRun)
        run.record_output("out-1", "score", 0.91, "sha256:9f2c", produced_at="2026-03-02T10:00:01Z")
        run.record_output("out-2", "label", "deny", "sha256:77aa")
        assert run.recorded_outputs == ("out-1", "out-2")
    start, complete = memory.runs("infer.triage")
    assert "aigov_outputs" not in start["outputs"][0]["outputFacets"]
    assert [_model(start["inputs"][0])] == [{**MODEL, **_model_facets("1.2.0")}]
    outputs = complete["outputs"][0]["outputFacets"]["aigov_outputs"]["outputs"]
    assert outputs[0] == {
        "outputId": "out-1",
        "kind": "score",
        "value": 0.91,
        "subjectRef": "sha256:9f2c",
        "producedAt": "2026-03-02T10:00:01.000000Z",
    }
    assert outputs[1]["value"] == "deny" and outputs[1]["producedAt"] >= start["eventTime"]
    for event in (start, complete):
        use_case = event["job"]["facets"]["aigov_useCase"]
        assert use_case["useCaseId"] == "uc-triage" and use_case["riskCategory"] == "rights-impacting"
        assert use_case["_schemaURL"] == "https://ai-lineage.dev/spec/facets/1-0-0/aigov_useCase.json"


def test_an_inference_that_fails_still_reports_the_outputs_it_produced(
    lineage: Lineage, memory: MemoryTransport
) -> None:
    with pytest.raises(RuntimeError), lineage.inference_run("triage", "1", output_dataset=SCORES) as run:
        run.record_output("out-1", "score", 0.5, None)
        raise RuntimeError("model server went away")
    failed = memory.one("infer.triage", "FAIL")
    assert [o["outputId"] for o in failed["outputs"][0]["outputFacets"]["aigov_outputs"]["outputs"]] == ["out-1"]


def test_malformed_outputs_raise_where_they_are_recorded(lineage: Lineage) -> None:
    with lineage.inference_run("triage", "1", output_dataset=SCORES) as run:
        run.record_output("out-1", "score", 1, None)
        with pytest.raises(InvalidArgument, match="already recorded"):
            run.record_output("out-1", "score", 1, None)
        with pytest.raises(InvalidArgument, match="kind"):
            run.record_output("out-2", "probability", 1, None)  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument, match="offset"):
            run.record_output("out-3", "score", 1, None, produced_at=datetime(2026, 1, 1))
        with pytest.raises(InvalidArgument, match="value"):
            run.record_output("out-4", "score", [1, 2], None)  # type: ignore[arg-type]


def test_malformed_model_runs_raise_where_they_are_defined(lineage: Lineage) -> None:
    with pytest.raises(InvalidArgument):
        lineage.training_run("triage", "")
    with pytest.raises(InvalidArgument):
        lineage.inference_run("triage", "1", output_dataset="scores")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        lineage.evaluation_run("triage", "1", evaluation_id="e", kind="speed", passed=True)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        lineage.evaluation_run("triage", "1", evaluation_id="e", kind="bias", passed="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        lineage.evaluation_run("triage", "1", evaluation_id="e", kind="bias", passed=True, metrics={"auc": "high"})  # type: ignore[dict-item]
