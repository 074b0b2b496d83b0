"""Rebuilding the graph from the event log (also how schema changes migrate)."""

from __future__ import annotations

from collections.abc import Callable

from lineage_api.ingest.eventlog import EventLog
from lineage_api.ingest.pipeline import to_logged
from lineage_api.ingest.projection import project
from lineage_api.store.protocol import GraphStore


def replay(
    *,
    store: GraphStore,
    eventlog: EventLog,
    replica: str,
    batch: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Wipe the graph, then project every logged event in order; returns how many events were applied."""
    total = eventlog.last_seq()
    store.wipe()
    store.apply_schema()
    done = 0
    after = 0
    while True:
        records = eventlog.read(after=after, limit=batch)
        if not records:
            break
        store.apply(project(store, [to_logged(replica, r) for r in records]))
        after = records[-1].seq
        done += len(records)
        if progress:
            progress(done, total)
    eventlog.set_projected(after)
    return done
