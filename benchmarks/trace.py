"""Trace and impact latency on synthetic lineage graphs: ~1M nodes in Neo4j, ~100k in the embedded store.

Builds the graphs with ``benchmarks.generate`` (or reuses them with ``--reuse``), then times the real service
functions in-process: ``lineage_api.provenance.service.trace`` on random AI outputs (after a warm-up) and
``impact`` from the widely used dataset version capped at ``max_nodes=10_000``; optionally a few traces over HTTP
(FastAPI ``TestClient``) for comparison. Prints one table, a per-phase breakdown of the traces, and with
``--profile`` cProfile tops and Neo4j ``PROFILE`` plans of the traversal queries.

``--variant`` picks what is measured: ``as-is`` (the product code), ``proposed`` (with the prototype fixes below,
``proposed()``: changes proposed for the product, kept here until they land), ``no-findings`` (proposed, without
the compliance scan in the trace), ``as-is-no-findings``; ``both`` = as-is + proposed, ``all`` = the first three,
or a comma-separated list.

Run from the repo root::

    python -m benchmarks.trace                                  # both stores, temporary graphs
    python -m benchmarks.trace --reuse --neo4j-home ~/.cache/ai-lineage/bench/neo4j-1m \\
        --embedded-path ~/.cache/ai-lineage/bench/embedded-100k.sqlite --variant both --json /tmp/results.json
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import logging
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import generate as gen
from lineage_api.provenance import service
from lineage_api.store.neo4j.store import Neo4jStore, _decode, _label_of, _type_expr
from lineage_api.store.protocol import Direction, Expansion, GraphStore, Node, Step
from lineage_api.store.traversal import finish

# The driver logs a warning per query that names a relationship type the database has never seen (PARENT, when no
# run has a parent): thousands of lines in a benchmark, so they are dropped here.
logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)

HEAP = "4g"  # 24 GiB / 2 cores: 4g heap + 4g page cache (the 1M-node store is ~2.5 GiB) leaves room for Python
PAGECACHE = "4g"


# -- results ------------------------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Result:
    store: str
    variant: str
    nodes: int
    edges: int
    generation: str
    trace_ms: list[float] = field(default_factory=list)
    trace_sizes: list[int] = field(default_factory=list)
    trace_complete: int = 0
    impact_ms: list[float] = field(default_factory=list)
    impact_nodes: int = 0
    impact_truncated: str | None = None
    http_ms: list[float] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    calls: dict[str, float] = field(default_factory=dict)

    def row(self) -> list[str]:
        t, i, h = self.trace_ms, self.impact_ms, self.http_ms
        return [
            self.store,
            self.variant,
            f"{self.nodes:,}",
            f"{self.edges:,}",
            self.generation,
            f"{pct(t, 50):.1f} / {pct(t, 95):.1f} (n={len(t)})",
            f"{statistics.median(self.trace_sizes):.0f}" if self.trace_sizes else "-",
            f"{pct(i, 50):.0f} / {pct(i, 95):.0f}" if i else "-",
            f"{self.impact_nodes:,} / {self.impact_truncated or 'complete'}" if i else "-",
            f"{pct(h, 50):.1f} / {pct(h, 95):.1f}" if h else "-",
        ]


HEADER = [
    "store",
    "variant",
    "nodes",
    "edges",
    "generation",
    "trace p50/p95 ms",
    "trace nodes",
    "impact p50/p95 ms",
    "impact nodes/truncated",
    "HTTP trace p50/p95 ms",
]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True)) + " |", line]
    out += ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join([*out, line])


# -- timing helpers -----------------------------------------------------------------------------------------------


class TimedStore:
    """A proxy that times every store call made by the services (calls inside the store are not split)."""

    def __init__(self, inner: GraphStore) -> None:
        self._inner = inner
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t
                self.calls[name] += 1

        return timed


@contextlib.contextmanager
def timed_attr(owner: Any, name: str, sink: dict[str, float], key: str) -> Iterator[None]:
    """Time calls of ``owner.name`` (a module function) into ``sink[key]`` while the block runs."""
    original = getattr(owner, name, None)
    if original is None:
        yield
        return

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            sink[key] += time.perf_counter() - t

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def run_traces(store: GraphStore, outputs: list[str]) -> tuple[list[float], list[int], int]:
    times, sizes, complete = [], [], 0
    for output in outputs:
        t = time.perf_counter()
        answer = service.trace(store=store, node_id=output)
        times.append((time.perf_counter() - t) * 1000)
        sizes.append(len(answer.nodes))
        complete += answer.complete
    return times, sizes, complete


def phases(store: GraphStore, outputs: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Mean ms per trace spent in each store call and in the compliance scan; the rest is answer building."""
    if not outputs:  # --breakdown 0
        return {}, {}
    proxy = TimedStore(store)
    sink: dict[str, float] = defaultdict(float)
    t = time.perf_counter()
    with timed_attr(service, "scan", sink, "compliance scan"), timed_attr(service, "_later", sink, "_later"):
        for output in outputs:
            service.trace(store=proxy, node_id=output)  # type: ignore[arg-type]
    total = time.perf_counter() - t
    n = len(outputs)
    out = {f"store.{k}": v * 1000 / n for k, v in sorted(proxy.seconds.items())}
    out.update({k: v * 1000 / n for k, v in sink.items()})
    out["total"] = total * 1000 / n
    return out, {f"store.{k}": v / n for k, v in sorted(proxy.calls.items())}


