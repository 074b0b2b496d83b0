"""``lineage demo``: run the benefits-claims pipeline through Prefect into a fresh store, then show the answers.

The API is served in-process on 127.0.0.1 while the pipeline runs (the collectors send their OpenLineage events to
it over HTTP, as any producer would), and afterwards until Ctrl-C unless ``serve`` is off.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from lineage_api.compliance.schemas import FindingOut
from lineage_api.core.settings import Settings, StoreKind
from lineage_api.privacy.schemas import FlowAnswer
from lineage_api.provenance.schemas import TraceAnswer
from lineage_api.store.protocol import GraphStore

UNREVIEWED_DENIAL = "decision:dec-C-1002"
REVIEWED_DENIAL = "decision:dec-C-1001"


@dataclass
class DemoResult:
    url: str
    trace: TraceAnswer
    findings: list[FindingOut]
    ssn: FlowAnswer
    state: dict[str, Any] = field(default_factory=dict)


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _fresh(settings: Settings) -> None:
    """Start the embedded store and event log from nothing (only the files this service owns)."""
    data = settings.data_dir
    for pattern in ("graph.sqlite*", "events.sqlite*"):
        for path in data.glob(pattern):
            path.unlink()
    shutil.rmtree(data / "demo-files", ignore_errors=True)


def _environment(settings: Settings, url: str) -> None:
    prefect_home = settings.data_dir / "prefect"
    os.environ.setdefault("PREFECT_HOME", str(prefect_home.resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ["OPENLINEAGE_URL"] = url
    os.environ.pop("OPENLINEAGE_CONFIG", None)


class _Server:
    """uvicorn in a background thread."""

    def __init__(self, settings: Settings, store: GraphStore, host: str, port: int) -> None:
        from lineage_api.app import create_app

        config = uvicorn.Config(create_app(settings, store=store), host=host, port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="lineage-api", daemon=True)

    def start(self, timeout: float = 60) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start (is the port in use? pass --port)")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def _wait_projected(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ingest = httpx.get(f"{url}/health", timeout=10).json().get("ingest") or {}
        if ingest.get("lag") == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("events were not projected in time")


def run_pipeline(settings: Settings, console: Console) -> dict[str, Any]:
    from flows.demo.pipeline import lineage, stages

    lineage.cache_clear()  # the emitter reads OPENLINEAGE_URL, which is this run's server
    workdir = settings.data_dir / "demo-files"
    workdir.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {}
    steps = stages(str(workdir.resolve()))
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        overall = progress.add_task("starting Prefect", total=len(steps))
        for title, stage in steps:
            progress.update(overall, description=title)
            stage(state)
            progress.advance(overall)
        progress.update(overall, description="pipeline done")
    lineage().close(10)
    return state


def run_demo(
    *, settings: Settings, store: GraphStore, host: str, port: int, serve: bool, console: Console
) -> DemoResult:
    """Run the demo end to end; returns what it printed so tests can check it."""
    from lineage_api.cli_answers import print_findings, print_flows, print_trace
    from lineage_api.compliance.service import scan
    from lineage_api.core.settings import AuthMode
    from lineage_api.privacy.service import flows
    from lineage_api.provenance.service import trace

    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the demo serves without API keys, so only on loopback (127.0.0.1)")
    settings = settings.model_copy(update={"auth": settings.auth.model_copy(update={"mode": AuthMode.INSECURE_DEV})})
    port = port or free_port(host)
    url = f"http://{host}:{port}"
    _environment(settings, url)
    server = _Server(settings, store, host, port)
    server.start()
    try:
        console.print(f"ai-lineage API on {url} (store: {store.kind}); running the benefits-claims pipeline")
        state = run_pipeline(settings, console)
        _wait_projected(url)
        result = DemoResult(
            url=url,
            trace=trace(store=store, node_id=UNREVIEWED_DENIAL),
            findings=scan(store=store),
            ssn=flows(store=store, classification="pii.ssn"),
            state=state,
        )
        console.rule(f"[bold]Trace of the unreviewed benefit denial ({UNREVIEWED_DENIAL})")
        print_trace(result.trace, console)
        console.rule("[bold]Compliance findings (DHS Directive 139-08)")
        print_findings(result.findings, console)
        console.rule("[bold]Where SSN flows")
        print_flows(result.ssn, console)
        if serve:
            console.print(f"\nServing {url} (API docs: {url}/docs); try {url}/api/v1/trace?nodeId={UNREVIEWED_DENIAL}")
            console.print("Press Ctrl-C to stop.")
            try:
                while server.thread.is_alive():
                    server.thread.join(0.5)
            except KeyboardInterrupt:
                console.print("stopping")
        return result
    finally:
        server.stop()


def prepare(settings: Settings, fresh: bool) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if fresh and settings.store_kind is StoreKind.EMBEDDED:
        _fresh(settings)


__all__ = ["REVIEWED_DENIAL", "UNREVIEWED_DENIAL", "DemoResult", "prepare", "run_demo"]
