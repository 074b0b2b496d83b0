"""The graph model in one place: node labels, edge types, natural keys, constraints and facet schemas."""

from graph_schema.model import (
    EDGE_TYPES,
    GOVERNANCE_FACETS,
    NATURAL_KEYS,
    NODE_LABELS,
    EdgeType,
    NodeLabel,
    embedded_schema_sql,
    facet_schema,
    neo4j_schema_statements,
)

__all__ = [
    "EDGE_TYPES",
    "GOVERNANCE_FACETS",
    "NATURAL_KEYS",
    "NODE_LABELS",
    "EdgeType",
    "NodeLabel",
    "embedded_schema_sql",
    "facet_schema",
    "neo4j_schema_statements",
]
