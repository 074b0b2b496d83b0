"""The one error shape, declared once for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable error code, e.g. invalid_input, unauthorized, not_found.")
    message: str = Field(description="What is wrong, naming the field when there is one.")
    field: str | None = Field(default=None, description="The offending field or parameter.")
    requestId: str | None = Field(default=None, description="Quote this when reporting a problem.")


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "The request cannot be understood; the message names the field."),
        (401, "No valid API key."),
        (403, "The key's role or namespaces do not allow this."),
        (404, "Not found (or not visible to this key)."),
        (413, "The body is over the size limit."),
        (429, "Too many requests for this key; see Retry-After."),
        (503, "The graph store is unavailable or the query ran too long; retry."),
    )
}
