"""The Prefect state hooks that send OpenLineage events, and where they find their emitter.

A hook keeps only what was declared when the flow or task was decorated (an emitter or none, a namespace,
datasets): a module that is imported again (a worker running ``on_crashed``) builds the same hooks. Everything
about the run comes from what Prefect passes the hook (see ``collectors._prefect_runs``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from types import CodeType, ModuleType
from typing import Any, Literal

from openlineage.client import event_v2 as ev
from openlineage.client.facet_v2 import JobFacet, RunFacet, job_type_job, processing_engine_run
from prefect.client.schemas.objects import FlowRun, State, TaskRun
from prefect.context import FlowRunContext
from prefect.flows import Flow
from prefect.tasks import Task

from collectors._datasets import Dataset
from collectors._lineage import Lineage
from collectors._prefect_assets import task_datasets
from collectors._prefect_runs import (
    error_facet,
    event_time,
    first_flow_attempt,
    first_task_attempt,
    flow_run_ref,
    task_parent_ref,
)
from collectors._runs import RunRef

logger = logging.getLogger("collectors")

FlowEvent = Literal["running", "completion", "failure", "crashed", "cancellation"]
TaskEvent = Literal["running", "completion", "failure"]
FLOW_EVENTS: tuple[FlowEvent, ...] = ("running", "completion", "failure", "crashed", "cancellation")
TASK_EVENTS: tuple[TaskEvent, ...] = ("running", "completion", "failure")
_RUN_STATE = {
    "running": ev.RunState.START,
    "completion": ev.RunState.COMPLETE,
    "failure": ev.RunState.FAIL,
    "crashed": ev.RunState.FAIL,
    "cancellation": ev.RunState.ABORT,
}


@cache
def env_lineage() -> Lineage:
    """The process's ``Lineage.from_env()``, built the first time a hook without an emitter needs one."""
    return Lineage.from_env()


@dataclass(frozen=True)
class LineageConfig:
    """What a flow or task was instrumented with. ``None`` means: the enclosing flow's, else the default (the
    emitter from the environment; the emitter's namespace)."""

    lineage: Lineage | None = None
    namespace: str | None = None
    inputs: tuple[Dataset, ...] = ()
    outputs: tuple[Dataset, ...] = ()

    def resolve(self, outer: LineageConfig | None = None) -> tuple[Lineage, str]:
        """The emitter and job namespace to use."""
        lineage = self.lineage or (outer.lineage if outer else None) or env_lineage()
        return lineage, self.namespace or (outer.namespace if outer else None) or lineage.namespace


@cache
def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _send(
    lineage: Lineage,
    kind: ev.RunState,
    runs: tuple[RunRef, RunRef | None],
    state: State[Any],
    job_type: str,
    datasets: tuple[Sequence[Dataset], Sequence[Dataset]] = ((), ()),
) -> None:
    run, parent = runs
    producer = lineage.producer
    run_facets: dict[str, RunFacet] = {
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=_version("prefect"),
            name="prefect",
            openlineageAdapterVersion=_version("ai-lineage"),
            producer=producer,
        )
    }
    if kind is ev.RunState.FAIL:
        run_facets["errorMessage"] = error_facet(state, producer)
    job_facets: dict[str, JobFacet] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="PREFECT", jobType=job_type, producer=producer
        )
    }
    lineage._send(
        f"{kind.value} of {run.job}",
        lambda: lineage._run_event(
            kind,
            run,
            parent,
            inputs=datasets[0],
            outputs=datasets[1],
            run_facets=run_facets,
            job_facets=job_facets,
            event_time=event_time(state),
        ),
    )


class FlowHook:
    """A flow state hook (``on_running``, ``on_completion``, ``on_failure``, ``on_crashed``, ``on_cancellation``)
    sending START (on the first attempt only), COMPLETE, FAIL, FAIL or ABORT for the flow run. Never raises.

    ``calls``: the ``on_running`` hook also instruments the tasks and subflows the flow's function names (see
    ``instrument_calls``), in case some were defined after the flow was decorated. ``auto``: added by
    ``instrument_calls`` to a subflow, not by ``lineage_flow``.
    """

    __name__: str

    def __init__(self, event: FlowEvent, config: LineageConfig, *, calls: bool = False, auto: bool = False) -> None:
        self.event = event
        self.config = config
        self.calls = calls and event == "running"
        self.auto = auto
        self.__name__ = f"openlineage_flow_on_{event}"

    def __call__(self, flow: Any, flow_run: FlowRun, state: State[Any]) -> None:
        try:
            if self.calls:
                instrument_calls(flow.fn, self.config)
            kind = _RUN_STATE[self.event]
            if kind is ev.RunState.START and not first_flow_attempt(flow_run, state):
                return
            lineage, namespace = self.config.resolve()
            runs = flow_run_ref(namespace, flow.name, flow_run)
            _send(lineage, kind, runs, state, "FLOW", (self.config.inputs, self.config.outputs))
        except Exception:
            logger.warning("collectors: Prefect %s hook of flow run %s failed", self.event, flow_run.id, exc_info=True)

    def __repr__(self) -> str:
        return f"<FlowHook {self.event}{' auto' if self.auto else ''}>"


def flow_config(flow: Any) -> LineageConfig | None:
    """The configuration a flow was instrumented with, or ``None``."""
    for hook in getattr(flow, "on_running_hooks", None) or ():
        if isinstance(hook, FlowHook):
            return hook.config
    return None


