"""Ingestion benchmark: a real ``lineage serve`` per store, fed realistic OpenLineage RunEvents over HTTP.

    python benchmarks/ingest.py --store embedded|neo4j|both --events N

For each store it prints: events/s with 16 concurrent single-event clients and their p50/p99 acknowledgement
latency, events/s through the batch endpoint (batches of 100), the projection lag after each phase (time from the
last acknowledgement until ``/health`` says lag 0), and the server's peak RSS. For Neo4j (a server of its own,
started from the Maven jars) it also times writing the same graph with hand-written ``UNWIND ... MERGE`` batches
straight through the driver, and the ratio service / hand-written.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integration.lineage_server import LineageServer, load_neo4j_server_module  # noqa: E402

console = Console(width=120)
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.40.0/integration/airflow"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET_URL = "https://openlineage.io/spec/facets/1-1-1/{}.json"
AIMS = {"batch_eps": 1000.0, "single_eps": 400.0, "p99_ms": 100.0, "ratio": 0.5}


# -- events -----------------------------------------------------------------------------------------------------
def _facet(schema: str, /, **fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": FACET_URL.format(schema), **fields}


@dataclass
class Catalog:
    """The jobs and datasets the generated runs use: a warehouse of a few hundred tables and some dozens of jobs."""

    rng: random.Random
    jobs: int = 60
    datasets: int = 300

    def dataset(self, k: int) -> dict[str, Any]:
        namespace = ("postgres://warehouse:5432", "s3://lake", "bigquery")[k % 3]
        name = f"analytics.schema_{k % 12}.table_{k}" if k % 3 != 1 else f"raw/events/table_{k}"
        types = ("STRING", "INT64", "TIMESTAMP", "FLOAT64")
        fields = [{"name": f"col_{i}", "type": types[i % 4]} for i in range(6 + k % 7)]
        return {
            "namespace": namespace,
            "name": name,
            "facets": {
                "schema": _facet("SchemaDatasetFacet", fields=fields),
                "dataSource": _facet("DatasourceDatasetFacet", name=namespace, uri=f"{namespace}/{name}"),
            },
        }

    def run_pair(self, run_id: str, at: datetime) -> list[dict[str, Any]]:
        """START and COMPLETE of one run: 1-3 inputs, 1-2 outputs, schema facets, the usual run and job facets."""
        rng = self.rng
        job = rng.randrange(self.jobs)
        reads = rng.sample(range(self.datasets), rng.randint(1, 3))
        writes = rng.sample([d for d in range(self.datasets) if d not in reads], rng.randint(1, 2))
        job_facets = {
            "jobType": _facet("JobTypeJobFacet", processingType="BATCH", integration="AIRFLOW", jobType="TASK"),
            "documentation": _facet("DocumentationJobFacet", description=f"Builds the tables of job {job}."),
            "sql": _facet("SQLJobFacet", query=f"INSERT INTO t{writes[0]} SELECT * FROM t{reads[0]} WHERE x > {job}"),
        }
        start_facets = {
            "nominalTime": _facet("NominalTimeRunFacet", nominalStartTime=at.isoformat()),
            "processing_engine": _facet("ProcessingEngineRunFacet", version="2.10.5", name="Airflow"),
            "parent": _facet(
                "ParentRunFacet",
                run={"runId": str(uuid.UUID(int=job + 1))},
                job={"namespace": "airflow", "name": f"dag_{job % 10}"},
            ),
        }
        inputs = [self.dataset(k) for k in reads]
        outputs = [self.dataset(k) for k in writes]
        done = at + timedelta(seconds=rng.randint(5, 600))
        for out in outputs:
            out["outputFacets"] = {
                "outputStatistics": _facet("OutputStatisticsOutputDatasetFacet", rowCount=rng.randint(1, 10**6))
            }

        def event(event_type: str, when: datetime, run_facets: dict[str, Any], outs: list[dict[str, Any]]) -> Any:
            return {
                "eventType": event_type,
                "eventTime": when.isoformat().replace("+00:00", "Z"),
                "producer": PRODUCER,
                "schemaURL": SCHEMA_URL,
                "run": {"runId": run_id, "facets": run_facets},
                "job": {"namespace": "airflow", "name": f"dag_{job % 10}.task_{job}", "facets": job_facets},
                "inputs": inputs,
                "outputs": outs,
            }

        return [
            event("START", at, start_facets, [{k: v for k, v in o.items() if k != "outputFacets"} for o in outputs]),
            event("COMPLETE", done, {}, outputs),
        ]


def generate_runs(count: int, seed: int) -> list[list[dict[str, Any]]]:
    """``count`` runs, each a [START, COMPLETE] pair, with fresh run ids."""
    catalog = Catalog(random.Random(seed))
    base = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=seed)
    return [catalog.run_pair(str(uuid.uuid4()), base + timedelta(seconds=7 * i)) for i in range(count)]


# -- measuring ------------------------------------------------------------------------------------------------------
@dataclass
class Phase:
    events: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    lag_s: float = 0.0

    @property
    def eps(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def e2e_eps(self) -> float:
        total = self.seconds + self.lag_s
        return self.events / total if total else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait_lag_zero(server: LineageServer, timeout_s: float = 600.0) -> float:
    """Seconds until ``/health`` reports lag 0."""
    t0 = time.perf_counter()
    with server.client() as client:
        server.wait_projected(client, timeout_s=timeout_s, poll_s=0.02)
    return time.perf_counter() - t0


def single_event_phase(server: LineageServer, runs: Sequence[list[dict[str, Any]]], clients: int) -> Phase:
    """``clients`` threads, each posting its runs' events one per request (START before COMPLETE)."""
    phase = Phase(events=sum(len(r) for r in runs))
    lock = threading.Lock()
    shards = [runs[i::clients] for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def work(shard: Sequence[list[dict[str, Any]]]) -> None:
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        with httpx.Client(base_url=server.url, timeout=60.0) as client:
            client.get("/health")  # open the connection before the clock starts
            barrier.wait()
            for pair in shard:
                for event in pair:
                    t0 = time.perf_counter()
                    response = client.post("/api/v1/lineage", content=json.dumps(event).encode(), headers=_JSON)
                    latencies.append((time.perf_counter() - t0) * 1000)
                    statuses[response.status_code] += 1
        with lock:
            phase.latencies_ms.extend(latencies)
            phase.statuses.update(statuses)

    threads = [threading.Thread(target=work, args=(shard,)) for shard in shards]
    for thread in threads:
        thread.start()
    barrier.wait()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - t0
    phase.lag_s = wait_lag_zero(server)
    return phase


_JSON = {"content-type": "application/json"}


def batch_phase(server: LineageServer, runs: Sequence[list[dict[str, Any]]], size: int, clients: int) -> Phase:
    """Batches of ``size`` events (whole START/COMPLETE pairs, in order) from ``clients`` concurrent clients."""
    events = [e for pair in runs for e in pair]
    batches = [events[i : i + size] for i in range(0, len(events), size)]
    phase = Phase(events=len(events))
    local = threading.local()

    def post(batch: list[dict[str, Any]]) -> tuple[int, float]:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=server.url, timeout=120.0)
        t0 = time.perf_counter()
        response = local.client.post("/api/v1/lineage/batch", content=json.dumps(batch).encode(), headers=_JSON)
        if response.status_code != 200 or response.json()["summary"]["failed"]:
            raise RuntimeError(f"batch not accepted whole: {response.status_code} {response.text[:500]}")
        return response.status_code, (time.perf_counter() - t0) * 1000

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda _: httpx.get(f"{server.url}/health"), range(clients)))
        t0 = time.perf_counter()
        results = list(pool.map(post, batches))
        phase.seconds = time.perf_counter() - t0
    for status, ms in results:
        phase.statuses[status] += 1
        phase.latencies_ms.append(ms)
    phase.lag_s = wait_lag_zero(server)
    return phase


