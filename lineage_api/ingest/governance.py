"""Projecting the governance facets (``aigov_*``, contract v1) onto the graph.

UseCase (job facet) <-SERVES- Job; Output (output dataset facet) <-PRODUCED- Run, -IN_VERSION-> DatasetVersion;
Approval -APPROVES-> its inputs; Review -REVIEWED-> Output; Decision -BASED_ON-> Output | Review | dataset;
Evaluation -EVALUATED-> model version; Incident -CONCERNS-> its inputs. Each record is also -RECORDED_BY-> its run.
Edges carry the record's own time (producedAt, grantedAt, reviewedAt, decidedAt, ...) so as-of questions see them
at the moment they took effect.

Every record is attributed (``recordedBy`` ``key:<keyId>``, ``recordedByRole``, ``recordedSeq``) and append-only:
its writer re-sending the id with changed content adds a revision, never erasing the earlier one. ``revisions`` holds
them in eventTime order (keyed by the event that recorded them, so re-applying an event adds nothing; the same
content sent again joins the revision in force); the node's own properties are the latest revision's. Edges of
earlier revisions stay: history keeps them, and readers take the revision in force at their moment
(``provenance.revisions``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph_schema import EdgeType, NodeLabel
from lineage_api.core import ids
from lineage_api.core.errors import InvalidInput
from lineage_api.core.times import normalize
from lineage_api.core.writer import Writer
from lineage_api.ingest.parse import DatasetRef, ParsedEvent

if TYPE_CHECKING:
    from lineage_api.ingest.projection import Projection

Versions = list[tuple[DatasetRef, str]]
# Revision fields copied onto the node (as the record's property) from the revision in force.
REVISION_META = (
    ("runId", "runId"),
    ("recordedBy", "recordedBy"),
    ("recordedByRole", "recordedByRole"),
    ("recordedSeq", "seq"),
)


@dataclass(frozen=True, slots=True)
class Recording:
    """The logged event a fact comes from: its Event node, log position, eventTime, arrival and writer."""

    event: str
    seq: int
    at: str
    received_at: str
    writer: Writer | None

    def revision(self, content: dict[str, Any], source: Any, run_id: str | None) -> dict[str, Any]:
        """A revision entry for ``content`` (``source``, the facet as sent, tells revisions apart)."""
        digest = hashlib.sha256(json.dumps(source, sort_keys=True, default=str).encode()).hexdigest()[:16]
        return {
            "event": self.event,
            "seq": self.seq,
            "eventTime": self.at,
            "recordedAt": self.received_at,
            "recordedBy": self.writer.ref if self.writer else None,
            "recordedByRole": self.writer.role if self.writer else None,
            "runId": run_id,
            "digest": digest,
            "content": {k: v for k, v in content.items() if v is not None},
        }


def revise(held: list[dict[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]]:
    """``held`` with ``entry`` added: in eventTime order, an unchanged re-send folded into the revision before it.

    Keyed by the recording event, so applying an event again changes nothing; folding keeps the earliest sighting
    of each run of equal content, so arrival order does not matter. (One corner is not recovered: a re-send folded
    away before a different revision that falls between the two arrives.)"""
    if any(r.get("event") == entry["event"] for r in held):
        return held
    ordered = sorted([*held, entry], key=lambda r: (str(r.get("eventTime", "")), str(r.get("event", ""))))
    out: list[dict[str, Any]] = []
    for item in ordered:
        if out and out[-1].get("digest") == item.get("digest"):
            continue
        out.append({**item, "revision": len(out) + 1})
    return out


def record(
    p: Projection,
    node_id: str,
    label: NodeLabel,
    content: dict[str, Any],
    *,
    source: Any,
    src: Recording,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Add a revision of a governance record; its properties become those of the latest revision."""
    props = p.node(node_id, label)
    held: list[dict[str, Any]] = _list(props.get("revisions"))
    revisions = revise(held, src.revision(content, source, run_id))
    previous = held[-1].get("content", {}) if held else {}
    current = revisions[-1]
    for key in previous:
        if key not in current["content"]:
            props.pop(key, None)
    props.update(current["content"])
    for key, meta in REVISION_META:
        if current.get(meta) is None:
            props.pop(key, None)
        else:
            props[key] = current[meta]
    props["revisions"] = revisions
    return props


