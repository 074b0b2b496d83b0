"""CLI commands that answer questions: trace, impact, pii, check, classify."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from lineage_api.core.errors import LineageError
from lineage_api.core.settings import get_settings
from lineage_api.privacy.schemas import FlowAnswer, Reached
from lineage_api.provenance.schemas import TraceAnswer
from lineage_api.store.protocol import GraphStore

# Names, ids and messages are user text: every one is escaped before it meets markup, and :emoji: codes stay text.
console = Console(emoji=False)
err = Console(stderr=True, emoji=False)


@contextmanager
def _store() -> Iterator[GraphStore]:
    from lineage_api.cli import open_store

    store = open_store(get_settings())
    try:
        yield store
    except LineageError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.message)}")
        raise typer.Exit(2) from None
    finally:
        store.close()


def _tree(answer: TraceAnswer) -> Tree:
    root = f"[bold]{escape(answer.root.label)}[/] ({escape(answer.root.id)}) as of {escape(answer.asOf or 'now')}"
    tree = Tree(root)
    sections: list[tuple[str, list[dict[str, Any]], str]] = [
        ("models", answer.models, "{name} version {version} (trained by {trainingRun})"),
        ("datasets", answer.datasets, "{name}@{version}"),
        ("runs", answer.runs, "{runId} {jobName} [{state}]"),
        ("approvals", answer.approvals, "{approvalId} {kind} {decision} in force: {inForce}"),
        ("evaluations", answer.evaluations, "{evaluationId} {kind} passed: {passed}"),
        ("reviews", answer.reviews, "{reviewId} {outcome} at {reviewedAt}"),
        ("decisions", answer.decisions, "{decisionId} {actionType} at {decidedAt}"),
    ]
    for title, items, fmt in sections:
        if items:
            branch = tree.add(f"[cyan]{title}[/]")
            for item in items:
                mark = " [yellow](source: no instrumented writer)[/]" if item.get("source") else ""
                branch.add(escape(fmt.format_map(defaultdict(lambda: "?", item))) + mark)
    if answer.findings:
        branch = tree.add("[red]findings[/]")
        for f in answer.findings:
            branch.add(f"[red]{escape(f.rule)}[/] ({escape(f.clause)}, {escape(f.severity)}): {escape(f.summary)}")
    if answer.gaps:
        branch = tree.add("[yellow]gaps[/]")
        for gap in answer.gaps:
            branch.add(escape(gap.message))
    return tree


def print_trace(answer: TraceAnswer, out: Console = console) -> None:
    out.print(_tree(answer))
    out.print()
    for sentence in answer.narrative:
        out.print(sentence, markup=False, emoji=False)


def print_findings(found: Sequence[Any], out: Console = console) -> None:
    by_rule: dict[str, list[Any]] = defaultdict(list)
    for f in found:
        by_rule[f.rule].append(f)
    for rule_id, items in sorted(by_rule.items()):
        out.rule(f"[bold]{escape(rule_id)}[/] ({escape(items[0].clause)}, {escape(items[0].severity)}): {len(items)}")
        for f in items:
            out.print(f"  {f.node}: {f.summary}", markup=False, emoji=False)
    high = sum(1 for f in found if f.severity == "high")
    out.print(f"{len(found)} finding(s), {high} high severity")


def short(node_id: str) -> str:
    """A compact label for a node id: ``field:ns:db.t#ssn`` -> ``db.t.ssn``, ``dataset:ns:db.t`` -> ``db.t``."""
    from lineage_api.core.ids import parse_node_id

    try:
        parsed = parse_node_id(node_id)
    except LineageError:
        return node_id
    if parsed.field:
        return f"{parsed.name}.{parsed.field}"
    if parsed.name:
        return f"{parsed.name}@{parsed.version}" if parsed.version else str(parsed.name)
    return node_id


def print_flows(answer: FlowAnswer, out: Console = console) -> None:
    table = Table(title=f"where {escape(answer.classification)} flows", show_lines=True)
    for column in ("kind", "node", "status", "path"):
        table.add_column(column, overflow="fold")
    rows: list[tuple[str, Sequence[Reached]]] = [
        ("field", answer.fields),
        ("dataset", answer.datasets),
        ("model", answer.models),
        ("output", answer.outputs),
        ("EXTERNAL", answer.external),
    ]
    for kind, items in rows:
        for item in items:
            path = " -> ".join(short(p) for p in item.path)
            table.add_row(kind, escape(short(item.id)), escape(item.status), escape(path))
    out.print(table)


