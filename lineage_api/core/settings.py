"""Settings: one pydantic-settings tree, env prefix ``LINEAGE_``, nested with ``__``."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class StoreKind(StrEnum):
    EMBEDDED = "embedded"
    NEO4J = "neo4j"


class Neo4jSettings(BaseModel):
    """How to reach Neo4j (any bolt://, neo4j:// or neo4j+s:// URI; the routing driver handles clusters)."""

    uri: str | None = Field(default=None, description="Neo4j URI; setting it selects the Neo4j store.")
    user: str = Field(default="neo4j", description="Neo4j user name.")
    password: SecretStr = Field(default=SecretStr(""), description="Neo4j password (empty when auth is off).")
    database: str = Field(default="neo4j", description="Neo4j database to use.")
    connect_timeout_s: float = Field(default=10.0, description="Seconds to wait for Neo4j at start-up.")


class IngestSettings(BaseModel):
    """Ingestion limits and projector batching."""

    max_body_bytes: int = Field(default=5 * 1024 * 1024, description="Largest accepted request body (after gzip).")
    max_batch_events: int = Field(default=10_000, description="Most events accepted in one batch request.")
    projector_batch: int = Field(default=500, description="Events the projector applies per store transaction.")
    projector_linger_ms: int = Field(
        default=10, description="How long the projector waits for more events to join a partial batch."
    )
    ack_wait_ms: int = Field(
        default=50, description="How long a single-event POST waits for projection (201) before answering 202."
    )
    checkpoint_every: int = Field(
        default=1000, ge=1, description="Sign a checkpoint of the event log's Merkle root after this many new events."
    )
    checkpoint_seconds: float = Field(
        default=60.0, gt=0, description="Sign a checkpoint at least this often (seconds) while new events arrive."
    )


class AuthMode(StrEnum):
    KEYS = "keys"
    INSECURE_DEV = "insecure-dev"


class AuthSettings(BaseModel):
    """Who may call the API, and how much."""

    mode: AuthMode = Field(
        default=AuthMode.KEYS,
        description="'keys' (API keys required) or 'insecure-dev' (no keys; loopback only, for development).",
    )
    rate_per_minute: int = Field(default=1200, description="Sustained requests per minute allowed per key.")
    burst: int = Field(default=200, description="Requests a key may send at once before being rate limited.")
    query_timeout_s: float = Field(default=30.0, description="Longest a trace, impact, privacy or findings query runs.")


class Settings(BaseSettings):
    """All settings of the service; read from the environment (``LINEAGE_*``) and an optional ``.env``."""

    model_config = SettingsConfigDict(env_prefix="LINEAGE_", env_nested_delimiter="__", env_file=".env", extra="ignore")

    store: StoreKind | None = Field(
        default=None, description="Which graph store: 'embedded' (default) or 'neo4j' (default when a URI is set)."
    )
    data_dir: Path = Field(default=Path(".lineage"), description="Directory for the event log and embedded store.")
    replica_id: str = Field(default="r1", description="This API replica's id; each replica keeps its own chain.")
    neo4j: Neo4jSettings = Field(default_factory=Neo4jSettings, description="Neo4j connection.")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingestion limits.")
    auth: AuthSettings = Field(default_factory=AuthSettings, description="API keys, rate limits, query timeouts.")

    @model_validator(mode="after")
    def _choose_store(self) -> Settings:
        if self.store is None:
            self.store = StoreKind.NEO4J if self.neo4j.uri else StoreKind.EMBEDDED
        return self

    @property
    def store_kind(self) -> StoreKind:
        return self.store or StoreKind.EMBEDDED


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (tests build their own ``Settings`` instead)."""
    return Settings()
