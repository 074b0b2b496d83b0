"""Privacy flows and the full compliance scan on the synthetic graphs of ``benchmarks/generate.py``.

    python -m benchmarks.privacy --reuse --neo4j-home ~/.cache/ai-lineage/bench/neo4j-1m \\
        --embedded-path ~/.cache/ai-lineage/bench/embedded-100k.sqlite

Prints, per store: p50/p95 of ``privacy.flows`` for several classifications (and the size of the answers), and the
time of a full compliance scan (every rule over the whole graph) with the findings per rule. It measures; it does
not assert. Aims: a flows query under 1 s, a full scan under 60 s at 1M nodes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from benchmarks import trace as tb
from lineage_api.compliance.context import Ctx
from lineage_api.compliance.service import CHECKS
from lineage_api.privacy.service import flows
from lineage_api.store.protocol import GraphStore

QUERIES = ("pii.ssn", "pii.dob", "pii", "protected", "protected.age")


def measure(kind: str, store: GraphStore, rounds: int) -> list[str]:
    times: list[float] = []
    sizes: dict[str, str] = {}
    for q in QUERIES:  # warm-up
        flows(store=store, classification=q)
    for _ in range(rounds):
        for q in QUERIES:
            t0 = time.perf_counter()
            answer = flows(store=store, classification=q)
            times.append((time.perf_counter() - t0) * 1000)
            sizes[q] = f"{len(answer.fields)}f/{len(answer.datasets)}d/{len(answer.models)}m/{answer.outputCount}o"
    lines = [f"{kind}: flows p50 {tb.pct(times, 50):.0f} ms, p95 {tb.pct(times, 95):.0f} ms over {len(times)} queries"]
    lines += [f"{kind}:   {q}: {size} (fields/datasets/models/outputs reached)" for q, size in sizes.items()]
    ctx = Ctx(store)
    total = 0.0
    counts: Counter[str] = Counter()
    for rule, check in CHECKS.items():
        t0 = time.perf_counter()
        counts[rule] = len(check(ctx))
        spent = time.perf_counter() - t0
        total += spent
        lines.append(f"{kind}:   scan {rule}: {counts[rule]:,} findings in {spent:.1f} s")
    lines.append(f"{kind}: full compliance scan {total:.1f} s, {sum(counts.values()):,} findings")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stores", default="embedded,neo4j")
    ap.add_argument("--neo4j-nodes", type=int, default=1_000_000)
    ap.add_argument("--embedded-nodes", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--neo4j-home", type=Path)
    ap.add_argument("--embedded-path", type=Path)
    ap.add_argument("--heap", default=tb.HEAP)
    ap.add_argument("--pagecache", default=tb.PAGECACHE)
    ap.add_argument("--rounds", type=int, default=4, help="timed rounds of the flows queries")
    args = ap.parse_args(argv)
    out: list[str] = []
    for kind in [s.strip() for s in args.stores.split(",") if s.strip()]:
        opener = {"neo4j": tb.neo4j_graph, "embedded": tb.embedded_graph}[kind]
        with opener(args) as (store, manifest, _generation):
            print(f"[privacy] {kind}: {manifest['nodes']:,} nodes", flush=True)
            out += measure(kind, store, args.rounds)
    print("\n".join(out))
    print("aims: a flows query under 1 s, a full scan under 60 s at 1M nodes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
