"""The public surface of ``collectors``: exactly these names, documented, and in step with the facet schemas."""

from __future__ import annotations

import inspect
import json
from typing import Any, get_args

import pytest

import collectors
from collectors import _datasets, _values
from tests.collectors.memory import FACET_SCHEMAS

EXPORTED = [
    "Actor",
    "Basis",
    "CollectorError",
    "Dataset",
    "Field",
    "InferenceRun",
    "InputField",
    "InvalidArgument",
    "InvalidFacet",
    "Lineage",
    "Run",
    "RunRef",
    "SqlLineage",
    "Step",
    "UseCase",
    "ai_output",
    "current_run",
    "evidence",
    "human_review",
    "sql_lineage",
]


def test_all_is_pinned() -> None:
    assert collectors.__all__ == EXPORTED


# Integrations imported on demand (``from collectors.prefect import ...``) become package attributes once imported.
PUBLIC_SUBMODULES = {"prefect"}


def test_every_export_exists_and_nothing_else_is_public() -> None:
    public = {n for n in dir(collectors) if not n.startswith("_")} - PUBLIC_SUBMODULES
    assert public == set(EXPORTED)


def test_the_prefect_integration_api_is_pinned() -> None:
    import collectors.prefect

    assert sorted(collectors.prefect.__all__) == [
        "FlowHooks",
        "TaskHooks",
        "asset_dataset",
        "asset_name",
        "flow_hooks",
        "lineage_flow",
        "lineage_task",
        "task_hooks",
        "task_run_ref",
    ]


@pytest.mark.parametrize("name", EXPORTED)
def test_every_export_is_documented(name: str) -> None:
    obj = getattr(collectors, name)
    assert inspect.getdoc(obj), f"{name} has no docstring"


@pytest.mark.parametrize(
    "method",
    [m for m, _ in inspect.getmembers(collectors.Lineage, inspect.isfunction) if not m.startswith("_")] + ["from_env"],
)
def test_every_public_method_of_lineage_is_documented(method: str) -> None:
    assert inspect.getdoc(getattr(collectors.Lineage, method)), method


def test_the_error_hierarchy_is_drawn_in_one_docstring() -> None:
    doc = inspect.getdoc(collectors._errors) or ""
    for name in ("CollectorError", "InvalidArgument", "InvalidFacet"):
        assert name in doc
    assert issubclass(collectors.InvalidFacet, collectors.InvalidArgument)
    assert issubclass(collectors.InvalidArgument, collectors.CollectorError)
    assert issubclass(collectors.InvalidArgument, ValueError)


def _enum(schema: dict[str, Any], *path: str) -> set[str]:
    node: Any = schema
    for key in path:
        node = node[key]
    return set(node["enum"])


def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FACET_SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize(
    ("literal", "facet", "path"),
    [
        (_values.RiskCategory, "aigov_useCase", ("properties", "riskCategory")),
        (_values.OutputKind, "aigov_outputs", ("properties", "outputs", "items", "properties", "kind")),
        (_values.ApprovalKind, "aigov_approval", ("properties", "kind")),
        (_values.ApprovalDecision, "aigov_approval", ("properties", "decision")),
        (_values.ReviewOutcome, "aigov_review", ("properties", "outcome")),
        (_values.ActionType, "aigov_decision", ("properties", "actionType")),
        (_values.BasisType, "aigov_decision", ("properties", "basis", "items", "properties", "type")),
        (_values.EvaluationKind, "aigov_evaluation", ("properties", "kind")),
        (_values.IncidentKind, "aigov_incident", ("properties", "kind")),
    ],
)
def test_choice_types_match_the_facet_schemas(literal: Any, facet: str, path: tuple[str, ...]) -> None:
    assert set(get_args(literal)) == _enum(_schema(facet), *path)


CONTRACT_CLASSIFICATIONS = {  # governance-facets.md, contract v1
    *(
        f"pii.{k}"
        for k in (
            "ssn",
            "name",
            "dob",
            "address",
            "phone",
            "email",
            "a_number",
            "passport",
            "biometric",
            "financial",
            "other",
        )
    ),
    *(
        f"protected.{k}"
        for k in (
            "race",
            "ethnicity",
            "gender",
            "national_origin",
            "religion",
            "sexual_orientation",
            "gender_identity",
            "age",
            "nationality",
            "medical_condition",
            "disability",
            "emotional_state",
        )
    ),
}


def test_classifications_are_the_contracts() -> None:
    assert set(_datasets.CLASSIFICATIONS) == CONTRACT_CLASSIFICATIONS