def run_impact(store: GraphStore, node_id: str, runs: int) -> tuple[list[float], int, str | None]:
    times, nodes, truncated = [], 0, None
    for _ in range(runs):
        t = time.perf_counter()
        answer = service.impact(store=store, node_id=node_id, max_nodes=10_000)
        times.append((time.perf_counter() - t) * 1000)
        nodes, truncated = len(answer.nodes), answer.truncated.limit if answer.truncated else None
    return times, nodes, truncated


def run_http(store: GraphStore, outputs: list[str]) -> list[float]:
    from fastapi.testclient import TestClient

    from lineage_api.app import create_app
    from lineage_api.core.settings import Settings

    data_dir = Path(tempfile.mkdtemp(prefix="lineage-bench-http-"))
    settings: dict[str, Any] = {"data_dir": data_dir}
    try:  # no API keys and no rate limit for the benchmark client, where the app has them
        from lineage_api.core import settings as conf

        auth = conf.AuthSettings(mode="insecure-dev", rate_per_minute=10**6, burst=10**6)  # type: ignore[attr-defined]
        settings["auth"] = auth
    except (ImportError, AttributeError):
        pass
    times = []
    try:
        with TestClient(create_app(Settings(**settings), store=store), base_url="http://127.0.0.1") as client:
            for output in outputs[:3]:
                client.get("/api/v1/trace", params={"nodeId": output})
            for output in outputs:
                t = time.perf_counter()
                response = client.get("/api/v1/trace", params={"nodeId": output})
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.text
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return times


def profile_top(fn: Callable[[], Any], limit: int = 25) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(limit)
    return buf.getvalue()


def neo4j_plans(store: Any, output: str) -> str:
    """PROFILE of the per-level neighbour query and of the edges query, as the Neo4j store issues them."""
    from lineage_api.provenance.steps import UPSTREAM
    from lineage_api.store.neo4j.store import _type_expr
    from lineage_api.store.protocol import Direction

    out_types = {s.type for s in UPSTREAM if s.direction is Direction.OUT}
    in_types = {s.type for s in UPSTREAM if s.direction is Direction.IN}
    expansion = service.trace(store=store, node_id=output)
    ids = [n.id for n in expansion.nodes]
    queries = {
        "neighbours of one BFS level (first part of the UNION)": (
            f"PROFILE UNWIND $ids AS id MATCH (:Node {{id: id}})-[e:{_type_expr(out_types)}]->(b) "
            "WHERE ($asOf IS NULL OR e.at <= $asOf) AND ($since IS NULL OR e.at >= $since) "
            "RETURN DISTINCT b.id AS id LIMIT $limit"
        ),
        "edges touching the result (IN part)": (
            f"PROFILE UNWIND $ids AS id MATCH (b:Node {{id: id}})<-[e:{_type_expr(in_types)}]-(a) "
            "WHERE ($asOf IS NULL OR e.at <= $asOf) AND ($since IS NULL OR e.at >= $since) "
            "RETURN a.id AS src, type(e) AS type, b.id AS dst, properties(e) AS p LIMIT $limit"
        ),
    }
    text = []
    with store._driver.session(database=store.database) as session:
        for title, query in queries.items():
            params = {"ids": ids, "asOf": expansion.asOf, "since": None, "limit": 100_000}
            summary = session.run(query, params).consume()
            plan = summary.profile["args"].get("string-representation", "") if summary.profile else ""
            text.append(f"-- {title} ({len(ids)} ids)\n{plan}")
    return "\n".join(text)


