"""The one place that chooses the graph store from settings."""

from __future__ import annotations

from lineage_api.core.settings import Settings, StoreKind
from lineage_api.store.embedded.store import EmbeddedStore
from lineage_api.store.neo4j.store import Neo4jStore
from lineage_api.store.protocol import GraphStore


def build_store(settings: Settings, *, verify: bool = True) -> GraphStore:
    """Open the configured store; with ``verify``, fail once and clearly when Neo4j cannot be used."""
    if settings.store_kind is StoreKind.NEO4J:
        neo = settings.neo4j
        if not neo.uri:
            from lineage_api.core.errors import ConfigurationError

            raise ConfigurationError("LINEAGE_STORE=neo4j needs LINEAGE_NEO4J__URI")
        store = Neo4jStore(
            neo.uri,
            user=neo.user,
            password=neo.password.get_secret_value(),
            database=neo.database,
            connect_timeout_s=neo.connect_timeout_s,
        )
        if verify:
            try:
                store.verify()
            except Exception:
                store.close()
                raise
        return store
    return EmbeddedStore(settings.data_dir / "graph.sqlite")
