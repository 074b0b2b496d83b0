"""OpenLineage for Prefect 3 flows and tasks: decorators that add state hooks sending events through ``Lineage``.

    from prefect import flow, task
    from prefect.assets import materialize
    from collectors import Dataset
    from collectors.prefect import lineage_flow, lineage_task

    @lineage_task(inputs=[Dataset("postgres://db:5432", "claims.public.claims")])
    @task(retries=2)
    def extract() -> list[dict]: ...

    @materialize("s3://features/claims.parquet", asset_deps=["postgres://db:5432/claims/public/claims"])
    def build_features(rows: list[dict]) -> None: ...

    @lineage_flow(namespace="pipelines")            # the emitter: Lineage.from_env() when the first hook runs
    @flow
    def claims_pipeline() -> None:
        build_features(extract())

Runs: the Prefect flow-run and task-run ids are the OpenLineage run ids. A flow run is the job ``<flow name>``
(Prefect's name: ``def claims_pipeline`` is ``claims-pipeline``), a task run ``<flow name>.<task name>``
(``<task name>`` outside a flow). Job namespace: the one given, else (tasks) their flow's, else the emitter's.
START comes from ``on_running`` (once per run: a retry runs ``on_running`` again and sends nothing), COMPLETE from
``on_completion`` (cached task runs too), FAIL with the ``errorMessage`` facet from ``on_failure`` (a final
failure: Prefect runs no failure hook before a retry) and from ``on_crashed``, ABORT from ``on_cancellation``.
Times are the states' timestamps. A task run's ``parent`` facet names its flow run; a subflow run's names the
flow run that called it and the root flow run. Events carry the ``jobType`` (integration PREFECT, FLOW or TASK)
and ``processing_engine`` facets.

Datasets: ``inputs``/``outputs`` declared on ``lineage_task`` (or ``lineage_flow``), Prefect assets a task
materializes (``@materialize``: outputs), its ``asset_deps`` and the assets upstream tasks passed it (inputs).
Asset keys become dataset names by the rule in ``collectors._prefect_assets`` (``asset_name``):
``s3://bucket/raw/x.csv`` -> namespace ``s3://bucket``, name ``raw/x.csv``; ``postgres://host:5432/db/schema/t``
-> ``postgres://host:5432``, ``db.schema.t``; ``file:///data/x.csv`` -> ``file``, ``/data/x.csv``.

Tasks: ``lineage_flow`` also instruments, in place, the tasks and subflows its function names (globals, module
attributes, closure variables), when decorating and again as each run starts. Such tasks emit only in runs of an
instrumented flow, with its emitter and namespace; such subflows emit with the emitter of the last flow that
instrumented them. Tasks it cannot see (passed as arguments, built at run time) need ``lineage_task``.

The hooks keep no state between calls: they work from what Prefect passes them, the flow run context and, for a
subflow's parents, Prefect API reads, so a worker that re-imports the flow to run ``on_crashed`` in another process
sends the same FAIL. ``lineage=None`` builds ``Lineage.from_env()`` in the process running the hook. A hook never
raises into the run: a failure is a warning on the ``collectors`` logger. Tasks have no crash hook in Prefect: the
task runs of a flow run that crashed keep their START alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypedDict, TypeVar, cast, overload

from prefect.flows import Flow, FlowStateHook
from prefect.tasks import StateHookCallable, Task

from collectors._datasets import Dataset
from collectors._errors import InvalidArgument
from collectors._lineage import Lineage
from collectors._prefect_assets import asset_dataset, asset_name
from collectors._prefect_hooks import (
    FlowEvent,
    FlowHook,
    LineageConfig,
    TaskEvent,
    TaskHook,
    instrument_calls,
    task_run_ref,
)
from collectors._steps import _datasets
from collectors._values import optional_text

__all__ = [
    "FlowHooks",
    "TaskHooks",
    "asset_dataset",
    "asset_name",
    "flow_hooks",
    "lineage_flow",
    "lineage_task",
    "task_hooks",
    "task_run_ref",
]

FlowT = TypeVar("FlowT", bound=Flow[Any, Any])
TaskT = TypeVar("TaskT", bound=Task[Any, Any])


def _config(
    lineage: Lineage | None, namespace: str | None, inputs: Iterable[Dataset], outputs: Iterable[Dataset]
) -> LineageConfig:
    if lineage is not None and not isinstance(lineage, Lineage):
        raise InvalidArgument(f"lineage must be a collectors.Lineage, not {type(lineage).__name__}", argument="lineage")
    return LineageConfig(
        lineage=lineage,
        namespace=optional_text(namespace, "namespace"),
        inputs=_datasets(inputs, "inputs"),
        outputs=_datasets(outputs, "outputs"),
    )


class FlowHooks(TypedDict):
    """``@flow`` keyword arguments: a hook list per flow state."""

    on_running: list[FlowStateHook[Any, Any]]
    on_completion: list[FlowStateHook[Any, Any]]
    on_failure: list[FlowStateHook[Any, Any]]
    on_crashed: list[FlowStateHook[Any, Any]]
    on_cancellation: list[FlowStateHook[Any, Any]]


class TaskHooks(TypedDict):
    """``@task`` keyword arguments: a hook list per task state."""

    on_running: list[StateHookCallable]
    on_completion: list[StateHookCallable]
    on_failure: list[StateHookCallable]


def flow_hooks(
    *,
    lineage: Lineage | None = None,
    namespace: str | None = None,
    inputs: Iterable[Dataset] = (),
    outputs: Iterable[Dataset] = (),
) -> FlowHooks:
    """The hook set of ``lineage_flow`` as ``@flow`` keyword arguments: ``@flow(**flow_hooks(...))``.

    Unlike ``lineage_flow``, it instruments no tasks (a task with its own ``lineage_task`` emits)."""
    config = _config(lineage, namespace, inputs, outputs)
    return FlowHooks(
        on_running=[FlowHook("running", config)],
        on_completion=[FlowHook("completion", config)],
        on_failure=[FlowHook("failure", config)],
        on_crashed=[FlowHook("crashed", config)],
        on_cancellation=[FlowHook("cancellation", config)],
    )


def task_hooks(
    *,
    lineage: Lineage | None = None,
    namespace: str | None = None,
    inputs: Iterable[Dataset] = (),
    outputs: Iterable[Dataset] = (),
) -> TaskHooks:
    """The hook set of ``lineage_task`` as ``@task`` keyword arguments: ``@task(**task_hooks(...))``."""
    config = _config(lineage, namespace, inputs, outputs)
    return TaskHooks(
        on_running=[TaskHook("running", config)],
        on_completion=[TaskHook("completion", config)],
        on_failure=[TaskHook("failure", config)],
    )


def _merged(existing: Iterable[Any], ours: Any, kind: type) -> list[Any]:
    """Our hook first, then the user's (``with_options`` replaces hook lists: keep theirs, drop older ones of ours)."""
    return [ours, *(hook for hook in existing if not isinstance(hook, kind))]


