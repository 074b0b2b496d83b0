"""Who a Prefect run is in OpenLineage terms: run ids, parent and root runs, times, first attempts and errors.

Everything comes from the objects a hook receives (flow, flow run, task run, state), the flow run context when
the hook runs inside the flow, and, for a subflow, reads of the Prefect API: ``parent_task_run_id`` -> the parent
task run -> its flow run -> that flow (for its name), up to the root. What the API answers never changes for a
run, so answers are cached, but nothing depends on the cache: a hook run in a fresh process (a worker running
``on_crashed``) finds the same parents.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any
from uuid import UUID

from openlineage.client.facet_v2 import error_message_run
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, State, TaskRun
from prefect.context import FlowRunContext

from collectors._runs import RunRef
from collectors._steps import _error_facet
from collectors._values import timestamp

logger = logging.getLogger("collectors")


@lru_cache(maxsize=1024)
def _flow_run_by_id(namespace: str, flow_run_id: UUID) -> RunRef:
    """A flow run known only by its id, with its root: API reads of the run, its flow and its ancestors."""
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(flow_run_id)
        name = client.read_flow(flow_run.flow_id).name
    parent = _parent_by_task_run(namespace, flow_run.parent_task_run_id) if flow_run.parent_task_run_id else None
    return RunRef(namespace, name, str(flow_run_id), parent.child_root() if parent else None)


@lru_cache(maxsize=1024)
def _parent_by_task_run(namespace: str, parent_task_run_id: UUID) -> RunRef | None:
    """The flow run a subflow was called from: the flow run of the task run Prefect made for the call."""
    with get_client(sync_client=True) as client:
        task_run = client.read_task_run(parent_task_run_id)
    return _flow_run_by_id(namespace, task_run.flow_run_id) if task_run.flow_run_id else None


def _parent_of(namespace: str, flow_run: FlowRun) -> RunRef | None:
    if flow_run.parent_task_run_id is None:
        return None
    try:
        return _parent_by_task_run(namespace, flow_run.parent_task_run_id)
    except Exception as exc:
        logger.warning(
            "collectors: cannot find the parent of flow run %s in the Prefect API (%s: %s); sent without it",
            flow_run.id,
            type(exc).__name__,
            exc,
        )
        return None


def flow_run_ref(namespace: str, flow_name: str, flow_run: FlowRun) -> tuple[RunRef, RunRef | None]:
    """A flow run's identity (job = the flow's name, run id = the flow run's id) and its parent's, if a subflow."""
    parent = _parent_of(namespace, flow_run)
    return RunRef(namespace, flow_name, str(flow_run.id), parent.child_root() if parent else None), parent


def task_parent_ref(namespace: str, task_run: TaskRun) -> RunRef | None:
    """The flow run a task run belongs to: from the flow run context when it is that run's, else the API."""
    if task_run.flow_run_id is None:
        return None
    context = FlowRunContext.get()
    flow, flow_run = (context.flow, context.flow_run) if context is not None else (None, None)
    if flow is not None and flow_run is not None and flow_run.id == task_run.flow_run_id:
        return flow_run_ref(namespace, flow.name, flow_run)[0]
    try:
        return _flow_run_by_id(namespace, task_run.flow_run_id)
    except Exception as exc:
        logger.warning("collectors: cannot read flow run %s from the Prefect API: %s", task_run.flow_run_id, exc)
        return None


def first_flow_attempt(flow_run: FlowRun, state: State[Any]) -> bool:
    """Whether a flow run entering Running starts its first attempt (a retry must not send a second START).

    The flow run a hook gets is the engine's copy, read before this Running state: its ``run_count`` is 0 on the
    first attempt and 1 on the first retry (the server's count minus one), and ``start_time`` is set, earlier than
    this state, only once a previous attempt ran. Either copy (stale or fresh) is judged right.
    """
    if flow_run.run_count > 1:
        return False
    started = flow_run.start_time
    return started is None or state.timestamp is None or started >= state.timestamp


def first_task_attempt(task_run: TaskRun) -> bool:
    """Whether a task run entering Running starts its first attempt: the engine counts runs before the hooks."""
    return task_run.run_count <= 1


def event_time(state: State[Any]) -> str | None:
    """When the state was entered, as an RFC 3339 UTC time (``None``: now)."""
    try:
        return timestamp(state.timestamp, "state.timestamp")
    except Exception:
        return None


def error_facet(state: State[Any], producer: str) -> error_message_run.ErrorMessageRunFacet:
    """The ``errorMessage`` facet of a failed or crashed state: from its exception when the state holds it (in the
    process that ran the flow), else from the state's message (a crash reported by a worker)."""
    data = state.data
    exc = getattr(data, "result", data)
    if isinstance(exc, BaseException):
        return _error_facet(exc, producer)
    return error_message_run.ErrorMessageRunFacet(
        message=state.message or f"{state.type.value}: {state.name}",
        programmingLanguage="python",
        producer=producer,
    )