# -- hand-written Neo4j writes ------------------------------------------------------------------------------------
_NODE_QUERY = "UNWIND $rows AS r MERGE (n:Node {{id: r.id}}) SET n:{label}, n += r.props, n.label = '{label}'"
_EDGE_QUERY = (
    "UNWIND $rows AS r MATCH (a:Node {{id: r.src}}) MATCH (b:Node {{id: r.dst}}) "
    "MERGE (a)-[e:{type}]->(b) ON CREATE SET e.at = r.at"
)


def _rows(events: Sequence[tuple[int, dict[str, Any]]], latest: dict[str, str], *, full: bool) -> dict[str, Any]:
    """The nodes and edges of a batch of (seq, event), merged in memory: Job, Run, Dataset, DatasetVersion;
    RUN_OF, READ, WROTE, VERSION_OF (a compact equivalent of what the projection writes for them). ``full`` adds
    what the projection also writes for these events: a Field node per schema field with its HAS_FIELD edge, and
    an Event node holding the event's body."""
    nodes: dict[str, dict[str, dict[str, Any]]] = {"Job": {}, "Run": {}, "Dataset": {}, "DatasetVersion": {}}
    edges: dict[str, dict[tuple[str, str], str]] = {"RUN_OF": {}, "READ": {}, "WROTE": {}, "VERSION_OF": {}}
    if full:
        nodes.update(Field={}, Event={})
        edges["HAS_FIELD"] = {}
    for seq, e in events:
        at, run_id = e["eventTime"], e["run"]["runId"]
        job_id = f"job:{e['job']['namespace']}:{e['job']['name']}"
        job = nodes["Job"].setdefault(job_id, {"namespace": e["job"]["namespace"], "name": e["job"]["name"]})
        job.update(facets=json.dumps(e["job"]["facets"]), updatedAt=at)
        run = nodes["Run"].setdefault(f"run:{run_id}", {"runId": run_id, "jobId": job_id})
        terminal = e["eventType"] == "COMPLETE"
        run.update(state="COMPLETED" if terminal else run.get("state", "RUNNING"), lastEventAt=at)
        run["endedAt" if terminal else "startedAt"] = at
        if e["run"]["facets"]:
            run["facets"] = json.dumps(e["run"]["facets"])
        edges["RUN_OF"].setdefault((f"run:{run_id}", job_id), at)
        for kind, datasets in (("READ", e["inputs"]), ("WROTE", e["outputs"])):
            for d in datasets:
                ds_id = f"dataset:{d['namespace']}:{d['name']}"
                version = run_id if kind == "WROTE" else latest.get(ds_id, "unknown")
                ds = nodes["Dataset"].setdefault(ds_id, {"namespace": d["namespace"], "name": d["name"]})
                ds.update(facets=json.dumps(d["facets"]), updatedAt=at)
                if kind == "WROTE":
                    latest[ds_id] = version
                    ds.update(latestVersion=version, latestVersionAt=at)
                v_id = f"{ds_id}#{version}"
                props = {"namespace": d["namespace"], "name": d["name"], "version": version, "createdAt": at}
                nodes["DatasetVersion"].setdefault(v_id, props)
                edges[kind].setdefault((f"run:{run_id}", v_id), at)
                edges["VERSION_OF"].setdefault((v_id, ds_id), at)
                for f in d["facets"].get("schema", {}).get("fields", []) if full else ():
                    f_id = f"field:{d['namespace']}:{d['name']}#{f['name']}"
                    field_props = {
                        "namespace": d["namespace"],
                        "name": d["name"],
                        "field": f["name"],
                        "type": f["type"],
                    }
                    nodes["Field"][f_id] = field_props
                    edges["HAS_FIELD"].setdefault((ds_id, f_id), at)
        if full:
            body = json.dumps(e, separators=(",", ":"))
            nodes["Event"][f"event:bench:{seq:012d}"] = {"replica": "bench", "seq": seq, "eventTime": at, "body": body}
    return {
        "nodes": {label: [{"id": k, "props": v} for k, v in rows.items()] for label, rows in nodes.items()},
        "edges": {t: [{"src": s, "dst": d, "at": at} for (s, d), at in rows.items()] for t, rows in edges.items()},
    }


