"""GET /health."""

from __future__ import annotations

from fastapi import APIRouter

from lineage_api import __version__
from lineage_api.auth.principal import guard
from lineage_api.auth.roles import Permission
from lineage_api.core.deps import StateDep
from lineage_api.health.schemas import Health, IngestHealth, StoreHealth

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, **guard(Permission.PUBLIC))
def health(state: StateDep) -> Health:
    """Whether the service and its graph store answer, and how far projection lags ingestion."""
    ok = state.store.ping()
    ingest = None
    if state.pipeline is not None:
        logged, projected = state.pipeline.positions()
        ingest = IngestHealth(logged=logged, projected=projected, lag=max(0, logged - projected))
    return Health(
        status="ok" if ok else "degraded",
        version=__version__,
        store=StoreHealth(kind=state.store.kind, ok=ok),
        ingest=ingest,
    )
