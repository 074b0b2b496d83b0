"""Lenient parsing of OpenLineage events (spec 2-0-2) as real producers send them.

Only what makes something not an event is rejected: a body that is not a JSON object, no ``eventTime``, a RunEvent
without ``run.runId`` or ``job``, a dataset without namespace or name. Everything else (unknown or custom facets,
facets without ``_producer``/``_schemaURL``, non-UUID run ids, times without offset) is kept and noted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lineage_api.core.errors import InvalidInput
from lineage_api.core.times import normalize

Facets = dict[str, Any]


class EventKind(StrEnum):
    RUN = "RunEvent"
    DATASET = "DatasetEvent"
    JOB = "JobEvent"


EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")


@dataclass(frozen=True, slots=True)
class DatasetRef:
    namespace: str
    name: str
    facets: Facets = field(default_factory=dict)
    io_facets: Facets = field(default_factory=dict)  # inputFacets or outputFacets


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    kind: EventKind
    event_time: str  # canonical UTC
    event_type: str | None
    producer: str
    run_id: str | None
    run_facets: Facets
    job_namespace: str | None
    job_name: str | None
    job_facets: Facets
    inputs: tuple[DatasetRef, ...]
    outputs: tuple[DatasetRef, ...]
    dataset: DatasetRef | None
    notes: tuple[str, ...] = ()


def decode_json(body: bytes) -> Any:
    """Decode a request body, naming the problem when it is not JSON."""
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise InvalidInput("body is not UTF-8 text", field="body") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", field="body"
        ) from exc


def _obj(value: Any, where: str, *, required: bool = False) -> dict[str, Any]:
    if value is None:
        if required:
            raise InvalidInput(f"{where} is required", field=where)
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} must be an object", field=where)
    return value


def _text(value: Any, where: str, *, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{where} is required", field=where)
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(f"{where} must be a string", field=where)
    return str(value)


def _facets(value: Any, where: str, notes: list[str]) -> Facets:
    facets = _obj(value, where)
    for name, facet in facets.items():
        if (
            isinstance(facet, dict)
            and not facet.get("_deleted")
            and ("_producer" not in facet or "_schemaURL" not in facet)
        ):
            notes.append(f"{where}.{name} has no _producer/_schemaURL")
    return facets


def _dataset(value: Any, where: str, io_key: str, notes: list[str]) -> DatasetRef:
    data = _obj(value, where, required=True)
    return DatasetRef(
        namespace=_text(data.get("namespace"), f"{where}.namespace"),
        name=_text(data.get("name"), f"{where}.name"),
        facets=_facets(data.get("facets"), f"{where}.facets", notes),
        io_facets=_facets(data.get(io_key), f"{where}.{io_key}", notes),
    )


def _datasets(value: Any, where: str, io_key: str, notes: list[str]) -> tuple[DatasetRef, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidInput(f"{where} must be an array", field=where)
    return tuple(_dataset(item, f"{where}[{i}]", io_key, notes) for i, item in enumerate(value))


def event_kind(data: dict[str, Any]) -> EventKind:
    """RunEvent when ``run`` is present, else DatasetEvent when ``dataset`` is, else JobEvent when ``job`` is."""
    if "run" in data:
        return EventKind.RUN
    if "dataset" in data:
        return EventKind.DATASET
    if "job" in data:
        return EventKind.JOB
    raise InvalidInput(
        "not an OpenLineage event: expected a RunEvent (run, job), a DatasetEvent (dataset) or a JobEvent (job)",
        field="run",
    )


def parse_event(data: Any) -> ParsedEvent:
    """Parse one decoded event; raises ``InvalidInput`` naming the field when it cannot be an event."""
    if not isinstance(data, dict):
        raise InvalidInput(f"an event must be a JSON object, not {type(data).__name__}", field="body")
    kind = event_kind(data)
    notes: list[str] = []
    raw_time = data.get("eventTime")
    if raw_time is None or raw_time == "":
        raise InvalidInput("eventTime is required", field="eventTime")
    if not isinstance(raw_time, str):
        raise InvalidInput("eventTime must be an ISO-8601 string", field="eventTime")
    event_time = normalize(raw_time, field="eventTime")
    event_type = data.get("eventType")
    if event_type is not None:
        if not isinstance(event_type, str):
            raise InvalidInput("eventType must be a string", field="eventType")
        event_type = event_type.upper()
        if event_type not in EVENT_TYPES:
            raise InvalidInput(f"eventType must be one of {', '.join(EVENT_TYPES)}", field="eventType")
    producer = data.get("producer")
    producer_text = producer if isinstance(producer, str) else ""
    if not producer_text:
        notes.append("producer is missing")

    run_id: str | None = None
    run_facets: Facets = {}
    job_namespace = job_name = None
    job_facets: Facets = {}
    if kind is EventKind.RUN:
        run = _obj(data.get("run"), "run", required=True)
        if run.get("runId") in (None, ""):
            raise InvalidInput("run.runId is required for a RunEvent", field="run.runId")
        run_id = _text(run.get("runId"), "run.runId")
        run_facets = _facets(run.get("facets"), "run.facets", notes)
        if "job" not in data:
            raise InvalidInput("job is required for a RunEvent", field="job")
    if kind in (EventKind.RUN, EventKind.JOB):
        job = _obj(data.get("job"), "job", required=True)
        job_namespace = _text(job.get("namespace"), "job.namespace")
        job_name = _text(job.get("name"), "job.name")
        job_facets = _facets(job.get("facets"), "job.facets", notes)
    dataset = None
    if kind is EventKind.DATASET:
        dataset = _dataset(data.get("dataset"), "dataset", "facets", notes)
    return ParsedEvent(
        kind=kind,
        event_time=event_time,
        event_type=event_type if kind is EventKind.RUN else None,
        producer=producer_text,
        run_id=run_id,
        run_facets=run_facets,
        job_namespace=job_namespace,
        job_name=job_name,
        job_facets=job_facets,
        inputs=_datasets(data.get("inputs"), "inputs", "inputFacets", notes),
        outputs=_datasets(data.get("outputs"), "outputs", "outputFacets", notes),
        dataset=dataset,
        notes=tuple(notes),
    )