class TaskHook:
    """A task state hook (``on_running``, ``on_completion``, ``on_failure``) sending START (on the first attempt
    only: Prefect calls ``on_running`` again on each retry), COMPLETE or FAIL. Never raises.

    ``inherit``: the hook acts only in a flow run of an instrumented flow, with that flow's emitter and namespace
    (what a flow instruments the tasks it calls with)."""

    __name__: str

    def __init__(self, event: TaskEvent, config: LineageConfig, *, inherit: bool = False) -> None:
        self.event = event
        self.config = config
        self.inherit = inherit
        self.__name__ = f"openlineage_task_on_{event}"

    def __call__(self, task: Any, task_run: TaskRun, state: State[Any]) -> None:
        try:
            self._emit(task, task_run, state)
        except Exception:
            logger.warning("collectors: Prefect %s hook of task run %s failed", self.event, task_run.id, exc_info=True)

    def _emit(self, task: Any, task_run: TaskRun, state: State[Any]) -> None:
        kind = _RUN_STATE[self.event]
        if kind is ev.RunState.START and not first_task_attempt(task_run):
            return
        context = FlowRunContext.get()
        outer = flow_config(context.flow) if context is not None else None
        if self.inherit and outer is None:
            return
        lineage, namespace = self.config.resolve(outer)
        parent = task_parent_ref(outer.resolve()[1] if outer else namespace, task_run)
        job = f"{parent.job}.{task.name}" if parent else str(task.name)
        run = RunRef(namespace, job, str(task_run.id), parent.child_root() if parent else None)
        datasets = task_datasets(task, task_run, self.config.inputs, self.config.outputs)
        _send(lineage, kind, (run, parent), state, "TASK", datasets)

    def __repr__(self) -> str:
        return f"<TaskHook {self.event}{' inherited' if self.inherit else ''}>"


def _referenced(fn: Any) -> list[Any]:
    """The values a function's code names: its globals (and their attributes, for modules) and closure cells."""
    code = getattr(fn, "__code__", None)
    if not isinstance(code, CodeType):
        return []
    names: set[str] = set()
    stack = [code]
    while stack:
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(c for c in current.co_consts if isinstance(c, CodeType))
    scope: dict[str, Any] = getattr(fn, "__globals__", {})
    values = [scope[name] for name in sorted(names) if name in scope]
    modules = [v for v in values if isinstance(v, ModuleType)]
    # A module's own attributes only: getattr could run a module's lazy __getattr__ for any name in the code.
    values += [vars(m)[name] for m in modules for name in sorted(names) if name in vars(m)]
    for cell in getattr(fn, "__closure__", None) or ():
        with contextlib.suppress(ValueError):  # an empty cell
            values.append(cell.cell_contents)
    return values


def _instrument_subflow(subflow: Any, config: LineageConfig) -> bool:
    """Give a subflow the flow hooks of ``config``, replacing those an earlier call gave it; ``False`` when it
    was instrumented on its own (``lineage_flow``), which stands."""
    ours = [h for h in subflow.on_running_hooks if isinstance(h, FlowHook)]
    if any(not h.auto for h in ours):
        return False
    if ours and ours[0].config == config:
        return True
    for event in FLOW_EVENTS:
        hooks = getattr(subflow, f"on_{event}_hooks")
        hooks[:] = [*(h for h in hooks if not isinstance(h, FlowHook)), FlowHook(event, config, calls=True, auto=True)]
    return True


def instrument_calls(fn: Any, config: LineageConfig, seen: set[int] | None = None) -> None:
    """Add hooks, in place, to the Prefect tasks and subflows ``fn`` names.

    A task without hooks of ours gets hooks that act only in runs of an instrumented flow, with its emitter
    (``TaskHook(inherit=True)``). A subflow not instrumented on its own gets flow hooks with ``config``'s emitter
    and namespace (the last flow that instrumented it wins), and its own calls are instrumented in turn."""
    seen = set() if seen is None else seen
    inherited = LineageConfig(config.lineage, config.namespace)
    for value in _referenced(fn):
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, Task):
            if not any(isinstance(h, TaskHook) for h in value.on_running_hooks):
                for task_event in TASK_EVENTS:
                    getattr(value, f"on_{task_event}_hooks").append(TaskHook(task_event, LineageConfig(), inherit=True))
        elif isinstance(value, Flow) and _instrument_subflow(value, inherited):
            instrument_calls(value.fn, inherited, seen)


def task_run_ref() -> RunRef | None:
    """The OpenLineage identity of the Prefect task run executing here (as its hooks name it), or ``None``.

    Pass it as ``parent=`` to a collectors step inside the task, so the step's run is the task run's child.
    """
    try:
        from prefect.context import TaskRunContext

        task_context = TaskRunContext.get()
        if task_context is None:
            return None
        context = FlowRunContext.get()
        outer = flow_config(context.flow) if context is not None else None
        namespace = outer.resolve()[1] if outer is not None else env_lineage().namespace
        task_run = task_context.task_run
        parent = task_parent_ref(namespace, task_run)
        job = f"{parent.job}.{task_context.task.name}" if parent else str(task_context.task.name)
        return RunRef(namespace, job, str(task_run.id), parent.child_root() if parent else None)
    except Exception:
        logger.warning("collectors: cannot name the current Prefect task run", exc_info=True)
        return None
