"""Who is calling: authentication from the ``Authorization: Bearer`` header, and the per-route permission guard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from lineage_api.auth.audit import AccessLog
from lineage_api.auth.keys import KeyStore
from lineage_api.auth.ratelimit import RateLimiter
from lineage_api.auth.roles import Permission, Role, allows
from lineage_api.core.errors import Forbidden, QueryTimeout, RateLimited, Unauthorized
from lineage_api.core.settings import AuthMode, Settings
from lineage_api.core.times import now_iso
from lineage_api.core.writer import Writer

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    role: Role
    namespaces: tuple[str, ...]
    insecure: bool = False

    def covers(self, namespace: str | None) -> bool:
        import fnmatch

        if namespace is None:
            return "*" in self.namespaces
        return any(fnmatch.fnmatchcase(namespace, p) for p in self.namespaces)

    @property
    def writer(self) -> Writer:
        """This key as the writer of the events it sends."""
        return Writer(self.key_id, self.role.value, self.namespaces)

    @property
    def is_viewer(self) -> bool:
        return self.role is Role.VIEWER


ANONYMOUS = Principal("-", Role.VIEWER, ())
INSECURE = Principal("insecure-dev", Role.ADMIN, ("*",), insecure=True)


class Auth:
    """Keys, the access log and the rate limiter of one running service."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keys = KeyStore(settings.data_dir / "auth.sqlite")
        self.access = AccessLog.of(settings)
        conf = settings.auth
        self.limiter = RateLimiter(rate_per_minute=conf.rate_per_minute, burst=conf.burst)

    @property
    def insecure(self) -> bool:
        return self.settings.auth.mode is AuthMode.INSECURE_DEV

    def authenticate(self, header: str | None) -> Principal:
        if self.insecure:
            return INSECURE
        if not header:
            raise Unauthorized("an API key is required: send Authorization: Bearer <key>")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("the Authorization header must be: Bearer <key>")
        key = self.keys.lookup(token.strip())
        if key is None:
            raise Unauthorized("the API key is not valid")
        state = key.state(now_iso())
        if state != "active":
            raise Unauthorized(f"the API key is {state}")
        return Principal(key.key_id, key.role, key.namespaces)

    def close(self) -> None:
        self.keys.close()
        self.access.close()


def auth_of(request: Request) -> Auth:
    auth: Auth = request.app.state.lineage.auth
    return auth


@cache
def requires(permission: Permission) -> Callable[[Request], Principal]:
    """The dependency that lets a request through only with a key whose role grants ``permission``."""

    def dependency(request: Request) -> Principal:
        if permission is Permission.PUBLIC:
            return ANONYMOUS
        auth = auth_of(request)
        principal = auth.authenticate(request.headers.get("authorization"))
        request.state.principal = principal
        if not allows(principal.role, permission):
            raise Forbidden(f"role {principal.role.value} may not {permission.value.replace('_', ' ')}")
        retry = 0 if principal.insecure else auth.limiter.take(principal.key_id)
        if retry:
            raise RateLimited(f"too many requests for key {principal.key_id}; retry in {retry} s", retry_after=retry)
        return principal

    dependency.__name__ = f"requires_{permission.value}"
    return dependency


def guard(permission: Permission, openapi_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Route decorator arguments that enforce ``permission`` and publish it as ``x-permission``."""
    return {
        "dependencies": [Depends(requires(permission))],
        "openapi_extra": {**(openapi_extra or {}), "x-permission": permission.value},
    }


def caller(request: Request) -> Principal:
    """The principal a guard admitted (routes declare a guard first)."""
    principal: Principal = getattr(request.state, "principal", ANONYMOUS)
    return principal


CallerDep = Annotated[Principal, Depends(caller)]


async def bounded(request: Request, fn: Callable[[], T]) -> T:
    """Run a query in a worker thread, failing with ``QueryTimeout`` past the configured limit."""
    limit = auth_of(request).settings.auth.query_timeout_s
    try:
        return await asyncio.wait_for(run_in_threadpool(fn), timeout=limit)
    except TimeoutError:
        raise QueryTimeout(f"the query took longer than {limit:g} s; narrow it (depth, maxNodes, window)") from None
