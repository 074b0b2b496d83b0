"""Write authority: which entities an event changes, and whether its writer may change them.

Every entity has an owning namespace: jobs and runs the job's, datasets their own, governance records the namespace
they were first recorded in. A key may create or change only entities of namespaces its patterns match. It may read
any dataset: facets it sends on a foreign *input* are recorded as observed by its run and never override what an
authorised writer recorded (see ``projection``). Approvals are recorded only by approvers (or admins), never by the
producer keys of the pipelines they approve (directive V.A.6, V.B.1).

``authorize`` makes the checks that need nothing but the event and the key (403); ``claims_of`` lists what the event
claims, checked against the registry when it is appended (403/409, see ``registry``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graph_schema import NodeLabel
from lineage_api.core import ids
from lineage_api.core.errors import Forbidden
from lineage_api.core.writer import Writer
from lineage_api.ingest import facets as f
from lineage_api.ingest.chain import content_hash
from lineage_api.ingest.parse import DatasetRef, EventKind, ParsedEvent
from lineage_api.ingest.registry import Claim, ClaimKind

APPROVER_ROLES = frozenset({"approver", "admin"})
# Run facets whose inputs are what the record is about (approved, evaluated, concerned): writing one needs
# authority over those inputs' namespaces.
_TARGETING = ("aigov_approval", "aigov_evaluation", "aigov_incident")
_RECORDS = (
    ("aigov_approval", "approvalId", NodeLabel.APPROVAL),
    ("aigov_review", "reviewId", NodeLabel.REVIEW),
    ("aigov_decision", "decisionId", NodeLabel.DECISION),
    ("aigov_evaluation", "evaluationId", NodeLabel.EVALUATION),
    ("aigov_incident", "incidentId", NodeLabel.INCIDENT),
)


def _facet(facets: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = facets.get(name)
    return value if isinstance(value, dict) and not value.get("_deleted") else None


def event_namespace(event: ParsedEvent) -> str:
    """The namespace an event writes to: its job's, or (DatasetEvent) its dataset's."""
    if event.job_namespace:
        return event.job_namespace
    return event.dataset.namespace if event.dataset else ""


def _deny(writer: Writer, namespace: str, what: str, field: str) -> Forbidden:
    return Forbidden(
        f"{what} is in namespace {namespace!r}, which key:{writer.key_id} ({writer.role}) may not write",
        field=field,
    )


def _datasets(refs: tuple[DatasetRef, ...], where: str) -> Iterator[tuple[str, DatasetRef]]:
    for i, ref in enumerate(refs):
        yield f"{where}[{i}]", ref


def authorize(event: ParsedEvent, writer: Writer) -> None:
    """Raise ``Forbidden`` naming the entity, its namespace and the rule when the writer may not send this event."""
    approval = _facet(event.run_facets, "aigov_approval")
    if approval is not None and writer.role not in APPROVER_ROLES:
        raise Forbidden(
            f"approval {approval.get('approvalId')!r}: approvals are recorded only by keys of role approver or admin,"
            f" not {writer.role} (separation of duties, directive V.A.6, V.B.1)",
            field="run.facets.aigov_approval",
        )
    if writer.role == "approver" and approval is None:
        raise Forbidden("keys of role approver record approvals only (a RunEvent with aigov_approval)", field="run")
    namespace = event_namespace(event)
    if not writer.covers(namespace):
        kind = "dataset" if event.kind is EventKind.DATASET else "job"
        name = event.dataset.name if event.dataset else event.job_name
        where = "dataset.namespace" if event.kind is EventKind.DATASET else "job.namespace"
        raise _deny(writer, namespace, f"{kind} {name!r}", where)
    for where, ref in _datasets(event.outputs, "outputs"):
        if not writer.covers(ref.namespace):
            raise _deny(writer, ref.namespace, f"output dataset {ref.name!r}", f"{where}.namespace")
    targeting = [name for name in _TARGETING if _facet(event.run_facets, name) is not None]
    if targeting:
        for where, ref in _datasets(event.inputs, "inputs"):
            if not writer.covers(ref.namespace):
                raise _deny(writer, ref.namespace, f"{targeting[0]} target {ref.name!r}", f"{where}.namespace")


def digest(record: dict[str, Any]) -> str:
    """A hash of a record's content as sent, without the facet bookkeeping keys (``_producer``, ``_schemaURL``)."""
    content = {k: v for k, v in record.items() if not k.startswith("_")}
    return content_hash(content)


