"""One ``Lineage`` shared by many threads: every event arrives, one at a time, with the right parent."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from collectors import Dataset, Lineage
from tests.collectors.memory import MemoryTransport

THREADS = 16
STEPS = 25


def test_many_threads_emitting_through_one_lineage(lineage: Lineage, memory: MemoryTransport) -> None:
    def work(worker: int) -> list[tuple[str, str]]:
        pairs = []
        for i in range(STEPS):
            with lineage.step(f"outer-{worker}") as outer, lineage.step(f"inner-{worker}") as inner:
                inner.add_output(Dataset("mem", f"out-{worker}-{i}"))
            pairs.append((outer.run_id, inner.run_id))
        return pairs

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))

    assert memory.overlaps == 0, "the client was entered by two threads at once"
    assert len(memory.events) == THREADS * STEPS * 4
    by_run: dict[str, list[str]] = defaultdict(list)
    for event in memory.events:
        by_run[event["run"]["runId"]].append(event["eventType"])
    assert len(by_run) == THREADS * STEPS * 2
    assert all(types == ["START", "COMPLETE"] for types in by_run.values())
    parents = {
        e["run"]["runId"]: e["run"]["facets"]["parent"]["run"]["runId"]
        for e in memory.events
        if e["job"]["name"].startswith("inner-")
    }
    for pairs in results:
        for outer_id, inner_id in pairs:
            assert parents[inner_id] == outer_id


def test_one_step_object_entered_by_many_threads_gives_a_run_each(lineage: Lineage, memory: MemoryTransport) -> None:
    shared = lineage.step("shared")

    def work(_: int) -> str:
        with shared as run:
            return run.run_id

    with ThreadPoolExecutor(THREADS) as pool:
        run_ids = list(pool.map(work, range(THREADS * 4)))
    assert len(set(run_ids)) == THREADS * 4
    assert sorted(memory.types("shared")) == ["COMPLETE"] * THREADS * 4 + ["START"] * THREADS * 4


def test_outputs_recorded_from_many_threads_all_arrive(lineage: Lineage, memory: MemoryTransport) -> None:
    scores = Dataset("scores", "claim_scores")
    with lineage.inference_run("m", "1", output_dataset=scores) as run:

        def record(worker: int) -> None:
            for i in range(50):
                run.record_output(f"o-{worker}-{i}", "score", i / 50, f"sha256:{worker}-{i}")

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(record, range(8)))
    complete = memory.one("infer.m")
    outputs = complete["outputs"][0]["outputFacets"]["aigov_outputs"]["outputs"]
    assert len({o["outputId"] for o in outputs}) == 400
