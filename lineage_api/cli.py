"""The ``lineage`` command line."""

from __future__ import annotations

import ipaddress
import json
import logging
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID

from lineage_api.core.errors import ConfigurationError
from lineage_api.core.settings import AuthMode, Settings, get_settings
from lineage_api.store.protocol import GraphStore

app = typer.Typer(help="ai-lineage: where did this AI output come from, and was it allowed?", no_args_is_help=True)
schema_app = typer.Typer(help="The graph schema (constraints, indexes, tables).", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
checkpoint_app = typer.Typer(help="Signed checkpoints of the event log (docs/merkle.md).", no_args_is_help=True)
app.add_typer(checkpoint_app, name="checkpoint")
# User text (names, hosts, messages) is escaped before it meets markup; :emoji: codes in names stay text.
console = Console(emoji=False)
err = Console(stderr=True, emoji=False)


def open_store(settings: Settings) -> GraphStore:
    """Open the configured store or exit with one clear line."""
    from lineage_api.store.factory import build_store

    try:
        return build_store(settings)
    except ConfigurationError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.message)}")
        raise typer.Exit(2) from None


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback interface (``localhost``, 127.0.0.0/8, ``::1``); ``0.0.0.0`` is not."""
    if host.lower() in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def insecure_settings(settings: Settings, host: str) -> Settings:
    """Settings with authentication off, refused unless the server listens on loopback only."""
    insecure = settings.model_copy(update={"auth": settings.auth.model_copy(update={"mode": AuthMode.INSECURE_DEV})})
    return checked_auth(insecure, host)


def checked_auth(settings: Settings, host: str) -> Settings:
    """The effective settings, refused (exit 2, before binding) when authentication is off on a non-loopback host.

    Checked on the settings the server will run with, however insecure-dev was asked for: the ``--insecure-dev``
    flag, ``LINEAGE_AUTH__MODE`` in the environment, or a ``.env`` file.
    """
    if settings.auth.mode is not AuthMode.INSECURE_DEV:
        return settings
    if not is_loopback(host):
        err.print(
            f"[bold red]error:[/] insecure-dev (no API keys) only listens on loopback (127.0.0.1), not {escape(host)}",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    err.print("[bold red]WARNING: insecure-dev: authentication is OFF, every caller is an admin.[/]")
    return settings


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    insecure_dev: Annotated[
        bool, typer.Option("--insecure-dev", help="No API keys (development only; loopback only; logged loudly).")
    ] = False,
) -> None:
    """Start the API on the configured store (embedded unless LINEAGE_NEO4J__URI is set); API keys required."""
    import uvicorn

    from lineage_api.app import create_app

    settings = get_settings()
    settings = insecure_settings(settings, host) if insecure_dev else checked_auth(settings, host)
    store = open_store(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    console.print(f"ai-lineage on http://{host}:{port} (store: {store.kind}, data: {settings.data_dir})", markup=False)
    uvicorn.run(create_app(settings, store=store), host=host, port=port, log_level="info")
    store.close()


@schema_app.command("apply")
def schema_apply() -> None:
    """Create the store's constraints and indexes (idempotent)."""
    settings = get_settings()
    store = open_store(settings)
    try:
        store.apply_schema()
        console.print(f"schema applied to the {store.kind} store")
    finally:
        store.close()


