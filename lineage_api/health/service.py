"""Health logic: does the store answer, and how far (and why) projection lags ingestion."""

from __future__ import annotations

from lineage_api import __version__
from lineage_api.health.schemas import Health, IngestHealth, Status, StoreHealth
from lineage_api.ingest.pipeline import IngestPipeline
from lineage_api.store.protocol import GraphStore


def health(*, store: GraphStore, pipeline: IngestPipeline | None) -> Health:
    """'stalled' beats 'degraded' beats 'ok'; the reason is the kind of error only (this answer is public)."""
    ok = store.ping()
    status: Status = "ok" if ok else "degraded"
    ingest = None
    if pipeline is not None:
        projector = pipeline.status()
        if projector.state != "ok":
            status = projector.state
        ingest = IngestHealth(
            logged=projector.logged,
            projected=projector.projected,
            lag=max(0, projector.logged - projector.projected),
            stalledAt=projector.stalled_at,
            reason=projector.reason,
        )
    return Health(status=status, version=__version__, store=StoreHealth(kind=store.kind, ok=ok), ingest=ingest)