def hand_written(uri: str, runs: Sequence[list[dict[str, Any]]], per_tx: int, *, full: bool, tag: str) -> Phase:
    """The same graph written by plain UNWIND/MERGE batches, ``per_tx`` events per transaction, one writer."""
    from neo4j import GraphDatabase

    events = [(seq, e) for seq, e in enumerate((e for pair in runs for e in pair), start=1)]
    # Fresh run ids and Event ids under ``tag``, so that every MERGE creates, as the service's did.
    offset = 10**6 * (zlib.crc32(tag.encode()) % 10**5)
    events = [(offset + seq, {**e, "run": {**e["run"], "runId": f"{tag}-{e['run']['runId']}"}}) for seq, e in events]
    latest: dict[str, str] = {}
    prepared = [_rows(events[i : i + per_tx], latest, full=full) for i in range(0, len(events), per_tx)]
    phase = Phase(events=len(events))
    with GraphDatabase.driver(uri, auth=None) as driver, driver.session(database="neo4j") as session:

        def work(tx: Any, rows: dict[str, Any]) -> None:
            for label, node_rows in rows["nodes"].items():
                tx.run(_NODE_QUERY.format(label=label), rows=node_rows).consume()
            for etype, edge_rows in rows["edges"].items():
                tx.run(_EDGE_QUERY.format(type=etype), rows=edge_rows).consume()

        t0 = time.perf_counter()
        for rows in prepared:
            t1 = time.perf_counter()
            session.execute_write(work, rows)
            phase.latencies_ms.append((time.perf_counter() - t1) * 1000)
        phase.seconds = time.perf_counter() - t0
    return phase


