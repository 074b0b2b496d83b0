"""Governance records: use cases, approvals, reviews, decisions, incidents (one COMPLETE run each), classification.

Each record is checked against its facet's JSON Schema when the call is made (``InvalidFacet``), then sent; a
failure to send is logged, never raised. Every record method returns the run id of the event it sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from openlineage.client import event_v2 as ev

from collectors._datasets import Dataset, Field, as_static
from collectors._emitter import Core
from collectors._errors import InvalidArgument
from collectors._facets import (
    ApprovalRunFacet,
    DecisionRunFacet,
    IncidentRunFacet,
    ReviewRunFacet,
    checked,
    use_case_facet,
)
from collectors._values import (
    ActionType,
    Actor,
    ApprovalDecision,
    ApprovalKind,
    Basis,
    IncidentKind,
    ReviewOutcome,
    Time,
    UseCase,
    now,
    optional_text,
    text,
    timestamp,
)


def _datasets(values: Dataset | Iterable[Dataset], argument: str) -> list[Dataset]:
    out = [values] if isinstance(values, Dataset) else list(values)
    if not all(isinstance(v, Dataset) for v in out):
        raise InvalidArgument(f"{argument} must hold Dataset values", argument=argument)
    return out


def _classified(
    dataset: Dataset, classifications: Mapping[str, str | Sequence[str]]
) -> tuple[Dataset, set[tuple[str, str]]]:
    """``dataset`` with ``classifications`` added to its fields' own (missing fields added), and the new pairs."""
    fields = {f.name: f for f in dataset.fields}
    added: set[tuple[str, str]] = set()
    for name, values in classifications.items():
        new = (values,) if isinstance(values, str) else tuple(values)
        current = fields.get(text(name, "classified field")) or Field(name)
        fields[name] = replace(current, classifications=tuple(dict.fromkeys((*current.classifications, *new))))
        added |= {(name, value) for value in new}
    return replace(dataset, fields=tuple(fields.values()), column_lineage={}), added


