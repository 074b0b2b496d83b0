"""Pipeline steps: a context manager and decorator that sends START, then COMPLETE or FAIL, for each run."""

from __future__ import annotations

import functools
import inspect
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Generic, ParamSpec, TypeVar, cast

from openlineage.client import event_v2 as ev
from openlineage.client.facet_v2 import JobFacet, RunFacet, error_message_run, sql_job

from collectors._datasets import Dataset
from collectors._emitter import Core, new_run_id
from collectors._errors import InvalidArgument
from collectors._runs import Run, RunRef, current_run, logger
from collectors._sql import sql_lineage
from collectors._values import run_id as checked_run_id
from collectors._values import text

P = ParamSpec("P")
R = TypeVar("R")
RunT = TypeVar("RunT", bound=Run)


def _datasets(values: Iterable[Dataset], argument: str) -> tuple[Dataset, ...]:
    out = tuple(values)
    for value in out:
        if not isinstance(value, Dataset):
            raise InvalidArgument(f"{argument} must hold Dataset values, not {type(value).__name__}", argument=argument)
    return out


@dataclass(frozen=True)
class StepSpec:
    """What a step declares up front; every run of the step starts from it."""

    job: str
    inputs: tuple[Dataset, ...] = ()
    outputs: tuple[Dataset, ...] = ()
    run_id: str | None = None
    parent: Run | RunRef | None = None
    job_facets: Mapping[str, JobFacet] = field(default_factory=dict)
    run_facets: Mapping[str, RunFacet] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        job: str,
        *,
        inputs: Iterable[Dataset] = (),
        outputs: Iterable[Dataset] = (),
        run_id: str | None = None,
        parent: Run | RunRef | None = None,
        job_facets: Mapping[str, JobFacet] | None = None,
        run_facets: Mapping[str, RunFacet] | None = None,
    ) -> StepSpec:
        """A checked spec: ``InvalidArgument`` for an empty job, a run id that is not a UUID, a non-Dataset."""
        if parent is not None and not isinstance(parent, Run | RunRef):
            raise InvalidArgument(
                "parent must be a Run (the value a step's `with` gives) or a RunRef", argument="parent"
            )
        return cls(
            job=text(job, "job"),
            inputs=_datasets(inputs, "inputs"),
            outputs=_datasets(outputs, "outputs"),
            run_id=None if run_id is None else checked_run_id(run_id),
            parent=parent,
            job_facets=dict(job_facets or {}),
            run_facets=dict(run_facets or {}),
        )


def _error_facet(exc: BaseException, producer: str) -> error_message_run.ErrorMessageRunFacet:
    return error_message_run.ErrorMessageRunFacet(
        message=f"{type(exc).__name__}: {exc}",
        programmingLanguage="python",
        stackTrace="".join(traceback.format_exception(exc)),
        producer=producer,
    )


