"""The graph model in one place: node labels, edge types, natural keys, constraints and facet schemas."""

from graph_schema.model import (
    EDGE_TYPES,
    NATURAL_KEYS,
    NODE_LABELS,
    EdgeType,
    NodeLabel,
    embedded_schema_sql,
    neo4j_schema_statements,
)

__all__ = [
    "EDGE_TYPES",
    "NATURAL_KEYS",
    "NODE_LABELS",
    "EdgeType",
    "NodeLabel",
    "embedded_schema_sql",
    "neo4j_schema_statements",
]
