"""API keys and the access log, as the API and the CLI use them."""

from __future__ import annotations

from dataclasses import asdict

from lineage_api.auth.audit import AccessLog
from lineage_api.auth.keys import ApiKey, KeyStore, check_expiry
from lineage_api.auth.roles import Role
from lineage_api.auth.schemas import AccessOut, AccessPage, AccessVerify, KeyCreated, KeyList, KeyOut
from lineage_api.core.times import now_iso


def key_out(key: ApiKey) -> KeyOut:
    return KeyOut(
        keyId=key.key_id,
        role=key.role,
        namespaces=list(key.namespaces),
        label=key.label,
        createdAt=key.created_at,
        expiresAt=key.expires_at,
        revokedAt=key.revoked_at,
        state=key.state(now_iso()),
    )


def create_key(
    *, keys: KeyStore, role: Role, namespaces: list[str] | None, expires_at: str | None, label: str = ""
) -> KeyCreated:
    record, token = keys.create(role=role, namespaces=namespaces, expires_at=check_expiry(expires_at), label=label)
    return KeyCreated(**key_out(record).model_dump(), key=token)


def list_keys(*, keys: KeyStore) -> KeyList:
    return KeyList(keys=[key_out(k) for k in keys.list()])


def revoke_key(*, keys: KeyStore, key_id: str) -> KeyOut:
    return key_out(keys.revoke(key_id))


def read_access(*, access: AccessLog, after: int, limit: int) -> AccessPage:
    records = access.read(after=after, limit=limit + 1)
    more = len(records) > limit
    records = records[:limit]
    return AccessPage(
        entries=[AccessOut(seq=r.seq, hash=r.hash, prevHash=r.prev_hash, **asdict(r.entry)) for r in records],
        next_after=records[-1].seq if more and records else None,
    )


def verify_access(*, access: AccessLog) -> AccessVerify:
    check = access.verify()
    return AccessVerify(ok=check.ok, count=check.count, firstBreak=check.first_break, reason=check.reason)