def record_ids(event: ParsedEvent) -> set[str]:
    """The governance nodes an event records or names, so a batch can read them before it changes them."""
    out: set[str] = set()
    use_case = _facet(event.job_facets, "aigov_useCase")
    if use_case and use_case.get("useCaseId"):
        out.add(ids.keyed_id(NodeLabel.USE_CASE, str(use_case["useCaseId"])))
    for name, key, label in _KEYS:
        facet = _facet(event.run_facets, name)
        if facet and facet.get(key):
            out.add(ids.keyed_id(label, str(facet[key])))
    review = _facet(event.run_facets, "aigov_review") or {}
    out |= {ids.keyed_id(NodeLabel.OUTPUT, str(o)) for o in _list(review.get("outputIds"))}
    for item in _list((_facet(event.run_facets, "aigov_decision") or {}).get("basis")):
        if isinstance(item, dict) and item.get("type") in _BASIS_LABELS:
            label, prefix = _BASIS_LABELS[item["type"]]
            out.add(ids.keyed_id(label, str(item.get("ref", "")).removeprefix(prefix)))
    for ref in event.outputs:
        for item in _list((_facet(ref.io_facets, "aigov_outputs") or {}).get("outputs")):
            if isinstance(item, dict) and item.get("outputId"):
                out.add(ids.keyed_id(NodeLabel.OUTPUT, str(item["outputId"])))
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _time(value: Any, fallback: str) -> str:
    if isinstance(value, str) and value:
        try:
            return normalize(value, field="time")
        except InvalidInput:
            return fallback
    return fallback


