"""Every domain's router, included in one place."""

from __future__ import annotations

from fastapi import FastAPI

from lineage_api.auth.router import router as auth_router
from lineage_api.catalog.router import router as catalog_router
from lineage_api.compliance.router import router as compliance_router
from lineage_api.governance.router import router as governance_router
from lineage_api.ingest.router import router as ingest_router
from lineage_api.privacy.router import router as privacy_router
from lineage_api.provenance.router import router as provenance_router


def include_domain_routers(app: FastAPI) -> None:
    app.include_router(ingest_router)
    app.include_router(catalog_router)
    app.include_router(provenance_router)
    app.include_router(governance_router)
    app.include_router(privacy_router)
    app.include_router(compliance_router)
    app.include_router(auth_router)
