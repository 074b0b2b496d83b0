"""Traversal logic shared by both stores: breadth-first levels, the node cap, and truncation reporting."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lineage_api.store.protocol import Direction, Edge, Expansion, Node, Step, TruncatedBy

Neighbors = Callable[[list[str]], list[str]]


def bfs_depths(
    start: Sequence[str], neighbors: Neighbors, *, max_depth: int, max_nodes: int
) -> tuple[dict[str, int], bool]:
    """Depth of every node reached level by level; True when the node cap cut the walk."""
    depth: dict[str, int] = {}
    for node_id in sorted(set(start))[:max_nodes]:
        depth[node_id] = 0
    frontier = sorted(depth)
    for level in range(1, max_depth + 1):
        if not frontier:
            break
        fresh = sorted(set(neighbors(frontier)) - depth.keys())
        room = max_nodes - len(depth)
        for node_id in fresh[:room]:
            depth[node_id] = level
        if len(fresh) > room:
            return depth, True
        frontier = fresh
    return depth, False


def follows(edge: Edge, from_id: str, steps: Sequence[Step]) -> bool:
    """True when ``edge`` is followed by one of ``steps`` when leaving ``from_id``."""
    for step in steps:
        if step.type is not edge.type:
            continue
        if step.direction is Direction.OUT and edge.src == from_id:
            return True
        if step.direction is Direction.IN and edge.dst == from_id:
            return True
    return False


def finish(
    depth: dict[str, int],
    nodes: list[Node],
    touching: list[Edge],
    steps: Sequence[Step],
    *,
    capped: bool,
) -> Expansion:
    """Build the answer from the depth map and every followed edge touching a returned node.

    An edge from a returned node to one left out marks the returned node as frontier: the walk was cut there,
    by the node cap when ``capped`` and otherwise by the depth limit.
    """
    inner: dict[tuple[str, str, str], Edge] = {}
    frontier: set[str] = set()
    for edge in touching:
        src_in, dst_in = edge.src in depth, edge.dst in depth
        if src_in and dst_in:
            inner[edge.key] = edge
        elif src_in and follows(edge, edge.src, steps):
            frontier.add(edge.src)
        elif dst_in and follows(edge, edge.dst, steps):
            frontier.add(edge.dst)
    truncated: TruncatedBy | None = None
    if frontier:
        truncated = "nodes" if capped else "depth"
    elif capped:
        truncated = "nodes"
    ordered = sorted(nodes, key=lambda n: (depth.get(n.id, 0), n.id))
    return Expansion(
        nodes=ordered,
        edges=[inner[k] for k in sorted(inner)],
        depth={n.id: depth[n.id] for n in ordered if n.id in depth},
        truncated=truncated,
        frontier=sorted(frontier),
    )
