"""Domain errors, one hierarchy, mapped to HTTP status codes in one place (``lineage_api.app``).

    LineageError                      500  (unexpected; logged with a request id, generic body)
    ├── InvalidInput                  400  the request cannot be understood (names the field)
    │   └── PayloadTooLarge           413  the body is over the configured limit
    ├── Unauthorized                  401  no valid API key (missing, unknown, expired or revoked)
    ├── Forbidden                     403  the key's role or namespaces do not allow this
    ├── Conflict                      409  the id is already recorded by another writer, or bound elsewhere
    ├── NotFound                      404  the node, run or facet does not exist
    ├── RateLimited                   429  too many requests for this key (Retry-After says when to retry)
    ├── QueryTimeout                  503  a query ran past the server's time limit
    ├── StoreUnavailable              503  the graph store does not answer (transient; clients retry)
    ├── LogUnavailable                503  the event log cannot be written (disk full, I/O error); nothing acked
    ├── ReplayFailed                  --   a replay stopped at an event (the CLI exits 1; the graph is kept)
    └── ConfigurationError            --   bad settings at start-up (reported once, then exit)

Every error body has one shape: ``{"error": {"code", "message", "field"?, "requestId"?}}``.
"""

from __future__ import annotations


class LineageError(Exception):
    """Base of every error this service raises on purpose."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(LineageError):
    """The request is not something we can accept; the message names the field."""

    code = "invalid_input"
    status = 400


class PayloadTooLarge(InvalidInput):
    """The request body is larger than the configured limit."""

    code = "payload_too_large"
    status = 413


class Unauthorized(LineageError):
    """No valid credentials were presented."""

    code = "unauthorized"
    status = 401


class Forbidden(LineageError):
    """The caller is known but may not do this."""

    code = "forbidden"
    status = 403


class Conflict(LineageError):
    """The entity already exists with another owner (a governance id, a run bound to another job)."""

    code = "conflict"
    status = 409


class RateLimited(LineageError):
    """The caller sent too many requests; ``retry_after`` seconds until the next one is allowed."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueryTimeout(LineageError):
    """A query ran past the configured limit (transient for the caller: retry with smaller bounds)."""

    code = "query_timeout"
    status = 503


class NotFound(LineageError):
    """The thing asked for does not exist."""

    code = "not_found"
    status = 404


class StoreUnavailable(LineageError):
    """The graph store did not answer; the request may be retried."""

    code = "store_unavailable"
    status = 503


class LogUnavailable(LineageError):
    """The durable event log could not be written; nothing was acknowledged and the client may retry."""

    code = "log_unavailable"
    status = 503


class ReplayFailed(LineageError):
    """A replay stopped; ``untouched`` unless the store failed while being rebuilt after its wipe."""

    code = "replay_failed"

    def __init__(self, message: str, *, seq: int | None, untouched: bool = True) -> None:
        super().__init__(message)
        self.seq = seq
        self.untouched = untouched


class ConfigurationError(LineageError):
    """Settings are wrong or the configured store cannot be reached at start-up."""

    code = "configuration_error"
    status = 500
