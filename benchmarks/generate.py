"""Synthetic lineage graphs of a given size, written straight into a graph store in large batches.

The graph has the shapes the real projection (``lineage_api.ingest.projection`` and ``.governance``) makes from
OpenLineage events, with the same node ids, labels, properties and edge ``at``/``props`` conventions:

* ETL pipelines: an external partner file (``external: true``, boundary tag, version ``unknown``) is ingested into a
  raw warehouse table whose PII columns carry classification tags, then 1..9 more hops (jobs run daily, each run
  reads the latest version of its input and writes a new version) up to a feature table: up to ``max_hops`` ETL
  hops in all. Column lineage (``DERIVED_FROM`` between ``Field`` nodes) follows every hop, with ``masking: true``
  where a PII column is hashed and dataset-level ``INDIRECT`` (filter/join) edges. Some hops join the one widely
  used reference table version (``WIDE_VERSION``), some join another pipeline's feature table; some pipelines
  export to an external partner share; a few runs fail.
* Models: a dataset with ``datasetType: MODEL`` per pipeline; weekly training runs read the feature table and write
  model versions ``v1..vN``, an evaluation run ``EVALUATED`` each, an approval (``grantedAt``/``expiresAt``, a few
  revoked) ``APPROVES`` the passing ones.
* Inference: several runs a day read the model version in force (a few use an unapproved one) and the latest
  features, write a scores dataset version and ``PRODUCED`` outputs (``IN_VERSION`` that version). Some outputs are
  ``REVIEWED``, some have a ``Decision`` ``BASED_ON`` the output (and its review, sometimes evidence); the scoring
  and deciding jobs ``SERVES`` a use case. Reviews, decisions, evaluations, approvals and incidents are each
  ``RECORDED_BY`` their own run, as the projection records them.

Times are fixed-width UTC strings (``lineage_api.core.times.iso``) that increase along every pipeline, so as-of
traces see exactly what existed at an output's ``producedAt``. Everything is derived from ``seed``: the same
config gives the same graph. Event nodes (one per logged event) are not generated: nothing traverses them.

CLI (from the repo root)::

    python -m benchmarks.generate --dry-run --nodes 1000000
    python -m benchmarks.generate --store embedded --path /tmp/g.sqlite --nodes 100000
    python -m benchmarks.generate --store neo4j --neo4j-home ~/.cache/ai-lineage/bench/neo4j --nodes 1000000
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import sys
import time
import uuid
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph_schema import EdgeType as E
from graph_schema import NodeLabel as L
from lineage_api.core import ids
from lineage_api.core.times import iso
from lineage_api.store.protocol import ChangeBatch, EdgeUpsert, GraphStore, NodeUpsert

try:  # the projection sets Field.suggestions from the column name (privacy name rules)
    from lineage_api.privacy.name_rules import suggest
except ImportError:  # pragma: no cover - older checkouts

    def suggest(name: str) -> list[str]:
        return []


ROOT = Path(__file__).resolve().parent.parent
GENERATOR_VERSION = 2  # bump when the generated graph changes, so that reused graphs are rebuilt
MANIFEST_NAME = "bench-manifest.json"
START = datetime(2025, 1, 6, tzinfo=UTC)
WAREHOUSE = "postgres://warehouse.internal:5432"
MODELS_NS = "models"
SCORES_NS = "s3://ml-scores"
SPARK = "https://github.com/OpenLineage/OpenLineage/tree/1.40.0/integration/spark"
AIRFLOW = "https://github.com/apache/airflow/tree/providers-openlineage/2.3.0"
ML = "https://example.org/ml-platform/1.8.0"
GOV = "https://example.org/aigov-collector/0.4.0"
REF_DATASET = ("reference.dim_geography", ["region_code", "region_name", "country", "timezone", "population_band"])
WIDE_VERSION = ids.dataset_version_id(WAREHOUSE, REF_DATASET[0], "2025-01-01")
"""The widely used dataset version: the reference table many pipelines join every day (impact benchmarks)."""

DOMAINS = [
    "claims", "benefits", "fraud", "eligibility", "payments", "appeals", "identity", "casework",
    "grants", "loans", "tax", "health", "housing", "licensing", "customs", "pensions",
]  # fmt: skip
BASE_COLUMNS = [
    ("created_at", "timestamp"), ("updated_at", "timestamp"), ("status", "string"), ("amount", "decimal(12,2)"),
    ("region_code", "string"), ("channel", "string"), ("category", "string"), ("score_input", "double"),
    ("event_count", "int"), ("source_system", "string"), ("priority", "int"), ("currency", "string"),
]  # fmt: skip
PII_COLUMNS = [
    ("ssn", "string", "pii.ssn"), ("email", "string", "pii.email"), ("full_name", "string", "pii.name"),
    ("date_of_birth", "date", "pii.dob"), ("phone", "string", "pii.phone"), ("home_address", "string", "pii.address"),
    ("diagnosis_code", "string", "phi.diagnosis"), ("card_number", "string", "pci.pan"),
]  # fmt: skip
PROTECTED_COLUMNS = [
    ("gender", "string", "protected.gender"), ("race", "string", "protected.race"), ("age", "int", "protected.age"),
    ("nationality", "string", "protected.nationality"), ("ethnicity", "string", "protected.ethnicity"),
]  # fmt: skip
VERBS = ["clean", "dedupe", "enrich", "join", "conform", "aggregate", "validate", "normalize", "pivot", "window"]


@dataclass(frozen=True)
class GenConfig:
    """What to generate. ``nodes`` is a target: the graph gets whole pipelines until it reaches about that many."""

    nodes: int = 100_000
    seed: int = 7
    days: int = 90
    max_hops: int = 10
    inference_per_day: int = 4
    outputs_per_inference: int = 8
    review_rate: float = 0.10
    decision_rate: float = 0.25
    evidence_rate: float = 0.10
    train_every_days: int = 7
    model_rate: float = 0.85
    wide_join_rate: float = 0.6
    cross_join_rate: float = 0.2
    export_rate: float = 0.2
    unmasked_rate: float = 0.15
    unapproved_rate: float = 0.03
    failed_run_rate: float = 0.02
    eval_pass_rate: float = 0.92
    revoke_rate: float = 0.03
    incident_rate: float = 0.1
    protected_rate: float = 0.3  # raw tables with a protected.* column
    privacy_approval_rate: float = 0.6  # pipelines whose features have a privacy approval
    sharing_approval_rate: float = 0.5  # exports with a data_sharing approval
    protected_approval_rate: float = 0.5  # pipelines with protected columns and a protected_attribute_use approval


@dataclass
class Plan:
    """One pipeline's shape, decided up front so that later pipelines can join earlier ones."""

    index: int
    name: str
    domain: str
    hops: int
    offset_min: int
    has_model: bool
    wide_hop: int | None
    cross: tuple[int, int] | None  # (earlier pipeline, hop of this one that joins its feature table)
    depth: int  # longest ETL chain (in hops) behind this pipeline's feature table
    export_from: int | None  # hop whose output is exported to a partner, if any
    unmasked: bool
    incidents: int


