"""Health answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["ok", "degraded", "stalled"]


class StoreHealth(BaseModel):
    kind: str = Field(description="Which graph store: embedded or neo4j.")
    ok: bool = Field(description="Whether the store answered a trivial query.")


class IngestHealth(BaseModel):
    logged: int = Field(description="Highest sequence number in this replica's event log.")
    projected: int = Field(description="Highest sequence number applied to the graph store.")
    lag: int = Field(description="Events accepted but not yet in the graph store.")
    stalledAt: int | None = Field(
        None, description="The event projection is halted at (nothing after it is applied), or null."
    )
    reason: str | None = Field(
        None,
        description="Why projection is behind: 'stalled at seq N: <kind of error>', 'projection retrying: ...' or "
        "'the event log cannot be written: ...'; details in the server log and `lineage verify`.",
    )


class Health(BaseModel):
    status: Status = Field(
        description="'ok'; 'degraded' when the store does not answer, projection is retrying or the event log cannot "
        "be written (events are still accepted while the log can be written); 'stalled' when projection is halted "
        "at one event until it can be applied (events are still accepted)."
    )
    version: str
    store: StoreHealth
    ingest: IngestHealth | None = None
