"""Which datasets hold a classification, declared on a field or carried there by direct, unmasked derivation."""

from __future__ import annotations

from graph_schema import EdgeType
from lineage_api.compliance.context import Ctx
from lineage_api.core.ids import dataset_id, parse_node_id
from lineage_api.privacy.flows import CARRIES, Reach, derivation_status, matches, trace_flows
from lineage_api.store.protocol import Direction

MAX_HOPS = 25


def _dataset_of(field_id: str) -> str:
    parsed = parse_node_id(field_id)
    assert parsed.namespace is not None and parsed.name is not None
    return dataset_id(parsed.namespace, parsed.name)


def holdings(ctx: Ctx, query: str, datasets: set[str] | None = None) -> dict[str, Reach]:
    """Dataset id -> how it holds ``query`` (only ``declared``/``direct``, with the path from the declared field).

    With ``datasets`` the walk goes upstream from just those datasets' fields; without, downstream from every
    classified field (the whole-graph scan).
    """
    if datasets is None:
        flow = trace_flows(ctx.store, query)
        out: dict[str, Reach] = {}
        for fid, reach in sorted(flow.fields.items()):
            if reach.status in CARRIES:
                out.setdefault(_dataset_of(fid), reach)
        return out
    return _upstream(ctx, query, datasets)


def _upstream(ctx: Ctx, query: str, datasets: set[str]) -> dict[str, Reach]:
    fields = ctx.edges(datasets, EdgeType.HAS_FIELD, Direction.OUT)
    # path[f] = fields from f down to the start field (start last), following only direct, unmasked derivations
    path: dict[str, list[str]] = {e.dst: [e.dst] for edges in fields.values() for e in edges}
    frontier = sorted(path)
    for _ in range(MAX_HOPS):
        if not frontier:
            break
        nxt = []
        for src, edges in ctx.edges(frontier, EdgeType.DERIVED_FROM, Direction.OUT).items():
            for e in edges:
                if derivation_status(e.props) == "direct" and e.dst not in path:
                    path[e.dst] = [e.dst, *path[src]]
                    nxt.append(e.dst)
        frontier = sorted(nxt)
    out: dict[str, Reach] = {}
    for node in sorted(ctx.nodes(path).values(), key=lambda n: n.id):
        found = [c for c in node.props.get("classifications") or [] if matches(query, c)]
        if not found:
            continue
        chain = path[node.id]
        holder = _dataset_of(chain[-1])
        status = "declared" if len(chain) == 1 else "direct"
        if holder not in out or (status == "declared" and out[holder].status != "declared"):
            out[holder] = Reach(status, found[0], chain)
    return out
