"""A synthetic fan-out for the large-graph browser test: one model version read by many inference runs.

``fanout_events(runs=500, outputs_per_run=2)`` is one training run writing ``synthetic-models:fanout#v1`` and 500
inference runs, each reading it and writing its own version of ``synthetic-scores:scores`` holding two AI outputs:
the impact of the model version reaches 500 runs, 500 dataset versions and 1,000 outputs (2,000 nodes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import dataset, facet, run_event

MODEL = ("synthetic-models", "fanout", "v1")
ROOT = f"dataset:{MODEL[0]}:{MODEL[1]}#{MODEL[2]}"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _at(seconds: int) -> str:
    return (START + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def _model() -> dict[str, Any]:
    return dataset(
        MODEL[0], MODEL[1], {"datasetType": facet(datasetType="MODEL"), "version": facet(datasetVersion=MODEL[2])}
    )


def fanout_events(runs: int = 500, outputs_per_run: int = 2) -> list[dict[str, Any]]:
    """The training run, then ``runs`` inference runs of ``outputs_per_run`` outputs each."""
    events = [
        run_event(
            run_id="synthetic-train",
            job=("synthetic", "train_fanout"),
            time=_at(0),
            inputs=[dataset("synthetic", "training_rows")],
            outputs=[_model()],
        )
    ]
    for i in range(runs):
        when = _at(60 + i)
        produced = [
            {
                "outputId": f"syn-{i:04d}-{k}",
                "kind": "score",
                "value": 0.5,
                "subjectRef": f"case:{i}-{k}",
                "producedAt": when,
            }
            for k in range(outputs_per_run)
        ]
        scores = dataset("synthetic-scores", "scores", outputFacets={"aigov_outputs": facet(outputs=produced)})
        events.append(
            run_event(
                run_id=f"synthetic-score-{i:04d}",
                job=("synthetic", "score"),
                time=when,
                inputs=[_model()],
                outputs=[scores],
            )
        )
    return events