# -- proposed fixes (prototypes of product changes) ----------------------------------------------------------------


# 1. Embedded ``expand``: the recursive CTE walks (node, depth) pairs up to a row limit of
#    (max_nodes+1)*(max_depth+1)*4 (~1M rows for an impact) before the node cap is applied, so a capped impact walks
#    far past 10k nodes. Proposed: the same level-by-level BFS the Neo4j store uses (``traversal.bfs_depths``), one
#    indexed query per level, stopping at the cap. Same answer (nodes ordered by depth then id, same truncation).
# 2. Compliance findings in a trace (``scan(scope=trace nodes)``): two rules do whole-graph work whatever the scope.
#    PII_WITHOUT_PRIVACY_REVIEW starts from every use case -> every job serving one -> every run of those jobs;
#    proposed: start from the runs in scope (RUN_OF out, SERVES out). EXTERNAL_SHARING computes
#    ``holdings(ctx, "pii")`` with no dataset filter, i.e. the whole-graph privacy flow (every classified field,
#    every downstream dataset, model and output) for each trace; proposed: compute holdings only for the datasets
#    asked about (``holdings(ctx, "pii", {dataset})``, the upstream walk the scoped rules already use).
# 3. Neo4j ``expand``: see ``FastNeo4jStore`` below.


_TIME = "($asOf IS NULL OR e.at <= $asOf) AND ($since IS NULL OR e.at >= $since)"


def _walk_query(steps: Sequence[Step], max_depth: int) -> str:
    """The whole level-by-level walk in one Cypher query (levels unrolled; list semantics as ``bfs_depths``)."""
    out_types = _type_expr({s.type for s in steps if s.direction is Direction.OUT})
    in_types = _type_expr({s.type for s in steps if s.direction is Direction.IN})
    hops = []
    if out_types:
        hops.append(f"[(n)-[e:{out_types}]->(m) WHERE {_TIME} | m]")
    if in_types:
        hops.append(f"[(n)<-[e:{in_types}]-(m) WHERE {_TIME} | m]")
    level = (
        "WITH levels, seen, capped, CASE WHEN capped OR size(levels[-1]) = 0 THEN [] "
        f"ELSE reduce(acc = [], n IN levels[-1] | acc + {' + '.join(hops) or '[]'}) END AS cand\n"
        "WITH levels, seen, capped OR size(cand) + size(seen) > $maxNodes AS capped, cand\n"
        "WITH levels, seen, capped, CASE WHEN capped THEN [] ELSE [i IN range(0, size(cand) - 1)"
        " WHERE NOT cand[i] IN seen AND NOT cand[i] IN cand[0..i] | cand[i]] END AS fresh\n"
        "WITH levels + [fresh] AS levels, seen + fresh AS seen, capped\n"
    )
    return (
        "UNWIND $ids AS sid MATCH (r:Node {id: sid}) WITH collect(DISTINCT r) AS start\n"
        "WITH [start] AS levels, start AS seen, false AS capped\n"
        + level
        * max_depth
        + "UNWIND range(0, size(levels) - 1) AS d UNWIND levels[d] AS n\n"
        "RETURN n.id AS id, d AS depth, labels(n) AS labels, properties(n) AS p, capped"
    )


WALK_CAP = 2000  # the one-query walk stops (and the per-level walk answers) past this many nodes
TRY_CAP = 5000  # expansions allowed more nodes than this (impact: 10k) go straight to the per-level walk


