"""API keys (admin) and the access log (admin, auditor)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from lineage_api.auth import service
from lineage_api.auth.principal import auth_of, guard
from lineage_api.auth.roles import Permission
from lineage_api.auth.schemas import AccessPage, AccessVerify, KeyCreate, KeyCreated, KeyList, KeyOut

router = APIRouter(prefix="/api/v1", tags=["access"])


@router.post("/keys", response_model=KeyCreated, status_code=201, **guard(Permission.ADMIN))
def create_key(request: Request, body: KeyCreate) -> KeyCreated:
    """Create an API key; the secret is in this answer only."""
    return service.create_key(
        keys=auth_of(request).keys,
        role=body.role,
        namespaces=body.namespaces,
        expires_at=body.expiresAt,
        label=body.label,
    )


@router.get("/keys", response_model=KeyList, **guard(Permission.ADMIN))
def list_keys(request: Request) -> KeyList:
    """Every API key, without secrets."""
    return service.list_keys(keys=auth_of(request).keys)


@router.delete("/keys/{key_id}", response_model=KeyOut, **guard(Permission.ADMIN))
def revoke_key(request: Request, key_id: str) -> KeyOut:
    """Revoke an API key; it stops working at once."""
    return service.revoke_key(keys=auth_of(request).keys, key_id=key_id)


@router.get("/audit", response_model=AccessPage, **guard(Permission.READ_AUDIT))
def read_access_log(
    request: Request,
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AccessPage:
    """The access log: who asked which trace, impact, privacy or findings query, and how much they got."""
    return service.read_access(access=auth_of(request).access, after=after, limit=limit)


@router.get("/audit/verify", response_model=AccessVerify, **guard(Permission.READ_AUDIT))
def verify_access_log(request: Request) -> AccessVerify:
    """Recompute the access log's hash chain."""
    return service.verify_access(access=auth_of(request).access)
