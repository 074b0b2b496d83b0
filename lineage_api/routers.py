"""Every domain's router, included in one place (each declares the one error shape for its 4xx/5xx answers)."""

from __future__ import annotations

from fastapi import FastAPI

from lineage_api.auth.router import router as auth_router
from lineage_api.catalog.router import router as catalog_router
from lineage_api.compliance.router import router as compliance_router
from lineage_api.core.schemas import ERROR_RESPONSES
from lineage_api.governance.router import router as governance_router
from lineage_api.ingest.router import router as ingest_router
from lineage_api.privacy.router import router as privacy_router
from lineage_api.provenance.router import router as provenance_router
from lineage_api.ui.router import router as ui_router

ROUTERS = (
    ingest_router,
    catalog_router,
    provenance_router,
    governance_router,
    privacy_router,
    compliance_router,
    auth_router,
    ui_router,
)


def include_domain_routers(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES)
