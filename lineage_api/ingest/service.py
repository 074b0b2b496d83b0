"""Ingestion logic: decoding bodies, accepting single events and batches, reading and verifying the log."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from graph_schema import NodeLabel
from lineage_api.core.errors import Forbidden, InvalidInput, LineageError, PayloadTooLarge
from lineage_api.ingest.eventlog import ChainCheck, EventLog, LogRecord, verify_chain
from lineage_api.ingest.parse import ParsedEvent, decode_json
from lineage_api.ingest.pipeline import IngestPipeline
from lineage_api.ingest.schemas import (
    BatchResult,
    BatchSummary,
    ChainStatus,
    EventPage,
    FailedEvent,
    LoggedEventOut,
    VerifyResult,
)
from lineage_api.store.protocol import GraphStore


def decode_body(body: bytes, *, encoding: str | None, limit: int) -> Any:
    """The JSON value of a request body, gunzipped when ``Content-Encoding: gzip``, within ``limit`` bytes."""
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip() and c.strip() != "identity"]
    if codings and codings != ["gzip"]:
        raise InvalidInput(f"Content-Encoding {encoding!r} is not supported (use gzip)", field="Content-Encoding")
    if codings:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, limit + 1)
        except zlib.error as exc:
            raise InvalidInput(f"body is not valid gzip: {exc}", field="body") from exc
        if len(body) > limit or inflater.unconsumed_tail:
            raise PayloadTooLarge(f"decompressed body is larger than {limit} bytes", field="body")
        if not inflater.eof:
            raise InvalidInput("body is not valid gzip: truncated stream", field="body")
    return decode_json(body)


NamespaceCheck = Callable[[str], bool]


def event_namespace(event: ParsedEvent) -> str:
    """The namespace an event writes to: its job's, or (DatasetEvent) its dataset's."""
    if event.job_namespace:
        return event.job_namespace
    return event.dataset.namespace if event.dataset else ""


def _authorize(event: ParsedEvent, may_write: NamespaceCheck | None) -> None:
    namespace = event_namespace(event)
    if may_write is not None and not may_write(namespace):
        raise Forbidden(f"this key may not write events for namespace {namespace!r}", field="job.namespace")


def accept_one(
    *, pipeline: IngestPipeline, data: Any, may_write: NamespaceCheck | None = None
) -> tuple[int, bool, ParsedEvent]:
    """Validate, authorize and durably log one event; returns (seq, duplicate, parsed event)."""
    event = pipeline.check(data)
    _authorize(event, may_write)
    appended = pipeline.log_events([data])[0]
    return appended.seq, appended.duplicate, event


def accept_batch(
    *, pipeline: IngestPipeline, data: Any, max_events: int, may_write: NamespaceCheck | None = None
) -> BatchResult:
    """Validate every event of a batch, log the good ones together, report the bad ones by index."""
    if not isinstance(data, list):
        raise InvalidInput("a batch must be a JSON array of events", field="body")
    if len(data) > max_events:
        raise PayloadTooLarge(f"a batch holds at most {max_events} events, got {len(data)}", field="body")
    good: list[dict[str, Any]] = []
    failed: list[FailedEvent] = []
    for index, item in enumerate(data):
        try:
            event = pipeline.check(item)
        except LineageError as exc:
            failed.append(FailedEvent(index=index, reason=exc.message, retriable=False))
            continue
        _authorize(event, may_write)  # one event outside the key's namespaces refuses the whole batch
        good.append(item)
    if good:
        pipeline.log_events(good)
    summary = BatchSummary(
        received=len(data),
        successful=len(good),
        failed=len(failed),
        retriable=sum(1 for f in failed if f.retriable),
        non_retriable=sum(1 for f in failed if not f.retriable),
    )
    return BatchResult(status="partial_success" if failed else "success", summary=summary, failed_events=failed)


def read_events(*, pipeline: IngestPipeline, after: int, limit: int) -> EventPage:
    records = pipeline.log.read(after=after, limit=limit + 1)
    more = len(records) > limit
    records = records[:limit]
    return EventPage(
        events=[
            LoggedEventOut(
                seq=r.seq,
                replica=pipeline.replica,
                hash=r.hash,
                prevHash=r.prev_hash,
                contentHash=r.content_hash,
                receivedAt=r.received_at,
                event=json.loads(r.body),
            )
            for r in records
        ],
        next_after=records[-1].seq if more and records else None,
    )


def _graph_chain(store: GraphStore, replica: str) -> Iterator[LogRecord]:
    offset = 0
    while True:
        page = store.find_nodes(NodeLabel.EVENT, {"replica": replica}, limit=1000, offset=offset)
        if not page:
            return
        for node in page:
            p = node.props
            yield LogRecord(
                int(p["seq"]), p["contentHash"], p["prevHash"], p["hash"], p.get("receivedAt", ""), p["body"]
            )
        offset += len(page)


def _status(source: str, check: ChainCheck) -> ChainStatus:
    return ChainStatus(source=source, ok=check.ok, count=check.count, firstBreak=check.first_break, reason=check.reason)


def verify(*, eventlog: EventLog, store: GraphStore) -> VerifyResult:
    """Recompute the local log's chain and every replica's chain kept in the graph store."""
    local = eventlog.verify()
    chains = [_status("log", local)]
    replicas = sorted({str(n.props["replica"]) for n in store.find_nodes(NodeLabel.EVENT, {"seq": 1}, limit=1000)})
    for replica in replicas:
        chains.append(_status(f"graph:{replica}", verify_chain(list(_graph_chain(store, replica)))))
    return VerifyResult(ok=all(c.ok for c in chains), count=local.count, firstBreak=local.first_break, chains=chains)
