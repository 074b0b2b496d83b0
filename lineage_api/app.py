"""The FastAPI application: routers, the one error shape, and the service's lifespan."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lineage_api import __version__
from lineage_api.core.body_limit import BodyLimit
from lineage_api.core.errors import LineageError, RateLimited, Unauthorized
from lineage_api.core.settings import Settings, get_settings
from lineage_api.core.state import AppState
from lineage_api.health.router import router as health_router
from lineage_api.store.factory import build_store
from lineage_api.store.protocol import GraphStore

log = logging.getLogger("lineage_api")


def error_body(code: str, message: str, *, field: str | None = None, request_id: str | None = None) -> dict[str, Any]:
    """The one error shape every error answer has."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    if request_id:
        error["requestId"] = request_id
    return {"error": error}


def _request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    return str(rid) if rid else uuid.uuid4().hex


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LineageError)
    async def _lineage_error(request: Request, exc: LineageError) -> JSONResponse:
        rid = _request_id(request)
        if exc.status >= 500 and exc.status != 503:
            log.error("request %s failed: %s", rid, exc.message)
            return JSONResponse(error_body("internal_error", "internal error", request_id=rid), status_code=500)
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="ai-lineage"'
        return JSONResponse(
            error_body(exc.code, exc.message, field=exc.field, request_id=rid), status_code=exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        message = f"{where or 'request'}: {first.get('msg', 'invalid')}"
        return JSONResponse(
            error_body("invalid_input", message, field=where or None, request_id=_request_id(request)),
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail), request_id=_request_id(request)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        rid = _request_id(request)
        log.exception("request %s failed unexpectedly", rid)
        return JSONResponse(error_body("internal_error", "internal error", request_id=rid), status_code=500)


def create_app(settings: Settings | None = None, *, store: GraphStore | None = None) -> FastAPI:
    """Build the app; the store is opened (and checked) when the app starts, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        conf = settings or get_settings()
        graph = store or build_store(conf)
        graph.apply_schema()
        from lineage_api.auth.principal import Auth

        state = AppState(settings=conf, store=graph, auth=Auth(conf))
        app.state.lineage = state
        if state.auth and state.auth.insecure:
            log.warning("AUTHENTICATION IS OFF (insecure-dev): every caller is an admin. Never expose this server.")
        from lineage_api.ingest.pipeline import IngestPipeline

        state.pipeline = IngestPipeline.open(conf, graph)
        try:
            yield
        finally:
            state.pipeline.close()
            if state.auth:
                state.auth.close()
            if store is None:
                graph.close()

    app = FastAPI(
        title="ai-lineage",
        version=__version__,
        summary="Lineage and traceability for AI outputs: where did this output come from, and was it allowed?",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit)  # innermost: the request id and the access log still see a refused body

    @app.middleware("http")
    async def _assign_request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        response = await call_next(request)
        response.headers["x-request-id"] = request.state.request_id
        return response

    from lineage_api.auth.middleware import install_access_log

    install_access_log(app)
    _install_error_handlers(app)
    app.include_router(health_router)
    from lineage_api.routers import include_domain_routers

    include_domain_routers(app)
    _document_errors_as_answered(app)
    return app


def _document_errors_as_answered(app: FastAPI) -> None:
    """Validation errors are answered 400 in the one error shape; drop FastAPI's default 422 from the document."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
