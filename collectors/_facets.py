"""The ``aigov_*`` governance facets as ``openlineage-python`` facet classes, checked against their JSON Schemas.

Each class is an ``attrs`` facet like the client's own, so ``Serde`` writes it with ``_producer`` and a
``_schemaURL`` of ``https://ai-lineage.dev/spec/facets/1-0-0/<name>.json``. Optional fields left as ``None`` are
dropped on the wire, as the schemas want (they allow absence, not ``null``).
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

import attr
from jsonschema import Draft202012Validator
from openlineage.client.facet_v2 import BaseFacet, JobFacet, OutputDatasetFacet, RunFacet
from openlineage.client.serde import Serde

from collectors._errors import InvalidArgument, InvalidFacet
from collectors._values import UseCase
from graph_schema import facet_schema

F = TypeVar("F", bound=BaseFacet)
SCHEMA_BASE = "https://ai-lineage.dev/spec/facets/1-0-0/"


def schema_url(name: str) -> str:
    return f"{SCHEMA_BASE}{name}.json"


@attr.define
class UseCaseJobFacet(JobFacet):
    """``aigov_useCase``: the job serves this AI use case."""

    useCaseId: str
    riskCategory: str
    name: str | None = None
    component: str | None = None
    purpose: str | None = None
    owner: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return schema_url("aigov_useCase")


@attr.define
class OutputsOutputDatasetFacet(OutputDatasetFacet):
    """``aigov_outputs``: the individual AI outputs this run produced into this dataset."""

    outputs: list[dict[str, Any]] = attr.field(factory=list)

    @staticmethod
    def _get_schema() -> str:
        return schema_url("aigov_outputs")


@attr.define
class ApprovalRunFacet(RunFacet):
    """``aigov_approval``: this run is an approval (or its revocation) of its inputs."""

    approvalId: str
    kind: str
    decision: str
    approver: dict[str, str] | None = None
    grantedAt: str | None = None
    expiresAt: str | None = None
    conditions: str | None = None
    reference: str | None = None
    revokedAt: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return schema_url("aigov_approval")


@attr.define
class ReviewRunFacet(RunFacet):
    """``aigov_review``: a person reviewed these AI outputs."""

    reviewId: str
    outputIds: list[str]
    outcome: str
    reviewer: dict[str, str] | None = None
    rationale: str | None = None
    reviewedAt: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return schema_url("aigov_review")


@attr.define
class DecisionRunFacet(RunFacet):
    """``aigov_decision``: an agency decision and what it was based on."""

    decisionId: str
    actionType: str
    basis: list[dict[str, str]]
    significant: bool | None = None
    decidedBy: dict[str, str] | None = None
    decidedAt: str | None = None
    subjectRef: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return schema_url("aigov_decision")


@attr.define
class EvaluationRunFacet(RunFacet):
    """``aigov_evaluation``: a test-and-evaluation run of the model version among its inputs."""

    evaluationId: str
    kind: str
    passed: bool
    metrics: dict[str, float] | None = None
    thresholds: dict[str, float] | None = None
    subgroups: list[dict[str, Any]] | None = None

    @staticmethod
    def _get_schema() -> str:
        return schema_url("aigov_evaluation")


@attr.define
class IncidentRunFacet(RunFacet):
    """``aigov_incident``: an AI incident report about the run's inputs."""

    incidentId: str
    kind: str
    severity: str
    reportedAt: str | None = None
    description: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return schema_url("aigov_incident")


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(facet_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def checked(name: str, facet: F) -> F:
    """``facet`` if its JSON form validates against the ``name`` schema, else ``InvalidFacet`` naming the field."""
    errors = sorted(_validator(name).iter_errors(Serde.to_dict(facet)), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        path = ".".join([name, *(str(p) for p in error.absolute_path)])
        raise InvalidFacet(f"{path}: {error.message}", facet=name, path=path)
    return facet


def use_case_facet(use_case: UseCase, producer: str) -> UseCaseJobFacet:
    """The ``aigov_useCase`` job facet of ``use_case``."""
    if not isinstance(use_case, UseCase):
        raise InvalidArgument(f"use_case must be a UseCase, not {type(use_case).__name__}", argument="use_case")
    facet = UseCaseJobFacet(
        useCaseId=use_case.use_case_id,
        riskCategory=use_case.risk_category,
        name=use_case.name,
        component=use_case.component,
        purpose=use_case.purpose,
        owner=use_case.owner,
        producer=producer,
    )
    return checked("aigov_useCase", facet)