def register(app: typer.Typer) -> None:
    @app.command()
    def trace(
        node_id: Annotated[str, typer.Argument(help="output:<id>, decision:<id>, run:<id>, dataset:<ns>:<name>[#v]")],
        fmt: Annotated[str, typer.Option("--format", help="tree, json or prov")] = "tree",
        as_of: Annotated[str | None, typer.Option("--as-of", help="Trace as of this time.")] = None,
        depth: Annotated[int, typer.Option(help="Hop limit.")] = 25,
    ) -> None:
        """Where an AI output, decision, run or dataset version came from, as of its own moment."""
        from lineage_api.provenance.prov import to_prov_json
        from lineage_api.provenance.service import trace as run_trace

        with _store() as store:
            answer = run_trace(store=store, node_id=node_id, as_of=as_of, depth=depth)
        if fmt == "json":
            console.print_json(answer.model_dump_json())
        elif fmt == "prov":
            console.print_json(json.dumps(to_prov_json(answer)))
        else:
            print_trace(answer)

    @app.command()
    def impact(
        node_id: Annotated[str, typer.Argument(help="dataset:<ns>:<name>[#version], run:<id> or output:<id>")],
        since: Annotated[str | None, typer.Option(help="Window start.")] = None,
        until: Annotated[str | None, typer.Option(help="Window end.")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    ) -> None:
        """Everything derived from a dataset version, model version or run: down to outputs and decisions."""
        from lineage_api.provenance.service import impact as run_impact

        with _store() as store:
            answer = run_impact(store=store, node_id=node_id, since=since, until=until)
        if fmt == "json":
            console.print_json(answer.model_dump_json())
            return
        table = Table(title=f"impact of {escape(answer.root.id)}" + ("" if answer.complete else " (truncated)"))
        table.add_column("kind")
        table.add_column("count", justify="right")
        for kind, count in answer.counts.items():
            table.add_row(escape(kind), str(count))
        console.print(table)
        for decision in answer.decisions:
            line = f"decision {decision.get('decisionId')} ({decision.get('actionType')}) rests on it"
            console.print(line, markup=False, emoji=False)

    @app.command()
    def pii(
        classification: Annotated[str, typer.Argument(help="pii.ssn, protected.age, or a prefix: pii, protected")],
        fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    ) -> None:
        """Where a classification flows: fields, datasets, models, outputs, external datasets."""
        from lineage_api.privacy.service import flows

        with _store() as store:
            answer = flows(store=store, classification=classification)
        if fmt == "json":
            console.print_json(answer.model_dump_json())
            return
        print_flows(answer)

    @app.command()
    def check(
        rule: Annotated[list[str] | None, typer.Option(help="Only these rules (repeatable).")] = None,
        record: Annotated[bool, typer.Option(help="Record the scan as an event in the log.")] = True,
    ) -> None:
        """Run the compliance rules; print findings by rule; exit 1 when any high-severity finding exists."""
        from lineage_api.compliance.service import scan

        with _store() as store:
            found = scan(store=store, rule_ids=rule)
            if record:
                _record(store, found)
        print_findings(found)
        high = sum(1 for f in found if f.severity == "high")
        if high:
            raise typer.Exit(1)

    @app.command()
    def classify(
        dataset: Annotated[str, typer.Argument(help="dataset:<namespace>:<name>")],
        assignments: Annotated[list[str], typer.Argument(help="field=classification, e.g. ssn=pii.ssn")],
    ) -> None:
        """Classify fields of a dataset (recorded as an OpenLineage event, made by key:cli)."""
        from lineage_api.auth.principal import Principal
        from lineage_api.auth.roles import Role
        from lineage_api.ingest.pipeline import IngestPipeline
        from lineage_api.privacy.service import classify as run_classify

        # Whoever runs the CLI can already write the data directory; what it classifies is recorded as key:cli.
        local = Principal("cli", Role.ADMIN, ("*",))

        pairs = [a.split("=", 1) for a in assignments]
        if any(len(p) != 2 or not p[0] or not p[1] for p in pairs):
            err.print("[bold red]error:[/] each assignment must be field=classification")
            raise typer.Exit(2)
        with _store() as store:
            pipeline = IngestPipeline.open(get_settings(), store)
            try:
                result = run_classify(pipeline=pipeline, dataset=dataset, fields=dict(pairs), principal=local)
            finally:
                pipeline.drain(30)
                pipeline.close()
        done = ", ".join(f"{k}={v}" for k, v in result.fields.items())
        console.print(f"classified {done} of {result.dataset}", markup=False)


def _record(store: GraphStore, found: list[Any]) -> None:
    from lineage_api.compliance.recording import record_scan
    from lineage_api.ingest.pipeline import IngestPipeline

    pipeline = IngestPipeline.open(get_settings(), store)
    try:
        seq = record_scan(pipeline=pipeline, findings=found, trigger="cli")
        pipeline.drain(30)
    finally:
        pipeline.close()
    err.print(f"scan recorded as event {seq}")
