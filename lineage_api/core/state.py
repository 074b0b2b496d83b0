"""What a running service holds: settings, the graph store, and (added by ingestion) the event log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lineage_api.core.settings import Settings
from lineage_api.store.protocol import GraphStore

if TYPE_CHECKING:
    from lineage_api.auth.principal import Auth
    from lineage_api.ingest.pipeline import IngestPipeline


@dataclass
class AppState:
    settings: Settings
    store: GraphStore
    pipeline: IngestPipeline | None = field(default=None)
    auth: Auth | None = field(default=None)
