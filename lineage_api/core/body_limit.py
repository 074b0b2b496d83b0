"""One limit on every request body, enforced before any route reads it.

Routes whose body pydantic parses (``POST /api/v1/keys``, ``POST /api/v1/privacy/classifications``) would
otherwise read a body of any size into memory. ``BodyLimit`` answers 413 (``payload_too_large``, the one error
shape) when the declared ``Content-Length`` or the bytes received exceed the limit: ``max_bytes`` when given, else
the running app's ``settings.ingest.max_body_bytes`` (the ingestion routes check that limit again after gunzip).
The body is received in full before the route runs, so a chunked upload is cut off at the limit too.

Installed in ``lineage_api.app.create_app`` with ``app.add_middleware(BodyLimit)`` right after ``FastAPI(...)``: the
innermost middleware, so the request-id and access-log middlewares still see (and log) a refused request.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineage_api.core.errors import PayloadTooLarge
from lineage_api.core.settings import IngestSettings

DEFAULT_MAX_BYTES = IngestSettings().max_body_bytes


def _limit_of(scope: Scope) -> int:
    state = getattr(getattr(scope.get("app"), "state", None), "lineage", None)
    settings = getattr(state, "settings", None)
    return int(settings.ingest.max_body_bytes) if settings is not None else DEFAULT_MAX_BYTES


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name.lower() == b"content-length" and value.strip().isdigit():
            return int(value)
    return None


def _request_id(scope: Scope) -> str:
    """The id the app's request-id middleware gave the request (it runs outside this one), else the client's."""
    state = scope.get("state")
    if isinstance(state, dict) and state.get("request_id"):
        return str(state["request_id"])
    for name, value in scope.get("headers") or ():
        if name.lower() == b"x-request-id" and value:
            return str(value.decode("latin-1"))
    return uuid.uuid4().hex


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    rid = _request_id(scope)
    error: dict[str, Any] = {
        "code": PayloadTooLarge.code,
        "message": f"body is larger than {limit} bytes",
        "field": "body",
        "requestId": rid,
    }
    body = json.dumps({"error": error}).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"x-request-id", rid.encode("latin-1")),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": PayloadTooLarge.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: 413 for any request body over the limit, before the app sees it."""

    def __init__(self, app: ASGIApp, *, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes if self.max_bytes is not None else _limit_of(scope)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        received: list[Message] = []
        size = 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await _refuse(scope, send, limit)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return received.pop(0) if received else await receive()

        await self.app(scope, replay, send)