@dataclass
class Shared:
    """State shared across pipelines while generating."""

    features: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # pipeline -> [(writtenAt, version)]
    emitted: set[str] = field(default_factory=set)  # ids of shared nodes already written (use cases)


def expected_nodes(plan: Plan, cfg: GenConfig) -> float:
    """About how many nodes a pipeline adds (the planner stops adding pipelines at ``cfg.nodes``)."""
    d, fields = cfg.days, 11.0
    n = plan.hops * d * (2 - cfg.failed_run_rate) + 1 + (plan.hops + 1) * (1 + fields) + plan.hops
    if plan.export_from is not None:
        n += 2 * d + 2 + fields
    if plan.has_model:
        trainings = math.ceil(d / cfg.train_every_days)
        n += 2 + trainings * (4 + 2 * cfg.eval_pass_rate) + 6 + 3
        runs = (d - 1) * cfg.inference_per_day
        per_output = 1 + 2 * cfg.review_rate + 2 * cfg.decision_rate
        n += runs * (2 + cfg.outputs_per_inference * per_output)
    return n + plan.incidents * 2


def make_plans(cfg: GenConfig) -> list[Plan]:
    plans: list[Plan] = []
    total = 40.0  # the shared reference table, its loader, use cases
    while total < cfg.nodes or not plans:
        p = len(plans)
        rng = random.Random(f"{cfg.seed}:plan:{p}")
        hops = cfg.max_hops if p == 0 else rng.choice(range(2, cfg.max_hops + 1))
        domain = DOMAINS[p % len(DOMAINS)]
        cross = None
        depth = hops
        if p > 0 and hops >= 2 and rng.random() < cfg.cross_join_rate:
            for _ in range(10):
                hop, q = rng.randint(2, hops), rng.randrange(p)
                if plans[q].depth + hops - hop + 1 <= cfg.max_hops:
                    cross = (q, hop)
                    depth = max(hops, plans[q].depth + hops - hop + 1)
                    break
        plan = Plan(
            index=p,
            name=f"p{p:04d}_{domain}",
            domain=domain,
            hops=hops,
            offset_min=rng.randrange(0, 120),
            has_model=p == 0 or rng.random() < cfg.model_rate,
            wide_hop=2 if hops >= 2 and (p == 0 or rng.random() < cfg.wide_join_rate) else None,
            cross=cross,
            depth=depth,
            export_from=rng.randint(2, hops) if hops >= 2 and rng.random() < cfg.export_rate else None,
            unmasked=p != 0 and rng.random() < cfg.unmasked_rate,
            incidents=rng.choice((1, 2)) if rng.random() < cfg.incident_rate else 0,
        )
        plans.append(plan)
        total += expected_nodes(plan, cfg)
    return plans


# -- the in-memory graph of one pipeline --------------------------------------------------------------------------


class Graph:
    """Nodes and edges merged like the projection merges them (edge ``at`` = earliest, props = latest)."""

    def __init__(self) -> None:
        self.nodes: dict[str, tuple[L, dict[str, Any]]] = {}
        self.edges: dict[tuple[str, E, str], list[Any]] = {}

    def node(self, node_id: str, label: L, **props: Any) -> dict[str, Any]:
        if node_id not in self.nodes:
            self.nodes[node_id] = (label, {})
        current = self.nodes[node_id][1]
        current.update({k: v for k, v in props.items() if v is not None})
        return current

    def edge(self, src: str, etype: E, dst: str, at: str, props_at: str | None = None, **props: Any) -> None:
        key = (src, etype, dst)
        clean = {k: v for k, v in props.items() if v is not None}
        observed = props_at or at
        old = self.edges.get(key)
        if old is None:
            self.edges[key] = [at, observed, clean]
            return
        old[0] = min(old[0], at)
        if observed >= old[1]:
            old[1], old[2] = observed, {**old[2], **clean}

    def batch_parts(self) -> tuple[list[NodeUpsert], list[EdgeUpsert]]:
        nodes = [NodeUpsert(i, label, props) for i, (label, props) in self.nodes.items()]
        edges = [EdgeUpsert(s, t, d, v[0], v[2], v[1]) for (s, t, d), v in self.edges.items()]
        return nodes, edges


def facet(producer: str, kind: str, /, **fields: Any) -> dict[str, Any]:
    schema = f"https://openlineage.io/spec/facets/1-1-0/{kind}.json#/$defs/{kind}"
    return {"_producer": producer, "_schemaURL": schema, **fields}


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Col:
    name: str
    type: str
    classification: str | None = None  # set on raw/external columns that carry a classification tag
    pii: bool = False  # still holds personal data (not masked)


@dataclass
class DatasetState:
    id: str
    namespace: str
    name: str
    cols: list[Col]
    versions: list[tuple[str, str]] = field(default_factory=list)  # (writtenAt, version id), in time order


