"""Health answer."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StoreHealth(BaseModel):
    kind: str = Field(description="Which graph store: embedded or neo4j.")
    ok: bool = Field(description="Whether the store answered a trivial query.")


class IngestHealth(BaseModel):
    logged: int = Field(description="Highest sequence number in this replica's event log.")
    projected: int = Field(description="Highest sequence number applied to the graph store.")
    lag: int = Field(description="Events accepted but not yet in the graph store.")


class Health(BaseModel):
    status: str = Field(description="'ok', or 'degraded' when the store does not answer (events still accepted).")
    version: str
    store: StoreHealth
    ingest: IngestHealth | None = None
