"""Ingestion pipeline: validate, log durably, then project in the background.

The projector applies the log to the graph store in order, in batches, idempotently. When the store is down it
waits and retries; the API keeps accepting (202) meanwhile. An event whose projection fails for a reason other
than the store being unreachable is recorded as a projection failure and skipped (it stays in the log; a replay
after a fix applies it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import neo4j.exceptions

from lineage_api.core.errors import StoreUnavailable
from lineage_api.core.settings import Settings
from lineage_api.ingest.eventlog import Appended, EventLog, LogRecord, content_hash
from lineage_api.ingest.parse import ParsedEvent, parse_event
from lineage_api.ingest.projection import LoggedEvent, project
from lineage_api.store.protocol import GraphStore

log = logging.getLogger("lineage_api.ingest")

# Errors after which the same batch is retried later, rather than skipped.
TRANSIENT: tuple[type[BaseException], ...] = (
    StoreUnavailable,
    neo4j.exceptions.ServiceUnavailable,
    neo4j.exceptions.SessionExpired,
    neo4j.exceptions.TransientError,
    ConnectionError,
)

Validator = Callable[[dict[str, Any], ParsedEvent], None]


@dataclass(frozen=True, slots=True)
class Accepted:
    seq: int
    duplicate: bool
    projected: bool


def to_logged(replica: str, record: LogRecord) -> LoggedEvent:
    return LoggedEvent(
        replica=replica,
        seq=record.seq,
        hash=record.hash,
        prev_hash=record.prev_hash,
        content_hash=record.content_hash,
        received_at=record.received_at,
        body=record.body,
        event=parse_event(json.loads(record.body)),
    )


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class IngestPipeline:
    """The event log plus its projector thread."""

    def __init__(self, settings: Settings, store: GraphStore, eventlog: EventLog) -> None:
        self.settings = settings
        self.store = store
        self.log = eventlog
        self.replica = settings.replica_id
        self.validators: list[Validator] = []
        self._projected = eventlog.projected_seq()
        self._progress = threading.Condition()
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="projector", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, settings: Settings, store: GraphStore) -> IngestPipeline:
        pipeline = cls(settings, store, EventLog(settings.data_dir / "events.sqlite"))
        from lineage_api.ingest.validation import default_validators

        pipeline.validators.extend(default_validators())
        return pipeline

    # -- accepting -------------------------------------------------------------------------------------------
    def check(self, data: Any) -> ParsedEvent:
        """Parse and validate one decoded event; raises ``InvalidInput`` naming the field."""
        event = parse_event(data)
        for validator in self.validators:
            validator(data, event)
        return event

    def log_events(self, events: Sequence[dict[str, Any]]) -> list[Appended]:
        """Durably append already-checked events (blocks until fsync'd)."""
        items = [(json.dumps(e, ensure_ascii=False, separators=(",", ":")), content_hash(e)) for e in events]
        results = self.log.append_sync(items)
        self._wake.set()
        return results

    def wait_projected(self, seq: int, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._progress:
            while self._projected < seq:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._progress.wait(remaining)
        return True

    def projected_future(self, seq: int) -> asyncio.Future[None]:
        """A future (on the running loop) resolved once ``seq`` is in the graph store."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._progress:
            if self._projected >= seq:
                future.set_result(None)
            else:
                self._waiters.append((seq, loop, future))
        return future

    def positions(self) -> tuple[int, int]:
        return self.log.last_seq(), self._projected

    # -- projecting -------------------------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            size = self.settings.ingest.projector_batch
            records = self.log.read(after=self._projected, limit=size)
            if not records:
                self._wake.wait(0.5)
                self._wake.clear()
                continue
            linger = self.settings.ingest.projector_linger_ms / 1000
            if len(records) < size and linger > 0:
                # Let concurrent producers' events join this batch: one transaction for many events.
                self._stop.wait(linger)
                records += self.log.read(after=records[-1].seq, limit=size - len(records))
            try:
                try:
                    self._apply(records)
                except TRANSIENT:
                    raise
                except Exception:
                    log.exception("projecting events %d..%d failed; isolating", records[0].seq, records[-1].seq)
                    self._apply_one_by_one(records)
                backoff = 0.2
            except TRANSIENT as exc:
                log.warning("graph store unavailable, will retry projection: %s", exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _apply(self, records: Sequence[LogRecord]) -> None:
        logged = [to_logged(self.replica, r) for r in records]
        self.store.apply(project(self.store, logged))
        self._advance(records[-1].seq)

    def _apply_one_by_one(self, records: Sequence[LogRecord]) -> None:
        for record in records:
            try:
                self._apply([record])
            except TRANSIENT:
                raise
            except Exception as exc:
                log.exception("event %d could not be projected", record.seq)
                self.log.record_failure(record.seq, f"{type(exc).__name__}: {exc}")
                self._advance(record.seq)

    def _advance(self, seq: int) -> None:
        self.log.set_projected(seq)
        with self._progress:
            self._projected = seq
            self._progress.notify_all()
            ready = [w for w in self._waiters if w[0] <= seq]
            self._waiters = [w for w in self._waiters if w[0] > seq]
        for _, loop, future in ready:
            loop.call_soon_threadsafe(_resolve, future)

    def drain(self, timeout_s: float = 60.0) -> bool:
        """Wait until everything logged so far is projected."""
        self._wake.set()
        return self.wait_projected(self.log.last_seq(), timeout_s)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self.log.close()
