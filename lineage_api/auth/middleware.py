"""Recording every trace, impact, privacy and findings query, and every write (any POST, PUT, PATCH or DELETE),
in the access log, whatever its outcome: refused writes are attributed too."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from lineage_api.auth.principal import ANONYMOUS, Principal

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUDITED = ("/api/v1/trace", "/api/v1/impact", "/api/v1/privacy/", "/api/v1/compliance/findings")
log = logging.getLogger("lineage_api.audit")


def install_access_log(app: FastAPI) -> None:
    @app.middleware("http")
    async def _access_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        audited_read = request.url.path.startswith(AUDITED) and request.method == "GET"
        if audited_read or request.method in WRITES:
            principal: Principal = getattr(request.state, "principal", ANONYMOUS)
            nodes = getattr(request.state, "answer_nodes", None)
            auth = getattr(request.app.state.lineage, "auth", None)
            if auth is not None:
                try:
                    auth.access.append(
                        key_id=principal.key_id,
                        role=principal.role.value,
                        method=request.method,
                        path=request.url.path,
                        query=request.url.query,
                        status=response.status_code,
                        nodes=nodes,
                    )
                except Exception:  # the answer is already computed; a failing log must be seen, not hidden
                    log.exception("could not record access to %s", request.url.path)
                    return Response(
                        status_code=503,
                        content=b'{"error":{"code":"audit_unavailable",'
                        b'"message":"the access log could not record this request"}}',
                        media_type="application/json",
                    )
        return response
