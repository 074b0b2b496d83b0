"""Ingestion pipeline: validate, log durably, then project in the background.

The projector applies the log to the graph store in order, in batches, idempotently, and never passes an event
over (``lineage_api.ingest.projector``). When the store or a disk is unavailable it retries the same batch with
backoff (``/health`` says "degraded", with the reason); any other failure halts projection at the exact event
that cannot be applied: nothing after it is applied, ``/health`` says "stalled at seq N: ..." and ``lineage
verify`` fails, until a fixed store or bug lets it through (retried every ``STALL_RETRY_S`` and at start-up).
The API keeps accepting (202) meanwhile; when the log itself cannot be written it answers 503, acknowledging nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lineage_api.core.errors import LogUnavailable
from lineage_api.core.settings import Settings
from lineage_api.core.writer import SYSTEM, Writer
from lineage_api.ingest.authority import claims_of
from lineage_api.ingest.eventlog import Appended, EventLog, LogItem, LogRecord, content_hash
from lineage_api.ingest.parse import ParsedEvent, parse_event
from lineage_api.ingest.projector import Halt, apply_in_order, detail, is_transient, summary
from lineage_api.ingest.projector import to_logged as to_logged
from lineage_api.ingest.validation import Validator, default_validators
from lineage_api.store.protocol import GraphStore

log = logging.getLogger("lineage_api.ingest")

STALL_RETRY_S = 30.0
_FIRST_BACKOFF_S = 0.2
_MAX_BACKOFF_S = 5.0



@dataclass(frozen=True, slots=True)
class Accepted:
    seq: int
    duplicate: bool
    projected: bool


@dataclass(frozen=True, slots=True)
class ProjectorStatus:
    """Log and projection positions; ``state`` "degraded" (retrying) or "stalled" (halted at ``stalled_at``)."""

    logged: int
    projected: int
    state: Literal["ok", "degraded", "stalled"]
    stalled_at: int | None
    reason: str | None  # the kind of error only: shown to anyone who asks /health


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
        from lineage_api.ingest.checkpointer import Checkpointer

        self.checkpointer = Checkpointer(settings=settings, eventlog=eventlog, store=store)
        self._requeue_skipped(eventlog)
        self._projected = eventlog.projected_seq()
        stall = eventlog.projection_stall()
        # Until the first retry (at once) says otherwise, the halt recorded before the restart stands.
        self._halt: Halt | None = Halt(*stall) if stall else None
        self._retrying: str | None = None
        self._log_error: str | None = None
        self._progress = threading.Condition()
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="projector", daemon=True)
        self._thread.start()

    @staticmethod
    def _requeue_skipped(eventlog: EventLog) -> None:
        try:
            skipped = eventlog.requeue_failures()
        except (sqlite3.Error, OSError) as exc:  # tried again at the next start
            log.warning("could not requeue the events an older version passed over: %s", detail(exc))
            return
        if skipped:
            log.warning(
                "%d events an older version passed over are projected again, from seq %d", len(skipped), skipped[0]
            )

    @classmethod
    def open(cls, settings: Settings, store: GraphStore) -> IngestPipeline:
        pipeline = cls(settings, store, EventLog(settings.data_dir / "events.sqlite"))
        pipeline.validators.extend(default_validators())
        return pipeline

    # -- accepting -------------------------------------------------------------------------------------------
    def check(self, data: Any) -> ParsedEvent:
        """Parse and validate one decoded event; raises ``InvalidInput`` naming the field."""
        event = parse_event(data)
        for validator in self.validators:
            validator(data, event)
        return event

    def log_events(
        self,
        events: Sequence[dict[str, Any]],
        *,
        writer: Writer | None = SYSTEM,
        parsed: Sequence[ParsedEvent] | None = None,
    ) -> list[Appended]:
        """Durably append already-checked events (blocks until fsync'd), attributed to ``writer``.

        An event whose ownership claims the writer may not make is not stored: its ``Appended.error`` says why.
        Raises ``LogUnavailable`` when the log cannot be written (nothing is acknowledged then).
        """
        events_parsed = parsed if parsed is not None else [parse_event(e) for e in events]
        items = [
            LogItem(
                json.dumps(e, ensure_ascii=False, separators=(",", ":")),
                content_hash(e),
                writer,
                claims_of(p),
            )
            for e, p in zip(events, events_parsed, strict=True)
        ]
        try:
            results = self.log.append_sync(items)
        except (sqlite3.Error, OSError) as exc:
            # A ROLLBACK that fails after the write did (the write already rolled back) hides the write's error.
            cause = exc.__context__ if isinstance(exc.__context__, sqlite3.Error | OSError) else exc
            log.error("the event log could not be written: %s", detail(cause))
            self._log_error = summary(cause)
            raise LogUnavailable(f"the event log cannot be written ({type(exc).__name__}); retry later") from None
        self._log_error = None
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
    def status(self) -> ProjectorStatus:
        """Where projection stands: positions, and why it is behind when it is retrying or halted."""
        logged = self.log.last_seq()
        with self._progress:
            projected, halt, retrying = self._projected, self._halt, self._retrying
        log_error = self._log_error
        if halt is not None:
            return ProjectorStatus(logged, projected, "stalled", halt.seq, halt.public)
        if retrying is not None:
            return ProjectorStatus(logged, projected, "degraded", None, f"projection retrying: {retrying}")
        if log_error is not None:
            return ProjectorStatus(logged, projected, "degraded", None, f"the event log cannot be written: {log_error}")
        return ProjectorStatus(logged, projected, "ok", None, None)

    def _run(self) -> None:
        backoff = _FIRST_BACKOFF_S
        while not self._stop.is_set():
            self._checkpoint()
            try:
                records = self._next_batch()
                if not records:
                    continue
                halt = apply_in_order(self.store, self.replica, records, advance=self._advance)
            except Exception as exc:
                if is_transient(exc):
                    log.warning("projection will be retried in %.1f s: %s", backoff, detail(exc))
                    with self._progress:
                        self._retrying = summary(exc)
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, _MAX_BACKOFF_S)
                    continue
                log.exception("projection failed outside applying an event")
                halt = Halt.of(self._projected + 1, exc)
            backoff = _FIRST_BACKOFF_S
            with self._progress:
                self._retrying = None
            if halt is not None:
                self._stall(halt)
                self._stop.wait(STALL_RETRY_S)  # a fixed store or bug resumes it (a restart retries at once)

    def _checkpoint(self) -> None:
        try:
            self.checkpointer.maybe()
        except Exception as exc:  # never stops projection; tried again on the next turn
            log.warning("could not sign a checkpoint: %s", detail(exc))

    def _next_batch(self) -> list[LogRecord]:
        size = self.settings.ingest.projector_batch
        records = self.log.read(after=self._projected, limit=size)
        if not records:
            self._wake.wait(0.5)
            self._wake.clear()
            return records
        linger = self.settings.ingest.projector_linger_ms / 1000
        if len(records) < size and linger > 0:
            # Let concurrent producers' events join this batch: one transaction for many events.
            self._stop.wait(linger)
            records += self.log.read(after=records[-1].seq, limit=size - len(records))
        return records

    def _stall(self, halt: Halt) -> None:
        log.error("projection %s; retried every %.0f s and at start-up", halt.full, STALL_RETRY_S)
        with self._progress:
            self._halt = halt
        try:
            self.log.record_stall(halt.seq, halt.summary, halt.detail)
        except (sqlite3.Error, OSError) as exc:  # still reported by /health; verify learns of it on the next try
            log.warning("could not record the projection stall in the log: %s", detail(exc))

    def _advance(self, seq: int) -> None:
        # Persisted first: if the log cannot be written, the batch is retried (re-applying it is harmless).
        self.log.advance_projection(seq)
        with self._progress:
            self._projected = seq
            if self._halt is not None and self._halt.seq <= seq:
                log.info("projection resumed past seq %d", self._halt.seq)
                self._halt = None
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
        try:
            self.checkpointer.make()
        except (sqlite3.Error, OSError) as exc:
            log.warning("could not sign the shutdown checkpoint: %s", detail(exc))
        self.log.close()