def _record_claims(event: ParsedEvent, namespace: str) -> Iterator[Claim]:
    for facet_name, key, label in _RECORDS:
        facet = _facet(event.run_facets, facet_name)
        if facet is not None and isinstance(facet.get(key), str | int) and facet.get(key) != "":
            entity = ids.keyed_id(label, str(facet[key]))
            yield Claim(ClaimKind.OWN, entity, namespace, f"run.facets.{facet_name}.{key}", digest=digest(facet))
    review = _facet(event.run_facets, "aigov_review")
    if review is not None and isinstance(review.get("outputIds"), list):
        for i, output in enumerate(review["outputIds"]):
            entity = ids.keyed_id(NodeLabel.OUTPUT, str(output))
            yield Claim(ClaimKind.REF, entity, namespace, f"run.facets.aigov_review.outputIds[{i}]")
    decision = _facet(event.run_facets, "aigov_decision")
    if decision is not None and isinstance(decision.get("basis"), list):
        for i, item in enumerate(decision["basis"]):
            if isinstance(item, dict) and item.get("type") == "ai_output" and item.get("ref"):
                entity = ids.keyed_id(NodeLabel.OUTPUT, str(item["ref"]).removeprefix("output:"))
                yield Claim(ClaimKind.REF, entity, namespace, f"run.facets.aigov_decision.basis[{i}].ref")


def _output_claims(event: ParsedEvent, namespace: str) -> Iterator[Claim]:
    for where, ref in _datasets(event.outputs, "outputs"):
        facet = _facet(ref.io_facets, "aigov_outputs")
        items = facet.get("outputs") if facet else None
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict) and item.get("outputId"):
                entity = ids.keyed_id(NodeLabel.OUTPUT, str(item["outputId"]))
                field = f"{where}.outputFacets.aigov_outputs.outputs[{i}]"
                yield Claim(ClaimKind.OWN, entity, namespace, field, digest=digest({**item, "run": event.run_id}))


def claims_of(event: ParsedEvent) -> tuple[Claim, ...]:
    """Everything this event claims: its run, its parent, its records and outputs, what its records name."""
    namespace = event_namespace(event)
    out: list[Claim] = []
    job_id = ids.job_id(event.job_namespace, event.job_name) if event.job_namespace and event.job_name else ""
    if event.run_id is not None and job_id:
        out.append(Claim(ClaimKind.BIND, ids.run_id(event.run_id), namespace, "run.runId", job_id))
        parent = f.parent_of(event.run_facets)
        if parent and parent[0] != event.run_id and parent[1] and parent[2]:
            parent_job = ids.job_id(parent[1], parent[2])
            out.append(Claim(ClaimKind.PARENT, ids.run_id(parent[0]), parent[1], "run.facets.parent", parent_job))
    out.extend(_record_claims(event, namespace))
    out.extend(_output_claims(event, namespace))
    use_case = _facet(event.job_facets, "aigov_useCase")
    if use_case is not None and use_case.get("useCaseId"):
        entity = ids.keyed_id(NodeLabel.USE_CASE, str(use_case["useCaseId"]))
        field = "job.facets.aigov_useCase.useCaseId"
        out.append(Claim(ClaimKind.OWN, entity, namespace, field, digest=digest(use_case)))
    return tuple(out)