class GovernanceMixin(Core):
    """``declare_use_case``, ``record_approval``, ``revoke_approval``, ``record_review``, ``record_decision``,
    ``report_incident`` and ``classify``."""

    def declare_use_case(self, use_case: UseCase, *, job: str | None = None) -> str:
        """Declare ``use_case`` (a run of a job that carries ``aigov_useCase``, so the server records it)."""
        facet = use_case_facet(use_case, self.producer)
        return self._record(
            "use case",
            job or f"aigov.use_case.{use_case.use_case_id}",
            run_facets={},
            job_facets={"aigov_useCase": facet},
        )

    def record_approval(
        self,
        approval_id: str,
        *,
        kind: ApprovalKind,
        decision: ApprovalDecision,
        approver: Actor | str,
        approves: Dataset | Iterable[Dataset],
        granted_at: Time | None = None,
        expires_at: Time | None = None,
        conditions: str | None = None,
        reference: str | None = None,
        job: str | None = None,
    ) -> str:
        """Record an approval of the datasets or model versions in ``approves`` (``aigov_approval``).

        ``granted_at`` defaults to now; an approval is in force from ``granted_at`` until ``expires_at`` or its
        revocation (``revoke_approval``).
        """
        targets = _datasets(approves, "approves")
        if not targets:
            raise InvalidArgument("approves must name at least one dataset or model version", argument="approves")
        facet = ApprovalRunFacet(
            approvalId=text(approval_id, "approval_id"),
            kind=kind,
            decision=decision,
            approver=Actor.of(approver, "approver").as_dict(),
            grantedAt=timestamp(granted_at, "granted_at") or now(),
            expiresAt=timestamp(expires_at, "expires_at"),
            conditions=optional_text(conditions, "conditions"),
            reference=optional_text(reference, "reference"),
            producer=self.producer,
        )
        run_facets = {"aigov_approval": checked("aigov_approval", facet)}
        return self._record("approval", job or "aigov.approval", run_facets=run_facets, inputs=targets)

    def revoke_approval(
        self,
        approval_id: str,
        *,
        approver: Actor | str,
        at: Time | None = None,
        kind: ApprovalKind = "other",
        reference: str | None = None,
        job: str | None = None,
    ) -> str:
        """Revoke approval ``approval_id`` from ``at`` (default now) on; what it approved is left as recorded.

        The contract's schema wants a ``kind``: pass the revoked approval's when known. The revocation time goes
        in ``grantedAt`` (where the server reads it) and in ``revokedAt``.
        """
        when = timestamp(at, "at") or now()
        facet = ApprovalRunFacet(
            approvalId=text(approval_id, "approval_id"),
            kind=kind,
            decision="revoked",
            approver=Actor.of(approver, "approver").as_dict(),
            grantedAt=when,
            revokedAt=when,
            reference=optional_text(reference, "reference"),
            producer=self.producer,
        )
        run_facets = {"aigov_approval": checked("aigov_approval", facet)}
        return self._record("revocation", job or "aigov.approval", run_facets=run_facets)

    def record_review(
        self,
        review_id: str,
        *,
        output_ids: Sequence[str],
        reviewer: Actor | str,
        outcome: ReviewOutcome,
        rationale: str | None = None,
        reviewed_at: Time | None = None,
        outputs_dataset: Dataset | None = None,
        job: str | None = None,
    ) -> str:
        """Record that ``reviewer`` reviewed the AI outputs ``output_ids`` (``aigov_review``); ``outputs_dataset``,
        the dataset holding them, is the review's input. ``reviewed_at`` defaults to now."""
        if isinstance(output_ids, str):
            raise InvalidArgument("output_ids must be a list of output ids, not one string", argument="output_ids")
        facet = ReviewRunFacet(
            reviewId=text(review_id, "review_id"),
            outputIds=list(output_ids),
            outcome=outcome,
            reviewer=Actor.of(reviewer, "reviewer").as_dict(),
            rationale=optional_text(rationale, "rationale"),
            reviewedAt=timestamp(reviewed_at, "reviewed_at") or now(),
            producer=self.producer,
        )
        inputs = _datasets(outputs_dataset, "outputs_dataset") if outputs_dataset is not None else []
        run_facets = {"aigov_review": checked("aigov_review", facet)}
        return self._record("review", job or "aigov.review", run_facets=run_facets, inputs=inputs)

    def record_decision(
        self,
        decision_id: str,
        *,
        action_type: ActionType,
        significant: bool,
        basis: Iterable[Basis],
        decided_by: Actor | str,
        decided_at: Time | None = None,
        subject_ref: str | None = None,
        use_case: UseCase | None = None,
        job: str | None = None,
    ) -> str:
        """Record an agency decision and its ``basis`` (``ai_output(...)``, ``human_review(...)``,
        ``evidence(...)``) as ``aigov_decision``; the job carries ``use_case``. ``decided_at`` defaults to now."""
        items = list(basis)
        if not all(isinstance(b, Basis) for b in items):
            raise InvalidArgument("basis must hold ai_output(), human_review() or evidence() values", argument="basis")
        facet = DecisionRunFacet(
            decisionId=text(decision_id, "decision_id"),
            actionType=action_type,
            significant=significant,
            basis=[{"type": b.type, "ref": b.ref} for b in items],
            decidedBy=Actor.of(decided_by, "decided_by").as_dict(),
            decidedAt=timestamp(decided_at, "decided_at") or now(),
            subjectRef=optional_text(subject_ref, "subject_ref"),
            producer=self.producer,
        )
        run_facets = {"aigov_decision": checked("aigov_decision", facet)}
        job_facets = {"aigov_useCase": use_case_facet(use_case, self.producer)} if use_case is not None else None
        default_job = f"aigov.decision.{use_case.use_case_id}" if use_case is not None else "aigov.decision"
        return self._record("decision", job or default_job, run_facets=run_facets, job_facets=job_facets)

    def report_incident(
        self,
        incident_id: str,
        *,
        kind: IncidentKind,
        severity: str,
        affects: Dataset | Iterable[Dataset] = (),
        description: str | None = None,
        reported_at: Time | None = None,
        job: str | None = None,
    ) -> str:
        """Report an AI incident (``aigov_incident``) about the datasets or model versions in ``affects``.
        ``severity`` is free text (low, medium, high, critical); ``reported_at`` defaults to now."""
        facet = IncidentRunFacet(
            incidentId=text(incident_id, "incident_id"),
            kind=kind,
            severity=text(severity, "severity"),
            reportedAt=timestamp(reported_at, "reported_at") or now(),
            description=optional_text(description, "description"),
            producer=self.producer,
        )
        run_facets = {"aigov_incident": checked("aigov_incident", facet)}
        inputs = _datasets(affects, "affects")
        return self._record("incident", job or "aigov.incident", run_facets=run_facets, inputs=inputs)

    def classify(
        self, dataset: Dataset, classifications: Mapping[str, str | Sequence[str]], *, by: Actor | str | None = None
    ) -> None:
        """Classify columns of ``dataset`` (``{"ssn": "pii.ssn"}``) with a DatasetEvent of its ``tags`` facet.

        The server keeps only the latest ``tags`` facet of a dataset, so the event carries ``dataset``'s own
        classifications and tags (``external`` included) with the new ones. ``by`` becomes each tag's ``source``.
        """
        if not isinstance(dataset, Dataset):
            raise InvalidArgument("dataset must be a Dataset", argument="dataset")
        if not classifications:
            raise InvalidArgument("classifications must map at least one field", argument="classifications")
        tagged, added = _classified(dataset, classifications)
        source = Actor.of(by, "by").id if by is not None else None
        self._send(
            f"classification of {dataset.name}",
            lambda: ev.DatasetEvent(
                eventTime=now(), dataset=as_static(tagged, self.producer, source, added), producer=self.producer
            ),
        )
