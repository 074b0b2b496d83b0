"""Prefect flows and tasks instrumented with ``collectors.prefect``, run for real against the session's Prefect
server: Prefect's run ids are the run ids, tasks and subflows name their parents, retries send one START,
failures FAIL with the error, and lineage never breaks a flow."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any, cast
from uuid import UUID

import pytest
from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter
from prefect.client.schemas.objects import State, TaskRun
from prefect.states import Completed

from collectors import Dataset, Lineage
from collectors._values import timestamp
from collectors.prefect import lineage_flow, lineage_task, task_hooks
from tests.collectors.memory import Event, MemoryTransport, lineage_with

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

CLAIMS = Dataset("postgres://db:5432", "claims.public.claims")
FEATURES = Dataset("s3://lake", "features/claims.parquet")
ATTEMPTS: dict[str, int] = {}


@lineage_task(inputs=[CLAIMS])
@task
def extract() -> list[int]:
    return [1, 2, 3]


@task
def transform(rows: list[int]) -> int:
    return sum(rows)


@flow
def pipeline() -> int:
    return transform(extract())


@task
def inner_task() -> str:
    return "ok"


@flow
def inner() -> str:
    return inner_task()


@flow
def middle() -> str:
    return inner()


@flow
def outer() -> str:
    return middle()


@task(retries=2)
def flaky(key: str) -> str:
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] == 1:
        raise ConnectionError("first attempt fails")
    return key


@flow(retries=1)
def retried_flow(key: str) -> str:
    flaky(key)
    ATTEMPTS[f"flow-{key}"] = ATTEMPTS.get(f"flow-{key}", 0) + 1
    if ATTEMPTS[f"flow-{key}"] == 1:
        raise LookupError("the flow's first attempt fails")
    return key


@task
def boom() -> None:
    raise RuntimeError("boom")


@flow
def failing() -> None:
    boom()


def _by_run(memory: MemoryTransport, run_id: UUID | str) -> list[Event]:
    return [e for e in memory.events if e["run"]["runId"] == str(run_id)]


def _parent(event: Event) -> tuple[str, str, str]:
    facet = event["run"]["facets"]["parent"]
    return facet["job"]["name"], facet["run"]["runId"], facet["root"]["run"]["runId"]


def _flow_run_id(state: State[Any]) -> UUID:
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    return flow_run_id


def task_run_ids_of(flow_run_id: UUID, expected: int) -> set[str]:
    """The ids of a flow run's task runs, once the API has them all (task runs reach it through events)."""
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": [flow_run_id]}))
            if len(runs) >= expected or time.monotonic() > deadline:
                return {str(r.id) for r in runs}
            time.sleep(0.1)


def test_a_flow_and_its_tasks_send_start_and_complete_under_prefect_run_ids(
    lineage: Lineage, memory: MemoryTransport
) -> None:
    state = lineage_flow(pipeline, lineage=lineage)(return_state=True)
    assert state.is_completed() and state.result() == 6
    flow_run_id = str(_flow_run_id(state))
    start, complete = memory.runs("pipeline")
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert start["run"]["runId"] == complete["run"]["runId"] == flow_run_id
    assert "parent" not in start["run"]["facets"]
    assert start["job"]["namespace"] == "test" and start["job"]["facets"]["jobType"]["jobType"] == "FLOW"
    assert start["run"]["facets"]["processing_engine"]["name"] == "prefect"
    with get_client(sync_client=True) as client:
        final = client.read_flow_run(UUID(flow_run_id)).state
    assert final is not None and complete["eventTime"] == timestamp(final.timestamp, "t")

    tasks = [e for e in memory.events if e["job"]["name"] in ("pipeline.extract", "pipeline.transform")]
    assert {e["run"]["runId"] for e in tasks} == task_run_ids_of(UUID(flow_run_id), 2)
    for name in ("pipeline.extract", "pipeline.transform"):
        assert memory.types(name) == ["START", "COMPLETE"]
        for event in memory.runs(name):
            assert _parent(event) == ("pipeline", flow_run_id, flow_run_id)
            assert event["job"]["facets"]["jobType"]["jobType"] == "TASK"
            assert start["eventTime"] <= event["eventTime"] <= complete["eventTime"]
    extract_events = memory.runs("pipeline.extract")
    assert all([(d["namespace"], d["name"]) for d in e["inputs"]] == [CLAIMS.key] for e in extract_events)


def test_the_namespace_is_configurable_and_tasks_follow_their_flow(lineage: Lineage, memory: MemoryTransport) -> None:
    lineage_flow(pipeline, lineage=lineage, namespace="etl", outputs=[FEATURES])()
    assert {e["job"]["namespace"] for e in memory.events} == {"etl"}
    assert [d["name"] for d in memory.one("pipeline")["outputs"]] == [FEATURES.name]
    assert memory.one("pipeline.extract")["run"]["facets"]["parent"]["job"]["namespace"] == "etl"


def test_subflows_name_their_parent_and_the_root(lineage: Lineage, memory: MemoryTransport) -> None:
    state = lineage_flow(outer, lineage=lineage)(return_state=True)
    root = str(_flow_run_id(state))
    ids = {job: memory.one(job, "START")["run"]["runId"] for job in ("outer", "middle", "inner", "inner.inner_task")}
    assert ids["outer"] == root and len(set(ids.values())) == 4
    for job, event_type in [(j, t) for j in ("middle", "inner", "inner.inner_task") for t in ("START", "COMPLETE")]:
        parent_job = {"middle": "outer", "inner": "middle", "inner.inner_task": "inner"}[job]
        assert _parent(memory.one(job, event_type)) == (parent_job, ids[parent_job], root)
    with get_client(sync_client=True) as client:
        middle_run = client.read_flow_run(UUID(ids["middle"]))
    assert middle_run.parent_task_run_id is not None


