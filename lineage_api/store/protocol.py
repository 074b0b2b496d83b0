"""The ``GraphStore`` protocol: what the domains need from a graph store, and nothing more.

Records that cross this boundary are the plain dataclasses below; store-native records never leave a store.
Property values are JSON values. Times (``at``, ``as_of``) are fixed-width UTC ISO-8601 strings
(``lineage_api.core.times.iso``), so comparing them as strings compares them as times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable

from graph_schema import EdgeType, NodeLabel

JsonValue = Any
Scalar = str | int | float | bool


class Direction(StrEnum):
    """Which way an edge is followed: from its source (OUT) or from its target (IN)."""

    OUT = "out"
    IN = "in"


@dataclass(frozen=True, slots=True)
class Step:
    """An edge type and the direction it is followed in during an expansion."""

    type: EdgeType
    direction: Direction


@dataclass(frozen=True, slots=True)
class NodeUpsert:
    """Create the node if missing, then set these properties (a ``None`` value removes the property)."""

    id: str
    label: NodeLabel
    props: Mapping[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EdgeUpsert:
    """Create the edge if missing; ``at`` keeps the earliest time seen.

    ``props`` were observed at ``props_at`` (default: ``at``); they are merged into the edge's properties unless the
    edge already holds properties observed later, so the latest observation wins whatever the arrival order.
    Edges whose endpoints do not exist (after the batch's node upserts) are skipped.
    """

    src: str
    type: EdgeType
    dst: str
    at: str
    props: Mapping[str, JsonValue] = field(default_factory=dict)
    props_at: str | None = None

    @property
    def observed_at(self) -> str:
        return self.props_at or self.at


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """Node and edge upserts applied together in one transaction (nodes first)."""

    nodes: Sequence[NodeUpsert] = ()
    edges: Sequence[EdgeUpsert] = ()


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    label: NodeLabel
    props: dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class Edge:
    src: str
    type: EdgeType
    dst: str
    at: str
    props: dict[str, JsonValue]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.src, self.type.value, self.dst)


TruncatedBy = Literal["depth", "nodes"]


@dataclass(slots=True)
class Expansion:
    """The result of a bounded traversal.

    ``nodes`` holds the start nodes and every node reached (sorted by depth then id), ``depth`` the hop count of
    each, ``edges`` every followed edge between two returned nodes (sorted). ``truncated`` says which limit cut the
    traversal short, and ``frontier`` the returned nodes beyond which something was left out.
    """

    nodes: list[Node]
    edges: list[Edge]
    depth: dict[str, int]
    truncated: TruncatedBy | None = None
    frontier: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.truncated is None


@runtime_checkable
class GraphStore(Protocol):
    """A lineage graph store. Implementations: ``neo4j`` (production) and ``embedded`` (SQLite)."""

    kind: str

    def apply_schema(self) -> None:
        """Create constraints, indexes and tables; idempotent."""

    def ping(self) -> bool:
        """True when the store answers a trivial query."""

    def apply(self, batch: ChangeBatch) -> None:
        """Apply node then edge upserts idempotently in one transaction."""

    def get_node(self, node_id: str) -> Node | None:
        """One node by id, or None."""

    def get_nodes(self, node_ids: Iterable[str]) -> list[Node]:
        """The nodes that exist among ``node_ids``, sorted by id."""

    def edges(
        self,
        node_ids: Iterable[str],
        steps: Sequence[Step],
        *,
        as_of: str | None = None,
        since: str | None = None,
        limit: int = 10_000,
    ) -> list[Edge]:
        """Edges of the given types touching ``node_ids`` in the given directions, sorted."""

    def expand(
        self,
        start: Sequence[str],
        steps: Sequence[Step],
        *,
        as_of: str | None = None,
        since: str | None = None,
        max_depth: int = 12,
        max_nodes: int = 10_000,
    ) -> Expansion:
        """Bounded breadth-first traversal from ``start`` following ``steps``; reports truncation."""

    def find_nodes(
        self,
        label: NodeLabel,
        where: Mapping[str, Scalar] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Node]:
        """Nodes of a label whose scalar properties equal ``where``, sorted by id, paginated."""

    def count(self, label: NodeLabel | None = None) -> int:
        """How many nodes (of a label, or in all)."""

    def wipe(self) -> None:
        """Delete every node and edge (tests and replay)."""

    def close(self) -> None:
        """Release connections."""