@app.command()
def verify() -> None:
    """Recompute the event log's hash chain (and every replica's chain in the graph); exit 1 on a break, or when
    projection is stalled at an event that cannot be applied."""
    from lineage_api.ingest import checkpoints
    from lineage_api.ingest.eventlog import EventLog
    from lineage_api.ingest.service import verify as verify_all

    settings = get_settings()
    key = checkpoints.load_key(settings.data_dir).public_key()
    eventlog = EventLog(settings.data_dir / "events.sqlite")
    store = open_store(settings)
    try:
        result = verify_all(eventlog=eventlog, store=store, key=key, log_origin=checkpoints.origin(settings.replica_id))
    finally:
        store.close()
        eventlog.close()
    for chain in result.chains:
        if chain.source == "projection":
            console.print(f"projection: [red]{escape(chain.reason or 'stalled')}[/]", soft_wrap=True)
            continue
        mark = "[green]ok[/]" if chain.ok else f"[red]broken at {chain.firstBreak}: {escape(chain.reason or '')}[/]"
        console.print(f"{chain.source}: {chain.count} events, {mark}")
    console.print_json(json.dumps({"ok": result.ok, "count": result.count, "firstBreak": result.firstBreak}))
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def replay() -> None:
    """Rebuild the graph from the event log, never losing it to a failed rebuild (stop the server first).

    Refused (exit 1, graph untouched) when the log's hash chain does not verify. Embedded store: a new graph file
    is built next to the current one and swapped in only once every event applied. Neo4j (Community has a single
    database): the whole log is first projected into a scratch embedded store, proving every event applies; only
    then is Neo4j wiped and rebuilt. A failure names the event (seq) and the reason, and exits 1.
    """
    from lineage_api.core.errors import ReplayFailed
    from lineage_api.ingest.eventlog import EventLog
    from lineage_api.ingest.replay import replay as run_replay
    from lineage_api.ingest.replay import replay_file
    from lineage_api.store.embedded.store import EmbeddedStore

    settings = get_settings()
    eventlog = EventLog(settings.data_dir / "events.sqlite")
    store = open_store(settings)
    try:
        with Progress(console=console) as progress:
            tasks: dict[str, TaskID] = {}

            def report(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = progress.add_task(phase, total=total)
                progress.update(tasks[phase], completed=done, total=total)

            if isinstance(store, EmbeddedStore):
                store.close()  # its file is replaced
                count = replay_file(path=store.path, eventlog=eventlog, replica=settings.replica_id, progress=report)
            else:
                count = run_replay(store=store, eventlog=eventlog, replica=settings.replica_id, progress=report)
        console.print(f"replayed {count} events into the {store.kind} store")
    except ReplayFailed as exc:
        left = "graph left as it was" if exc.untouched else "graph part-built, run replay again"
        err.print(f"[bold red]replay failed ({left}):[/] {escape(exc.message)}", soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        store.close()
        eventlog.close()


@app.command()
def demo(
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Keep serving the API afterwards.")] = True,
    host: Annotated[str, typer.Option(help="Interface for the API (loopback only by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the API (0: any free port).")] = 8000,
    fresh: Annotated[bool, typer.Option(help="Start the embedded store from nothing.")] = True,
) -> None:
    """Run the benefits-claims demo through Prefect, print a trace, the findings and where SSN flows; serve."""
    from lineage_api.demo import prepare, run_demo

    settings = insecure_settings(get_settings(), host)
    prepare(settings, fresh)
    store = open_store(settings)
    try:
        run_demo(settings=settings, store=store, host=host, port=port, serve=serve_api, console=console)
    finally:
        store.close()


@checkpoint_app.command("export")
def checkpoint_export(
    limit: Annotated[int, typer.Option(help="Most checkpoints to export, newest first.")] = 10,
) -> None:
    """Print the public key and the latest signed checkpoints as JSON, for a third party to keep."""
    from lineage_api.ingest import checkpoints, evidence
    from lineage_api.ingest.eventlog import EventLog

    settings = get_settings()
    log_origin = checkpoints.origin(settings.replica_id)
    key = evidence.key_info(key=checkpoints.load_key(settings.data_dir).public_key(), log_origin=log_origin)
    eventlog = EventLog(settings.data_dir / "events.sqlite")
    try:
        page = evidence.list_checkpoints(eventlog=eventlog, log_origin=log_origin, limit=limit)
    finally:
        eventlog.close()
    print(json.dumps({"key": key.model_dump(), "checkpoints": page.model_dump()["checkpoints"]}, indent=2))


def _register_answers() -> None:
    from lineage_api.cli_access import register as register_access
    from lineage_api.cli_answers import register

    register(app)
    register_access(app)


_register_answers()


def main() -> None:
    try:
        app()
    except ConfigurationError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.message)}")
        sys.exit(2)
