"""Lineage never breaks the host job: failures to configure, build or send are warnings, and the job goes on."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from openlineage.client import OpenLineageClient

from collectors import Dataset, Lineage, current_run
from collectors._emitter import Core
from tests.collectors.memory import MemoryTransport, lineage_with

OUT = Dataset("scores", "claim_scores")


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "collectors" and r.levelno == logging.WARNING]


@pytest.mark.parametrize("error", [ConnectionError, RuntimeError, ValueError, OSError])
def test_a_failing_transport_does_not_stop_the_job(caplog: pytest.LogCaptureFixture, error: type[Exception]) -> None:
    transport = MemoryTransport(fail=error)
    lineage = lineage_with(transport)
    done = []
    with lineage.step("job", outputs=[OUT]) as run:
        done.append("body")
    with lineage.inference_run("m", "1", output_dataset=OUT) as inference:
        inference.record_output("o-1", "score", 0.5, "sha256:x")
    run_id = lineage.record_approval(
        "a-1", kind="privacy", decision="approved", approver="user:p", approves=lineage.model("m", "1")
    )
    lineage.classify(OUT, {"score": "pii.other"})
    assert done == ["body"] and run.run_id and run_id
    assert transport.attempts == 6 and transport.events == []
    warnings = _warnings(caplog)
    assert len(warnings) == 6
    assert all("could not send" in w and "transport is down" in w for w in warnings)


def test_the_host_exception_survives_a_failing_transport(caplog: pytest.LogCaptureFixture) -> None:
    lineage = lineage_with(MemoryTransport(fail=ConnectionError))
    error = KeyError("claim")
    with pytest.raises(KeyError) as caught, lineage.step("job"):
        raise error
    assert caught.value is error
    assert len(_warnings(caplog)) == 2


def test_an_event_that_cannot_be_built_is_a_warning(
    lineage: Lineage, memory: MemoryTransport, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("internal bug")

    monkeypatch.setattr(Core, "_run_event", broken)
    with lineage.step("job"):
        pass
    assert lineage.record_review("r", output_ids=["o"], reviewer="user:a", outcome="concur")
    assert memory.events == []
    assert len(_warnings(caplog)) == 3
    assert all("could not build" in w for w in _warnings(caplog))


def test_a_step_left_out_of_order_is_a_warning(lineage: Lineage, caplog: pytest.LogCaptureFixture) -> None:
    step = lineage.step("job")
    step.__exit__(None, None, None)  # never entered
    with lineage.step("outer"):
        step.__exit__(None, None, None)  # entered? no: the current run is another step's
        assert current_run() is not None
    assert len(_warnings(caplog)) == 2


def test_using_a_run_after_it_ended_is_a_warning(
    lineage: Lineage, memory: MemoryTransport, caplog: pytest.LogCaptureFixture
) -> None:
    with lineage.step("job") as run:
        pass
    with lineage.inference_run("m", "1", output_dataset=OUT) as inference:
        pass
    run.add_output(OUT)
    inference.record_output("late", "label", "deny", None)
    assert len(_warnings(caplog)) == 2
    assert len(memory.events) == 4


def test_a_broken_openlineage_configuration_drops_events_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "openlineage.yml"
    config.write_text("transport:\n  type: no-such-transport\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENLINEAGE_CONFIG", str(config))
    monkeypatch.setenv("OPENLINEAGE_NAMESPACE", "claims-pipeline")
    lineage = Lineage.from_env()
    assert lineage.namespace == "claims-pipeline"
    with lineage.step("job"):
        pass
    assert lineage.close() is True
    assert any("cannot configure the OpenLineage client" in w for w in _warnings(caplog))


def test_an_unreachable_server_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    client = OpenLineageClient(
        config={"transport": {"type": "http", "url": "http://127.0.0.1:9", "timeout": 1, "retry": {"total": 0}}}
    )
    with Lineage(client, namespace="test") as lineage, lineage.step("job"):
        pass
    assert len(_warnings(caplog)) == 2


def test_a_client_that_fails_to_close_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    class Stubborn:
        def emit(self, event: Any) -> None:
            return None

        def close(self, timeout: float = -1.0) -> bool:
            raise OSError("socket already gone")

    assert Lineage(Stubborn()).close() is False
    assert any("socket already gone" in w for w in _warnings(caplog))
