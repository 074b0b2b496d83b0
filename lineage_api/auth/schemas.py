"""API keys and access-log answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from lineage_api.auth.keys import MAX_PATTERN_CHARS, MAX_PATTERNS
from lineage_api.auth.roles import Role

Pattern = Annotated[str, Field(min_length=1, max_length=MAX_PATTERN_CHARS)]


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    namespaces: list[Pattern] = Field(
        default_factory=lambda: ["*"],
        min_length=1,
        max_length=MAX_PATTERNS,
        description="Shell-style patterns, e.g. etl.* (no control characters); omitted: every namespace.",
    )
    expiresAt: str | None = Field(
        default=None, description="ISO-8601 time, in the future, after which the key stops working."
    )
    label: str = Field(default="", max_length=200)


class KeyOut(BaseModel):
    keyId: str
    role: Role
    namespaces: list[str]
    label: str
    createdAt: str
    expiresAt: str | None
    revokedAt: str | None
    state: str = Field(description="active, expired or revoked")


class KeyCreated(KeyOut):
    key: str = Field(description="The secret key; shown once, only its hash is stored.")


class KeyList(BaseModel):
    keys: list[KeyOut]


class AccessOut(BaseModel):
    seq: int
    at: str
    keyId: str
    role: str
    method: str
    path: str
    query: str
    status: int
    nodes: int | None
    hash: str
    prevHash: str


class AccessPage(BaseModel):
    entries: list[AccessOut]
    next_after: int | None


class AccessVerify(BaseModel):
    ok: bool
    count: int
    firstBreak: int | None
    reason: str | None = None