def _facet(facets: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = facets.get(name)
    return value if isinstance(value, dict) and not value.get("_deleted") else None


def _clean(facet: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facet.items() if not k.startswith("_")}


def project_governance(
    p: Projection, event: ParsedEvent, src: Recording, *, run_id: str, job_id: str, read: Versions, written: Versions
) -> None:
    run = p.nodes[run_id][1]
    project_use_case(p, event, job_id, src)
    kinds: set[str] = set()
    for name, handler, kind in _RUN_RECORDS:
        facet = _facet(event.run_facets, name)
        if facet:
            node_id = handler(p, facet, src, run_id=run_id, job_id=job_id, read=read)
            p.nodes[node_id][1]["namespace"] = event.job_namespace  # whose namespace the record belongs to
            kinds.add(kind)
    if any(p.nodes[v][1].get("datasetType") == "MODEL" for _, v in written):
        kinds.add("training")
    for ref, version_id in written:
        if _outputs(p, ref, version_id, src, run_id=run_id):
            kinds.add("inference")
    # A run that reads a model is an inference run, unless it is a governance record about the model
    # (an evaluation, approval or incident reads the model it is about).
    if not kinds and any(p.nodes[v][1].get("datasetType") == "MODEL" for _, v in read):
        kinds.add("inference")
    if kinds:
        run["kinds"] = sorted(set(run.get("kinds", [])) | kinds)
        run["modelRun"] = bool({"training", "inference"} & set(run["kinds"]))


def project_use_case(p: Projection, event: ParsedEvent, job_id: str, src: Recording) -> None:
    """The job facet ``aigov_useCase`` (on RunEvents and JobEvents): the job serves that use case."""
    use_case = _facet(event.job_facets, "aigov_useCase")
    if use_case and use_case.get("useCaseId"):
        uc_id = ids.keyed_id(NodeLabel.USE_CASE, str(use_case["useCaseId"]))
        record(p, uc_id, NodeLabel.USE_CASE, _clean(use_case), source=_clean(use_case), src=src)
        p.node(job_id, NodeLabel.JOB)["useCaseId"] = str(use_case["useCaseId"])
        p.edge(job_id, EdgeType.SERVES, uc_id, event.event_time)


def _outputs(p: Projection, ref: DatasetRef, version_id: str, src: Recording, *, run_id: str) -> bool:
    facet = _facet(ref.io_facets, "aigov_outputs")
    if not facet or not isinstance(facet.get("outputs"), list):
        return False
    for item in facet["outputs"]:
        if not isinstance(item, dict) or not item.get("outputId"):
            continue
        produced = _time(item.get("producedAt"), src.at)
        out_id = ids.keyed_id(NodeLabel.OUTPUT, str(item["outputId"]))
        content = {**{k: v for k, v in item.items() if k != "producedAt"}, "producedAt": produced}
        content["datasetVersion"] = version_id
        record(p, out_id, NodeLabel.OUTPUT, content, source=item, src=src, run_id=run_id.removeprefix("run:"))
        p.edge(run_id, EdgeType.PRODUCED, out_id, produced)
        p.edge(out_id, EdgeType.IN_VERSION, version_id, produced)
    return True


def _targets(p: Projection, read: Versions) -> list[str]:
    """What an approval or incident is about: each input's version when it named one, else the dataset."""
    out = []
    for ref, version_id in read:
        explicit = isinstance(ref.facets.get("version"), dict)
        out.append(version_id if explicit else ids.dataset_id(ref.namespace, ref.name))
    return out


def _approval(p: Projection, facet: dict[str, Any], src: Recording, *, run_id: str, job_id: str, read: Versions) -> str:
    node_id = ids.keyed_id(NodeLabel.APPROVAL, str(facet["approvalId"]))
    props = p.node(node_id, NodeLabel.APPROVAL, approvalId=str(facet["approvalId"]))
    when = _time(facet.get("grantedAt"), src.at)
    if facet.get("decision") == "revoked":
        when = _time(facet.get("revokedAt"), when)
        # A revocation ends the approval from its time on; it does not replace what was granted.
        if not props.get("revokedAt") or when < props["revokedAt"]:
            props.update(revokedAt=when, revokedBy=facet.get("approver"), revocationRunId=run_id.removeprefix("run:"))
            if src.writer is not None:
                props["revocationRecordedBy"] = src.writer.ref
        targets: list[str] = []
    else:
        grant = _clean(facet)
        grant["grantedAt"] = when
        if facet.get("expiresAt"):
            grant["expiresAt"] = _time(facet["expiresAt"], src.at)
        record(p, node_id, NodeLabel.APPROVAL, grant, source=_clean(facet), src=src, run_id=run_id.removeprefix("run:"))
        targets = _targets(p, read)
    for target in targets:
        p.edge(node_id, EdgeType.APPROVES, target, when)
    p.edge(node_id, EdgeType.RECORDED_BY, run_id, src.at)
    return node_id


def _stub(p: Projection, label: NodeLabel, key_name: str, key: str) -> str:
    node_id = ids.keyed_id(label, key)
    p.node(node_id, label, **{key_name: key})
    return node_id


def _review(p: Projection, facet: dict[str, Any], src: Recording, *, run_id: str, job_id: str, read: Versions) -> str:
    when = _time(facet.get("reviewedAt"), src.at)
    node_id = ids.keyed_id(NodeLabel.REVIEW, str(facet["reviewId"]))
    content = {**_clean(facet), "reviewedAt": when}
    record(p, node_id, NodeLabel.REVIEW, content, source=_clean(facet), src=src, run_id=run_id.removeprefix("run:"))
    for output in _list(facet.get("outputIds")):
        p.edge(node_id, EdgeType.REVIEWED, _stub(p, NodeLabel.OUTPUT, "outputId", str(output)), when)
    p.edge(node_id, EdgeType.RECORDED_BY, run_id, src.at)
    return node_id


def _evidence(p: Projection, ref: str) -> str | None:
    try:
        parsed = ids.parse_node_id(ref)
    except InvalidInput:
        return None
    if parsed.label is NodeLabel.DATASET and parsed.namespace and parsed.name:
        p.node(str(parsed), NodeLabel.DATASET, namespace=parsed.namespace, name=parsed.name)
        return str(parsed)
    if parsed.label is NodeLabel.DATASET_VERSION and parsed.namespace and parsed.name and parsed.version:
        dataset_id = ids.dataset_id(parsed.namespace, parsed.name)
        p.node(dataset_id, NodeLabel.DATASET, namespace=parsed.namespace, name=parsed.name)
        p.node(
            str(parsed), NodeLabel.DATASET_VERSION, namespace=parsed.namespace, name=parsed.name, version=parsed.version
        )
        return str(parsed)
    return None


def _decision(p: Projection, facet: dict[str, Any], src: Recording, *, run_id: str, job_id: str, read: Versions) -> str:
    when = _time(facet.get("decidedAt"), src.at)
    node_id = ids.keyed_id(NodeLabel.DECISION, str(facet["decisionId"]))
    basis: list[tuple[str, str]] = []
    for item in _list(facet.get("basis")):
        kind = item.get("type") if isinstance(item, dict) else None
        ref = str(item.get("ref", "")) if isinstance(item, dict) else ""
        target: str | None = None
        if kind in _BASIS_LABELS:
            label, prefix = _BASIS_LABELS[kind]
            key = "outputId" if label is NodeLabel.OUTPUT else "reviewId"
            target = _stub(p, label, key, ref.removeprefix(prefix))
        elif kind == "evidence":
            target = _evidence(p, ref)
        if target and kind:
            basis.append((target, kind))
    job = p.nodes[job_id][1]
    content = {**_clean(facet), "decidedAt": when, "jobId": job_id, "useCaseId": job.get("useCaseId")}
    # What this revision rests on: edges of earlier revisions stay in the graph, readers keep to these.
    content["basedOn"] = sorted({t for t, _ in basis})
    record(p, node_id, NodeLabel.DECISION, content, source=_clean(facet), src=src, run_id=run_id.removeprefix("run:"))
    for target, kind in basis:
        p.edge(node_id, EdgeType.BASED_ON, target, when, basis=kind)
    p.edge(node_id, EdgeType.RECORDED_BY, run_id, src.at)
    return node_id


def _evaluation(
    p: Projection, facet: dict[str, Any], src: Recording, *, run_id: str, job_id: str, read: Versions
) -> str:
    node_id = ids.keyed_id(NodeLabel.EVALUATION, str(facet["evaluationId"]))
    content = {**_clean(facet), "evaluatedAt": src.at}
    record(p, node_id, NodeLabel.EVALUATION, content, source=_clean(facet), src=src, run_id=run_id.removeprefix("run:"))
    models = [v for _, v in read if p.nodes[v][1].get("datasetType") == "MODEL"]
    for version_id in models or [v for _, v in read]:
        p.edge(node_id, EdgeType.EVALUATED, version_id, src.at)
    p.edge(node_id, EdgeType.RECORDED_BY, run_id, src.at)
    return node_id


def _incident(p: Projection, facet: dict[str, Any], src: Recording, *, run_id: str, job_id: str, read: Versions) -> str:
    when = _time(facet.get("reportedAt"), src.at)
    node_id = ids.keyed_id(NodeLabel.INCIDENT, str(facet["incidentId"]))
    content = {**_clean(facet), "reportedAt": when}
    record(p, node_id, NodeLabel.INCIDENT, content, source=_clean(facet), src=src, run_id=run_id.removeprefix("run:"))
    for target in _targets(p, read):
        p.edge(node_id, EdgeType.CONCERNS, target, when)
    p.edge(node_id, EdgeType.RECORDED_BY, run_id, src.at)
    return node_id


_KEYS = (
    ("aigov_approval", "approvalId", NodeLabel.APPROVAL),
    ("aigov_review", "reviewId", NodeLabel.REVIEW),
    ("aigov_decision", "decisionId", NodeLabel.DECISION),
    ("aigov_evaluation", "evaluationId", NodeLabel.EVALUATION),
    ("aigov_incident", "incidentId", NodeLabel.INCIDENT),
)
_BASIS_LABELS = {"ai_output": (NodeLabel.OUTPUT, "output:"), "human_review": (NodeLabel.REVIEW, "review:")}
_RUN_RECORDS = (
    ("aigov_approval", _approval, "approval"),
    ("aigov_review", _review, "review"),
    ("aigov_decision", _decision, "decision"),
    ("aigov_evaluation", _evaluation, "evaluation"),
    ("aigov_incident", _incident, "incident"),
)
