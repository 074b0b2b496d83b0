"""Steps: START then COMPLETE, FAIL or ABORT; datasets found on the way; parent facets for nested runs."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import pytest

from collectors import Dataset, Field, InvalidArgument, Lineage, Run, current_run
from tests.collectors.memory import Event, MemoryTransport

RAW = Dataset("postgres://db:5432", "public.claims", fields=[Field("id", "int"), Field("ssn", "text", ["pii.ssn"])])
OUT = Dataset("s3://lake", "features/claims")


def _parent(event: Event) -> dict[str, Any] | None:
    parent: dict[str, Any] | None = event["run"]["facets"].get("parent")
    return parent


def test_a_step_sends_start_then_complete_with_its_datasets(lineage: Lineage, memory: MemoryTransport) -> None:
    with lineage.step("build_features", inputs=[RAW], outputs=[OUT]) as run:
        assert isinstance(run, Run) and current_run() is run
    assert current_run() is None
    start, complete = memory.runs("build_features")
    assert [start["eventType"], complete["eventType"]] == ["START", "COMPLETE"]
    assert start["run"]["runId"] == complete["run"]["runId"] == run.run_id
    uuid.UUID(run.run_id)
    for event in (start, complete):
        assert event["job"] == {"namespace": "test", "name": "build_features", "facets": {}}
        assert event["producer"] == "https://example.org/tests"
        assert [(d["namespace"], d["name"]) for d in event["inputs"]] == [RAW.key]
        assert [(d["namespace"], d["name"]) for d in event["outputs"]] == [OUT.key]
        assert _parent(event) is None
    assert start["eventTime"] <= complete["eventTime"]


def test_datasets_found_during_the_step_are_sent_on_completion(lineage: Lineage, memory: MemoryTransport) -> None:
    extra = Dataset("s3://lake", "features/extra")
    with lineage.step("discover", inputs=[RAW]) as run:
        run.add_output(extra)
        run.add_input(Dataset("file", "/tmp/lookup.csv"))
        run.add_output(extra)  # the same dataset twice is one output
    start, complete = memory.runs("discover")
    assert start["outputs"] == []
    assert [d["name"] for d in complete["outputs"]] == ["features/extra"]
    assert [d["name"] for d in complete["inputs"]] == ["public.claims", "/tmp/lookup.csv"]
    assert run.outputs == (extra,)


def test_a_failing_step_sends_fail_with_the_error_and_reraises_the_same_exception(
    lineage: Lineage, memory: MemoryTransport
) -> None:
    error = ValueError("bad row 7")
    with pytest.raises(ValueError) as caught, lineage.step("load"):
        raise error
    assert caught.value is error
    assert memory.types("load") == ["START", "FAIL"]
    facet = memory.one("load", "FAIL")["run"]["facets"]["errorMessage"]
    assert facet["message"] == "ValueError: bad row 7"
    assert facet["programmingLanguage"] == "python"
    assert "Traceback" in facet["stackTrace"] and "bad row 7" in facet["stackTrace"]
    assert facet["_schemaURL"].endswith("ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet")


def test_an_interrupted_step_is_aborted(lineage: Lineage, memory: MemoryTransport) -> None:
    with pytest.raises(KeyboardInterrupt), lineage.step("interrupted"):
        raise KeyboardInterrupt
    assert memory.types("interrupted") == ["START", "ABORT"]


def test_nested_steps_name_their_parent_and_root(lineage: Lineage, memory: MemoryTransport) -> None:
    with lineage.step("flow") as flow, lineage.step("task") as task:
        with lineage.step("subtask") as subtask:
            assert current_run() is subtask
        assert current_run() is task
    assert _parent(memory.one("flow")) is None
    for event in memory.runs("task"):
        parent = _parent(event)
        assert parent is not None
        assert parent["run"]["runId"] == flow.run_id
        assert parent["job"] == {"namespace": "test", "name": "flow", "facets": {}}
        assert parent["root"]["run"]["runId"] == flow.run_id
    deepest = _parent(memory.one("subtask"))
    assert deepest is not None
    assert deepest["run"]["runId"] == task.run_id
    assert deepest["root"]["run"]["runId"] == flow.run_id
    assert deepest["root"]["job"]["name"] == "flow"
    assert subtask.parent == task.ref


def test_records_made_inside_a_step_are_its_children(lineage: Lineage, memory: MemoryTransport) -> None:
    with lineage.step("adjudicate") as run:
        lineage.record_review("rev-1", output_ids=["o-1"], reviewer="user:a", outcome="concur")
    parent = _parent(memory.one("aigov.review"))
    assert parent is not None and parent["run"]["runId"] == run.run_id


def test_the_decorator_makes_each_call_a_run(lineage: Lineage, memory: MemoryTransport) -> None:
    @lineage.step("score", inputs=[RAW])
    def score(x: int) -> int:
        """Double it."""
        run = current_run()
        assert run is not None
        run.add_output(OUT)
        return 2 * x

    assert score.__name__ == "score" and score.__doc__ == "Double it."
    assert [score(1), score(2)] == [2, 4]
    assert memory.types("score") == ["START", "COMPLETE", "START", "COMPLETE"]
    assert len({e["run"]["runId"] for e in memory.runs("score")}) == 2


def test_the_decorator_reraises_and_records_the_failure(lineage: Lineage, memory: MemoryTransport) -> None:
    @lineage.step("fragile")
    def fragile() -> None:
        raise RuntimeError("no disk")

    with pytest.raises(RuntimeError, match="no disk"):
        fragile()
    assert memory.types("fragile") == ["START", "FAIL"]


def test_the_decorator_works_on_coroutines(lineage: Lineage, memory: MemoryTransport) -> None:
    @lineage.step("fetch")
    async def fetch() -> str:
        with lineage.step("parse"):
            await asyncio.sleep(0)
        return "ok"

    assert asyncio.run(fetch()) == "ok"
    outer = memory.one("fetch")
    parent = _parent(memory.one("parse"))
    assert parent is not None and parent["run"]["runId"] == outer["run"]["runId"]


def test_a_given_run_id_is_used_and_must_be_a_uuid(lineage: Lineage, memory: MemoryTransport) -> None:
    given = str(uuid.uuid4())
    with lineage.step("fixed", run_id=given) as run:
        pass
    assert run.run_id == given
    assert {e["run"]["runId"] for e in memory.runs("fixed")} == {given}
    with pytest.raises(InvalidArgument, match="UUID"):
        lineage.step("fixed", run_id="run-42")
    with pytest.raises(InvalidArgument, match="decorate"):
        lineage.step("fixed", run_id=given)(lambda: None)


def test_an_explicit_parent_links_a_step_in_another_thread(lineage: Lineage, memory: MemoryTransport) -> None:
    with lineage.step("driver") as driver:

        def work() -> None:
            assert current_run() is None  # threads do not inherit the current run
            with lineage.step("worker", parent=driver):
                pass

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    parent = _parent(memory.one("worker"))
    assert parent is not None and parent["run"]["runId"] == driver.run_id


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"job": ""}, "job"),
        ({"job": "j", "inputs": ["public.claims"]}, "inputs"),
        ({"job": "j", "outputs": [object()]}, "outputs"),
        ({"job": "j", "parent": "some-run"}, "parent"),
    ],
)
def test_malformed_steps_raise_where_they_are_defined(lineage: Lineage, kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        lineage.step(**kwargs)
    assert caught.value.argument == argument


def test_extra_openlineage_facets_go_along(lineage: Lineage, memory: MemoryTransport) -> None:
    from openlineage.client.facet_v2 import documentation_job, nominal_time_run

    nominal = nominal_time_run.NominalTimeRunFacet(nominalStartTime="2026-03-01T00:00:00Z")
    docs = documentation_job.DocumentationJobFacet(description="Builds features")
    with lineage.step("documented", job_facets={"documentation": docs}, run_facets={"nominalTime": nominal}):
        pass
    for event in memory.runs("documented"):
        assert event["job"]["facets"]["documentation"]["description"] == "Builds features"
        assert event["run"]["facets"]["nominalTime"]["nominalStartTime"] == "2026-03-01T00:00:00Z"
