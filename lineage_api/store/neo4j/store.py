"""Neo4j graph store: the official driver, one driver per process, managed transactions, UNWIND batches.

Labels and edge types come from the ``graph_schema`` enums only; every value is a query parameter. Neo4j
properties cannot hold maps or mixed lists, so such values are stored as JSON text and their keys listed in the
node property ``_j`` (on edges, ``_j`` likewise).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import neo4j
from neo4j import GraphDatabase, RoutingControl

from graph_schema import EdgeType, NodeLabel, neo4j_schema_statements
from lineage_api.core.errors import ConfigurationError, StoreUnavailable
from lineage_api.store.protocol import (
    ChangeBatch,
    Direction,
    Edge,
    Expansion,
    Node,
    Scalar,
    Step,
)
from lineage_api.store.traversal import bfs_depths, finish

_LABELS = {label.value for label in NodeLabel}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ROWS_PER_QUERY = 5_000


def _encode(props: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    """(properties to set, keys holding JSON text, keys to remove)."""
    out: dict[str, Any] = {}
    json_keys: list[str] = []
    removed: list[str] = []
    for key, value in props.items():
        if value is None:
            out[key] = None  # SET n += {key: null} removes the property
            removed.append(key)
        elif isinstance(value, str | int | float | bool):
            out[key] = value
        else:
            out[key] = json.dumps(value, sort_keys=True)
            json_keys.append(key)
    return out, json_keys, removed


def _decode(props: Mapping[str, Any]) -> dict[str, Any]:
    json_keys = set(props.get("_j") or ())
    return {k: (json.loads(v) if k in json_keys else v) for k, v in props.items() if k not in ("_j", "_pat", "id")}


def _label_of(labels: Iterable[str]) -> NodeLabel:
    for label in labels:
        if label in _LABELS:
            return NodeLabel(label)
    raise ValueError(f"node without a known label: {sorted(labels)}")


def _type_expr(types: Iterable[EdgeType]) -> str:
    return "|".join(sorted(t.value for t in types))


class Neo4jStore:
    """A ``GraphStore`` on Neo4j."""

    kind = "neo4j"

    def __init__(self, uri: str, *, user: str, password: str, database: str, connect_timeout_s: float = 10.0):
        auth = (user, password) if password else None
        self.database = database
        self._driver = GraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=connect_timeout_s,
            connection_acquisition_timeout=connect_timeout_s,
            max_transaction_retry_time=5.0,
            # "unknown relationship type" and similar notices are expected on a young graph; not worth a log line.
            notifications_min_severity="OFF",
        )

    def verify(self) -> None:
        """Fail with one clear error when Neo4j cannot be reached or the database is missing."""
        try:
            self._driver.verify_connectivity()
            self._run("RETURN 1 AS ok", {}, write=False)
        except neo4j.exceptions.AuthError as exc:
            raise ConfigurationError(f"Neo4j refused the credentials: {exc.message}") from exc
        except (neo4j.exceptions.ServiceUnavailable, OSError) as exc:
            raise ConfigurationError(f"Neo4j is not reachable: {exc}") from exc
        except neo4j.exceptions.Neo4jError as exc:
            raise ConfigurationError(f"Neo4j answered with an error: {exc.message}") from exc

    def _run(self, query: str, params: Mapping[str, Any], *, write: bool) -> list[neo4j.Record]:
        try:
            records, _, _ = self._driver.execute_query(
                query,
                dict(params),
                database_=self.database,
                routing_=RoutingControl.WRITE if write else RoutingControl.READ,
            )
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired, OSError) as exc:
            raise StoreUnavailable("the Neo4j store is not reachable") from exc
        return list(records)

    def apply_schema(self) -> None:
        for statement in neo4j_schema_statements():
            self._run(statement, {}, write=True)
        self._run("CALL db.awaitIndexes(300)", {}, write=False)

    def ping(self) -> bool:
        """One quick auto-commit query, outside the driver's retry loop, so health answers at once."""
        try:
            with self._driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                record = session.run("RETURN 1 AS ok").single()
            return record is not None and record["ok"] == 1
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError):
            return False

    def apply(self, batch: ChangeBatch) -> None:
        by_label: dict[NodeLabel, list[dict[str, Any]]] = defaultdict(list)
        for node in batch.nodes:
            props, json_keys, removed = _encode(node.props)
            by_label[node.label].append({"id": node.id, "props": props, "j": json_keys, "rm": removed})
        by_type: dict[EdgeType, list[dict[str, Any]]] = defaultdict(list)
        for edge in batch.edges:
            props, json_keys, _ = _encode(edge.props)
            by_type[edge.type].append(
                {
                    "src": edge.src,
                    "dst": edge.dst,
                    "at": edge.at,
                    "pat": edge.observed_at,
                    "props": props,
                    "j": json_keys,
                }
            )

        def work(tx: neo4j.ManagedTransaction) -> None:
            for label in sorted(by_label):
                rows = by_label[label]
                for i in range(0, len(rows), _ROWS_PER_QUERY):
                    tx.run(
                        "UNWIND $rows AS r MERGE (n:Node {id: r.id}) "
                        f"ON CREATE SET n:{label.value}, n.label = '{label.value}' "
                        "SET n += r.props, "
                        "n._j = [k IN coalesce(n._j, []) WHERE NOT k IN r.j AND NOT k IN r.rm] + r.j",
                        rows=rows[i : i + _ROWS_PER_QUERY],
                    ).consume()
            for etype in sorted(by_type):
                rows = sorted(by_type[etype], key=lambda r: (r["src"], r["dst"]))
                for i in range(0, len(rows), _ROWS_PER_QUERY):
                    tx.run(
                        "UNWIND $rows AS r MATCH (a:Node {id: r.src}) MATCH (b:Node {id: r.dst}) "
                        f"MERGE (a)-[e:{etype.value}]->(b) "
                        "ON CREATE SET e.at = r.at, e._pat = r.pat "
                        "WITH e, r, r.pat >= e._pat AS newer "
                        "SET e.at = CASE WHEN r.at < e.at THEN r.at ELSE e.at END, "
                        "e += CASE WHEN newer THEN r.props ELSE {} END, "
                        "e._pat = CASE WHEN newer THEN r.pat ELSE e._pat END, "
                        "e._j = CASE WHEN newer THEN [k IN coalesce(e._j, []) WHERE NOT k IN r.j] + r.j ELSE e._j END",
                        rows=rows[i : i + _ROWS_PER_QUERY],
                    ).consume()

        try:
            with self._driver.session(database=self.database) as session:
                session.execute_write(work)
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired, OSError) as exc:
            raise StoreUnavailable("the Neo4j store is not reachable") from exc

    def get_node(self, node_id: str) -> Node | None:
        found = self.get_nodes([node_id])
        return found[0] if found else None

    def get_nodes(self, node_ids: Iterable[str]) -> list[Node]:
        ids = sorted(set(node_ids))
        if not ids:
            return []
        records = self._run(
            "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id AS id, labels(n) AS labels, properties(n) AS p",
            {"ids": ids},
            write=False,
        )
        nodes = [Node(r["id"], _label_of(r["labels"]), _decode(r["p"])) for r in records]
        for node in nodes:
            node.props.pop("label", None)
        return sorted(nodes, key=lambda n: n.id)

    def edges(
        self,
        node_ids: Iterable[str],
        steps: Sequence[Step],
        *,
        as_of: str | None = None,
        since: str | None = None,
        limit: int = 10_000,
    ) -> list[Edge]:
        ids = sorted(set(node_ids))
        out_types = {s.type for s in steps if s.direction is Direction.OUT}
        in_types = {s.type for s in steps if s.direction is Direction.IN}
        parts: list[str] = []
        if out_types:
            parts.append(
                f"UNWIND $ids AS id MATCH (a:Node {{id: id}})-[e:{_type_expr(out_types)}]->(b) "
                "WHERE ($asOf IS NULL OR e.at <= $asOf) AND ($since IS NULL OR e.at >= $since) "
                "RETURN a.id AS src, type(e) AS type, b.id AS dst, properties(e) AS p LIMIT $limit"
            )
        if in_types:
            parts.append(
                f"UNWIND $ids AS id MATCH (b:Node {{id: id}})<-[e:{_type_expr(in_types)}]-(a) "
                "WHERE ($asOf IS NULL OR e.at <= $asOf) AND ($since IS NULL OR e.at >= $since) "
                "RETURN a.id AS src, type(e) AS type, b.id AS dst, properties(e) AS p LIMIT $limit"
            )
        if not ids or not parts:
            return []
        records = self._run(
            " UNION ".join(parts), {"ids": ids, "asOf": as_of, "since": since, "limit": limit}, write=False
        )
        found: dict[tuple[str, str, str], Edge] = {}
        for r in records:
            props = _decode(r["p"])
            at = str(props.pop("at", ""))
            edge = Edge(r["src"], EdgeType(r["type"]), r["dst"], at, props)
            found[edge.key] = edge
        return [found[k] for k in sorted(found)][:limit]

    def _neighbors(
        self, frontier: list[str], steps: Sequence[Step], as_of: str | None, since: str | None, limit: int
    ) -> list[str]:
        out_types = {s.type for s in steps if s.direction is Direction.OUT}
        in_types = {s.type for s in steps if s.direction is Direction.IN}
        parts: list[str] = []
        if out_types:
            parts.append(
                f"UNWIND $ids AS id MATCH (:Node {{id: id}})-[e:{_type_expr(out_types)}]->(b) "
                "WHERE ($asOf IS NULL OR e.at <= $asOf) AND ($since IS NULL OR e.at >= $since) "
                "RETURN DISTINCT b.id AS id LIMIT $limit"
            )
        if in_types:
            parts.append(
                f"UNWIND $ids AS id MATCH (:Node {{id: id}})<-[e:{_type_expr(in_types)}]-(b) "
                "WHERE ($asOf IS NULL OR e.at <= $asOf) AND ($since IS NULL OR e.at >= $since) "
                "RETURN DISTINCT b.id AS id LIMIT $limit"
            )
        if not parts:
            return []
        records = self._run(
            " UNION ".join(parts), {"ids": frontier, "asOf": as_of, "since": since, "limit": limit}, write=False
        )
        return [r["id"] for r in records]

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
        max_depth = max(0, int(max_depth))
        max_nodes = max(1, int(max_nodes))
        existing = [n.id for n in self.get_nodes(start)]
        depth, capped = bfs_depths(
            existing,
            lambda frontier: self._neighbors(frontier, steps, as_of, since, max_nodes * 4 + 1),
            max_depth=max_depth,
            max_nodes=max_nodes,
        )
        touching = self.edges(depth, steps, as_of=as_of, since=since, limit=max(100_000, max_nodes * 20))
        return finish(depth, self.get_nodes(depth), touching, steps, capped=capped)

    def find_nodes(
        self,
        label: NodeLabel,
        where: Mapping[str, Scalar] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Node]:
        params: dict[str, Any] = {"skip": int(offset), "limit": int(limit)}
        clauses = []
        for i, (name, value) in enumerate(sorted((where or {}).items())):
            # Property names are code-chosen identifiers (checked), so they can be literals the planner indexes.
            if not _IDENT.fullmatch(name):
                raise ValueError(f"not a property name: {name!r}")
            clauses.append(f"n.`{name}` = $v{i}")
            params[f"v{i}"] = value
        conditions = " AND ".join(clauses) or "true"
        records = self._run(
            f"MATCH (n:{label.value}) WHERE {conditions} "
            "RETURN n.id AS id, labels(n) AS labels, properties(n) AS p ORDER BY n.id SKIP $skip LIMIT $limit",
            params,
            write=False,
        )
        nodes = [Node(r["id"], _label_of(r["labels"]), _decode(r["p"])) for r in records]
        for node in nodes:
            node.props.pop("label", None)
        return nodes

    def count(self, label: NodeLabel | None = None) -> int:
        query = f"MATCH (n:{label.value}) RETURN count(n) AS c" if label else "MATCH (n:Node) RETURN count(n) AS c"
        return int(self._run(query, {}, write=False)[0]["c"])

    def wipe(self) -> None:
        while True:
            records = self._run("MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c", {}, write=True)
            if not records or records[0]["c"] == 0:
                return

    def close(self) -> None:
        self._driver.close()
