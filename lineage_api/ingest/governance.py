"""Projecting the governance facets (``aigov_*``, contract v1) onto the graph.

UseCase (job facet) <-SERVES- Job; Output (output dataset facet) <-PRODUCED- Run, -IN_VERSION-> DatasetVersion;
Approval -APPROVES-> its inputs; Review -REVIEWED-> Output; Decision -BASED_ON-> Output | Review | dataset;
Evaluation -EVALUATED-> model version; Incident -CONCERNS-> its inputs. Each record is also -RECORDED_BY-> its run.
Edges carry the record's own time (producedAt, grantedAt, reviewedAt, decidedAt, ...) so as-of questions see them
at the moment they took effect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph_schema import EdgeType, NodeLabel
from lineage_api.core import ids
from lineage_api.core.errors import InvalidInput
from lineage_api.core.times import normalize
from lineage_api.ingest.parse import DatasetRef, ParsedEvent

if TYPE_CHECKING:
    from lineage_api.ingest.projection import Projection

Versions = list[tuple[DatasetRef, str]]


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
    p: Projection, event: ParsedEvent, *, run_id: str, job_id: str, read: Versions, written: Versions
) -> None:
    at = event.event_time
    run = p.nodes[run_id][1]
    project_use_case(p, event, job_id)
    kinds: set[str] = set()
    for name, handler, kind in _RUN_RECORDS:
        facet = _facet(event.run_facets, name)
        if facet:
            record = handler(p, facet, run_id=run_id, job_id=job_id, read=read, at=at)
            p.nodes[record][1]["namespace"] = event.job_namespace  # whose namespace the record belongs to
            kinds.add(kind)
    if any(p.nodes[v][1].get("datasetType") == "MODEL" for _, v in written):
        kinds.add("training")
    for ref, version_id in written:
        if _outputs(p, ref, version_id, run_id=run_id, at=at):
            kinds.add("inference")
    # A run that reads a model is an inference run, unless it is a governance record about the model
    # (an evaluation, approval or incident reads the model it is about).
    if not kinds and any(p.nodes[v][1].get("datasetType") == "MODEL" for _, v in read):
        kinds.add("inference")
    if kinds:
        run["kinds"] = sorted(set(run.get("kinds", [])) | kinds)
        run["modelRun"] = bool({"training", "inference"} & set(run["kinds"]))


def project_use_case(p: Projection, event: ParsedEvent, job_id: str) -> None:
    """The job facet ``aigov_useCase`` (on RunEvents and JobEvents): the job serves that use case."""
    use_case = _facet(event.job_facets, "aigov_useCase")
    if use_case and use_case.get("useCaseId"):
        uc_id = ids.keyed_id(NodeLabel.USE_CASE, str(use_case["useCaseId"]))
        p.node(uc_id, NodeLabel.USE_CASE, **_clean(use_case))
        p.node(job_id, NodeLabel.JOB)["useCaseId"] = str(use_case["useCaseId"])
        p.edge(job_id, EdgeType.SERVES, uc_id, event.event_time)


def _outputs(p: Projection, ref: DatasetRef, version_id: str, *, run_id: str, at: str) -> bool:
    facet = _facet(ref.io_facets, "aigov_outputs")
    if not facet or not isinstance(facet.get("outputs"), list):
        return False
    for item in facet["outputs"]:
        if not isinstance(item, dict) or not item.get("outputId"):
            continue
        produced = _time(item.get("producedAt"), at)
        out_id = ids.keyed_id(NodeLabel.OUTPUT, str(item["outputId"]))
        p.node(
            out_id,
            NodeLabel.OUTPUT,
            **{k: v for k, v in item.items() if k != "producedAt"},
            producedAt=produced,
            runId=run_id.removeprefix("run:"),
            datasetVersion=version_id,
        )
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


def _approval(p: Projection, facet: dict[str, Any], *, run_id: str, job_id: str, read: Versions, at: str) -> str:
    node_id = ids.keyed_id(NodeLabel.APPROVAL, str(facet["approvalId"]))
    props = p.node(node_id, NodeLabel.APPROVAL, approvalId=str(facet["approvalId"]))
    when = _time(facet.get("grantedAt"), at)
    if facet.get("decision") == "revoked":
        when = _time(facet.get("revokedAt"), when)
        # A revocation ends the approval from its time on; it does not replace what was granted.
        if not props.get("revokedAt") or when < props["revokedAt"]:
            props.update(revokedAt=when, revokedBy=facet.get("approver"), revocationRunId=run_id.removeprefix("run:"))
        targets: list[str] = []
    else:
        grant = _clean(facet)
        grant["grantedAt"] = when
        if facet.get("expiresAt"):
            grant["expiresAt"] = _time(facet["expiresAt"], at)
        props.update(grant, runId=run_id.removeprefix("run:"))
        targets = _targets(p, read)
    for target in targets:
        p.edge(node_id, EdgeType.APPROVES, target, when)
    p.edge(node_id, EdgeType.RECORDED_BY, run_id, at)
    return node_id


def _stub(p: Projection, label: NodeLabel, key_name: str, key: str) -> str:
    node_id = ids.keyed_id(label, key)
    p.node(node_id, label, **{key_name: key})
    return node_id


def _review(p: Projection, facet: dict[str, Any], *, run_id: str, job_id: str, read: Versions, at: str) -> str:
    when = _time(facet.get("reviewedAt"), at)
    node_id = ids.keyed_id(NodeLabel.REVIEW, str(facet["reviewId"]))
    p.node(node_id, NodeLabel.REVIEW, **{**_clean(facet), "reviewedAt": when, "runId": run_id.removeprefix("run:")})
    for output in facet.get("outputIds") or []:
        p.edge(node_id, EdgeType.REVIEWED, _stub(p, NodeLabel.OUTPUT, "outputId", str(output)), when)
    p.edge(node_id, EdgeType.RECORDED_BY, run_id, at)
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


def _decision(p: Projection, facet: dict[str, Any], *, run_id: str, job_id: str, read: Versions, at: str) -> str:
    when = _time(facet.get("decidedAt"), at)
    node_id = ids.keyed_id(NodeLabel.DECISION, str(facet["decisionId"]))
    job = p.nodes[job_id][1]
    p.node(
        node_id,
        NodeLabel.DECISION,
        **{**_clean(facet), "decidedAt": when, "runId": run_id.removeprefix("run:"), "jobId": job_id},
        useCaseId=job.get("useCaseId"),
    )
    for item in facet.get("basis") or []:
        kind, ref = item.get("type"), str(item.get("ref", ""))
        target: str | None = None
        if kind == "ai_output":
            target = _stub(p, NodeLabel.OUTPUT, "outputId", ref.removeprefix("output:"))
        elif kind == "human_review":
            target = _stub(p, NodeLabel.REVIEW, "reviewId", ref.removeprefix("review:"))
        elif kind == "evidence":
            target = _evidence(p, ref)
        if target:
            p.edge(node_id, EdgeType.BASED_ON, target, when, basis=kind)
    p.edge(node_id, EdgeType.RECORDED_BY, run_id, at)
    return node_id


def _evaluation(p: Projection, facet: dict[str, Any], *, run_id: str, job_id: str, read: Versions, at: str) -> str:
    node_id = ids.keyed_id(NodeLabel.EVALUATION, str(facet["evaluationId"]))
    p.node(node_id, NodeLabel.EVALUATION, **_clean(facet), evaluatedAt=at, runId=run_id.removeprefix("run:"))
    models = [v for _, v in read if p.nodes[v][1].get("datasetType") == "MODEL"]
    for version_id in models or [v for _, v in read]:
        p.edge(node_id, EdgeType.EVALUATED, version_id, at)
    p.edge(node_id, EdgeType.RECORDED_BY, run_id, at)
    return node_id


def _incident(p: Projection, facet: dict[str, Any], *, run_id: str, job_id: str, read: Versions, at: str) -> str:
    when = _time(facet.get("reportedAt"), at)
    node_id = ids.keyed_id(NodeLabel.INCIDENT, str(facet["incidentId"]))
    p.node(node_id, NodeLabel.INCIDENT, **{**_clean(facet), "reportedAt": when, "runId": run_id.removeprefix("run:")})
    for target in _targets(p, read):
        p.edge(node_id, EdgeType.CONCERNS, target, when)
    p.edge(node_id, EdgeType.RECORDED_BY, run_id, at)
    return node_id


_RUN_RECORDS = (
    ("aigov_approval", _approval, "approval"),
    ("aigov_review", _review, "review"),
    ("aigov_decision", _decision, "decision"),
    ("aigov_evaluation", _evaluation, "evaluation"),
    ("aigov_incident", _incident, "incident"),
)