class FastNeo4jStore(Neo4jStore):
    """``expand`` in two round trips instead of one per level plus three.

    Every round trip costs 1-3 ms (more under load), and a trace walks ~15-25 levels. The walk is one query here
    (levels unrolled in Cypher, node properties returned with it), then one query for the edges. When the walk
    could exceed ``max_nodes`` it stops and the exact per-level walk of ``Neo4jStore`` answers instead (impact
    queries), so answers are unchanged.
    """

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
        max_depth, max_nodes = max(0, int(max_depth)), max(1, int(max_nodes))
        ids = sorted(set(start))
        if len(ids) > max_nodes or max_nodes > TRY_CAP:
            return super().expand(start, steps, as_of=as_of, since=since, max_depth=max_depth, max_nodes=max_nodes)
        # list de-duplication in Cypher is quadratic: a walk that grows past WALK_CAP falls back to the per-level one
        params = {"ids": ids, "asOf": as_of, "since": since, "maxNodes": min(max_nodes, WALK_CAP)}
        records = self._run(_walk_query(steps, max_depth), params, write=False)
        if any(r["capped"] for r in records):  # the node cap (or WALK_CAP) was reached: answer exactly
            return super().expand(start, steps, as_of=as_of, since=since, max_depth=max_depth, max_nodes=max_nodes)
        depth: dict[str, int] = {}
        nodes: list[Node] = []
        for r in records:
            if r["id"] in depth:
                continue
            depth[r["id"]] = int(r["depth"])
            node = Node(r["id"], _label_of(r["labels"]), _decode(r["p"]))
            node.props.pop("label", None)
            nodes.append(node)
        touching = self.edges(depth, steps, as_of=as_of, since=since, limit=max(100_000, max_nodes * 20))
        return finish(depth, nodes, touching, steps, capped=False)


@contextlib.contextmanager
def proposed(store: GraphStore, *, findings: bool = True) -> Iterator[GraphStore]:
    """The store with the remaining proposed fix (Neo4j: the walk in one query), for the duration of the block.

    The other fixes first prototyped here (scoped compliance rules, prefetching the scope's edges, the embedded
    store's level-by-level wide walk) are in the product now. ``findings=False`` also leaves the compliance scan
    out of the trace, to show what the traversal itself costs.
    """
    saved_scan = getattr(service, "scan", None)
    if not findings and saved_scan is not None:
        service.scan = lambda **kwargs: []  # type: ignore[attr-defined]
    saved_class = type(store)
    if saved_class is Neo4jStore:
        store.__class__ = FastNeo4jStore
    try:
        yield store
    finally:
        store.__class__ = saved_class
        if saved_scan is not None:
            service.scan = saved_scan  # type: ignore[attr-defined]


@contextlib.contextmanager
def without_findings(store: GraphStore) -> Iterator[GraphStore]:
    """The product code with the compliance scan left out of the trace: what the traversal costs as it is."""
    saved_scan = getattr(service, "scan", None)
    if saved_scan is not None:
        service.scan = lambda **kwargs: []  # type: ignore[attr-defined]
    try:
        yield store
    finally:
        if saved_scan is not None:
            service.scan = saved_scan  # type: ignore[attr-defined]


# -- graphs -------------------------------------------------------------------------------------------------------


def reusable(manifest_path: Path, cfg: gen.GenConfig) -> dict[str, Any] | None:
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        return None
    same = manifest.get("generatorVersion") == gen.GENERATOR_VERSION and manifest.get("config") == cfg.__dict__
    return manifest if same else None


def build_or_reuse(
    store: GraphStore, manifest_path: Path, cfg: gen.GenConfig, reuse: bool
) -> tuple[dict[str, Any], str]:
    manifest = reusable(manifest_path, cfg) if reuse else None
    # (the manifest counts upserts; a node upserted by two pipelines, e.g. a shared "unknown" version, is one node)
    if manifest is not None and abs(store.count() - manifest["nodes"]) <= manifest["nodes"] // 1000:
        print(f"[bench] reusing {manifest['nodes']:,} nodes ({manifest_path})", flush=True)
        return manifest, f"reused ({manifest['generationSeconds']:.0f} s)"
    if store.count():
        print(f"[bench] wiping {store.count():,} nodes", flush=True)
        store.wipe()
    manifest_path.unlink(missing_ok=True)
    manifest = gen.generate(store, cfg, progress=lambda m: print(m, flush=True))
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest, f"{manifest['generationSeconds']:.0f} s"


