"""Ingestion logic: decoding bodies, accepting single events and batches, reading and verifying the log."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from graph_schema import NodeLabel
from lineage_api.core.errors import InvalidInput, LineageError, PayloadTooLarge
from lineage_api.core.writer import Writer
from lineage_api.ingest import evidence
from lineage_api.ingest.authority import authorize
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
    WriterOut,
)
from lineage_api.store.protocol import GraphStore


def decode_body(body: bytes, *, encoding: str | None, limit: int) -> Any:
    """The JSON value of a request body, gunzipped when ``Content-Encoding: gzip``, within ``limit`` bytes.

    The body must be exactly one gzip stream: bytes after it (another member, or garbage) are refused, since what
    would be logged is then not all that was sent.
    """
    from lineage_api.core.limits import MAX_DEPTH

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
        if inflater.unused_data:
            raise InvalidInput(
                f"body is not valid gzip: {len(inflater.unused_data)} bytes after the end of the gzip stream",
                field="body",
            )
    try:
        return decode_json(body)
    except RecursionError:
        raise InvalidInput(f"body is nested deeper than {MAX_DEPTH} levels", field="body") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts (4,300)
        raise InvalidInput(f"body cannot be decoded: {str(exc).split(';')[0]}", field="body") from None


def accept_one(*, pipeline: IngestPipeline, data: Any, writer: Writer | None) -> tuple[int, bool, ParsedEvent]:
    """Validate, authorize and durably log one event; returns (seq, duplicate, parsed event).

    Raises ``InvalidInput`` (400), ``Forbidden`` (403) or ``Conflict`` (409) naming the entity and rule, with
    nothing stored; ``LogUnavailable`` (503) when the log cannot be written.
    """
    event = pipeline.check(data)
    if writer is not None:
        authorize(event, writer)
    appended = pipeline.log_events([data], writer=writer, parsed=[event])[0]
    if appended.error is not None:
        raise appended.error
    return appended.seq, appended.duplicate, event


def _failure(index: int, exc: LineageError) -> FailedEvent:
    return FailedEvent(index=index, reason=exc.message, retriable=False, code=exc.code, status=exc.status,
                       field=exc.field)


def accept_batch(*, pipeline: IngestPipeline, data: Any, max_events: int, writer: Writer | None) -> BatchResult:
    """Validate and authorize every event of a batch, log the good ones together, report each refused one."""
    if not isinstance(data, list):
        raise InvalidInput("a batch must be a JSON array of events", field="body")
    if len(data) > max_events:
        raise PayloadTooLarge(f"a batch holds at most {max_events} events, got {len(data)}", field="body")
    good: list[tuple[int, dict[str, Any], ParsedEvent]] = []
    failed: list[FailedEvent] = []
    for index, item in enumerate(data):
        try:
            event = pipeline.check(item)
            if writer is not None:
                authorize(event, writer)
        except LineageError as exc:
            failed.append(_failure(index, exc))
            continue
        good.append((index, item, event))
    if good:
        appended = pipeline.log_events([g[1] for g in good], writer=writer, parsed=[g[2] for g in good])
        for (index, _, _), result in zip(good, appended, strict=True):
            if result.error is not None:
                failed.append(_failure(index, result.error))
    failed.sort(key=lambda f: f.index)
    summary = BatchSummary(
        received=len(data),
        successful=len(data) - len(failed),
        failed=len(failed),
        retriable=sum(1 for f in failed if f.retriable),
        non_retriable=sum(1 for f in failed if not f.retriable),
    )
    return BatchResult(status="partial_success" if failed else "success", summary=summary, failed_events=failed)


def _writer_out(writer: Writer | None) -> WriterOut | None:
    if writer is None:
        return None
    return WriterOut(keyId=writer.key_id, role=writer.role, namespaces=list(writer.namespaces))


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
                writer=_writer_out(r.writer),
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
                int(p["seq"]),
                p["contentHash"],
                p["prevHash"],
                p["hash"],
                p.get("receivedAt", ""),
                p["body"],
                p.get("writerKey") or "",
                p.get("writerRole") or "",
                p.get("writerScope") or "",
            )
        offset += len(page)


def _status(source: str, check: ChainCheck) -> ChainStatus:
    return ChainStatus(source=source, ok=check.ok, count=check.count, firstBreak=check.first_break, reason=check.reason)


def verify(*, eventlog: EventLog, store: GraphStore, key: Ed25519PublicKey, log_origin: str) -> VerifyResult:
    """Recompute the local log's chain and every replica's chain kept in the graph store; check the log against
    its Merkle tree and signed checkpoints (chains ``merkle``, ``merkle:graph``); a halted projection (an event
    that cannot be applied, so none after it is in the graph) fails it too, as chain ``projection``."""
    local = eventlog.verify()
    chains = [_status("log", local)]
    chains.extend(evidence.merkle_checks(eventlog=eventlog, store=store, log_origin=log_origin, key=key))
    replicas = sorted({str(n.props["replica"]) for n in store.find_nodes(NodeLabel.EVENT, {"seq": 1}, limit=1000)})
    for replica in replicas:
        chains.append(_status(f"graph:{replica}", verify_chain(list(_graph_chain(store, replica)))))
    stall = eventlog.projection_stall()
    if stall is not None:
        seq, _, detail = stall
        reason = f"stalled at seq {seq}: {detail}"
        chains.append(ChainStatus(source="projection", ok=False, count=seq - 1, firstBreak=seq, reason=reason))
    breaks = [c.firstBreak for c in chains if c.source in ("log", "merkle") and c.firstBreak is not None]
    return VerifyResult(ok=all(c.ok for c in chains), count=local.count, firstBreak=min(breaks, default=None),
                        chains=chains)