# -- driving ----------------------------------------------------------------------------------------------------
@dataclass
class Result:
    store: str
    warmup_s: float
    single: Phase
    batch: Phase
    rss_mib: float
    hand: Phase | None = None
    hand_full: Phase | None = None


def bench_store(store: str, args: argparse.Namespace, work_dir: Path) -> Result:
    neo4j_server: Any = None
    uri: str | None = None
    if store == "neo4j":
        if args.neo4j_uri:
            uri = args.neo4j_uri
        else:
            console.print("[dim]starting a Neo4j server of our own ...[/]")
            neo4j_server = load_neo4j_server_module().Neo4jServer(home=work_dir / "neo4j", heap=args.heap)
            uri = neo4j_server.start()
    env = {"LINEAGE_INGEST__ACK_WAIT_MS": str(args.ack_wait_ms)} if args.ack_wait_ms is not None else {}
    server = LineageServer(work_dir / f"data-{store}", neo4j_uri=uri, env=env)
    try:
        server.start()
        console.print(f"[dim]{store}: lineage serve pid {server.pid} at {server.url}[/]")
        pairs = args.events // 2
        seed = args.seed
        # Warm-up (not measured): a few hundred events through both endpoints, so the measures are not about
        # first-query planning, JIT and connection set-up.
        t0 = time.perf_counter()
        warm = generate_runs(args.warmup // 2, seed)
        single_event_phase(server, warm[: len(warm) // 2], args.clients)
        batch_phase(server, warm[len(warm) // 2 :], args.batch_size, args.batch_clients)
        warmup_s = time.perf_counter() - t0
        console.print(f"[dim]{store}: warm-up done in {warmup_s:.1f}s; single-event phase ...[/]")
        single = single_event_phase(server, generate_runs(pairs, seed + 1), args.clients)
        console.print(f"[dim]{store}: single {single.eps:.0f} ev/s; batch phase ...[/]")
        runs = generate_runs(pairs, seed + 2)
        batch = batch_phase(server, runs, args.batch_size, args.batch_clients)
        rss = (server.peak_rss_kib() or 0) / 1024
        hand = hand_full = None
        if uri is not None:
            console.print(f"[dim]{store}: hand-written UNWIND batches ...[/]")
            for full in (False, True):  # warm-up: plan the queries, warm the page cache
                hand_written(uri, runs[:100], args.projector_batch, full=full, tag=f"warm-{full}")
            hand = hand_written(uri, runs, args.projector_batch, full=False, tag="hand-core")
            hand_full = hand_written(uri, runs, args.projector_batch, full=True, tag="hand-full")
        return Result(store, warmup_s, single, batch, rss, hand, hand_full)
    finally:
        server.stop()
        if neo4j_server is not None:
            neo4j_server.stop()


def _mark(ok: bool) -> str:
    return "[green]✓[/]" if ok else "[red]✗[/]"


def _judged(text: str, ok: bool) -> str:
    return f"{text} {_mark(ok)}"


def report(results: Sequence[Result], args: argparse.Namespace) -> None:
    title = (
        f"ingestion: {args.events} events per phase, {args.clients} single-event clients,"
        f" batches of {args.batch_size} from {args.batch_clients} clients"
    )
    table = Table(title=title)
    table.add_column("measure")
    for r in results:
        table.add_column(r.store, justify="right")
    table.add_column("aim (Neo4j)")

    def row(name: str, values: list[str], aim: str = "") -> None:
        table.add_row(name, *values, aim)

    single_eps, p99, batch_eps = AIMS["single_eps"], AIMS["p99_ms"], AIMS["batch_eps"]
    row(
        "single-event: events/s",
        [_judged(f"{r.single.eps:,.0f}", r.single.eps >= single_eps) for r in results],
        "≥ 400",
    )
    row("single-event: ack p50 ms", [f"{r.single.pct(0.50):.1f}" for r in results])
    row(
        "single-event: ack p99 ms",
        [_judged(f"{r.single.pct(0.99):.1f}", r.single.pct(0.99) < p99) for r in results],
        "< 100",
    )
    row("single-event: 201 / 202", [f"{r.single.statuses[201]} / {r.single.statuses[202]}" for r in results])
    row("single-event: projection lag s", [f"{r.single.lag_s:.2f}" for r in results])
    row("batch: accepted events/s", [f"{r.batch.eps:,.0f}" for r in results])
    row("batch: batch ack p50 / p99 ms", [f"{r.batch.pct(0.5):.0f} / {r.batch.pct(0.99):.0f}" for r in results])
    row("batch: projection lag s", [f"{r.batch.lag_s:.2f}" for r in results])
    row(
        "batch: into the graph events/s",
        [_judged(f"{r.batch.e2e_eps:,.0f}", r.batch.e2e_eps >= batch_eps) for r in results],
        "≥ 1,000",
    )
    row("server peak RSS MiB", [f"{r.rss_mib:,.0f}" for r in results])
    row("warm-up s (not measured)", [f"{r.warmup_s:.1f}" for r in results])
    for name, attr in (("core graph", "hand"), ("+ Field, Event", "hand_full")):
        hands: list[Phase | None] = [getattr(r, attr) for r in results]
        if not any(hands):
            continue
        row(f"hand-written UNWIND ({name}) ev/s", [f"{h.eps:,.0f}" if h else "-" for h in hands])
        ratios = [r.batch.e2e_eps / h.eps if h and h.eps else None for r, h in zip(results, hands, strict=True)]
        row(
            f"service / hand-written ({name})",
            [_judged(f"{x:.0%}", x >= AIMS["ratio"]) if x is not None else "-" for x in ratios],
            "≥ 50%",
        )
    console.print(table)
    console.print(
        "[dim]batch 'into the graph' = events / (time to acknowledge all batches + projection lag after the last);"
        f" hand-written = one writer, {args.projector_batch} events per transaction (the projector's batch size);"
        " core graph = Job/Run/Dataset/DatasetVersion nodes and RUN_OF/READ/WROTE/VERSION_OF edges; '+ Field, Event'"
        " adds a Field node and HAS_FIELD edge per schema field and an Event node with the body.[/]"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", choices=["embedded", "neo4j", "both"], default="both")
    ap.add_argument("--events", type=int, default=600, help="events per measured phase (default 600)")
    ap.add_argument("--warmup", type=int, default=200, help="events sent before measuring (default 200)")
    ap.add_argument("--clients", type=int, default=16, help="concurrent single-event clients (default 16)")
    ap.add_argument("--batch-size", type=int, default=100, help="events per batch request (default 100)")
    ap.add_argument("--batch-clients", type=int, default=4, help="concurrent batch clients (default 4)")
    ap.add_argument("--projector-batch", type=int, default=500, help="events per hand-written transaction")
    ap.add_argument("--neo4j-uri", help="use this Neo4j instead of starting one (it is written to!)")
    ap.add_argument("--heap", default="1g", help="heap of the Neo4j started here (default 1g)")
    ap.add_argument("--ack-wait-ms", type=int, help="server's LINEAGE_INGEST__ACK_WAIT_MS (default: its default)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    stores = ["embedded", "neo4j"] if args.store == "both" else [args.store]
    results = []
    with tempfile.TemporaryDirectory(prefix="lineage-bench-") as tmp:
        for store in stores:
            results.append(bench_store(store, args, Path(tmp)))
    report(results, args)
    sizes = [len(json.dumps(e)) for pair in generate_runs(50, 0) for e in pair]
    console.print(
        f"[dim]mean event size {statistics.mean(sizes):,.0f} bytes; {os.cpu_count()} CPUs shared by the clients,"
        " the server and Neo4j[/]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
