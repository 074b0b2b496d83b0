"""Small value types of the governance contract (actors, use cases, decision basis) and argument checks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, get_args

from collectors._errors import InvalidArgument

if TYPE_CHECKING:
    from collectors._datasets import Dataset

# The contract's closed choices (graph_schema/facets/*.json; a test keeps them equal to the schemas' enums).
RiskCategory = Literal["rights-impacting", "safety-impacting", "both", "neither"]
OutputKind = Literal["score", "label", "text", "ranking", "other"]
ApprovalKind = Literal[
    "governance_board",
    "privacy",
    "civil_rights",
    "test_evaluation",
    "authority_to_operate",
    "data_sharing",
    "protected_attribute_use",
    "other",
]
ApprovalDecision = Literal["approved", "conditional", "rejected", "revoked"]
ReviewOutcome = Literal["concur", "override", "escalate", "inconclusive"]
ActionType = Literal[
    "law_enforcement_action",
    "civil_enforcement_action",
    "benefit_denial",
    "benefit_grant",
    "secondary_screening_referral",
    "other",
]
BasisType = Literal["ai_output", "human_review", "evidence"]
EvaluationKind = Literal["performance", "bias", "robustness", "red_team", "other"]
IncidentKind = Literal["harm", "civil_rights", "pii_release", "cybersecurity", "performance", "other"]

Time = datetime | str


def text(value: Any, argument: str) -> str:
    """A non-empty string, else ``InvalidArgument``."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(f"{argument} must be a non-empty string, not {value!r}", argument=argument)
    return value


def optional_text(value: Any, argument: str) -> str | None:
    return None if value is None else text(value, argument)


def choice(value: Any, allowed: Any, argument: str) -> str:
    """``value`` if it is one of the ``Literal`` type ``allowed``'s values, else ``InvalidArgument``."""
    options: tuple[str, ...] = get_args(allowed)
    if value not in options:
        raise InvalidArgument(f"{argument} must be one of {', '.join(options)}; got {value!r}", argument=argument)
    return str(value)


def run_id(value: Any, argument: str = "run_id") -> str:
    """A run id: OpenLineage requires a UUID."""
    try:
        return str(uuid.UUID(str(text(value, argument))))
    except ValueError as exc:
        raise InvalidArgument(f"{argument} must be a UUID, not {value!r}", argument=argument) from exc


def timestamp(value: Time | None, argument: str) -> str | None:
    """An RFC 3339 time in UTC (``...Z``); naive datetimes and strings without offset are refused."""
    if value is None:
        return None
    if isinstance(value, str):
        raw = value.strip()
        try:
            value = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1:] in ("Z", "z") else raw)
        except ValueError as exc:
            raise InvalidArgument(f"{argument} is not an RFC 3339 time: {raw!r}", argument=argument) from exc
    if not isinstance(value, datetime):
        raise InvalidArgument(f"{argument} must be a datetime or an RFC 3339 string", argument=argument)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgument(
            f"{argument} has no UTC offset; pass an aware time such as datetime.now(UTC)", argument=argument
        )
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now() -> str:
    """The current time, in the form ``timestamp`` gives."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class Actor:
    """A person or body acting on a record: ``id`` such as ``user:jdoe``, ``role`` such as ``adjudicator``."""

    id: str
    role: str | None = None

    def __post_init__(self) -> None:
        text(self.id, "actor id")
        optional_text(self.role, "actor role")

    @staticmethod
    def of(value: Actor | str, argument: str) -> Actor:
        """An ``Actor`` from an actor or a bare id."""
        if isinstance(value, Actor):
            return value
        return Actor(text(value, argument))

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id} | ({"role": self.role} if self.role else {})


@dataclass(frozen=True, slots=True)
class UseCase:
    """An AI use case from the agency's inventory (the ``aigov_useCase`` job facet)."""

    use_case_id: str
    risk_category: RiskCategory
    name: str | None = None
    component: str | None = None
    purpose: str | None = None
    owner: str | None = None

    def __post_init__(self) -> None:
        text(self.use_case_id, "use_case_id")
        choice(self.risk_category, RiskCategory, "risk_category")
        for attribute in ("name", "component", "purpose", "owner"):
            optional_text(getattr(self, attribute), attribute)


@dataclass(frozen=True, slots=True)
class Basis:
    """One thing a decision rests on; build with ``ai_output``, ``human_review`` or ``evidence``."""

    type: BasisType
    ref: str

    def __post_init__(self) -> None:
        choice(self.type, BasisType, "basis type")
        text(self.ref, "basis ref")


def ai_output(output_id: str) -> Basis:
    """The decision rests on this AI output (an ``outputId`` recorded by an inference run)."""
    return Basis("ai_output", text(output_id, "output_id"))


def human_review(review_id: str) -> Basis:
    """The decision rests on this human review (a ``reviewId``)."""
    return Basis("human_review", text(review_id, "review_id"))


def evidence(ref: Dataset | str) -> Basis:
    """The decision rests on other evidence: a ``Dataset`` (its version when it has one) or a node id
    ``dataset:<namespace>:<name>[#<version>]``."""
    if isinstance(ref, str):
        if not ref.startswith("dataset:") or ":" not in ref.removeprefix("dataset:"):
            raise InvalidArgument(
                f"evidence must be a Dataset or an id 'dataset:<namespace>:<name>', not {ref!r}", argument="evidence"
            )
        return Basis("evidence", ref)
    return Basis("evidence", ref.node_id)