def test_retries_send_one_start_and_one_complete_per_run(lineage: Lineage, memory: MemoryTransport) -> None:
    key = uuid.uuid4().hex
    state = lineage_flow(retried_flow, lineage=lineage)(key, return_state=True)
    assert state.is_completed() and ATTEMPTS[key] >= 2 and ATTEMPTS[f"flow-{key}"] == 2
    flow_events = _by_run(memory, _flow_run_id(state))
    assert [e["eventType"] for e in flow_events] == ["START", "COMPLETE"]
    # Each flow attempt calls the task: a task run each; the first one failed once, then succeeded on its retry.
    first, second = dict.fromkeys(e["run"]["runId"] for e in memory.runs("retried-flow.flaky"))
    assert [e["eventType"] for e in _by_run(memory, first)] == ["START", "COMPLETE"]
    assert [e["eventType"] for e in _by_run(memory, second)] == ["START", "COMPLETE"]


def test_a_failing_task_and_flow_send_fail_with_the_error(lineage: Lineage, memory: MemoryTransport) -> None:
    state = lineage_flow(failing, lineage=lineage)(return_state=True)
    assert state.is_failed()
    for job in ("failing", "failing.boom"):
        assert memory.types(job) == ["START", "FAIL"]
        error = memory.one(job, "FAIL")["run"]["facets"]["errorMessage"]
        assert error["message"] == "RuntimeError: boom" and error["programmingLanguage"] == "python"
        assert 'raise RuntimeError("boom")' in error["stackTrace"]


def test_the_users_hooks_are_kept(lineage: Lineage, memory: MemoryTransport) -> None:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[-1].name)

    mine: Any = record  # the same function as a flow and as a task hook

    @task(on_completion=[mine])
    def step() -> int:
        return 1

    @flow(on_running=[mine], on_completion=[mine])
    def with_hooks() -> int:
        return step()

    instrumented = lineage_flow(with_hooks, lineage=lineage)
    assert instrumented() == 1
    assert seen == ["Running", "Completed", "Completed"]
    assert memory.types("with-hooks") == ["START", "COMPLETE"]
    assert memory.types("with-hooks.step") == ["START", "COMPLETE"]
    assert len(instrumented.on_completion_hooks) == 2 and len(lineage_flow(instrumented).on_completion_hooks) == 2


def test_tasks_called_outside_an_instrumented_flow_send_nothing(lineage: Lineage, memory: MemoryTransport) -> None:
    lineage_flow(pipeline, lineage=lineage)  # instruments transform (in place) for instrumented runs only
    assert any("inherited" in repr(h) for h in transform.on_running_hooks)

    @flow
    def plain() -> int:
        return transform([1])

    assert plain() == 1
    assert memory.events == []


def test_a_task_with_its_own_hooks_emits_without_a_flow(lineage: Lineage, memory: MemoryTransport) -> None:
    def seven() -> int:
        return 7

    solo = task(name="solo", **task_hooks(lineage=lineage, outputs=[FEATURES]))(seven)
    assert solo() == 7
    assert memory.types("solo") == ["START", "COMPLETE"]
    assert "parent" not in memory.one("solo")["run"]["facets"]
    assert [d["name"] for d in memory.one("solo")["outputs"]] == [FEATURES.name]


def test_async_flows_and_tasks_are_instrumented_too(lineage: Lineage, memory: MemoryTransport) -> None:
    @task
    async def fetch() -> int:
        return 2

    @flow
    async def async_pipeline() -> int:
        return await fetch()

    assert asyncio.run(lineage_flow(async_pipeline, lineage=lineage)()) == 2
    flow_id = memory.one("async-pipeline")["run"]["runId"]
    assert memory.types("async-pipeline.fetch") == ["START", "COMPLETE"]
    assert _parent(memory.one("async-pipeline.fetch"))[1] == flow_id


def test_a_broken_transport_never_breaks_the_flow(caplog: pytest.LogCaptureFixture) -> None:
    broken = MemoryTransport(fail=ConnectionError)
    assert lineage_flow(pipeline, lineage=lineage_with(broken))() == 6
    assert broken.attempts == 6 and broken.events == []
    warnings = [r.getMessage() for r in caplog.records if r.name == "collectors" and r.levelno == logging.WARNING]
    assert len(warnings) == 6 and all("transport is down" in w for w in warnings)


def test_a_hook_that_fails_logs_a_warning_and_does_not_raise(
    lineage: Lineage, memory: MemoryTransport, caplog: pytest.LogCaptureFixture
) -> None:
    class Unnamed:  # a task whose name cannot be read: the hook fails while building the event
        name = property(lambda self: 1 / 0)

    hook = lineage_task(extract, lineage=lineage).on_completion_hooks[0]
    hook(cast(Any, Unnamed()), TaskRun(task_key="t", dynamic_key="0"), Completed())
    assert memory.events == []
    assert any("hook of task run" in r.getMessage() for r in caplog.records if r.name == "collectors")