class Step(Generic[RunT]):
    """A step of a pipeline: ``with step as run:`` or ``@step`` on a function; each entry or call is one run.

    Entering sends START; leaving sends COMPLETE, or FAIL with the ``errorMessage`` facet when an exception
    escapes (which goes on to the host unchanged), or ABORT on ``KeyboardInterrupt``/``SystemExit``/cancellation.
    Runs started while another step runs in the same thread or task carry a ``parent`` facet naming it.
    """

    def __init__(self, core: Core, spec: StepSpec, make_run: Callable[[RunRef, RunRef | None], RunT]) -> None:
        self._core = core
        self._spec = spec
        self._make_run = make_run

    @property
    def job(self) -> str:
        """The job name of the step's runs."""
        return self._spec.job

    def __enter__(self) -> RunT:
        spec = self._spec
        active = spec.parent or current_run()
        parent = active.ref if isinstance(active, Run) else active
        ref = RunRef(
            self._core.namespace,
            spec.job,
            spec.run_id or new_run_id(),
            parent.child_root() if parent else None,
        )
        run = self._make_run(ref, parent)
        run._enter(self)
        self._core._send(f"START of {spec.job}", lambda: self._event(run, ev.RunState.START, None))
        return run

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        run = current_run()
        if run is None or run._owner is not self:
            logger.warning("collectors: step %s left without a matching run in this context; not recorded", self.job)
            return
        run._leave()
        if not run._end():
            logger.warning("collectors: run %s of %s already ended", run.run_id, self.job)
            return
        if exc is None:
            state = ev.RunState.COMPLETE
        else:
            state = ev.RunState.FAIL if isinstance(exc, Exception) else ev.RunState.ABORT
        self._core._send(f"{state.value} of {self.job}", lambda: self._event(run, state, exc))

    def _event(self, run: Run, state: ev.RunState, exc: BaseException | None) -> ev.RunEvent:
        facets = dict(self._spec.run_facets)
        if exc is not None:
            facets["errorMessage"] = _error_facet(exc, self._core.producer)
        ending = state is not ev.RunState.START
        return self._core._run_event(
            state,
            run.ref,
            run.parent,
            inputs=run.inputs,
            outputs=run.outputs,
            run_facets=facets,
            job_facets=self._spec.job_facets,
            output_facets=run._output_facets(self._core.producer) if ending else None,
        )

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Decorate ``fn``: each call is one run of this step (``current_run()`` inside gives it)."""
        if self._spec.run_id is not None:
            raise InvalidArgument(
                "a step with a fixed run_id cannot decorate a function: each call is a new run", argument="run_id"
            )
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await fn(*args, **kwargs)

            return cast(Callable[P, R], run_async)

        @functools.wraps(fn)
        def run_sync(*args: P.args, **kwargs: P.kwargs) -> R:
            with self:
                return fn(*args, **kwargs)

        return run_sync

    def __repr__(self) -> str:
        return f"<Step {self._core.namespace}:{self._spec.job}>"


def _merged(parsed: Sequence[Dataset], declared: Sequence[Dataset]) -> list[Dataset]:
    """Datasets declared by the caller win over parsed ones, keeping the parsed column lineage they lack."""
    by_key = {d.key: d for d in parsed}
    for d in declared:
        found = by_key.get(d.key)
        if found is not None and found.column_lineage and not d.column_lineage:
            d = replace(d, column_lineage=found.column_lineage)
        by_key[d.key] = d
    return list(by_key.values())


class StepsMixin(Core):
    """``step`` and ``sql_step``."""

    def step(
        self,
        job: str,
        *,
        inputs: Iterable[Dataset] = (),
        outputs: Iterable[Dataset] = (),
        run_id: str | None = None,
        parent: Run | RunRef | None = None,
        job_facets: Mapping[str, JobFacet] | None = None,
        run_facets: Mapping[str, RunFacet] | None = None,
    ) -> Step[Run]:
        """A pipeline step of ``job`` reading ``inputs`` and writing ``outputs``: use with ``with`` or as ``@``.

        ``run_id`` fixes the run id (a UUID; context-manager use only); ``parent`` names the parent run when the
        step runs in another thread than its parent; ``job_facets``/``run_facets`` add OpenLineage facets.
        """
        spec = StepSpec.of(
            job,
            inputs=inputs,
            outputs=outputs,
            run_id=run_id,
            parent=parent,
            job_facets=job_facets,
            run_facets=run_facets,
        )
        return Step(self, spec, lambda ref, up: Run(ref, up, spec.inputs, spec.outputs))

    def sql_step(
        self,
        job: str,
        sql: str | Sequence[str],
        *,
        namespace: str,
        dialect: str | None = None,
        default_schema: str | None = None,
        masked: Iterable[str] = (),
        inputs: Iterable[Dataset] = (),
        outputs: Iterable[Dataset] = (),
        run_id: str | None = None,
        parent: Run | RunRef | None = None,
    ) -> Step[Run]:
        """A step that runs ``sql``: its tables (in ``namespace``) and column lineage come from parsing it.

        ``masked`` names output columns whose derivation masks its inputs (a hash, a redaction): the parser cannot
        tell. Datasets in ``inputs``/``outputs`` override the parsed ones of the same name (to add fields,
        classifications or tags). The SQL goes in the standard ``sql`` job facet.
        """
        parsed = sql_lineage(sql, namespace=namespace, dialect=dialect, default_schema=default_schema, masked=masked)
        for problem in parsed.warnings:
            logger.warning("collectors: SQL of %s: %s", job, problem)
        statements = [sql] if isinstance(sql, str) else list(sql)
        facet = sql_job.SQLJobFacet(query=";\n".join(statements), dialect=dialect, producer=self.producer)
        return self.step(
            job,
            inputs=_merged(parsed.inputs, _datasets(inputs, "inputs")),
            outputs=_merged(parsed.outputs, _datasets(outputs, "outputs")),
            run_id=run_id,
            parent=parent,
            job_facets={"sql": facet},
        )