@contextlib.contextmanager
def neo4j_graph(args: argparse.Namespace) -> Iterator[tuple[Any, dict[str, Any], str]]:
    home: Path = args.neo4j_home or Path(tempfile.mkdtemp(prefix="lineage-bench-neo4j-"))
    cfg = gen.GenConfig(nodes=args.neo4j_nodes, seed=args.seed)
    manifest_path = home / gen.MANIFEST_NAME
    if not (args.reuse and reusable(manifest_path, cfg)) and (home / "data").exists():
        # A fresh database is much faster than wiping a large one; only our own benchmark homes are cleared.
        if not manifest_path.exists() and any((home / "data").iterdir()) and args.neo4j_home:
            raise SystemExit(f"{home} holds a database without a benchmark manifest; refusing to delete it")
        shutil.rmtree(home / "data")
        manifest_path.unlink(missing_ok=True)
    server = gen.start_neo4j(home, heap=args.heap, pagecache=args.pagecache)
    store = gen.open_neo4j(server.uri)
    try:
        manifest, generation = build_or_reuse(store, manifest_path, cfg, args.reuse)
        yield store, manifest, generation
    finally:
        store.close()
        server.stop(remove_home=False)
        if args.neo4j_home is None:
            shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def embedded_graph(args: argparse.Namespace) -> Iterator[tuple[Any, dict[str, Any], str]]:
    tmp = None
    path: Path = args.embedded_path
    if path is None:
        tmp = Path(tempfile.mkdtemp(prefix="lineage-bench-embedded-"))
        path = tmp / "graph.sqlite"
    cfg = gen.GenConfig(nodes=args.embedded_nodes, seed=args.seed)
    manifest_path = path.with_name(path.name + ".manifest.json")
    if not (args.reuse and reusable(manifest_path, cfg)):
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    store = gen.open_embedded(path)
    try:
        manifest, generation = build_or_reuse(store, manifest_path, cfg, args.reuse)
        yield store, manifest, generation
    finally:
        store.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


# -- the benchmark ------------------------------------------------------------------------------------------------


def bench(
    kind: str, store: GraphStore, manifest: dict[str, Any], generation: str, args: argparse.Namespace
) -> list[Result]:
    rng = random.Random(args.seed)
    pool = list(manifest["samples"]["outputs"])
    rng.shuffle(pool)
    warm, sample = pool[: args.warmup], pool[args.warmup : args.warmup + args.samples]
    slow = kind == "neo4j" and manifest["nodes"] > 200_000
    variants = {"both": ["as-is", "proposed"], "all": ["as-is", "proposed", "no-findings"]}.get(
        args.variant, args.variant.split(",")
    )
    results = []
    for variant in variants:
        context = {
            "proposed": lambda: proposed(store),
            "no-findings": lambda: proposed(store, findings=False),
            "as-is-no-findings": lambda: without_findings(store),
        }.get(variant, lambda: contextlib.nullcontext(store))
        with context() as target:
            r = Result(kind, variant, manifest["nodes"], manifest["edges"], generation)
            timed = sample[: args.as_is_samples] if slow and variant == "as-is" else sample
            few = slow and variant == "as-is"
            warm_n = 2 if few else len(warm)
            print(f"[bench] {kind} {variant}: warm-up ({warm_n} traces)", flush=True)
            run_traces(target, warm[:warm_n])
            print(f"[bench] {kind} {variant}: {len(timed)} traces", flush=True)
            r.trace_ms, r.trace_sizes, r.trace_complete = run_traces(target, timed)
            r.phases, r.calls = phases(target, timed[: 3 if few else args.breakdown])
            if args.impact_runs:
                print(
                    f"[bench] {kind} {variant}: {args.impact_runs} impacts from {manifest['wideVersion']}", flush=True
                )
                run_impact(target, manifest["wideVersion"], 1)  # warm-up
                r.impact_ms, r.impact_nodes, r.impact_truncated = run_impact(
                    target, manifest["wideVersion"], args.impact_runs
                )
            if args.http:
                http = timed[: 3 if few else args.http]
                print(f"[bench] {kind} {variant}: {len(http)} traces over HTTP", flush=True)
                try:
                    r.http_ms = run_http(target, http)
                except Exception as exc:  # the app is optional here: report and go on
                    print(f"[bench]   HTTP skipped: {type(exc).__name__}: {exc}", flush=True)
            if args.profile:
                print(f"\n== cProfile: 20 traces on {kind} ({variant})")
                print(profile_top(lambda t=target: run_traces(t, sample[:20])))
                if args.impact_runs:
                    print(f"== cProfile: 1 impact on {kind} ({variant})")
                    print(profile_top(lambda t=target: run_impact(t, manifest["wideVersion"], 1)))
                if kind == "neo4j" and variant == variants[0]:
                    print(neo4j_plans(store, sample[0]))
            results.append(r)
            print_result(r)
    return results


