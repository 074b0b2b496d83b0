"""An in-memory OpenLineage transport, and readers for the events it collected."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from openlineage.client import OpenLineageClient
from openlineage.client.serde import Serde
from openlineage.client.transport import Transport

from collectors import Lineage

FACET_SCHEMAS = Path(__file__).resolve().parents[2] / "graph_schema" / "facets"
Event = dict[str, Any]


class MemoryTransport(Transport):
    """Keeps every event as the JSON the HTTP transport would send; ``fail`` makes ``emit`` raise instead."""

    kind = "memory"

    def __init__(self, fail: type[BaseException] | None = None) -> None:
        self.events: list[Event] = []
        self.fail = fail
        self.attempts = 0
        self.overlaps = 0
        self._busy = threading.Lock()

    def emit(self, event: Any) -> None:
        if not self._busy.acquire(blocking=False):
            self.overlaps += 1  # two emits at once: the emitter failed to serialise them
            self._busy.acquire()
        try:
            self.attempts += 1
            if self.fail is not None:
                raise self.fail("transport is down")
            self.events.append(json.loads(Serde.to_json(event)))
        finally:
            self._busy.release()

    # -- readers ---------------------------------------------------------------------------------------------
    def runs(self, job: str) -> list[Event]:
        return [e for e in self.events if e.get("job", {}).get("name") == job]

    def one(self, job: str, event_type: str = "COMPLETE") -> Event:
        found = [e for e in self.runs(job) if e.get("eventType") == event_type]
        assert len(found) == 1, f"{len(found)} {event_type} events of {job}: {[e['job'] for e in self.events]}"
        return found[0]

    def types(self, job: str) -> list[str]:
        return [e["eventType"] for e in self.runs(job)]


def lineage_with(transport: Transport, namespace: str = "test") -> Lineage:
    # Without a git remote the client adds no sourceCodeLocation facet; CI has one, so turn it off for exact shapes.
    client = OpenLineageClient(transport=transport, config={"facets": {"source_code_location": {"disabled": True}}})
    return Lineage(client, namespace=namespace, producer="https://example.org/tests")


def governance_facets(event: Event) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, facet) of every ``aigov_*`` facet in an event, wherever the contract puts it."""
    places = [event.get("run", {}).get("facets", {}), event.get("job", {}).get("facets", {})]
    places += [o.get("outputFacets", {}) for o in event.get("outputs", [])]
    for facets in places:
        for name, facet in facets.items():
            if name.startswith("aigov_"):
                yield name, facet


def schema_validator(name: str) -> Draft202012Validator:
    schema = json.loads((FACET_SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
