"""Merkle log benchmark: proof latency over a large event log, and what the tree costs ingestion.

    python -m benchmarks.merkle [--events 1000000] [--group 5000] [--proofs 2000] [--dir /tmp/merkle-bench]

Builds a log of N events through ``EventLog.append_sync`` in large groups (one transaction each), then prints the
p50/p95 latency of inclusion proofs (random event, full tree), consistency proofs (random old size) and roots of
random sizes, read from the stored subtree table; then appends the same events to two fresh logs, with and
without the Merkle tables, and prints events/s for each (same process, same groups).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lineage_api.ingest import merkle, merkle_table
from lineage_api.ingest.eventlog import EventLog, LogItem, content_hash


def _items(start: int, count: int) -> list[LogItem]:
    out = []
    for i in range(start, start + count):
        event = {"eventTime": "2026-01-01T00:00:00Z", "eventType": "COMPLETE", "run": {"runId": f"r{i}"}, "i": i}
        out.append(LogItem(json.dumps(event), content_hash(event)))
    return out


def _fill(path: Path, events: int, group: int, *, tree: bool) -> float:
    """Append ``events`` in groups; events/s."""
    log = EventLog(path, merkle=tree)
    began = time.perf_counter()
    for start in range(0, events, group):
        log.append_sync(_items(start, min(group, events - start)))
    elapsed = time.perf_counter() - began
    log.close()
    return events / elapsed


def _latency(label: str, runs: int, call: Callable[[], object]) -> None:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    p95 = statistics.quantiles(times, n=20)[18]
    print(f"{label:<22} p50 {statistics.median(times):7.3f} ms   p95 {p95:7.3f} ms   ({runs} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--group", type=int, default=5000)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--ingest-events", type=int, default=200_000, help="events for the with/without comparison")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="merkle-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        path = work / "big.sqlite"
        rate = _fill(path, args.events, args.group, tree=True)
        print(f"built a log of {args.events:,} events at {rate:,.0f} events/s (groups of {args.group})")
        log = EventLog(path)
        rng = random.Random(7)
        with log.reading() as db:
            get = merkle_table.subtree(db)
            n = merkle_table.size(db)
            _latency("inclusion proof", args.proofs, lambda: merkle.inclusion_proof(get, rng.randrange(n), n))
            _latency("consistency proof", args.proofs, lambda: merkle.consistency_proof(get, rng.randrange(1, n), n))
            _latency("root of any size", args.proofs, lambda: merkle.root(get, rng.randrange(1, n + 1)))
        log.close()
        for tree in (False, True):
            rate = _fill(work / f"ingest-{tree}.sqlite", args.ingest_events, args.group, tree=tree)
            print(f"append {'with   ' if tree else 'without'} Merkle tables: {rate:,.0f} events/s")
        for group in (1, 100):
            count = min(args.ingest_events, 2000 if group == 1 else 50_000)
            for tree in (False, True):
                rate = _fill(work / f"small-{group}-{tree}.sqlite", count, group, tree=tree)
                print(f"append groups of {group:>3} {'with   ' if tree else 'without'} Merkle: {rate:,.0f} events/s")
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
