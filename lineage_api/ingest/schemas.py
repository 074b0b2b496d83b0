"""The ingestion API contract."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class IngestResult(BaseModel):
    status: Literal["projected", "accepted"] = Field(
        description="'projected': in the graph (201); 'accepted': durably logged, projection pending (202)."
    )
    seq: int = Field(description="The event's sequence number in this replica's log.")
    replica: str = Field(description="The replica whose log holds the event.")
    duplicate: bool = Field(description="True when an identical event was already logged.")
    notes: list[str] = Field(default_factory=list, description="Leniencies applied while parsing.")


class BatchSummary(BaseModel):
    received: int
    successful: int
    failed: int
    retriable: int
    non_retriable: int


class FailedEvent(BaseModel):
    index: int
    reason: str
    retriable: bool
    code: str = Field("invalid_input", description="The error code, as in the one error shape.")
    status: int = Field(400, description="The status a single POST of this event would have answered.")
    field: str | None = Field(None, description="Where in the event the problem is.")


class BatchResult(BaseModel):
    status: Literal["success", "partial_success"]
    summary: BatchSummary
    failed_events: list[FailedEvent]


class WriterOut(BaseModel):
    keyId: str = Field(description="The API key that wrote the event (`system` for the service's own events).")
    role: str
    namespaces: list[str] = Field(description="The key's namespace patterns when it wrote.")


class LoggedEventOut(BaseModel):
    seq: int
    replica: str
    hash: str
    prevHash: str
    contentHash: str
    receivedAt: str
    writer: WriterOut | None = Field(None, description="Who wrote it; null for events logged before writers were kept.")
    event: dict[str, Any]


class EventPage(BaseModel):
    events: list[LoggedEventOut]
    next_after: int | None = Field(description="Pass as `after` to read the next page; null at the end.")


class ChainStatus(BaseModel):
    source: str = Field(
        description="'log' (this replica's local log), 'graph:<replica>' (events in the store), 'merkle' (the log"
        " against its Merkle tree and signed checkpoints), 'merkle:graph' (against the store's copies of them)"
        " or 'projection' (a halted projection)."
    )
    ok: bool
    count: int
    firstBreak: int | None
    reason: str | None = None


class VerifyResult(BaseModel):
    ok: bool
    count: int = Field(description="Events checked in this replica's local log.")
    firstBreak: int | None = Field(
        description="First sequence number of the local log that breaks its chain or its Merkle checks."
    )
    chains: list[ChainStatus]


class CheckpointKeyOut(BaseModel):
    algorithm: Literal["Ed25519"] = "Ed25519"
    origin: str = Field(description="The event log's name, the first line of every checkpoint it signs.")
    publicKey: str = Field(description="The 32-byte raw Ed25519 public key, standard base64.")
    pem: str = Field(description="The same key as a SubjectPublicKeyInfo PEM.")


class CheckpointOut(BaseModel):
    origin: str
    treeSize: int
    rootHash: str = Field(description="The RFC 9162 root of the first treeSize events, standard base64.")
    at: str = Field(description="When it was signed (not part of the signed text).")
    signature: str = Field(description="Ed25519 signature over `note`, standard base64.")
    note: str = Field(description="The signed text: `<origin>\\n<treeSize>\\n<rootHash>\\n`.")


class CheckpointPage(BaseModel):
    checkpoints: list[CheckpointOut] = Field(description="Newest first.")


class InclusionProofOut(BaseModel):
    seq: int
    leafIndex: int = Field(description="seq - 1.")
    treeSize: int
    entry: str = Field(description="The leaf entry: the event's chain hash (hex); the leaf is SHA-256(0x00||bytes).")
    leafHash: str = Field(description="Standard base64.")
    rootHash: str = Field(description="Root of the tree of treeSize events, standard base64.")
    proof: list[str] = Field(description="RFC 9162 inclusion path, leaf side first, standard base64.")
    checkpoint: CheckpointOut | None = Field(description="The signed checkpoint of treeSize, when there is one.")


class ConsistencyProofOut(BaseModel):
    fromSize: int
    toSize: int
    fromRoot: str
    toRoot: str
    proof: list[str] = Field(description="RFC 9162 consistency proof, standard base64.")