class PipelineBuilder:
    """Generates one pipeline (ETL chain, model, inference, governance) into a ``Graph``."""

    def __init__(self, plan: Plan, cfg: GenConfig, shared: Shared, plans: list[Plan]) -> None:
        self.plan, self.cfg, self.shared, self.plans = plan, cfg, shared, plans
        self.rng = random.Random(f"{cfg.seed}:pipeline:{plan.index}")
        self.g = Graph()
        self.datasets: dict[str, DatasetState] = {}
        self.outputs: list[str] = []
        self.decisions: list[str] = []
        self.unapproved_outputs: list[str] = []

    # -- building blocks ----------------------------------------------------------------------------------------
    def dataset(
        self,
        namespace: str,
        name: str,
        cols: list[Col],
        at: str,
        *,
        producer: str = SPARK,
        external: bool = False,
        tag_fields: bool = False,
        dataset_type: str | None = None,
        lineage: dict[str, Any] | None = None,
    ) -> DatasetState:
        dataset_id = ids.dataset_id(namespace, name)
        facets: dict[str, Any] = {
            "schema": facet(producer, "SchemaDatasetFacet", fields=[{"name": c.name, "type": c.type} for c in cols]),
            "ownership": facet(producer, "OwnershipDatasetFacet", owners=[{"name": f"team:{self.plan.domain}-data"}]),
        }
        tags: list[dict[str, str]] = []
        if external:
            tags.append({"key": "boundary", "value": "external"})
        field_tags = [
            {"key": "classification", "value": c.classification, "field": c.name}
            for c in cols
            if tag_fields and c.classification
        ]
        if tags or field_tags:
            facets["tags"] = facet(producer, "TagsDatasetFacet", tags=tags + field_tags)
        if dataset_type:
            facets["datasetType"] = facet(producer, "DatasetTypeDatasetFacet", datasetType=dataset_type)
        if lineage:
            facets["columnLineage"] = facet(producer, "ColumnLineageDatasetFacet", **lineage)
        props: dict[str, Any] = {
            "namespace": namespace,
            "name": name,
            "facets": facets,
            "facetsAt": dict.fromkeys(facets, at),
            "updatedAt": at,
            "owners": [f"team:{self.plan.domain}-data"],
        }
        if "tags" in facets:
            props["tags"] = tags
            props["external"] = external
            props["taggedFields"] = sorted(t["field"] for t in field_tags)
        if dataset_type:
            props["datasetType"] = dataset_type
        self.g.node(dataset_id, L.DATASET, **props)
        for col in cols:
            suggestions = suggest(col.name)
            field_props: dict[str, Any] = {
                "namespace": namespace,
                "name": name,
                "field": col.name,
                "type": col.type,
                "suggestions": suggestions,
                "suggested": bool(suggestions),
            }
            if tag_fields and col.classification:
                field_props["tags"] = [{"key": "classification", "value": col.classification}]
                field_props["classifications"] = [col.classification]
                field_props["classified"] = True
            self.g.node(ids.field_id(namespace, name, col.name), L.FIELD, **field_props)
            self.g.edge(dataset_id, E.HAS_FIELD, ids.field_id(namespace, name, col.name), at)
        state = DatasetState(dataset_id, namespace, name, cols)
        self.datasets[dataset_id] = state
        return state

    def touch(self, dataset_id: str, at: str) -> None:
        if dataset_id not in self.g.nodes:
            return  # another pipeline's dataset
        props = self.g.nodes[dataset_id][1]
        if at > props["updatedAt"]:
            props["updatedAt"] = at
            props["facetsAt"] = dict.fromkeys(props["facets"], at)

    def job(self, namespace: str, name: str, at: str, *, producer: str = AIRFLOW, **extra: Any) -> str:
        job_id = ids.job_id(namespace, name)
        if job_id not in self.g.nodes:
            facets = {
                "jobType": facet(
                    producer, "JobTypeJobFacet", processingType="BATCH", integration="SPARK", jobType="JOB"
                ),
                "ownership": facet(producer, "OwnershipJobFacet", owners=[{"name": f"team:{self.plan.domain}"}]),
                "documentation": facet(producer, "DocumentationJobFacet", description=f"{name} ({self.plan.domain})"),
            }
            facets.update(extra.pop("facets", {}))
            self.g.node(
                job_id,
                L.JOB,
                namespace=namespace,
                name=name,
                facets=facets,
                facetsAt=dict.fromkeys(facets, at),
                jobType="JOB",
                integration="SPARK",
                processingType="BATCH",
                description=f"{name} ({self.plan.domain})",
                owners=[f"team:{self.plan.domain}"],
                updatedAt=at,
                **extra,
            )
        props = self.g.nodes[job_id][1]
        props["updatedAt"] = max(props["updatedAt"], at)
        return job_id

    def run(
        self,
        job_id: str,
        start: datetime,
        end: datetime,
        *,
        producer: str = SPARK,
        failed: bool = False,
        facets: dict[str, Any] | None = None,
        kinds: list[str] | None = None,
    ) -> tuple[str, str]:
        run_uuid = _uuid(self.rng)
        run_id = ids.run_id(run_uuid)
        s, e = iso(start), iso(end)
        job = self.g.nodes[job_id][1]
        self.job(job["namespace"], job["name"], e)
        run_facets: dict[str, Any] = {
            "nominalTime": facet(producer, "NominalTimeRunFacet", nominalStartTime=iso(start.replace(second=0))),
            "processing_engine": facet(
                producer, "ProcessingEngineRunFacet", name="spark", version="3.5.1", openlineageAdapterVersion="1.40.0"
            ),
        }
        if failed:
            message = "org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 7.0 failed"
            run_facets["errorMessage"] = facet(
                producer, "ErrorMessageRunFacet", message=message, programmingLanguage="JVM"
            )
        run_facets.update(facets or {})
        props = self.g.node(
            run_id,
            L.RUN,
            runId=run_uuid,
            jobId=job_id,
            jobNamespace=job["namespace"],
            jobName=job["name"],
            producer=producer,
            state="FAILED" if failed else "COMPLETED",
            stateAt=e,
            terminal=True,
            endedAt=e,
            startedAt=s,
            firstEventAt=s,
            lastEventAt=e,
            facets=run_facets,
            facetsAt=dict.fromkeys(run_facets, e),
            nominalStartTime=iso(start.replace(second=0)),
            errorMessage=run_facets["errorMessage"]["message"] if failed else None,
        )
        if kinds:
            props["kinds"] = sorted(kinds)
            props["modelRun"] = bool({"training", "inference"} & set(kinds))
        self.g.edge(run_id, E.RUN_OF, job_id, s)
        return run_id, run_uuid

    def latest(self, ds: DatasetState, at: str) -> str:
        """The version a reader at ``at`` sees: the latest written strictly before, else ``unknown``."""
        i = bisect_left(ds.versions, (at, ""))
        if i:
            return ds.versions[i - 1][1]
        return self.version(ds, "unknown", at, None)

    def version(self, ds: DatasetState, version: str, at: str, run_uuid: str | None) -> str:
        version_id = ids.dataset_version_id(ds.namespace, ds.name, version)
        props = self.g.node(version_id, L.DATASET_VERSION, namespace=ds.namespace, name=ds.name, version=version)
        if "createdAt" not in props or at < props["createdAt"]:
            props["createdAt"] = at
        if run_uuid:
            props["runId"] = run_uuid
        dataset_type = self.g.nodes[ds.id][1].get("datasetType") if ds.id in self.g.nodes else None
        if dataset_type:
            props["datasetType"] = dataset_type
        self.g.edge(version_id, E.VERSION_OF, ds.id, at)
        return version_id

    def read(self, run_id: str, ds: DatasetState, at: str, version_id: str | None = None) -> str:
        version_id = version_id or self.latest(ds, at)
        self.g.edge(run_id, E.READ, version_id, at)
        self.touch(ds.id, at)
        return version_id

    def write(self, run_id: str, run_uuid: str, ds: DatasetState, at: str, version: str | None = None) -> str:
        version_id = self.version(ds, version or run_uuid, at, run_uuid)
        self.g.nodes[version_id][1]["writtenAt"] = at
        self.g.edge(run_id, E.WROTE, version_id, at)
        ds.versions.append((at, version_id))
        props = self.g.nodes[ds.id][1]
        props.update(latestVersion=version or run_uuid, latestVersionAt=at)
        self.touch(ds.id, at)
        return version_id

    # -- column lineage ------------------------------------------------------------------------------------------
    def transform(
        self, src: DatasetState, hop: int, *, mask_all: bool, joins: list[tuple[DatasetState, str, str]]
    ) -> tuple[list[Col], list[tuple[str, DatasetState, str, str, str, bool]]]:
        """Output columns of a hop and their derivations: (out field, input dataset, in field, type, subtype, mask)."""
        rng, out, derivations = self.rng, [], []
        for col in src.cols:
            if col.name != "record_id" and not col.pii and rng.random() < 0.08:
                continue  # dropped
            if col.pii and hop > 1 and (mask_all or rng.random() < 0.4) and not self.plan.unmasked:
                name = col.name if col.name.endswith("_hash") else f"{col.name}_hash"
                out.append(Col(name, "string"))
                derivations.append((name, src, col.name, "DIRECT", "TRANSFORMATION", True))
            else:
                subtype = "TRANSFORMATION" if col.type.startswith(("decimal", "double")) and rng.random() < 0.3 else ""
                out.append(Col(col.name, col.type, col.classification if col.pii else None, pii=col.pii))
                derivations.append((col.name, src, col.name, "DIRECT", subtype or "IDENTITY", False))
        plain = [c.name for c in src.cols if not c.pii and c.name != "record_id"] or ["record_id"]
        feature = f"f{hop}_{VERBS[hop % len(VERBS)]}_{rng.randrange(100)}"
        out.append(Col(feature, "double"))
        for name in rng.sample(plain, min(2, len(plain))):
            derivations.append((feature, src, name, "DIRECT", "AGGREGATION", False))
        for other, column, key in joins:
            out.append(Col(f"{column}_{hop}", "string"))
            derivations.append((f"{column}_{hop}", other, column, "DIRECT", "IDENTITY", False))
            for o in out:
                derivations.append((o.name, other, key, "INDIRECT", "JOIN", False))
        if any(c.name == "status" for c in src.cols) and rng.random() < 0.5:
            for o in out:
                derivations.append((o.name, src, "status", "INDIRECT", "FILTER", False))
        return out, derivations

    def lineage_facet(self, derivations: list[tuple[str, DatasetState, str, str, str, bool]]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for out_field, ds, in_field, kind, subtype, masking in derivations:
            entry = {
                "namespace": ds.namespace,
                "name": ds.name,
                "field": in_field,
                "transformations": [{"type": kind, "subtype": subtype, "masking": masking}],
            }
            fields.setdefault(out_field, {"inputFields": []})["inputFields"].append(entry)
        return {"fields": fields}

    def derive(
        self,
        out: DatasetState,
        derivations: list[tuple[str, DatasetState, str, str, str, bool]],
        at: str,
        run: str | None,
        props_at: str | None = None,
    ) -> None:
        for out_field, ds, in_field, kind, subtype, masking in derivations:
            self.g.edge(
                ids.field_id(out.namespace, out.name, out_field),
                E.DERIVED_FROM,
                ids.field_id(ds.namespace, ds.name, in_field),
                at,
                props_at,
                type=kind,
                subtypes=[subtype],
                masking=masking,
                runId=run,
            )

    # -- the pipeline ------------------------------------------------------------------------------------------
    def build(self, wide: DatasetState) -> Graph:
        plan, cfg, rng = self.plan, self.cfg, self.rng
        first = iso(START + timedelta(minutes=plan.offset_min))
        pii = rng.sample(PII_COLUMNS, rng.randint(1, 3))
        cols = [Col("record_id", "string")] + [Col(n, t) for n, t in rng.sample(BASE_COLUMNS, rng.randint(6, 9))]
        cols += [Col(n, t, c, pii=True) for n, t, c in pii]
        if rng.random() < cfg.protected_rate:
            cols += [Col(n, t, c, pii=True) for n, t, c in rng.sample(PROTECTED_COLUMNS, 1)]
        has_protected = any((c.classification or "").startswith("protected.") for c in cols)
        src = self.dataset(
            f"s3://partner-{rng.randrange(40):02d}-exchange",
            f"inbound/{plan.name}.csv",
            cols,
            first,
            producer=AIRFLOW,
            external=True,
            tag_fields=True,
        )
        chain = [src]
        hops: list[tuple[str, DatasetState, list[tuple[str, DatasetState, str, str, str, bool]], list[Any]]] = []
        for hop in range(1, plan.hops + 1):
            joins: list[tuple[DatasetState, str, str]] = []
            if hop == plan.wide_hop:
                joins.append((wide, "region_name", "region_code"))
            if plan.cross and plan.cross[1] == hop:
                other = self.plans[plan.cross[0]]
                joins.append((self.foreign_features(other), "record_id", "record_id"))
            out_cols, derivations = self.transform(chain[-1], hop, mask_all=hop == plan.hops, joins=joins)
            if hop == 1:
                name, verb = f"raw.{plan.name}", "ingest"
            elif hop == plan.hops:
                name, verb = f"features.{plan.name}", "build_features"
            else:
                name, verb = f"staging.{plan.name}_s{hop}", f"s{hop}_{VERBS[(hop + plan.index) % len(VERBS)]}"
            ds = self.dataset(
                WAREHOUSE, name, out_cols, first, tag_fields=hop == 1, lineage=self.lineage_facet(derivations)
            )
            job_id = self.job("etl-prod", f"{plan.name}.{verb}", first)
            chain.append(ds)
            hops.append((job_id, ds, derivations, joins))
        export = None
        if plan.export_from is not None:
            base = chain[plan.export_from]
            export_cols, export_derivations = self.transform(base, 99, mask_all=False, joins=[])
            target = self.dataset(
                f"sftp://partner-{rng.randrange(40):02d}.example.com:22",
                f"outbound/{plan.name}_extract.csv",
                export_cols,
                first,
                producer=AIRFLOW,
                external=True,
                lineage=self.lineage_facet(export_derivations),
            )
            export = (self.job("etl-prod", f"{plan.name}.export_partner", first), base, target, export_derivations)
        lineage_runs: dict[tuple[str, str, str], tuple[str, str, str]] = {}  # first at, last at, last run
        for day in range(cfg.days):
            base_t = START + timedelta(days=day, minutes=plan.offset_min)
            for hop, (job_id, ds, derivations, joins) in enumerate(hops, start=1):
                start = base_t + timedelta(minutes=(hop - 1) * 12 + rng.uniform(0, 2))
                end = start + timedelta(minutes=rng.uniform(2, 8))
                failed = rng.random() < cfg.failed_run_rate
                run_id, run_uuid = self.run(job_id, start, end, failed=failed)
                s = iso(start)
                self.read(run_id, chain[hop - 1], s)
                for other, _, _ in joins:
                    self.read(run_id, other, s, WIDE_VERSION if other is wide else self.latest(other, s))
                if not failed:
                    self.write(run_id, run_uuid, ds, iso(end))
                    for d in derivations:
                        key = (d[0], d[1].id, d[2])
                        first_at = lineage_runs[key][0] if key in lineage_runs else iso(end)
                        lineage_runs[key] = (first_at, iso(end), run_uuid)
            if export is not None:
                job_id, base, target, export_derivations = export
                start = base_t + timedelta(hours=6, minutes=rng.uniform(0, 10))
                end = start + timedelta(minutes=rng.uniform(1, 5))
                run_id, run_uuid = self.run(job_id, start, end, producer=AIRFLOW)
                self.read(run_id, base, iso(start))
                self.write(run_id, run_uuid, target, iso(end))
                if day == 0:
                    self.derive(target, export_derivations, iso(end), run_uuid)
        for _job_id, ds, derivations, _ in hops:
            for d in derivations:
                first_at, last_at, last_run = lineage_runs.get((d[0], d[1].id, d[2]), (first, first, ""))
                self.derive(ds, [d], first_at, last_run or None, last_at)
        self.shared.features[plan.index] = chain[-1].versions
        if plan.has_model:
            self.model_and_inference(chain[-1])
            if rng.random() < cfg.privacy_approval_rate:
                self.dataset_approval(chain[-1], "privacy")
            if has_protected and rng.random() < cfg.protected_approval_rate:
                self.dataset_approval(chain[-1], "protected_attribute_use")
        if export is not None and rng.random() < cfg.sharing_approval_rate:
            self.dataset_approval(export[2], "data_sharing")
        for n in range(plan.incidents):
            self.incident(chain[-1], n)
        return self.g

    def foreign_features(self, other: Plan) -> DatasetState:
        """Another (earlier) pipeline's feature table, as a dataset this pipeline reads."""
        name = f"features.{other.name}"
        dataset_id = ids.dataset_id(WAREHOUSE, name)
        if dataset_id not in self.datasets:
            ds = DatasetState(dataset_id, WAREHOUSE, name, [Col("record_id", "string")])
            ds.versions = self.shared.features[other.index]
            self.datasets[dataset_id] = ds
        return self.datasets[dataset_id]

    def model_and_inference(self, features: DatasetState) -> None:
        plan, cfg, rng = self.plan, self.cfg, self.rng
        first = iso(START + timedelta(minutes=plan.offset_min))
        model = self.dataset(
            MODELS_NS,
            f"{plan.name}_model",
            [Col("weights", "binary"), Col("threshold", "double")],
            first,
            producer=ML,
            dataset_type="MODEL",
        )
        scores = self.dataset(
            SCORES_NS,
            f"{plan.name}/scores",
            [Col("record_id", "string"), Col("score", "double"), Col("label", "string")],
            first,
            producer=ML,
        )
        use_case = f"uc-{plan.domain}-triage"
        uc_props = {
            "useCaseId": use_case,
            "name": f"{plan.domain.title()} triage",
            "riskCategory": rng.choice(["rights-impacting", "safety-impacting", "rights-impacting", "low"]),
            "component": f"{plan.domain.upper()}-OPS",
            "purpose": f"prioritise {plan.domain} cases for human review",
        }
        uc_id = ids.keyed_id(L.USE_CASE, use_case)
        if uc_id not in self.shared.emitted:
            self.shared.emitted.add(uc_id)
            self.g.node(uc_id, L.USE_CASE, **uc_props)
        uc_facet = {"aigov_useCase": facet(GOV, "aigov_useCase", **uc_props)}
        train_job = self.job("ml", f"{plan.name}.train", first, producer=ML)
        eval_job = self.job("ml", f"{plan.name}.evaluate", first, producer=ML)
        approve_job = self.job("governance", f"{plan.name}.approvals", first, producer=GOV)
        score_job = self.job("ml", f"{plan.name}.score", first, producer=ML, facets=uc_facet, useCaseId=use_case)
        review_job = self.job("adjudication", f"{plan.name}.review", first, producer=GOV)
        decide_job = self.job(
            "adjudication", f"{plan.name}.decide", first, producer=GOV, facets=uc_facet, useCaseId=use_case
        )
        # model versions: (writtenAt, version id, grantedAt, expiresAt, revokedAt)
        models: list[list[Any]] = []
        inference: list[tuple[datetime, str, list[tuple[str, str]]]] = []  # (end, scores version, [(out, at)])
        for day in range(cfg.days):
            base_t = START + timedelta(days=day, minutes=plan.offset_min)
            if day % cfg.train_every_days == 0:
                models.append(self.train(day, base_t, features, model, train_job, eval_job, approve_job))
            if day == 0:
                continue
            for i in range(cfg.inference_per_day):
                start = base_t + timedelta(hours=9 + i * 12 / cfg.inference_per_day, minutes=rng.uniform(0, 20))
                s = iso(start)
                in_force = [m for m in models if m[0] < s and m[2] and m[2] <= s < m[3] and not (m[4] and m[4] <= s)]
                written = [m for m in models if m[0] < s]
                chosen = in_force[-1] if in_force else written[-1]
                unapproved = not in_force
                if rng.random() < cfg.unapproved_rate and written[-1] not in in_force:
                    chosen, unapproved = written[-1], True
                end = start + timedelta(minutes=rng.uniform(2, 15))
                run_id, run_uuid = self.run(score_job, start, end, producer=ML, facets=uc_facet, kinds=["inference"])
                self.g.edge(score_job, E.SERVES, uc_id, s)
                self.read(run_id, model, s, chosen[1])
                features_version = self.read(run_id, features, s)
                e = iso(end)
                version_id = self.write(run_id, run_uuid, scores, e)
                k = cfg.outputs_per_inference
                produced: list[tuple[str, str]] = []
                for j in range(rng.randint(max(1, k // 2), k + k // 2)):
                    out_uuid = _uuid(rng)
                    at = iso(start + (end - start) * (j + 1) / (k * 2))
                    out_id = ids.keyed_id(L.OUTPUT, out_uuid)
                    self.g.node(
                        out_id,
                        L.OUTPUT,
                        outputId=out_uuid,
                        kind="score",
                        value=f"{rng.random():.3f}",
                        subjectRef=f"sha256:{rng.getrandbits(64):016x}",
                        producedAt=at,
                        runId=run_uuid,
                        datasetVersion=version_id,
                    )
                    self.g.edge(run_id, E.PRODUCED, out_id, at)
                    self.g.edge(out_id, E.IN_VERSION, version_id, at)
                    produced.append((out_id, at))
                    self.outputs.append(out_id)
                    if unapproved:
                        self.unapproved_outputs.append(out_id)
                inference.append((end, features_version, produced))
        scores_versions = scores.versions
        for _end, features_version, produced in inference:
            for out_id, at in produced:
                self.govern_output(out_id, at, features_version, scores, scores_versions, review_job, decide_job, uc_id)

    def train(
        self,
        day: int,
        base_t: datetime,
        features: DatasetState,
        model: DatasetState,
        train_job: str,
        eval_job: str,
        approve_job: str,
    ) -> list[Any]:
        rng, cfg = self.rng, self.cfg
        n = day // cfg.train_every_days + 1
        start = base_t + timedelta(hours=5, minutes=rng.uniform(0, 20))
        end = start + timedelta(minutes=rng.uniform(20, 60))
        run_id, run_uuid = self.run(train_job, start, end, producer=ML, kinds=["training"])
        self.read(run_id, features, iso(start))
        version_id = self.write(run_id, run_uuid, model, iso(end), f"v{n}")
        entry: list[Any] = [iso(end), version_id, None, None, None]
        # evaluation
        start = end + timedelta(minutes=rng.uniform(5, 30))
        end = start + timedelta(minutes=rng.uniform(5, 20))
        passed = rng.random() < cfg.eval_pass_rate
        eval_uuid = _uuid(rng)
        body = {"evaluationId": eval_uuid, "kind": rng.choice(["bias", "accuracy", "robustness"]), "passed": passed}
        body["metrics"] = {"auc": round(rng.uniform(0.7, 0.95), 3), "disparateImpact": round(rng.uniform(0.7, 1.1), 3)}
        run_id, run_uuid = self.run(
            eval_job, start, end, producer=ML, facets={"aigov_evaluation": facet(GOV, "aigov_evaluation", **body)},
            kinds=["evaluation"],
        )  # fmt: skip
        self.read(run_id, model, iso(start), version_id)
        evaluation = ids.keyed_id(L.EVALUATION, eval_uuid)
        self.g.node(evaluation, L.EVALUATION, **body, evaluatedAt=iso(start), runId=run_uuid, namespace="ml")
        self.g.edge(evaluation, E.EVALUATED, version_id, iso(start))
        self.g.edge(evaluation, E.RECORDED_BY, run_id, iso(start))
        if not passed:
            return entry
        # approval
        granted = end + timedelta(minutes=rng.uniform(30, 180))
        expires = granted + timedelta(days=rng.uniform(30, 120))
        approval_uuid = _uuid(rng)
        grant = {
            "approvalId": approval_uuid,
            "kind": "governance_board",
            "decision": "conditional" if rng.random() < 0.1 else "approved",
            "grantedAt": iso(granted),
            "expiresAt": iso(expires),
            "approver": {"id": f"user:board-{rng.randrange(8)}", "role": "AI Governance Board"},
        }
        run_id, run_uuid = self.run(
            approve_job, granted, granted + timedelta(seconds=5), producer=GOV,
            facets={"aigov_approval": facet(GOV, "aigov_approval", **grant)}, kinds=["approval"],
        )  # fmt: skip
        self.read(run_id, model, iso(granted), version_id)
        approval = ids.keyed_id(L.APPROVAL, approval_uuid)
        props = self.g.node(approval, L.APPROVAL, **grant, runId=run_uuid, namespace="governance")
        self.g.edge(approval, E.APPROVES, version_id, iso(granted))
        self.g.edge(approval, E.RECORDED_BY, run_id, iso(granted))
        entry[2:4] = [iso(granted), iso(expires)]
        if rng.random() < cfg.revoke_rate:
            revoked = granted + timedelta(days=rng.uniform(2, 20))
            revoke = {**grant, "decision": "revoked", "grantedAt": iso(revoked)}
            run_id, run_uuid = self.run(
                approve_job, revoked, revoked + timedelta(seconds=5), producer=GOV,
                facets={"aigov_approval": facet(GOV, "aigov_approval", **revoke)}, kinds=["approval"],
            )  # fmt: skip
            self.read(run_id, model, iso(revoked), version_id)
            props.update(revokedAt=iso(revoked), revokedBy=grant["approver"], revocationRunId=run_uuid)
            self.g.edge(approval, E.RECORDED_BY, run_id, iso(revoked))
            entry[4] = iso(revoked)
        return entry

    def govern_output(
        self,
        out_id: str,
        at: str,
        features_version: str,
        scores: DatasetState,
        scores_versions: list[tuple[str, str]],
        review_job: str,
        decide_job: str,
        uc_id: str,
    ) -> None:
        rng, cfg = self.rng, self.cfg
        produced = datetime.fromisoformat(at.replace("Z", "+00:00"))
        review_id = None
        reviewed_at = produced
        if rng.random() < cfg.review_rate:
            reviewed_at = produced + timedelta(hours=rng.uniform(0.5, 48))
            review_uuid = _uuid(rng)
            body = {
                "reviewId": review_uuid,
                "outputIds": [out_id.removeprefix("output:")],
                "outcome": rng.choice(["concur", "concur", "concur", "override"]),
                "reviewer": {"id": f"user:officer{rng.randrange(200)}", "role": "adjudicator"},
                "reviewedAt": iso(reviewed_at),
            }
            run_id, run_uuid = self.run(
                review_job, reviewed_at, reviewed_at + timedelta(seconds=2), producer=GOV,
                facets={"aigov_review": facet(GOV, "aigov_review", **body)}, kinds=["review"],
            )  # fmt: skip
            r_at = iso(reviewed_at)
            i = bisect_left(scores_versions, (r_at, ""))
            self.read(run_id, scores, r_at, scores_versions[i - 1][1] if i else None)
            review_id = ids.keyed_id(L.REVIEW, review_uuid)
            self.g.node(review_id, L.REVIEW, **body, runId=run_uuid, namespace="adjudication")
            self.g.edge(review_id, E.REVIEWED, out_id, r_at)
            self.g.edge(review_id, E.RECORDED_BY, run_id, r_at)
        if rng.random() < cfg.decision_rate:
            decided = max(produced + timedelta(hours=rng.uniform(1, 72)), reviewed_at + timedelta(minutes=10))
            decision_uuid = _uuid(rng)
            basis = [{"type": "ai_output", "ref": out_id.removeprefix("output:")}]
            if review_id:
                basis.append({"type": "human_review", "ref": review_id.removeprefix("review:")})
            if rng.random() < cfg.evidence_rate:
                basis.append({"type": "evidence", "ref": features_version})
            body = {
                "decisionId": decision_uuid,
                "actionType": rng.choice(["benefit_denial", "benefit_grant", "escalate", "request_info"]),
                "significant": rng.random() < 0.6,
                "basis": basis,
                "decidedBy": {"id": f"user:officer{rng.randrange(200)}", "role": "adjudicator"},
                "decidedAt": iso(decided),
            }
            uc_facet = self.g.nodes[decide_job][1]["facets"]["aigov_useCase"]
            run_id, run_uuid = self.run(
                decide_job, decided, decided + timedelta(seconds=2), producer=GOV,
                facets={"aigov_decision": facet(GOV, "aigov_decision", **body), "aigov_useCase": uc_facet},
                kinds=["decision"],
            )  # fmt: skip
            d_at = iso(decided)
            self.g.edge(decide_job, E.SERVES, uc_id, d_at)
            decision_id = ids.keyed_id(L.DECISION, decision_uuid)
            job = self.g.nodes[decide_job][1]
            self.g.node(
                decision_id,
                L.DECISION,
                **body,
                runId=run_uuid,
                jobId=decide_job,
                useCaseId=job.get("useCaseId"),
                namespace="adjudication",
            )
            targets = [(out_id, "ai_output")] + ([(review_id, "human_review")] if review_id else [])
            targets += [(b["ref"], "evidence") for b in basis if b["type"] == "evidence"]
            for target, kind in targets:
                self.g.edge(decision_id, E.BASED_ON, target, d_at, basis=kind)
            self.g.edge(decision_id, E.RECORDED_BY, run_id, d_at)
            self.decisions.append(decision_id)

    def dataset_approval(self, ds: DatasetState, kind: str) -> None:
        """An approval of ``kind`` for a whole dataset (its run read it without naming a version)."""
        rng = self.rng
        granted = START + timedelta(days=rng.uniform(0, self.cfg.days / 3))
        expires = granted + timedelta(days=rng.uniform(30, 180))
        approval_uuid = _uuid(rng)
        grant = {
            "approvalId": approval_uuid,
            "kind": kind,
            "decision": "approved",
            "grantedAt": iso(granted),
            "expiresAt": iso(expires),
            "approver": {"id": f"user:{kind}-officer-{rng.randrange(5)}", "role": f"{kind} officer"},
        }
        job_id = self.job("governance", f"{self.plan.name}.{kind}_approvals", iso(START), producer=GOV)
        run_id, run_uuid = self.run(
            job_id, granted, granted + timedelta(seconds=5), producer=GOV,
            facets={"aigov_approval": facet(GOV, "aigov_approval", **grant)}, kinds=["approval"],
        )  # fmt: skip
        self.read(run_id, ds, iso(granted))
        approval = ids.keyed_id(L.APPROVAL, approval_uuid)
        self.g.node(approval, L.APPROVAL, **grant, runId=run_uuid, namespace="governance")
        self.g.edge(approval, E.APPROVES, ds.id, iso(granted))
        self.g.edge(approval, E.RECORDED_BY, run_id, iso(granted))

    def incident(self, features: DatasetState, n: int) -> None:
        rng = self.rng
        job_id = self.job("governance", f"{self.plan.name}.incidents", iso(START), producer=GOV)
        reported = START + timedelta(days=rng.uniform(10, self.cfg.days), minutes=n)
        incident_uuid = _uuid(rng)
        body = {
            "incidentId": incident_uuid,
            "severity": rng.choice(["low", "medium", "high"]),
            "summary": f"data quality incident on {features.name}",
            "reportedAt": iso(reported),
        }
        run_id, run_uuid = self.run(
            job_id, reported, reported + timedelta(seconds=3), producer=GOV,
            facets={"aigov_incident": facet(GOV, "aigov_incident", **body)}, kinds=["incident"],
        )  # fmt: skip
        self.read(run_id, features, iso(reported))
        incident = ids.keyed_id(L.INCIDENT, incident_uuid)
        self.g.node(incident, L.INCIDENT, **body, runId=run_uuid, namespace="governance")
        self.g.edge(incident, E.CONCERNS, features.id, iso(reported))
        self.g.edge(incident, E.RECORDED_BY, run_id, iso(reported))


def reference_graph(cfg: GenConfig) -> tuple[Graph, DatasetState]:
    """The shared reference table and the one version of it every joining pipeline reads (``WIDE_VERSION``)."""
    plan = Plan(-1, "reference", "reference", 1, 0, False, None, None, 1, None, False, 0)
    builder = PipelineBuilder(plan, cfg, Shared(), [])
    loaded = START - timedelta(days=5)
    cols = [Col(c, "string") for c in REF_DATASET[1]]
    ds = builder.dataset(WAREHOUSE, REF_DATASET[0], cols, iso(loaded))
    job_id = builder.job("etl-prod", "reference.load_dim_geography", iso(loaded))
    run_id, run_uuid = builder.run(job_id, loaded, loaded + timedelta(minutes=3))
    builder.write(run_id, run_uuid, ds, iso(loaded + timedelta(minutes=3)), WIDE_VERSION.rsplit("#", 1)[1])
    return builder.g, ds


# -- writing ------------------------------------------------------------------------------------------------------


class Writer:
    """Buffers upserts and applies them in large ``ChangeBatch``es (nodes before the edges that need them)."""

    def __init__(self, store: GraphStore | None, batch_size: int, progress: Callable[[str], None]) -> None:
        self.store, self.batch_size, self.progress = store, batch_size, progress
        self.nodes: list[NodeUpsert] = []
        self.edges: list[EdgeUpsert] = []
        self.labels: Counter[str] = Counter()
        self.types: Counter[str] = Counter()
        self.written_nodes = self.written_edges = 0
        self.t0 = time.monotonic()
        self.apply_s = 0.0
        self.last_report = 0.0

    def add(self, graph: Graph) -> None:
        nodes, edges = graph.batch_parts()
        self.labels.update(n.label.value for n in nodes)
        self.types.update(e.type.value for e in edges)
        for n in nodes:
            self.nodes.append(n)
            if len(self.nodes) + len(self.edges) >= self.batch_size:
                self.flush()
        for e in edges:
            self.edges.append(e)
            if len(self.nodes) + len(self.edges) >= self.batch_size:
                self.flush()

    def flush(self, *, note: str = "") -> None:
        if not self.nodes and not self.edges:
            return
        if self.store is not None:
            t = time.monotonic()
            self.store.apply(ChangeBatch(self.nodes, self.edges))
            self.apply_s += time.monotonic() - t
        self.written_nodes += len(self.nodes)
        self.written_edges += len(self.edges)
        self.nodes, self.edges = [], []
        now = time.monotonic()
        if now - self.last_report >= 5 or note:
            self.last_report = now
            secs = now - self.t0
            rate = (self.written_nodes + self.written_edges) / max(secs, 1e-9)
            self.progress(
                f"[gen] {self.written_nodes:,} nodes, {self.written_edges:,} edges in {secs:.0f}s "
                f"({rate:,.0f} rows/s, store {self.apply_s:.0f}s){note}"
            )


def generate(
    store: GraphStore | None,
    cfg: GenConfig,
    *,
    batch_size: int = 20_000,
    progress: Callable[[str], None] = print,
    sample_size: int = 2000,
) -> dict[str, Any]:
    """Generate the graph into ``store`` (or only count it when None); returns the manifest (counts, samples)."""
    t0 = time.monotonic()
    plans = make_plans(cfg)
    progress(
        f"[gen] {len(plans)} pipelines for ~{cfg.nodes:,} nodes (seed {cfg.seed}, {cfg.days} days, "
        f"hops {min(p.hops for p in plans)}..{max(p.hops for p in plans)})"
    )
    writer = Writer(store, batch_size, progress)
    shared = Shared()
    ref, _ = reference_graph(cfg)
    writer.add(ref)
    sampler = random.Random(f"{cfg.seed}:samples")
    samples: dict[str, list[str]] = {"outputs": [], "decisions": [], "unapprovedOutputs": []}
    seen: Counter[str] = Counter()
    deepest: list[str] = []
    max_depth = max(p.depth for p in plans if p.has_model)
    for plan in plans:
        builder = PipelineBuilder(plan, cfg, shared, plans)
        ref_ds = DatasetState(ids.dataset_id(WAREHOUSE, REF_DATASET[0]), WAREHOUSE, REF_DATASET[0], [])
        ref_ds.cols = [Col(c, "string") for c in REF_DATASET[1]]
        ref_ds.versions = [("0000", WIDE_VERSION)]
        writer.add(builder.build(ref_ds))
        for key, items in (
            ("outputs", builder.outputs),
            ("decisions", builder.decisions),
            ("unapprovedOutputs", builder.unapproved_outputs),
        ):
            for item in items:  # reservoir sampling: a uniform sample over the whole graph
                seen[key] += 1
                if len(samples[key]) < sample_size:
                    samples[key].append(item)
                else:
                    j = sampler.randrange(seen[key])
                    if j < sample_size:
                        samples[key][j] = item
        if plan.has_model and plan.depth == max_depth and len(deepest) < 50:
            deepest.extend(builder.outputs[-5:])
    writer.flush(note=" (done)")
    seconds = time.monotonic() - t0
    manifest = {
        "generatorVersion": GENERATOR_VERSION,
        "config": asdict(cfg),
        "pipelines": len(plans),
        "nodes": sum(writer.labels.values()),
        "edges": sum(writer.types.values()),
        "labels": dict(sorted(writer.labels.items())),
        "edgeTypes": dict(sorted(writer.types.items())),
        "generationSeconds": round(seconds, 1),
        "storeSeconds": round(writer.apply_s, 1),
        "wideVersion": WIDE_VERSION,
        "wideReaders": sum(cfg.days for p in plans if p.wide_hop),
        "samples": samples,
        "deepestOutputs": deepest,
        "counts": dict(seen),
        "pipelineShapes": {
            "hops": dict(sorted(Counter(p.hops for p in plans).items())),
            "depth": dict(sorted(Counter(p.depth for p in plans).items())),
            "withModel": sum(p.has_model for p in plans),
            "wideJoin": sum(p.wide_hop is not None for p in plans),
            "crossJoin": sum(p.cross is not None for p in plans),
            "export": sum(p.export_from is not None for p in plans),
            "unmasked": [p.name for p in plans if p.unmasked],
        },
    }
    progress(
        f"[gen] generated {manifest['nodes']:,} nodes and {manifest['edges']:,} edges in {seconds:.1f}s "
        f"(store apply {writer.apply_s:.1f}s)"
    )
    return manifest


# -- stores and servers -------------------------------------------------------------------------------------------


def load_server_module() -> Any:
    """``tools/neo4j/server.py`` (not a package), loaded like ``tests/conftest.py`` does."""
    if "neo4j_dev_server" in sys.modules:
        return sys.modules["neo4j_dev_server"]
    spec = importlib.util.spec_from_file_location("neo4j_dev_server", ROOT / "tools" / "neo4j" / "server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["neo4j_dev_server"] = module
    spec.loader.exec_module(module)
    return module


def start_neo4j(home: Path | None, *, heap: str = "4g", pagecache: str = "4g", port: int | None = None) -> Any:
    """Start our own Neo4j (never the shared test server) with benchmark-sized memory; returns the server."""
    module = load_server_module()

    class BenchServer(module.Neo4jServer):  # type: ignore[name-defined,misc]
        def command(self, lib: Path) -> list[str]:
            cmd: list[str] = super().command(lib)
            cmd.insert(1, f"-Xms{heap}")
            cmd = [f"server.memory.pagecache.size={pagecache}" if a.startswith("server.memory.pagecache") else a
                   for a in cmd]  # fmt: skip
            return [*cmd, "-c", "db.tx_log.rotation.retention_policy=false"]

    server = BenchServer(home=home, heap=heap, port=port, timeout=600.0)
    server.start()
    return server


def open_neo4j(uri: str) -> Any:
    from lineage_api.store.neo4j.store import Neo4jStore

    store = Neo4jStore(uri, user="neo4j", password="", database="neo4j")
    store.verify()
    store.apply_schema()
    return store


def open_embedded(path: Path) -> Any:
    from lineage_api.store.embedded.store import EmbeddedStore

    store = EmbeddedStore(path)
    store.apply_schema()
    return store


def default_manifest(path: Path | None, neo4j_home: Path | None, store: str | None) -> Path | None:
    """Where a graph's manifest lives: beside the embedded file, or in the Neo4j home."""
    if store == "embedded" and path:
        return path.with_name(path.name + ".manifest.json")
    if store == "neo4j" and neo4j_home:
        return neo4j_home / MANIFEST_NAME
    return None


def _iter_lines(manifest: dict[str, Any]) -> Iterator[str]:
    yield f"nodes {manifest['nodes']:,}  edges {manifest['edges']:,}  pipelines {manifest['pipelines']}"
    yield "labels: " + ", ".join(f"{k} {v:,}" for k, v in manifest["labels"].items())
    yield "edges:  " + ", ".join(f"{k} {v:,}" for k, v in manifest["edgeTypes"].items())
    yield f"shapes: {json.dumps({k: v for k, v in manifest['pipelineShapes'].items() if k != 'unmasked'})}"
    yield f"wide version {manifest['wideVersion']} read by {manifest['wideReaders']:,} runs"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=100_000, help="target node count (default 100000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--days", type=int, default=GenConfig.days)
    ap.add_argument("--store", choices=["embedded", "neo4j"], help="where to write (omit with --dry-run)")
    ap.add_argument("--dry-run", action="store_true", help="generate and count only, write nothing")
    ap.add_argument("--path", type=Path, help="embedded store file")
    ap.add_argument("--neo4j-uri", help="an existing Neo4j to write to (it is wiped first with --wipe)")
    ap.add_argument("--neo4j-home", type=Path, help="start our own Neo4j in this home dir (kept)")
    ap.add_argument("--heap", default="4g")
    ap.add_argument("--pagecache", default="4g")
    ap.add_argument("--batch", type=int, default=20_000, help="upserts per store transaction")
    ap.add_argument("--wipe", action="store_true", help="wipe a non-empty store first")
    ap.add_argument("--manifest", type=Path, help="write the manifest (counts, samples) here")
    args = ap.parse_args(argv)
    cfg = GenConfig(nodes=args.nodes, seed=args.seed, days=args.days)
    server = None
    store = None
    try:
        if not args.dry_run:
            if args.store == "embedded":
                if not args.path:
                    ap.error("--store embedded needs --path")
                store = open_embedded(args.path)
            elif args.store == "neo4j":
                uri = args.neo4j_uri
                if not uri:
                    server = start_neo4j(args.neo4j_home, heap=args.heap, pagecache=args.pagecache)
                    uri = server.uri
                store = open_neo4j(uri)
            else:
                ap.error("give --store or --dry-run")
            if store.count() and not args.wipe:
                ap.error(f"the store already holds {store.count():,} nodes; pass --wipe to replace them")
            if args.wipe:
                store.wipe()
        manifest = generate(store, cfg, batch_size=args.batch, progress=lambda m: print(m, flush=True))
        for line in _iter_lines(manifest):
            print(line)
        target = args.manifest or default_manifest(args.path, args.neo4j_home, args.store)
        if target and not args.dry_run:
            target.write_text(json.dumps(manifest, indent=1))
            print(f"manifest: {target}")
    finally:
        if store is not None:
            store.close()
        if server is not None:
            server.stop(remove_home=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
