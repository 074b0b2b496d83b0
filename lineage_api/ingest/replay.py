"""Rebuilding the graph from the event log (also how schema changes migrate), never losing it to a failed rebuild.

Run it with the server stopped. First the log's own hash chain is verified: a broken chain refuses the replay with
the graph untouched. Then:

- embedded store (``replay_file``): the new graph is built in a new SQLite file next to the current one
  (``graph.sqlite.replay``) and swapped in with ``os.replace`` only once every event applied; a failure leaves the
  current file as it was.
- any other store (``replay``; Neo4j Community has a single database, so nothing can be built beside it): the
  whole log is first projected into a scratch embedded store in a temporary directory next to the log, which
  proves every event applies; only then is the store wiped and rebuilt. Should the store itself fail during that
  rebuild (it goes away), it is left part-built: run the replay again.

A failure raises ``ReplayFailed`` naming the event (its sequence number) and the reason.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from lineage_api.core.errors import ReplayFailed
from lineage_api.ingest import checkpoints
from lineage_api.ingest.checkpointer import checkpoint_node
from lineage_api.ingest.eventlog import EventLog
from lineage_api.ingest.evidence import merkle_checks
from lineage_api.ingest.projector import apply_in_order, detail
from lineage_api.store.embedded.store import EmbeddedStore
from lineage_api.store.protocol import ChangeBatch, GraphStore

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``; phase "checking" (the scratch store), "rebuilding" or "building"."""


def _check_chain(eventlog: EventLog) -> None:
    check = eventlog.verify()
    if not check.ok:
        raise ReplayFailed(
            f"the event log's hash chain does not verify at seq {check.first_break}: {check.reason}",
            seq=check.first_break,
        )


def _check_checkpoints(eventlog: EventLog, replica: str, graph: GraphStore | None) -> None:
    """Refuse to rebuild from a log its own signed checkpoints, or the graph's copies of them, no longer vouch for
    (a cut tail, re-chained rows): the graph's copies would be wiped with the evidence."""
    origin = checkpoints.origin(replica)
    key = checkpoints.load_key(eventlog.path.parent).public_key()
    scratch: EmbeddedStore | None = None
    if graph is None:  # only the log's own checkpoints to check against
        scratch = EmbeddedStore(Path(tempfile.mkdtemp(prefix=".replay-", dir=eventlog.path.parent)) / "g.sqlite")
        scratch.apply_schema()
    try:
        statuses = merkle_checks(eventlog=eventlog, store=graph or scratch, log_origin=origin, key=key)  # type: ignore[arg-type]
    finally:
        if scratch is not None:
            scratch.close()
            shutil.rmtree(scratch.path.parent, ignore_errors=True)
    for status in statuses:
        if not status.ok:
            raise ReplayFailed(
                f"the event log does not verify against its checkpoints ({status.source}) at seq "
                f"{status.firstBreak}: {status.reason}",
                seq=status.firstBreak,
            )


def _copy_checkpoints(store: GraphStore, eventlog: EventLog, replica: str) -> None:
    """Give the rebuilt graph the log's signed checkpoints, as the projector keeps it."""
    with eventlog.reading() as db:
        signed = checkpoints.load(db, checkpoints.origin(replica))
    if signed:
        store.apply(ChangeBatch(nodes=[checkpoint_node(replica, c) for c in signed]))


def _build(
    store: GraphStore,
    eventlog: EventLog,
    *,
    replica: str,
    batch: int,
    phase: str,
    progress: Progress | None,
    wiped: bool = False,
) -> tuple[int, int]:
    """Apply every logged event to ``store`` in order: (how many, the last seq); ``ReplayFailed`` at the first
    one that does not apply."""
    total, done, after = eventlog.last_seq(), 0, 0
    while records := eventlog.read(after=after, limit=batch):
        try:
            halt = apply_in_order(store, replica, records, advance=lambda _: None)
        except Exception as exc:  # transient: the store or a disk is unavailable
            where = f"events {records[0].seq}..{records[-1].seq}"
            message = f"{phase}: {where} could not be applied: {detail(exc)}"
            raise ReplayFailed(message, seq=records[0].seq, untouched=not wiped) from exc
        if halt is not None:
            message = f"{phase}: event {halt.seq} cannot be applied: {halt.detail}"
            raise ReplayFailed(message, seq=halt.seq, untouched=not wiped)
        after = records[-1].seq
        done += len(records)
        if progress:
            progress(phase, done, total)
    return done, after


def replay(
    *, store: GraphStore, eventlog: EventLog, replica: str, batch: int = 500, progress: Progress | None = None
) -> int:
    """Prove every event applies (in a scratch embedded store), then wipe ``store`` and project the whole log into
    it; returns how many events were applied. Raises ``ReplayFailed`` with ``store`` untouched when the chain
    does not verify or an event does not apply."""
    _check_chain(eventlog)
    _check_checkpoints(eventlog, replica, store)
    with tempfile.TemporaryDirectory(prefix=".replay-", dir=eventlog.path.parent) as scratch_dir:
        scratch = EmbeddedStore(Path(scratch_dir) / "graph.sqlite")
        try:
            scratch.apply_schema()
            _build(scratch, eventlog, replica=replica, batch=batch, phase="checking", progress=progress)
        finally:
            scratch.close()
    store.wipe()
    store.apply_schema()
    count, last = _build(
        store, eventlog, replica=replica, batch=batch, phase="rebuilding", progress=progress, wiped=True
    )
    _copy_checkpoints(store, eventlog, replica)
    eventlog.advance_projection(last)
    return count


def replay_file(
    *, path: Path, eventlog: EventLog, replica: str, batch: int = 500, progress: Progress | None = None
) -> int:
    """Build a new embedded graph from the log next to ``path`` and swap it in atomically; returns how many events
    were applied. The store on ``path`` must be closed (and no server running on it). Raises ``ReplayFailed``
    with ``path`` untouched when the chain does not verify, an event does not apply or ``path`` is in use."""
    _check_chain(eventlog)
    if path.exists():
        old = EmbeddedStore(path)
        try:
            _check_checkpoints(eventlog, replica, old)
        finally:
            old.close()
    else:
        _check_checkpoints(eventlog, replica, None)
    if path.exists():
        try:
            _standalone(path)  # fold its WAL in: a -wal left beside the new file would be replayed onto it
        except sqlite3.OperationalError as exc:
            raise ReplayFailed(f"{path} is in use (stop the server first): {exc}", seq=None) from exc
    fresh = path.with_name(path.name + ".replay")
    _remove(fresh)
    store = EmbeddedStore(fresh)
    try:
        store.apply_schema()
        count, last = _build(store, eventlog, replica=replica, batch=batch, phase="building", progress=progress)
        _copy_checkpoints(store, eventlog, replica)
    except BaseException:
        store.close()
        _remove(fresh)
        raise
    store.close()
    _standalone(fresh)
    os.replace(fresh, path)
    _fsync_dir(path.parent)
    eventlog.advance_projection(last)
    return count


def _standalone(path: Path) -> None:
    """Make ``path`` a self-contained rollback-journal database (no -wal/-shm beside it), fsync'd."""
    db = sqlite3.connect(str(path), timeout=1.0, isolation_level=None)
    try:
        mode = db.execute("PRAGMA journal_mode=DELETE").fetchone()
    finally:
        db.close()
    if not mode or str(mode[0]).lower() != "delete":
        raise sqlite3.OperationalError(f"journal mode stays {mode[0] if mode else None!r}: the file is open elsewhere")
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
