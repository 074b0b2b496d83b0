"""How ``collectors.prefect`` instruments: tasks submitted to threads and mapped, subflows found by reference,
hook sets for ``@flow``/``@task``, cancellation, and malformed calls."""

from __future__ import annotations

from uuid import UUID

import pytest
from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.states import Cancelled

from collectors import InvalidArgument, Lineage
from collectors._prefect_hooks import FlowHook
from collectors.prefect import flow_hooks, lineage_flow, lineage_task, task_hooks
from tests.collectors.memory import MemoryTransport, lineage_with


@task
def double(x: int) -> int:
    return 2 * x


@flow
def fan_out() -> int:
    futures = double.map([1, 2, 3])
    submitted = double.submit(10)
    return sum(f.result() for f in futures) + submitted.result()


@flow
def shared_child() -> int:
    return double(1)


@flow
def first_parent() -> int:
    return shared_child()


@flow
def second_parent() -> int:
    return shared_child()


@pytest.mark.integration
@pytest.mark.usefixtures("prefect_harness")
def test_tasks_submitted_and_mapped_to_threads_name_their_flow_run(lineage: Lineage, memory: MemoryTransport) -> None:
    assert lineage_flow(fan_out, lineage=lineage)() == 32
    flow_run_id = memory.one("fan-out")["run"]["runId"]
    runs = {e["run"]["runId"] for e in memory.runs("fan-out.double")}
    assert len(runs) == 4
    for run_id in runs:
        events = [e for e in memory.events if e["run"]["runId"] == run_id]
        assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
        assert all(e["run"]["facets"]["parent"]["run"]["runId"] == flow_run_id for e in events)


@pytest.mark.integration
@pytest.mark.usefixtures("prefect_harness")
def test_a_subflow_found_by_reference_sends_through_the_flow_that_instrumented_it_last() -> None:
    first, second = MemoryTransport(), MemoryTransport()
    lineage_flow(first_parent, lineage=lineage_with(first))()
    lineage_flow(second_parent, lineage=lineage_with(second, namespace="second"))()
    assert first.types("shared-child") == ["START", "COMPLETE"]
    assert first.types("shared-child.double") == ["START", "COMPLETE"]
    assert second.types("shared-child") == ["START", "COMPLETE"]
    assert {e["job"]["namespace"] for e in second.events} == {"second"}
    assert any("auto" in repr(h) for h in shared_child.on_running_hooks)


@pytest.mark.integration
@pytest.mark.usefixtures("prefect_harness")
def test_hook_sets_instrument_a_flow_and_a_task_without_decorators(lineage: Lineage, memory: MemoryTransport) -> None:
    @task(**task_hooks(lineage=lineage))
    def hooked_task() -> int:
        return 1

    @task(**task_hooks(lineage=lineage, namespace="tasks"))
    def own_namespace() -> int:
        return 2

    @flow(name="hooked", **flow_hooks(lineage=lineage, namespace="flows"))
    def hooked() -> int:
        return hooked_task() + own_namespace()

    assert hooked() == 3
    assert memory.types("hooked") == ["START", "COMPLETE"]
    # A task's namespace is its own, else its flow's; its parent facet names the flow in the flow's namespace.
    assert memory.one("hooked.hooked_task")["job"]["namespace"] == "flows"
    assert memory.one("hooked.own_namespace")["job"]["namespace"] == "tasks"
    for job in ("hooked.hooked_task", "hooked.own_namespace"):
        parent = memory.one(job)["run"]["facets"]["parent"]["job"]
        assert (parent["namespace"], parent["name"]) == ("flows", "hooked")


@pytest.mark.integration
@pytest.mark.usefixtures("prefect_harness")
def test_a_cancellation_sends_abort(lineage: Lineage, memory: MemoryTransport) -> None:
    instrumented = lineage_flow(shared_child, lineage=lineage)
    state = instrumented(return_state=True)
    flow_run_id: UUID | None = state.state_details.flow_run_id
    assert flow_run_id is not None
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(flow_run_id)
    for hook in instrumented.on_cancellation_hooks:
        hook(flow=instrumented, flow_run=flow_run, state=Cancelled(message="cancelled by user"))
    abort = memory.one("shared-child", "ABORT")
    assert abort["run"]["runId"] == str(flow_run_id) and "errorMessage" not in abort["run"]["facets"]


def test_malformed_calls_raise_where_they_are_made(lineage: Lineage) -> None:
    with pytest.raises(InvalidArgument, match="above @flow"):
        lineage_flow(lambda: None)  # type: ignore[call-overload]
    with pytest.raises(InvalidArgument, match="above @task"):
        lineage_task(lineage=lineage)(fan_out)  # type: ignore[type-var]
    with pytest.raises(InvalidArgument):
        lineage_task(double, inputs=["s3://bucket/x"])  # type: ignore[list-item]
    with pytest.raises(InvalidArgument):
        lineage_flow(fan_out, lineage="default")  # type: ignore[call-overload]
    with pytest.raises(InvalidArgument):
        lineage_flow(fan_out, namespace="")
    assert isinstance(lineage_flow(fan_out, lineage=lineage).on_running_hooks[0], FlowHook)
