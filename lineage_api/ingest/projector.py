"""Applying logged events to the graph store in log order, and what a failure to apply one means.

A failure is either *transient* (the graph store or a disk is unavailable: the same events are retried later) or it
*halts* projection at the first event that cannot be applied: the events before it are applied, none after it, and
the halt is reported until a fixed store or a fixed bug lets that event through. No event is ever passed over, so
every acknowledged event reaches the graph once the cause is gone.
"""

from __future__ import annotations

import errno
import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import neo4j.exceptions

from lineage_api.core.errors import StoreUnavailable
from lineage_api.ingest.eventlog import LogRecord
from lineage_api.ingest.parse import parse_event
from lineage_api.ingest.projection import LoggedEvent, project
from lineage_api.store.protocol import GraphStore

log = logging.getLogger("lineage_api.ingest")

# Store and disk errors: the same events are retried after a pause. ``OSError`` covers ``ConnectionError``.
TRANSIENT: tuple[type[BaseException], ...] = (
    StoreUnavailable,
    neo4j.exceptions.ServiceUnavailable,
    neo4j.exceptions.SessionExpired,
    neo4j.exceptions.TransientError,
    neo4j.exceptions.DatabaseError,  # Neo4j failed internally (its disk, its memory), not the event
    OSError,
)
# SQLite result codes (primary, extended ones start with these) that say the file or the disk is unavailable.
_TRANSIENT_SQLITE = (
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_READONLY",
    "SQLITE_CANTOPEN",
    "SQLITE_NOMEM",
    "SQLITE_PROTOCOL",
)
_TRANSIENT_SQLITE_TEXT = (
    "database or disk is full",
    "disk i/o error",
    "database is locked",
    "readonly database",
    "unable to open database file",
    "out of memory",
)
_DETAIL_CHARS = 500


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` says the store or a disk is unavailable (retry), rather than that an event cannot apply."""
    if isinstance(exc, TRANSIENT):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        name = getattr(exc, "sqlite_errorname", None)
        if isinstance(name, str):
            return any(name == code or name.startswith(code + "_") for code in _TRANSIENT_SQLITE)
        text = str(exc).lower()
        return any(fragment in text for fragment in _TRANSIENT_SQLITE_TEXT)
    return False


def too_big(exc: BaseException) -> bool:
    """Whether the store ran out of memory for the transaction: smaller batches may pass where one big one cannot."""
    code = exc.code if isinstance(exc, neo4j.exceptions.Neo4jError) else getattr(exc, "sqlite_errorname", None)
    return isinstance(code, str) and ("OutOfMemory" in code or code == "SQLITE_NOMEM")


def summary(exc: BaseException) -> str:
    """The kind of an error without its text (safe to show anyone): ``OperationalError (SQLITE_FULL)``."""
    code: object = getattr(exc, "sqlite_errorname", None)
    if isinstance(exc, neo4j.exceptions.Neo4jError):
        code = exc.code
    elif isinstance(exc, OSError) and exc.errno is not None:
        code = errno.errorcode.get(exc.errno)
    name = type(exc).__name__
    return f"{name} ({code})" if isinstance(code, str) and code else name


def detail(exc: BaseException) -> str:
    """The kind of an error and the first line of its text, for operators (the server log, ``lineage verify``)."""
    lines = str(exc).strip().splitlines()
    text = lines[0][:_DETAIL_CHARS] if lines else ""
    return f"{summary(exc)}: {text}" if text else summary(exc)


@dataclass(frozen=True, slots=True)
class Halt:
    """Projection stops at ``seq``: that event cannot be applied, for ``summary`` (the kind) and ``detail``."""

    seq: int
    summary: str
    detail: str

    @classmethod
    def of(cls, seq: int, exc: BaseException) -> Halt:
        return cls(seq, summary(exc), detail(exc))

    @property
    def public(self) -> str:
        return f"stalled at seq {self.seq}: {self.summary}"

    @property
    def full(self) -> str:
        return f"stalled at seq {self.seq}: {self.detail}"


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
        writer=record.writer,
    )


def _apply(store: GraphStore, replica: str, records: Sequence[LogRecord]) -> None:
    store.apply(project(store, [to_logged(replica, r) for r in records]))


def apply_in_order(
    store: GraphStore, replica: str, records: Sequence[LogRecord], *, advance: Callable[[int], None]
) -> Halt | None:
    """Apply ``records`` (consecutive, in log order) and call ``advance(seq)`` after each applied prefix.

    One transaction for all of them; when that fails for a reason that is not transient (or the store ran out of
    memory for so big a transaction), the first event that cannot be applied is found by halving (a few
    transactions, not one per event): every event before it is applied, and its ``Halt`` is returned. Transient
    errors propagate (the caller retries the records not yet advanced past); so do ``advance``'s.
    """
    try:
        _apply(store, replica, records)
    except Exception as exc:
        if is_transient(exc) and not (len(records) > 1 and too_big(exc)):
            raise
        if len(records) == 1:
            log.error("event %d cannot be projected; projection halts there", records[0].seq, exc_info=exc)
            return Halt.of(records[0].seq, exc)
        log.warning("projecting events %d..%d failed (%s); isolating", records[0].seq, records[-1].seq, detail(exc))
    else:
        advance(records[-1].seq)
        return None
    middle = len(records) // 2
    for part in (records[:middle], records[middle:]):
        halt = apply_in_order(store, replica, part, advance=advance)
        if halt is not None:
            return halt
    return None
