"""The GraphStore contract: every test runs against the embedded store and a real Neo4j."""

from __future__ import annotations

import pytest

from graph_schema import EdgeType, NodeLabel
from lineage_api.store.protocol import ChangeBatch, Direction, EdgeUpsert, GraphStore, NodeUpsert, Step

T0 = "2026-01-01T00:00:00.000000Z"
T1 = "2026-02-01T00:00:00.000000Z"
T2 = "2026-03-01T00:00:00.000000Z"

UP = [Step(EdgeType.READ, Direction.OUT), Step(EdgeType.WROTE, Direction.IN)]
DOWN = [Step(EdgeType.READ, Direction.IN), Step(EdgeType.WROTE, Direction.OUT)]


def dataset(name: str, **props: object) -> NodeUpsert:
    return NodeUpsert(f"dataset:ns:{name}", NodeLabel.DATASET, {"namespace": "ns", "name": name, **props})


def run(run_id: str) -> NodeUpsert:
    return NodeUpsert(f"run:{run_id}", NodeLabel.RUN, {"runId": run_id})


def chain(store: GraphStore, length: int, *, at: str = T0) -> list[str]:
    """d0 <-WROTE- r1 -READ-> ... : dataset i is written by run i which read dataset i-1."""
    nodes = [dataset("d0")]
    edges = []
    for i in range(1, length + 1):
        nodes += [dataset(f"d{i}"), run(f"r{i}")]
        edges += [
            EdgeUpsert(f"run:r{i}", EdgeType.READ, f"dataset:ns:d{i - 1}", at),
            EdgeUpsert(f"run:r{i}", EdgeType.WROTE, f"dataset:ns:d{i}", at),
        ]
    store.apply(ChangeBatch(nodes, edges))
    return [f"dataset:ns:d{i}" for i in range(length + 1)]


def test_upsert_is_idempotent_and_merges_properties(store: GraphStore) -> None:
    batch = ChangeBatch([dataset("a", owner="team:x", tags=["pii", "gold"], facets={"schema": {"fields": []}})])
    store.apply(batch)
    store.apply(batch)
    assert store.count(NodeLabel.DATASET) == 1
    store.apply(ChangeBatch([NodeUpsert("dataset:ns:a", NodeLabel.DATASET, {"owner": None, "rows": 3})]))
    node = store.get_node("dataset:ns:a")
    assert node is not None
    assert node.label is NodeLabel.DATASET
    assert node.props == {
        "namespace": "ns",
        "name": "a",
        "tags": ["pii", "gold"],
        "facets": {"schema": {"fields": []}},
        "rows": 3,
    }


def test_get_missing_node_is_none(store: GraphStore) -> None:
    assert store.get_node("dataset:ns:nope") is None
    assert store.get_nodes(["dataset:ns:nope"]) == []


def test_edges_keep_earliest_time_and_latest_observation(store: GraphStore) -> None:
    store.apply(
        ChangeBatch([dataset("a"), run("r")], [EdgeUpsert("run:r", EdgeType.READ, "dataset:ns:a", T1, {"k": "t1"})])
    )
    store.apply(ChangeBatch([], [EdgeUpsert("run:r", EdgeType.READ, "dataset:ns:a", T0, {"k": "t0", "old": 1})]))
    step = [Step(EdgeType.READ, Direction.OUT)]
    assert [(e.at, e.props) for e in store.edges(["run:r"], step)] == [(T0, {"k": "t1"})]
    store.apply(ChangeBatch([], [EdgeUpsert("run:r", EdgeType.READ, "dataset:ns:a", T2, {"k": "t2", "new": None})]))
    assert [(e.at, e.props) for e in store.edges(["run:r"], step)] == [(T0, {"k": "t2"})]
    store.apply(ChangeBatch([], [EdgeUpsert("run:r", EdgeType.READ, "dataset:ns:a", T0, {"k": "x"}, props_at=T2)]))
    assert [(e.at, e.props) for e in store.edges(["run:r"], step)] == [(T0, {"k": "x"})]


def test_edges_to_missing_nodes_are_skipped(store: GraphStore) -> None:
    store.apply(ChangeBatch([dataset("a"), run("r")], [EdgeUpsert("run:r", EdgeType.READ, "dataset:ns:a", T0)]))
    store.apply(ChangeBatch([], [EdgeUpsert("run:r", EdgeType.READ, "dataset:ns:ghost", T0)]))
    edges = store.edges(["run:r"], [Step(EdgeType.READ, Direction.OUT)])
    assert [(e.src, e.type, e.dst, e.at) for e in edges] == [("run:r", EdgeType.READ, "dataset:ns:a", T0)]
    assert store.edges(["run:r"], [Step(EdgeType.READ, Direction.OUT)], as_of="2025-01-01T00:00:00.000000Z") == []
    assert store.edges(["dataset:ns:a"], [Step(EdgeType.READ, Direction.OUT)]) == []
    assert len(store.edges(["dataset:ns:a"], [Step(EdgeType.READ, Direction.IN)])) == 1


