"""Model runs: training writes a model version, evaluation records results, inference records AI outputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openlineage.client.facet_v2 import OutputDatasetFacet

from collectors._datasets import Dataset
from collectors._errors import InvalidArgument
from collectors._facets import EvaluationRunFacet, OutputsOutputDatasetFacet, checked, use_case_facet
from collectors._runs import Run, RunRef, logger
from collectors._steps import Step, StepsMixin, StepSpec
from collectors._values import EvaluationKind, OutputKind, Time, UseCase, now, optional_text, text, timestamp


class InferenceRun(Run):
    """A run of ``inference_run``: ``record_output`` each AI output; they are sent in the ``aigov_outputs`` facet
    of the output dataset when the run ends."""

    def __init__(
        self, ref: RunRef, parent: RunRef | None, spec: StepSpec, output_dataset: Dataset, producer: str
    ) -> None:
        super().__init__(ref, parent, spec.inputs, spec.outputs)
        self._output_dataset = output_dataset
        self._producer = producer
        self._recorded: dict[str, dict[str, Any]] = {}

    def record_output(
        self,
        output_id: str,
        kind: OutputKind,
        value: str | float | bool | None,
        subject_ref: str | None,
        produced_at: Time | None = None,
    ) -> None:
        """Record one AI output: its id, kind (score, label, text, ranking, other), value, the pseudonymous
        reference of its subject (never raw PII) and when it was produced (default: now)."""
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InvalidArgument(
                f"value must be a string, number or boolean, not {type(value).__name__}", argument="value"
            )
        item = {
            "outputId": text(output_id, "output_id"),
            "kind": kind,
            "value": value,
            "subjectRef": optional_text(subject_ref, "subject_ref"),
            "producedAt": timestamp(produced_at, "produced_at") or now(),
        }
        checked("aigov_outputs", OutputsOutputDatasetFacet(outputs=[item], producer=self._producer))
        with self._lock:
            if self._ended:
                logger.warning("collectors: output %s recorded after run %s ended: ignored", output_id, self.run_id)
                return
            if output_id in self._recorded:
                raise InvalidArgument(f"output {output_id!r} was already recorded by this run", argument="output_id")
            self._recorded[output_id] = item

    @property
    def recorded_outputs(self) -> tuple[str, ...]:
        """The ids of the outputs recorded so far."""
        with self._lock:
            return tuple(self._recorded)

    def _output_facets(self, producer: str) -> Mapping[tuple[str, str], Mapping[str, OutputDatasetFacet]]:
        with self._lock:
            items = list(self._recorded.values())
        if not items:
            return {}
        return {
            self._output_dataset.key: {"aigov_outputs": OutputsOutputDatasetFacet(outputs=items, producer=producer)}
        }


def _one_or_many(value: Dataset | Iterable[Dataset] | None) -> list[Dataset]:
    if value is None:
        return []
    return [value] if isinstance(value, Dataset) else list(value)


class ModelsMixin(StepsMixin):
    """``model``, ``training_run``, ``evaluation_run``, ``inference_run``."""

    def model(self, name: str, version: str) -> Dataset:
        """The model ``name`` at ``version``: a dataset of type MODEL in the model namespace."""
        return Dataset(
            self.model_namespace, text(name, "model"), version=text(version, "version"), dataset_type="MODEL"
        )

    def training_run(
        self,
        model: str,
        version: str,
        *,
        inputs: Iterable[Dataset] = (),
        outputs: Iterable[Dataset] = (),
        job: str | None = None,
        run_id: str | None = None,
        parent: Run | RunRef | None = None,
    ) -> Step[Run]:
        """A step (``with``/``@``) that trains ``model`` at ``version`` from ``inputs``: it writes the model version."""
        return self.step(
            job or f"train.{model}",
            inputs=inputs,
            outputs=[self.model(model, version), *outputs],
            run_id=run_id,
            parent=parent,
        )

    def evaluation_run(
        self,
        model: str,
        version: str,
        *,
        evaluation_id: str,
        kind: EvaluationKind,
        passed: bool,
        metrics: Mapping[str, float] | None = None,
        thresholds: Mapping[str, float] | None = None,
        subgroups: Sequence[Mapping[str, Any]] = (),
        test_data: Dataset | Iterable[Dataset] | None = None,
        evaluated_at: Time | None = None,
        job: str | None = None,
    ) -> str:
        """Record a test-and-evaluation of ``model`` at ``version`` (``aigov_evaluation``); returns its run id.

        ``subgroups`` are objects such as ``{"attribute": "protected.age", "group": "65+", "metric": "fpr",
        "value": 0.05}``; ``test_data`` is read with the model; ``evaluated_at`` defaults to now.
        """
        facet = EvaluationRunFacet(
            evaluationId=text(evaluation_id, "evaluation_id"),
            kind=kind,
            passed=passed,
            metrics=dict(metrics) if metrics is not None else None,
            thresholds=dict(thresholds) if thresholds is not None else None,
            subgroups=[dict(s) for s in subgroups] or None,
            producer=self.producer,
        )
        return self._record(
            "evaluation",
            job or f"evaluate.{model}",
            run_facets={"aigov_evaluation": checked("aigov_evaluation", facet)},
            inputs=[self.model(model, version), *_one_or_many(test_data)],
            event_time=timestamp(evaluated_at, "evaluated_at"),
        )

    def inference_run(
        self,
        model: str,
        version: str,
        *,
        output_dataset: Dataset,
        features: Iterable[Dataset] = (),
        use_case: UseCase | None = None,
        job: str | None = None,
        run_id: str | None = None,
        parent: Run | RunRef | None = None,
    ) -> Step[InferenceRun]:
        """A step (``with``/``@``) where ``model`` at ``version`` reads ``features`` and writes ``output_dataset``.

        The run is an ``InferenceRun``: ``record_output`` each AI output. The job carries ``aigov_useCase``.
        """
        if not isinstance(output_dataset, Dataset):
            raise InvalidArgument("output_dataset must be a Dataset", argument="output_dataset")
        job_facets = {"aigov_useCase": use_case_facet(use_case, self.producer)} if use_case is not None else {}
        spec = StepSpec.of(
            job or f"infer.{model}",
            inputs=[self.model(model, version), *features],
            outputs=[output_dataset],
            run_id=run_id,
            parent=parent,
            job_facets=job_facets,
        )
        return Step(self, spec, lambda ref, up: InferenceRun(ref, up, spec, output_dataset, self.producer))