def _instrument_flow(target: FlowT, config: LineageConfig, tasks: bool) -> FlowT:
    if not isinstance(target, Flow):
        raise InvalidArgument(
            f"lineage_flow takes a Prefect flow (put it above @flow), not {type(target).__name__}", argument="flow"
        )

    def hooks(event: FlowEvent) -> list[Any]:
        ours = FlowHook(event, config, calls=tasks)
        return _merged(getattr(target, f"on_{event}_hooks"), ours, FlowHook)

    instrumented = target.with_options(
        on_running=hooks("running"),
        on_completion=hooks("completion"),
        on_failure=hooks("failure"),
        on_crashed=hooks("crashed"),
        on_cancellation=hooks("cancellation"),
    )
    if tasks:
        instrument_calls(instrumented.fn, config)
    return cast(FlowT, instrumented)


def _instrument_task(target: TaskT, config: LineageConfig) -> TaskT:
    if not isinstance(target, Task):
        raise InvalidArgument(
            f"lineage_task takes a Prefect task (put it above @task), not {type(target).__name__}", argument="task"
        )

    def hooks(event: TaskEvent) -> list[Any]:
        return _merged(getattr(target, f"on_{event}_hooks"), TaskHook(event, config), TaskHook)

    instrumented = target.with_options(
        on_running=hooks("running"), on_completion=hooks("completion"), on_failure=hooks("failure")
    )
    return cast(TaskT, instrumented)


@overload
def lineage_flow(
    flow: FlowT,
    /,
    *,
    lineage: Lineage | None = ...,
    namespace: str | None = ...,
    inputs: Iterable[Dataset] = ...,
    outputs: Iterable[Dataset] = ...,
    tasks: bool = ...,
) -> FlowT: ...
@overload
def lineage_flow(
    flow: None = None,
    /,
    *,
    lineage: Lineage | None = ...,
    namespace: str | None = ...,
    inputs: Iterable[Dataset] = ...,
    outputs: Iterable[Dataset] = ...,
    tasks: bool = ...,
) -> Callable[[FlowT], FlowT]: ...
def lineage_flow(
    flow: Any = None,
    /,
    *,
    lineage: Lineage | None = None,
    namespace: str | None = None,
    inputs: Iterable[Dataset] = (),
    outputs: Iterable[Dataset] = (),
    tasks: bool = True,
) -> Any:
    """The flow with hooks that send its runs' OpenLineage events (``@lineage_flow`` or ``@lineage_flow(...)`` above
    ``@flow``, or ``lineage_flow(flow_obj, ...)``); the user's own hooks are kept.

    ``lineage``: the emitter (default: ``Lineage.from_env()``, built when a hook first needs it); ``namespace``: the
    job namespace (default: the emitter's); ``inputs``/``outputs``: datasets of the flow run itself; ``tasks``:
    also instrument the tasks and subflows the flow's function names. ``InvalidArgument`` for a malformed call."""
    config = _config(lineage, namespace, inputs, outputs)
    if flow is None:
        return lambda target: _instrument_flow(target, config, tasks)
    return _instrument_flow(flow, config, tasks)


@overload
def lineage_task(
    task: TaskT,
    /,
    *,
    lineage: Lineage | None = ...,
    namespace: str | None = ...,
    inputs: Iterable[Dataset] = ...,
    outputs: Iterable[Dataset] = ...,
) -> TaskT: ...
@overload
def lineage_task(
    task: None = None,
    /,
    *,
    lineage: Lineage | None = ...,
    namespace: str | None = ...,
    inputs: Iterable[Dataset] = ...,
    outputs: Iterable[Dataset] = ...,
) -> Callable[[TaskT], TaskT]: ...
def lineage_task(
    task: Any = None,
    /,
    *,
    lineage: Lineage | None = None,
    namespace: str | None = None,
    inputs: Iterable[Dataset] = (),
    outputs: Iterable[Dataset] = (),
) -> Any:
    """The task with hooks that send its runs' OpenLineage events (above ``@task`` or ``@materialize``); the
    user's own hooks are kept.

    ``inputs``/``outputs``: datasets each run reads and writes (added to the task's assets). ``lineage`` and
    ``namespace`` default to those of the instrumented flow the task runs in, else ``Lineage.from_env()`` and its
    namespace."""
    config = _config(lineage, namespace, inputs, outputs)
    if task is None:
        return lambda target: _instrument_task(target, config)
    return _instrument_task(task, config)