def print_result(r: Result) -> None:
    print(
        f"[bench] {r.store} {r.variant}: trace p50 {pct(r.trace_ms, 50):.1f} ms, p95 {pct(r.trace_ms, 95):.1f} ms, "
        f"max {max(r.trace_ms):.1f} ms over {len(r.trace_ms)} outputs ({r.trace_complete} complete, "
        f"median {statistics.median(r.trace_sizes):.0f} nodes, max {max(r.trace_sizes)})",
        flush=True,
    )
    print("[bench]   per trace: " + ", ".join(f"{k} {v:.1f} ms" for k, v in r.phases.items()), flush=True)
    print("[bench]   calls per trace: " + ", ".join(f"{k} {v:.1f}" for k, v in r.calls.items()), flush=True)
    if r.impact_ms:
        print(
            f"[bench]   impact p50 {pct(r.impact_ms, 50):.0f} ms, p95 {pct(r.impact_ms, 95):.0f} ms, "
            f"{r.impact_nodes:,} nodes, truncated: {r.impact_truncated}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stores", default="neo4j,embedded", help="comma-separated: neo4j, embedded")
    ap.add_argument("--neo4j-nodes", type=int, default=1_000_000)
    ap.add_argument("--embedded-nodes", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reuse", action="store_true", help="reuse a graph built earlier with the same config")
    ap.add_argument("--neo4j-home", type=Path, help="Neo4j home dir to keep between runs (default: a temp dir)")
    ap.add_argument("--embedded-path", type=Path, help="embedded store file to keep (default: a temp dir)")
    ap.add_argument("--heap", default=HEAP, help=f"Neo4j heap (default {HEAP})")
    ap.add_argument("--pagecache", default=PAGECACHE, help=f"Neo4j page cache (default {PAGECACHE})")
    ap.add_argument("--samples", type=int, default=200, help="timed output traces")
    ap.add_argument("--warmup", type=int, default=30, help="untimed traces first")
    ap.add_argument(
        "--as-is-samples",
        type=int,
        default=10,
        help="timed traces for the as-is variant on Neo4j over 200k nodes (default 10: each takes ~30 s at 1M)",
    )
    ap.add_argument("--breakdown", type=int, default=30, help="traces timed per phase")
    ap.add_argument("--impact-runs", type=int, default=10, help="timed impacts (0: skip)")
    ap.add_argument("--http", type=int, default=30, help="traces over HTTP with TestClient (0: skip)")
    ap.add_argument(
        "--variant",
        default="as-is",
        help="as-is: the product code; proposed: with the prototype fixes; no-findings: proposed without the "
        "compliance scan in the trace; both: as-is + proposed; all: the three; or a comma-separated list",
    )
    ap.add_argument("--profile", action="store_true", help="print cProfile tops and Neo4j PROFILE plans")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--build-only", action="store_true", help="build (or reuse) the graphs, measure nothing")
    args = ap.parse_args(argv)
    known = {"as-is", "proposed", "no-findings", "as-is-no-findings", "both", "all"}
    if not set(args.variant.split(",")) <= known:
        ap.error(f"--variant: one of {sorted(known)} or a comma-separated list of as-is, proposed, no-findings")
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    results: list[Result] = []
    for kind in stores:
        opener = {"neo4j": neo4j_graph, "embedded": embedded_graph}[kind]
        with opener(args) as (store, manifest, generation):
            for line in gen._iter_lines(manifest):
                print(f"[bench] {kind}: {line}", flush=True)
            if not args.build_only:
                results += bench(kind, store, manifest, generation, args)
    if results:
        print()
        print(table([r.row() for r in results]))
        print("aims: output trace p95 <= 50 ms (Neo4j 1M, embedded 100k); impact capped at 10k nodes <= 500 ms")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
