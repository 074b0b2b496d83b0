"""API keys: created with a role and namespace patterns, shown once, stored only as a hash, revocable.

A key reads ``lk_<keyId>_<secret>``; the store keeps ``sha256(secret)`` and compares in constant time.
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from lineage_api.auth.roles import Role
from lineage_api.core.errors import InvalidInput, NotFound
from lineage_api.core.times import now_iso

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id      TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    role        TEXT NOT NULL,
    namespaces  TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT
);
"""


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    role: Role
    namespaces: tuple[str, ...]
    label: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    def state(self, now: str) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= now:
            return "expired"
        return "active"

    def covers(self, namespace: str) -> bool:
        """Whether the key's namespace patterns (shell-style, ``*`` for all) match ``namespace``."""
        return any(fnmatch.fnmatchcase(namespace, pattern) for pattern in self.namespaces)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyStore:
    """API keys in ``<data_dir>/auth.sqlite``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def create(
        self, *, role: Role, namespaces: list[str] | None = None, expires_at: str | None = None, label: str = ""
    ) -> tuple[ApiKey, str]:
        """A new key and its token (shown once; only its hash is kept)."""
        patterns = tuple(namespaces or ["*"])
        if any(not p for p in patterns):
            raise InvalidInput("namespace patterns must not be empty", field="namespaces")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        record = ApiKey(key_id, role, patterns, label, now_iso(), expires_at, None)
        with self._lock:
            self._db.execute(
                "INSERT INTO api_keys (key_id, secret_hash, role, namespaces, label, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key_id, _hash(secret), role.value, "\n".join(patterns), label, record.created_at, expires_at),
            )
        return record, f"lk_{key_id}_{secret}"

    def _row(self, row: tuple[str, ...]) -> ApiKey:
        return ApiKey(row[0], Role(row[1]), tuple(row[2].split("\n")), row[3], row[4], row[5], row[6])

    def list(self) -> list[ApiKey]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key_id, role, namespaces, label, created_at, expires_at, revoked_at FROM api_keys"
                " ORDER BY created_at, key_id"
            ).fetchall()
        return [self._row(r) for r in rows]

    def revoke(self, key_id: str) -> ApiKey:
        with self._lock:
            self._db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (now_iso(), key_id)
            )
        found = [k for k in self.list() if k.key_id == key_id]
        if not found:
            raise NotFound(f"no API key {key_id!r}", field="keyId")
        return found[0]

    def lookup(self, token: str) -> ApiKey | None:
        """The key a token names when its secret matches (any state), else None."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "lk" or not parts[1] or not parts[2]:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT key_id, role, namespaces, label, created_at, expires_at, revoked_at, secret_hash"
                " FROM api_keys WHERE key_id = ?",
                (parts[1],),
            ).fetchone()
        if row is None:
            hmac.compare_digest(_hash(parts[2]), "0" * 64)  # same work whether or not the key exists
            return None
        if not hmac.compare_digest(_hash(parts[2]), row[7]):
            return None
        return self._row(row[:7])

    def close(self) -> None:
        with self._lock:
            self._db.close()
