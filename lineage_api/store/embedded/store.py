"""Embedded graph store: one SQLite file in the data directory (WAL), traversal by recursive CTE."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graph_schema import NATURAL_KEYS, EdgeType, NodeLabel, embedded_schema_sql
from lineage_api.core.files import private_file
from lineage_api.store.protocol import (
    ChangeBatch,
    Direction,
    Edge,
    EdgeUpsert,
    Expansion,
    Node,
    NodeUpsert,
    Scalar,
    Step,
)
from lineage_api.store.traversal import bfs_depths, finish

_INDEXED_MAX_LEN = 256
_CTE_MAX_NODES = 2_000  # walks allowed more nodes than this go level by level
_CHUNK = 500

_WALK = """
WITH RECURSIVE walk(id, depth) AS (
    SELECT value, 0 FROM json_each(:start)
    UNION
    SELECT e.dst, w.depth + 1 FROM walk w JOIN edges e ON e.src = w.id
     WHERE w.depth < :max_depth AND e.type IN (SELECT value FROM json_each(:out_types))
       AND (:as_of IS NULL OR e.at <= :as_of) AND (:since IS NULL OR e.at >= :since)
    UNION
    SELECT e.src, w.depth + 1 FROM walk w JOIN edges e ON e.dst = w.id
     WHERE w.depth < :max_depth AND e.type IN (SELECT value FROM json_each(:in_types))
       AND (:as_of IS NULL OR e.at <= :as_of) AND (:since IS NULL OR e.at >= :since)
    LIMIT :row_limit
)
SELECT id, MIN(depth) AS d FROM walk GROUP BY id ORDER BY d, id LIMIT :node_limit
"""


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _indexable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(str(value)) <= _INDEXED_MAX_LEN


def _present(props: Mapping[str, Any]) -> dict[str, Any]:
    """Properties without the removed (None) ones, as Neo4j stores them."""
    return {k: v for k, v in props.items() if v is not None}


def _scalar_text(value: Scalar) -> str:
    return json.dumps(value)


class EmbeddedStore:
    """A ``GraphStore`` on stdlib ``sqlite3``; safe to share between threads (one connection, one lock)."""

    kind = "embedded"

    def __init__(self, path: Path) -> None:
        private_file(path)  # data dir 0700, the database 0600 (its -wal/-shm follow)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=OFF")
        self._db.execute("PRAGMA cache_size=-65536")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def apply_schema(self) -> None:
        with self._lock:
            self._db.executescript(embedded_schema_sql())

    def ping(self) -> bool:
        with self._lock:
            return bool(self._db.execute("SELECT 1").fetchone() == (1,))

    def apply(self, batch: ChangeBatch) -> None:
        with self._tx() as db:
            for node in batch.nodes:
                self._upsert_node(db, node)
            for edge in batch.edges:
                self._upsert_edge(db, edge)

    def _upsert_node(self, db: sqlite3.Connection, node: NodeUpsert) -> None:
        row = db.execute("SELECT props FROM nodes WHERE id = ?", (node.id,)).fetchone()
        before: dict[str, Any] = json.loads(row[0]) if row else {}
        props = dict(before)
        for key, value in node.props.items():
            if value is None:
                props.pop(key, None)
            else:
                props[key] = value
        label = node.label.value
        if row is not None and props == before:
            return  # nothing changed: no write, no index churn
        indexed = {k: _scalar_text(v) for k, v in props.items() if _indexable(v)}
        if row is None:
            keys = NATURAL_KEYS[node.label]
            nkey = json.dumps([props.get(k) for k in keys])
            db.execute("INSERT INTO node_keys (label, nkey, id) VALUES (?, ?, ?)", (label, nkey, node.id))
            db.execute("INSERT INTO nodes (id, label, props) VALUES (?, ?, ?)", (node.id, label, json.dumps(props)))
            stale: dict[str, str] = {}
        else:
            db.execute("UPDATE nodes SET props = ? WHERE id = ?", (json.dumps(props), node.id))
            old = {k: _scalar_text(v) for k, v in before.items() if _indexable(v)}
            stale = {k: v for k, v in old.items() if indexed.get(k) != v}
            indexed = {k: v for k, v in indexed.items() if old.get(k) != v}
        db.executemany(
            "DELETE FROM node_props WHERE label = ? AND name = ? AND value = ? AND id = ?",
            [(label, k, v, node.id) for k, v in stale.items()],
        )
        db.executemany(
            "INSERT OR IGNORE INTO node_props (label, name, value, id) VALUES (?, ?, ?, ?)",
            [(label, k, v, node.id) for k, v in indexed.items()],
        )

    def _upsert_edge(self, db: sqlite3.Connection, edge: EdgeUpsert) -> None:
        row = db.execute(
            "SELECT at, props_at, props FROM edges WHERE src = ? AND type = ? AND dst = ?",
            (edge.src, edge.type.value, edge.dst),
        ).fetchone()
        if row is None:
            present = db.execute("SELECT COUNT(*) FROM nodes WHERE id IN (?, ?)", (edge.src, edge.dst)).fetchone()[0]
            if present < (1 if edge.src == edge.dst else 2):
                return
            db.execute(
                "INSERT INTO edges (src, type, dst, at, props_at, props) VALUES (?, ?, ?, ?, ?, ?)",
                (edge.src, edge.type.value, edge.dst, edge.at, edge.observed_at, json.dumps(_present(edge.props))),
            )
            return
        props, props_at = json.loads(row[2]), row[1]
        if edge.observed_at >= props_at:
            props = _present({**props, **edge.props})
            props_at = edge.observed_at
        db.execute(
            "UPDATE edges SET at = ?, props_at = ?, props = ? WHERE src = ? AND type = ? AND dst = ?",
            (min(row[0], edge.at), props_at, json.dumps(props), edge.src, edge.type.value, edge.dst),
        )

    def get_node(self, node_id: str) -> Node | None:
        found = self.get_nodes([node_id])
        return found[0] if found else None

    def get_nodes(self, node_ids: Iterable[str]) -> list[Node]:
        ids = sorted(set(node_ids))
        out: list[Node] = []
        with self._lock:
            for part in _chunks(ids):
                rows = self._db.execute(
                    "SELECT id, label, props FROM nodes WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(list(part)),),
                ).fetchall()
                out.extend(Node(r[0], NodeLabel(r[1]), json.loads(r[2])) for r in rows)
        return sorted(out, key=lambda n: n.id)

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
        out_types = sorted({s.type.value for s in steps if s.direction is Direction.OUT})
        in_types = sorted({s.type.value for s in steps if s.direction is Direction.IN})
        found: dict[tuple[str, str, str], Edge] = {}
        with self._lock:
            for part in _chunks(ids):
                params = {
                    "ids": json.dumps(list(part)),
                    "out": json.dumps(out_types),
                    "in": json.dumps(in_types),
                    "as_of": as_of,
                    "since": since,
                    "limit": limit,
                }
                rows = self._db.execute(
                    """
                    SELECT src, type, dst, at, props FROM edges
                     WHERE src IN (SELECT value FROM json_each(:ids))
                       AND type IN (SELECT value FROM json_each(:out))
                       AND (:as_of IS NULL OR at <= :as_of) AND (:since IS NULL OR at >= :since)
                    UNION
                    SELECT src, type, dst, at, props FROM edges
                     WHERE dst IN (SELECT value FROM json_each(:ids))
                       AND type IN (SELECT value FROM json_each(:in))
                       AND (:as_of IS NULL OR at <= :as_of) AND (:since IS NULL OR at >= :since)
                    LIMIT :limit
                    """,
                    params,
                ).fetchall()
                for r in rows:
                    edge = Edge(r[0], EdgeType(r[1]), r[2], r[3], json.loads(r[4]))
                    found[edge.key] = edge
        return [found[k] for k in sorted(found)][:limit]

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
        if max_nodes > _CTE_MAX_NODES:
            # A wide walk (impact): the recursive CTE would enumerate (node, depth) pairs far past the cap before
            # grouping; walking level by level stops at the cap.
            depth, capped = bfs_depths(
                existing,
                lambda frontier: self._neighbors(frontier, steps, as_of, since),
                max_depth=max_depth,
                max_nodes=max_nodes,
            )
        else:
            depth, capped = self._walk(existing, steps, as_of, since, max_depth, max_nodes)
        touching = self.edges(depth, steps, as_of=as_of, since=since, limit=max(100_000, max_nodes * 20))
        return finish(depth, self.get_nodes(depth), touching, steps, capped=capped)

    def _walk(
        self,
        start: list[str],
        steps: Sequence[Step],
        as_of: str | None,
        since: str | None,
        max_depth: int,
        max_nodes: int,
    ) -> tuple[dict[str, int], bool]:
        """Depths by recursive CTE (a trace-sized walk)."""
        params = {
            "start": json.dumps(sorted(set(start))),
            "max_depth": max_depth,
            "out_types": json.dumps(sorted({s.type.value for s in steps if s.direction is Direction.OUT})),
            "in_types": json.dumps(sorted({s.type.value for s in steps if s.direction is Direction.IN})),
            "as_of": as_of,
            "since": since,
            "row_limit": (max_nodes + 1) * (max_depth + 1) * 4,
            "node_limit": max_nodes + 1,
        }
        with self._lock:
            rows = self._db.execute(_WALK, params).fetchall()
        return {r[0]: int(r[1]) for r in rows[:max_nodes]}, len(rows) > max_nodes

    def _neighbors(self, frontier: list[str], steps: Sequence[Step], as_of: str | None, since: str | None) -> list[str]:
        out_types = json.dumps(sorted({s.type.value for s in steps if s.direction is Direction.OUT}))
        in_types = json.dumps(sorted({s.type.value for s in steps if s.direction is Direction.IN}))
        found: set[str] = set()
        with self._lock:
            for part in _chunks(frontier):
                rows = self._db.execute(
                    """
                    SELECT dst FROM edges WHERE src IN (SELECT value FROM json_each(:ids))
                       AND type IN (SELECT value FROM json_each(:out))
                       AND (:as_of IS NULL OR at <= :as_of) AND (:since IS NULL OR at >= :since)
                    UNION
                    SELECT src FROM edges WHERE dst IN (SELECT value FROM json_each(:ids))
                       AND type IN (SELECT value FROM json_each(:in))
                       AND (:as_of IS NULL OR at <= :as_of) AND (:since IS NULL OR at >= :since)
                    """,
                    {"ids": json.dumps(list(part)), "out": out_types, "in": in_types, "as_of": as_of, "since": since},
                ).fetchall()
                found.update(r[0] for r in rows)
        return list(found)

    def find_nodes(
        self,
        label: NodeLabel,
        where: Mapping[str, Scalar] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Node]:
        items = sorted((where or {}).items())
        args: list[Any] = [label.value]
        if items:
            # The first condition drives the lookup through the property index; the rest filter.
            sql = (
                "SELECT n.id, n.label, n.props FROM node_props p0 JOIN nodes n ON n.id = p0.id"
                " WHERE p0.label = ? AND p0.name = ? AND p0.value = ?"
            )
            args += [items[0][0], _scalar_text(items[0][1])]
        else:
            sql = "SELECT n.id, n.label, n.props FROM nodes n WHERE n.label = ?"
        for i, (name, value) in enumerate(items[1:], start=1):
            sql += (
                f" AND EXISTS (SELECT 1 FROM node_props p{i} WHERE p{i}.label = n.label AND p{i}.name = ?"
                f" AND p{i}.value = ? AND p{i}.id = n.id)"
            )
            args += [name, _scalar_text(value)]
        sql += " ORDER BY n.id LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._db.execute(sql, [*args, int(limit), int(offset)]).fetchall()
        return [Node(r[0], NodeLabel(r[1]), json.loads(r[2])) for r in rows]

    def count(self, label: NodeLabel | None = None) -> int:
        with self._lock:
            if label is None:
                row = self._db.execute("SELECT COUNT(*) FROM nodes").fetchone()
            else:
                row = self._db.execute("SELECT COUNT(*) FROM nodes WHERE label = ?", (label.value,)).fetchone()
        return int(row[0])

    def wipe(self) -> None:
        with self._tx() as db:
            for table in ("edges", "node_props", "node_keys", "nodes"):
                db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._db.close()
