"""Privacy: classification flows, a dataset's classified fields with their origins, and classifying fields."""

from __future__ import annotations

import re
from typing import Any

from graph_schema import EdgeType, NodeLabel
from lineage_api.auth.principal import Principal
from lineage_api.core.errors import InvalidInput, NotFound
from lineage_api.core.ids import parse_node_id
from lineage_api.core.times import now_iso
from lineage_api.ingest.authority import authorize
from lineage_api.ingest.pipeline import IngestPipeline
from lineage_api.privacy.flows import CARRIES, RANK, Reach, derivation_status, matches, trace_flows
from lineage_api.privacy.schemas import (
    ClassifyResult,
    DatasetPrivacy,
    FieldOrigin,
    FieldPrivacy,
    FlowAnswer,
    Reached,
    ReachedDataset,
)
from lineage_api.store.protocol import Direction, GraphStore, Step

_CLASSIFICATION = re.compile(r"^(pii|protected)(\.[a-z0-9_]+)?\.?$")
PRODUCER = "https://ai-lineage.dev/privacy"


def _check_classification(value: str, field: str) -> str:
    if not _CLASSIFICATION.match(value):
        raise InvalidInput(f"{field} must be pii.<kind>, protected.<kind> or a prefix (pii, protected)", field=field)
    return value


def _reached(items: dict[str, Reach]) -> list[Reached]:
    return [
        Reached(id=k, classification=r.classification, status=r.status, path=r.path) for k, r in sorted(items.items())
    ]


def flows(*, store: GraphStore, classification: str) -> FlowAnswer:
    """Fields holding a classification and what it reaches: datasets, models, outputs, external datasets."""
    query = _check_classification(classification, "classification")
    flow = trace_flows(store, query)
    external = {n.id for n in store.get_nodes(flow.datasets) if n.props.get("external")}
    datasets = [
        ReachedDataset(
            id=k,
            classification=r.classification,
            status=r.status,
            path=r.path,
            external=k in external,
        )
        for k, r in sorted(flow.datasets.items())
    ]
    return FlowAnswer(
        classification=query,
        complete=flow.complete,
        fields=_reached(flow.fields) + _reached({k: v for k, v in flow.suggested.items() if k not in flow.fields}),
        datasets=datasets,
        models=_reached(flow.models),
        outputs=_reached(flow.outputs),
        outputCount=flow.output_count,
        external=[d for d in datasets if d.external],
    )


def _upstream_origins(store: GraphStore, field_id: str) -> list[FieldOrigin]:
    """Classifications a field inherits through column lineage, with the status of the path they came by."""
    best: dict[str, tuple[str, list[str]]] = {field_id: ("direct", [field_id])}
    frontier = [field_id]
    origins: list[FieldOrigin] = []
    for _ in range(25):
        edges = store.edges(frontier, [Step(EdgeType.DERIVED_FROM, Direction.OUT)], limit=50_000)
        nxt = []
        for e in edges:
            status, path = best[e.src]
            step = derivation_status(e.props)
            new = step if status == "direct" else status
            if e.dst not in best or RANK[new] > RANK[best[e.dst][0]]:
                best[e.dst] = (new, [e.dst, *path])
                nxt.append(e.dst)
        if not nxt:
            break
        frontier = nxt
    for node in store.get_nodes(k for k in best if k != field_id):
        status, path = best[node.id]
        for c in node.props.get("classifications") or []:
            origins.append(
                FieldOrigin(
                    classification=c,
                    origin="propagated",
                    status=status,
                    source=node.id,
                    path=path,
                )
            )
    return origins


