"""The governance facets' JSON Schemas (contract v1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from graph_schema import GOVERNANCE_FACETS, facet_schema
from lineage_api.auth.principal import guard
from lineage_api.auth.roles import Permission
from lineage_api.core.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["governance"])


@router.get("/facets", **guard(Permission.PUBLIC))
def list_facets() -> dict[str, Any]:
    """The governance facets and where each travels in an OpenLineage event."""
    return {"facets": [{"name": name, "location": where} for name, where in sorted(GOVERNANCE_FACETS.items())]}


@router.get("/facets/{name}", **guard(Permission.PUBLIC))
def get_facet(name: str) -> dict[str, Any]:
    """One governance facet's JSON Schema."""
    try:
        return facet_schema(name)
    except KeyError:
        raise NotFound(f"no governance facet {name!r}; see GET /api/v1/facets", field="name") from None