def test_expand_upstream_and_downstream(store: GraphStore) -> None:
    ids = chain(store, 3)
    up = store.expand([ids[3]], UP, max_depth=20)
    assert up.complete and up.truncated is None
    assert [n.id for n in up.nodes] == [ids[3], "run:r3", ids[2], "run:r2", ids[1], "run:r1", ids[0]]
    assert up.depth[ids[0]] == 6
    assert len(up.edges) == 6
    down = store.expand([ids[0]], DOWN, max_depth=20)
    assert [n.id for n in down.nodes][-1] == ids[3]
    only_read = store.expand([ids[3]], [Step(EdgeType.READ, Direction.OUT)])
    assert [n.id for n in only_read.nodes] == [ids[3]]


def test_expand_depth_truncation_is_reported(store: GraphStore) -> None:
    ids = chain(store, 3)
    cut = store.expand([ids[3]], UP, max_depth=2)
    assert cut.truncated == "depth"
    assert not cut.complete
    assert cut.frontier == [ids[2]]
    assert {n.id for n in cut.nodes} == {ids[3], "run:r3", ids[2]}
    exact = store.expand([ids[3]], UP, max_depth=6)
    assert exact.truncated is None


def test_expand_node_cap_truncation_is_reported(store: GraphStore) -> None:
    nodes = [dataset("hub")] + [run(f"r{i}") for i in range(10)]
    edges = [EdgeUpsert(f"run:r{i}", EdgeType.READ, "dataset:ns:hub", T0) for i in range(10)]
    store.apply(ChangeBatch(nodes, edges))
    capped = store.expand(["dataset:ns:hub"], DOWN, max_nodes=4)
    assert capped.truncated == "nodes"
    assert len(capped.nodes) == 4
    assert capped.frontier == ["dataset:ns:hub"]
    assert [n.id for n in capped.nodes] == ["dataset:ns:hub", "run:r0", "run:r1", "run:r2"]


def test_expand_as_of_ignores_later_edges(store: GraphStore) -> None:
    store.apply(
        ChangeBatch(
            [dataset("out"), dataset("old"), dataset("new"), run("r")],
            [
                EdgeUpsert("run:r", EdgeType.WROTE, "dataset:ns:out", T0),
                EdgeUpsert("run:r", EdgeType.READ, "dataset:ns:old", T0),
                EdgeUpsert("run:r", EdgeType.READ, "dataset:ns:new", T2),
            ],
        )
    )
    then = store.expand(["dataset:ns:out"], UP, as_of=T1)
    assert {n.id for n in then.nodes} == {"dataset:ns:out", "run:r", "dataset:ns:old"}
    now = store.expand(["dataset:ns:out"], UP)
    assert "dataset:ns:new" in {n.id for n in now.nodes}


def test_expand_diamond_has_no_duplicates(store: GraphStore) -> None:
    store.apply(
        ChangeBatch(
            [dataset("src"), dataset("left"), dataset("right"), dataset("sink"), run("a"), run("b"), run("c")],
            [
                EdgeUpsert("run:a", EdgeType.READ, "dataset:ns:src", T0),
                EdgeUpsert("run:a", EdgeType.WROTE, "dataset:ns:left", T0),
                EdgeUpsert("run:b", EdgeType.READ, "dataset:ns:src", T0),
                EdgeUpsert("run:b", EdgeType.WROTE, "dataset:ns:right", T0),
                EdgeUpsert("run:c", EdgeType.READ, "dataset:ns:left", T0),
                EdgeUpsert("run:c", EdgeType.READ, "dataset:ns:right", T0),
                EdgeUpsert("run:c", EdgeType.WROTE, "dataset:ns:sink", T0),
            ],
        )
    )
    up = store.expand(["dataset:ns:sink"], UP)
    ids = [n.id for n in up.nodes]
    assert len(ids) == len(set(ids)) == 7
    assert up.depth["dataset:ns:src"] == 4
    assert len(up.edges) == 7