def dataset_privacy(*, store: GraphStore, dataset: str) -> DatasetPrivacy:
    """A dataset's fields with their classifications and where each came from."""
    parsed = parse_node_id(dataset if dataset.startswith("dataset:") else f"dataset:{dataset}")
    node = store.get_node(str(parsed))
    if node is None or node.label is not NodeLabel.DATASET:
        raise NotFound(f"no dataset {dataset!r} has been recorded", field="dataset")
    field_ids = [e.dst for e in store.edges([node.id], [Step(EdgeType.HAS_FIELD, Direction.OUT)], limit=10_000)]
    fields = []
    for f in store.get_nodes(field_ids):
        observed = f.props.get("classificationSource") == "observed"
        origins = [
            FieldOrigin(
                classification=c,
                origin="observed" if observed else "declared",
                status="declared",
                source=f.id,
                path=[f.id],
                observedBy=f.props.get("observedBy") if observed else None,
            )
            for c in f.props.get("classifications") or []
        ]
        declared = {o.classification for o in origins}
        origins += [
            FieldOrigin(classification=c, origin="suggested", status="suggested", source=f.id, path=[f.id])
            for c in f.props.get("suggestions") or []
            if c not in declared
        ]
        origins += [o for o in _upstream_origins(store, f.id) if o.classification not in declared]
        fields.append(
            FieldPrivacy(id=f.id, field=str(f.props.get("field")), type=f.props.get("type"), classifications=origins)
        )
    return DatasetPrivacy(
        id=node.id,
        namespace=str(node.props["namespace"]),
        name=str(node.props["name"]),
        external=bool(node.props.get("external")),
        fields=fields,
    )


def classification_event(*, store: GraphStore, dataset: str, fields: dict[str, str], by: str) -> dict[str, Any]:
    """A DatasetEvent whose tags facet keeps the dataset's current tags and sets the given fields' classification."""
    parsed = parse_node_id(dataset if dataset.startswith("dataset:") else f"dataset:{dataset}")
    if parsed.namespace is None or parsed.name is None or parsed.version is not None:
        raise InvalidInput("dataset must be dataset:<namespace>:<name>", field="dataset")
    for name, value in fields.items():
        if not name:
            raise InvalidInput("field names must not be empty", field="fields")
        _check_classification(value, f"fields.{name}")
        if value.endswith(".") or value in ("pii", "protected"):
            raise InvalidInput(f"fields.{name} must be a full classification such as pii.ssn", field=f"fields.{name}")
    node = store.get_node(str(parsed))
    # Only tags recorded with authority are kept: an observed tags facet (``facets`` may show one where no authorised
    # writer set any) must not become the privacy officer's declaration.
    declared = node is not None and "tags" in (node.props.get("facetsAt") or {})
    current = ((node.props.get("facets") or {}).get("tags") or {}).get("tags", []) if node and declared else []
    kept = [t for t in current if not (t.get("key") == "classification" and t.get("field") in fields)]
    added = [{"key": "classification", "value": v, "field": k, "source": by} for k, v in sorted(fields.items())]
    return {
        "eventTime": now_iso(),
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": {
            "namespace": parsed.namespace,
            "name": parsed.name,
            "facets": {
                "tags": {
                    "_producer": PRODUCER,
                    "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/TagsDatasetFacet.json",
                    "tags": kept + added,
                }
            },
        },
    }


def classifier(principal: Principal) -> str:
    """Who a classification is recorded as made by: the calling key, never text the client sent."""
    return f"key:{principal.key_id}"


def classify(*, pipeline: IngestPipeline, dataset: str, fields: dict[str, str], principal: Principal) -> ClassifyResult:
    """Record a classification, made by ``principal``, through the one ingestion path; wait until it is projected."""
    event = classification_event(store=pipeline.store, dataset=dataset, fields=fields, by=classifier(principal))
    parsed = pipeline.check(event)
    authorize(parsed, principal.writer)
    appended = pipeline.log_events([event], writer=principal.writer, parsed=[parsed])[0]
    if appended.error is not None:
        raise appended.error
    seq = appended.seq
    pipeline.wait_projected(seq, 10.0)
    name = event["dataset"]
    return ClassifyResult(
        seq=seq, dataset=f"dataset:{name['namespace']}:{name['name']}", fields=dict(sorted(fields.items()))
    )


__all__ = ["CARRIES", "classifier", "classify", "dataset_privacy", "flows", "matches"]
