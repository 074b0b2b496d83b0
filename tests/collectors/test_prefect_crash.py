"""A crash, as Prefect handles one: the flow's process dies, and a worker (another process, which imports the flow
again) marks the run Crashed and runs ``on_crashed``. The hook has nothing but the flow, the flow run and the
state: it must still send FAIL with the right run id, job, parent and root.

Here the flows run in a child process that kills itself (SIGKILL) inside the subflow; a second process plays the
worker, with Prefect's own hook runner. Both build their emitter from the environment (``Lineage.from_env()``,
an OpenLineage file transport), so all events land in one file.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run as current_flow_run
from prefect.settings import PREFECT_API_URL
from prefect.states import Crashed

from collectors._values import timestamp
from collectors.prefect import lineage_flow

ROOT = Path(__file__).resolve().parents[2]
CRASH_MESSAGE = "Flow run infrastructure exited with non-zero status code -9."


def _note_run_id(role: str) -> None:
    (Path(os.environ["CRASH_TEST_DIR"]) / role).write_text(str(current_flow_run.get_id()))


@lineage_flow(namespace="crash-tests")
@flow
def crash_child() -> None:
    _note_run_id("child")
    os.kill(os.getpid(), signal.SIGKILL)  # the process dies: no hook runs here


@lineage_flow(namespace="crash-tests")
@flow
def crash_parent() -> None:
    _note_run_id("parent")
    crash_child()


def run_crashed_hooks(child_id: str, parent_id: str) -> None:
    """What a worker does for each flow run whose process died: set Crashed, then run the flow's ``on_crashed``
    hooks (Prefect's ``HookRunner``, which calls them with keyword arguments in a new thread)."""
    from prefect.runner._hook_runner import HookRunner

    flows: dict[str, Any] = {"crash-child": crash_child, "crash-parent": crash_parent}

    async def resolve(flow_run: Any) -> Any:
        async with get_client() as client:
            return flows[(await client.read_flow(flow_run.flow_id)).name]

    async def crash(flow_run_id: UUID) -> None:
        async with get_client() as client:
            await client.set_flow_run_state(flow_run_id, Crashed(message=CRASH_MESSAGE), force=True)
            flow_run = await client.read_flow_run(flow_run_id)
        assert flow_run.state is not None and flow_run.state.is_crashed()
        await HookRunner(resolve_flow=resolve).run_crashed_hooks(flow_run, flow_run.state)

    for run_id in (child_id, parent_id):
        asyncio.run(crash(UUID(run_id)))


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.mark.integration
@pytest.mark.usefixtures("prefect_harness")
def test_a_crash_handled_by_another_process_sends_fail_for_the_flow_and_its_subflow(tmp_path: Path) -> None:
    events_file = tmp_path / "events.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENLINEAGE")}
    env.update(
        PREFECT_API_URL=str(PREFECT_API_URL.value()),
        PYTHONPATH=str(ROOT),
        CRASH_TEST_DIR=str(tmp_path),
        OPENLINEAGE__TRANSPORT__TYPE="file",
        OPENLINEAGE__TRANSPORT__LOG_FILE_PATH=str(events_file),
        OPENLINEAGE__TRANSPORT__APPEND="true",
    )
    flows = _python("from tests.collectors.test_prefect_crash import crash_parent; crash_parent()", env)
    assert flows.returncode == -signal.SIGKILL, flows.stderr[-3000:]
    child_id, parent_id = (tmp_path / "child").read_text(), (tmp_path / "parent").read_text()

    worker = _python(
        f"from tests.collectors.test_prefect_crash import run_crashed_hooks; "
        f"run_crashed_hooks({child_id!r}, {parent_id!r})",
        env,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]

    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    child = [e for e in events if e["run"]["runId"] == child_id]
    parent = [e for e in events if e["run"]["runId"] == parent_id]
    assert [e["eventType"] for e in child] == ["START", "FAIL"]
    assert [e["eventType"] for e in parent] == ["START", "FAIL"]
    for start, fail in (child, parent):
        assert fail["job"]["namespace"] == start["job"]["namespace"] == "crash-tests"
        assert fail["job"]["name"] == start["job"]["name"]
        assert fail["run"]["facets"]["errorMessage"]["message"] == CRASH_MESSAGE
        assert fail["run"]["facets"].get("parent") == start["run"]["facets"].get("parent")
    assert child[1]["job"]["name"] == "crash-child"
    facet = child[1]["run"]["facets"]["parent"]
    assert (facet["job"]["name"], facet["run"]["runId"], facet["root"]["run"]["runId"]) == (
        "crash-parent",
        parent_id,
        parent_id,
    )
    with get_client(sync_client=True) as client:
        crashed = client.read_flow_run(UUID(child_id)).state
    assert crashed is not None and child[1]["eventTime"] == timestamp(crashed.timestamp, "t")