def test_expand_cycle_terminates(store: GraphStore) -> None:
    store.apply(
        ChangeBatch(
            [dataset("x"), dataset("y"), run("p"), run("q")],
            [
                EdgeUpsert("run:p", EdgeType.READ, "dataset:ns:x", T0),
                EdgeUpsert("run:p", EdgeType.WROTE, "dataset:ns:y", T0),
                EdgeUpsert("run:q", EdgeType.READ, "dataset:ns:y", T0),
                EdgeUpsert("run:q", EdgeType.WROTE, "dataset:ns:x", T0),
            ],
        )
    )
    up = store.expand(["dataset:ns:x"], UP, max_depth=50)
    assert {n.id for n in up.nodes} == {"dataset:ns:x", "dataset:ns:y", "run:p", "run:q"}
    assert up.truncated is None


def test_expand_from_unknown_start_is_empty(store: GraphStore) -> None:
    result = store.expand(["dataset:ns:missing"], UP)
    assert result.nodes == [] and result.edges == [] and result.truncated is None


def test_find_nodes_by_label_and_property(store: GraphStore) -> None:
    store.apply(
        ChangeBatch(
            [dataset(f"d{i}", kind="MODEL" if i % 2 else "TABLE", size=i) for i in range(6)]
            + [run("r1"), NodeUpsert("job:ns:j", NodeLabel.JOB, {"namespace": "ns", "name": "j", "kind": "MODEL"})]
        )
    )
    models = store.find_nodes(NodeLabel.DATASET, {"kind": "MODEL"})
    assert [n.id for n in models] == ["dataset:ns:d1", "dataset:ns:d3", "dataset:ns:d5"]
    assert [n.id for n in store.find_nodes(NodeLabel.DATASET, {"kind": "MODEL", "size": 3})] == ["dataset:ns:d3"]
    page = store.find_nodes(NodeLabel.DATASET, limit=2, offset=2)
    assert [n.id for n in page] == ["dataset:ns:d2", "dataset:ns:d3"]
    assert store.find_nodes(NodeLabel.DATASET, {"kind": "nothing"}) == []
    assert store.count() == 8
    assert store.count(NodeLabel.RUN) == 1


def test_natural_key_is_unique(store: GraphStore) -> None:
    store.apply(ChangeBatch([dataset("a")]))
    with pytest.raises(Exception):  # noqa: B017 - each store raises its own constraint error
        store.apply(ChangeBatch([NodeUpsert("dataset:other-id", NodeLabel.DATASET, {"namespace": "ns", "name": "a"})]))
    assert store.count(NodeLabel.DATASET) == 1


@pytest.mark.parametrize(
    "name",
    ["a'b", 'q"uote', "back`tick", "}) MATCH (n) DETACH DELETE n //", "x'; DROP TABLE nodes; --", "naïve ✓"],
)
def test_hostile_names_round_trip_verbatim(store: GraphStore, name: str) -> None:
    node = dataset(name, note=name, extra={name: [name]})
    store.apply(ChangeBatch([node, dataset("other")]))
    found = store.get_node(node.id)
    assert found is not None and found.props["name"] == name and found.props["extra"] == {name: [name]}
    assert [n.id for n in store.find_nodes(NodeLabel.DATASET, {"name": name})] == [node.id]
    assert store.count(NodeLabel.DATASET) == 2


def test_wipe_empties_the_graph(store: GraphStore) -> None:
    chain(store, 2)
    store.wipe()
    assert store.count() == 0


def test_schema_apply_is_idempotent(store: GraphStore) -> None:
    store.apply_schema()
    store.apply_schema()
    assert store.ping()


@pytest.mark.parametrize("max_nodes", [50, 5_000])
def test_narrow_and_wide_walks_agree(store: GraphStore, max_nodes: int) -> None:
    """Trace-sized and impact-sized walks (the embedded store walks them differently) give the same answer."""
    ids = chain(store, 4)
    store.apply(ChangeBatch([run("side")], [EdgeUpsert("run:side", EdgeType.READ, ids[1], T1)]))
    up = store.expand([ids[4]], UP, max_depth=20, max_nodes=max_nodes)
    assert [n.id for n in up.nodes][-1] == ids[0] and up.complete
    down = store.expand([ids[0]], DOWN, max_depth=20, max_nodes=max_nodes, as_of=T0)
    assert "run:side" not in {n.id for n in down.nodes}
    assert {n.id for n in store.expand([ids[0]], DOWN, max_nodes=max_nodes).nodes} >= {"run:side", ids[4]}
    cut = store.expand([ids[4]], UP, max_depth=3, max_nodes=max_nodes)
    assert cut.truncated == "depth" and cut.frontier == ["run:r3"]
