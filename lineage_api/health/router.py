"""GET /health."""

from __future__ import annotations

from fastapi import APIRouter

from lineage_api.auth.principal import guard
from lineage_api.auth.roles import Permission
from lineage_api.core.deps import StateDep
from lineage_api.health import service
from lineage_api.health.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, **guard(Permission.PUBLIC))
def health(state: StateDep) -> Health:
    """Whether the service and its graph store answer, and how far (and why) projection lags ingestion."""
    return service.health(store=state.store, pipeline=state.pipeline)
