"""The records of the event log and its hash chain: what is hashed, and how a chain is checked.

``contentHash = sha256(canonical event)``; ``hash = sha256(prevHash + entryHash)``, where ``entryHash`` binds the
writer to the content (``sha256(contentHash + "\n" + canonical writer)``; just ``contentHash`` for rows logged
before writers were kept).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lineage_api.core.errors import LineageError
from lineage_api.core.writer import Writer
from lineage_api.ingest.registry import Claim

GENESIS = "0" * 64


def canonical(event: Any) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(event: Any) -> str:
    return hashlib.sha256(canonical(event).encode("utf-8")).hexdigest()


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode("ascii")).hexdigest()


def entry_hash(content: str, writer: Writer | None) -> str:
    """What the chain links: the content hash, bound to the writer when there is one."""
    if writer is None:
        return content
    return hashlib.sha256(f"{content}\n{writer.canonical()}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Appended:
    """Where an event landed; ``error`` (and ``seq == 0``) when its claims were refused and nothing was stored."""

    seq: int
    duplicate: bool
    error: LineageError | None = None


@dataclass(frozen=True, slots=True)
class LogItem:
    """One event to append: its text, content hash, writer and the ownership claims it makes."""

    body: str
    content_hash: str
    writer: Writer | None = None
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True, slots=True)
class LogRecord:
    seq: int
    content_hash: str
    prev_hash: str
    hash: str
    received_at: str
    body: str
    writer_key: str = ""
    writer_role: str = ""
    writer_scope: str = ""

    @property
    def writer(self) -> Writer | None:
        return Writer.from_columns(self.writer_key, self.writer_role, self.writer_scope)


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    count: int
    first_break: int | None
    reason: str | None = None


def verify_chain(records: Iterator[LogRecord] | Sequence[LogRecord]) -> ChainCheck:
    prev, expected_seq, count = GENESIS, 1, 0
    for record in records:
        count += 1
        if record.seq != expected_seq:
            return ChainCheck(False, count, expected_seq, f"sequence {expected_seq} is missing")
        try:
            digest = content_hash(json.loads(record.body))
        except json.JSONDecodeError:
            return ChainCheck(False, count, record.seq, "stored body is not JSON")
        if digest != record.content_hash:
            return ChainCheck(False, count, record.seq, "event content does not match its hash")
        if record.prev_hash != prev or chain_hash(prev, entry_hash(digest, record.writer)) != record.hash:
            return ChainCheck(False, count, record.seq, "hash chain broken")
        prev = record.hash
        expected_seq += 1
    return ChainCheck(True, count, None)
