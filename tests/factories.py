"""Builders for tests: OpenLineage events, app clients, graph snapshots."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from graph_schema import EdgeType, NodeLabel
from lineage_api.app import create_app
from lineage_api.core.settings import AuthMode, AuthSettings, IngestSettings, Settings
from lineage_api.store.protocol import Direction, GraphStore, Step

DEV_AUTH = AuthSettings(mode=AuthMode.INSECURE_DEV)
# Tests check 201 (projected) answers: let a single-event POST wait for projection however slow the machine is.
PATIENT = IngestSettings(ack_wait_ms=30_000)

CORPUS = Path(__file__).resolve().parent / "corpus" / "events"
PRODUCER = "https://example.org/tests"
RUN_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def corpus_event(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    return data


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.json"))


def run_event(
    event_type: str | None = "COMPLETE",
    *,
    run_id: str | None = None,
    job: tuple[str, str] = ("ns", "job"),
    time: str = "2026-03-01T10:00:00Z",
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    run_facets: dict[str, Any] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": RUN_SCHEMA,
        "run": {"runId": run_id or str(uuid.uuid4()), "facets": run_facets or {}},
        "job": {"namespace": job[0], "name": job[1], "facets": job_facets or {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
    }
    if event_type:
        event["eventType"] = event_type
    return event


def dataset(namespace: str, name: str, facets: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "facets": facets or {}, **extra}


def facet(**fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": "https://example.org/facet.json", **fields}


def schema(*names: str) -> dict[str, Any]:
    return facet(fields=[{"name": n, "type": "string"} for n in names])


@contextmanager
def api(store: GraphStore, data_dir: Path, **ingest: Any) -> Iterator[TestClient]:
    """A TestClient on a real app over ``store`` with its own event log in ``data_dir``."""
    settings = Settings(data_dir=data_dir, ingest=IngestSettings(**{"ack_wait_ms": 30_000, **ingest}), auth=DEV_AUTH)
    with TestClient(create_app(settings, store=store)) as client:
        yield client


ALL_STEPS = [Step(t, d) for t in EdgeType for d in (Direction.OUT,)]


def snapshot(store: GraphStore, *, volatile: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every node (but Event and Checkpoint nodes: the log's, not lineage) and edge, for comparing graphs."""
    nodes: dict[str, Any] = {}
    for label in NodeLabel:
        if label in (NodeLabel.EVENT, NodeLabel.CHECKPOINT):
            continue
        offset = 0
        while True:
            page = store.find_nodes(label, limit=1000, offset=offset)
            if not page:
                break
            for node in page:
                nodes[node.id] = (label.value, {k: v for k, v in node.props.items() if k not in volatile})
            offset += len(page)
    edges = store.edges(list(nodes), ALL_STEPS, limit=1_000_000)
    return {
        "nodes": nodes,
        "edges": sorted((e.src, e.type.value, e.dst, e.at, json.dumps(e.props, sort_keys=True)) for e in edges),
    }
