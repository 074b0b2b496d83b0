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
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lineage_api.auth.roles import Role
from lineage_api.core.errors import InvalidInput, NotFound
from lineage_api.core.files import private_file
from lineage_api.core.times import iso, now_iso, parse_time

MAX_PATTERNS = 64
MAX_PATTERN_CHARS = 512
# Patterns are stored joined by "\n": no control characters (Cc holds \n, \r, \t, NUL, DEL, C1) nor line breaks.
_REFUSED_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})

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


def check_patterns(namespaces: Sequence[str] | None) -> tuple[str, ...]:
    """The patterns a key is created with: omitted means every namespace (``*``); an empty list is refused."""
    if namespaces is None:
        return ("*",)
    patterns = tuple(namespaces)
    if not patterns:
        raise InvalidInput("namespaces must not be an empty list (omit it for every namespace)", field="namespaces")
    if len(patterns) > MAX_PATTERNS:
        raise InvalidInput(f"namespaces holds {len(patterns)} patterns, at most {MAX_PATTERNS}", field="namespaces")
    for index, pattern in enumerate(patterns):
        if not pattern:
            raise InvalidInput(f"namespaces[{index}] must not be empty", field="namespaces")
        if len(pattern) > MAX_PATTERN_CHARS:
            raise InvalidInput(f"namespaces[{index}] is longer than {MAX_PATTERN_CHARS} characters", field="namespaces")
        if any(unicodedata.category(c) in _REFUSED_CATEGORIES for c in pattern):
            raise InvalidInput(
                f"namespaces[{index}] must not contain control characters or line breaks", field="namespaces"
            )
    return patterns


def check_expiry(value: str | None) -> str | None:
    """A new key's expiry in canonical form: a valid ISO-8601 time in years 1-9999, still in the future."""
    if value is None:
        return None
    try:
        moment = parse_time(value, field="expiresAt")
    except OverflowError:  # a valid local time whose UTC instant falls outside years 1-9999
        raise InvalidInput(f"expiresAt is outside years 1-9999: {value!r}", field="expiresAt") from None
    if moment <= datetime.now(UTC):
        raise InvalidInput(f"expiresAt is not in the future: {value!r}", field="expiresAt")
    return iso(moment)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyStore:
    """API keys in ``<data_dir>/auth.sqlite``."""

    def __init__(self, path: Path) -> None:
        private_file(path)  # data dir 0700, the keys 0600 (their -wal/-shm follow)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def create(
        self, *, role: Role, namespaces: Sequence[str] | None = None, expires_at: str | None = None, label: str = ""
    ) -> tuple[ApiKey, str]:
        """A new key and its token (shown once; only its hash is kept)."""
        patterns = check_patterns(namespaces)
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
