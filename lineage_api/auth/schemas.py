"""API keys and access-log answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from lineage_api.auth.roles import Role


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    namespaces: list[str] = Field(default_factory=lambda: ["*"], description="Shell-style patterns, e.g. etl.*")
    expiresAt: str | None = Field(default=None, description="ISO-8601 time after which the key stops working.")
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
