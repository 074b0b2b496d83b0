"""Every domain's router, included in one place."""

from __future__ import annotations

from fastapi import FastAPI

from lineage_api.catalog.router import router as catalog_router
from lineage_api.ingest.router import router as ingest_router


def include_domain_routers(app: FastAPI) -> None:
    app.include_router(ingest_router)
    app.include_router(catalog_router)
