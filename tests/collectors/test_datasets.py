"""``Dataset``: the standard facets it becomes (schema, tags, column lineage, version, type) and its checks."""

from __future__ import annotations

from typing import Any

import pytest

from collectors import Dataset, Field, InvalidArgument, Lineage
from tests.collectors.memory import MemoryTransport

CLAIMS = Dataset(
    "postgres://db:5432",
    "public.claims",
    fields=[
        Field("id", "int"),
        Field("ssn", "text", ["pii.ssn"]),
        Field("dob", "date", ["pii.dob", "protected.age"], description="date of birth"),
    ],
)
FEATURES = Dataset(
    "s3://features",
    "claims",
    fields=[Field("id", "int"), Field("ssn_hash", "string"), Field("age_band", "string")],
    column_lineage={
        "id": [CLAIMS.column("id", subtype="IDENTITY")],
        "ssn_hash": [CLAIMS.column("ssn", subtype="TRANSFORMATION", masking=True, description="sha256")],
        "age_band": [CLAIMS.column("dob", subtype="TRANSFORMATION"), CLAIMS.column("id", type="INDIRECT")],
    },
    external=True,
    tags=[("owner", "team:benefits-ai")],
)


def _sent(lineage: Lineage, memory: MemoryTransport) -> dict[str, Any]:
    with lineage.step("features", inputs=[CLAIMS], outputs=[FEATURES]):
        pass
    return memory.one("features")


def test_fields_and_classifications_become_schema_and_tags(lineage: Lineage, memory: MemoryTransport) -> None:
    facets = _sent(lineage, memory)["inputs"][0]["facets"]
    assert [(f["name"], f.get("type")) for f in facets["schema"]["fields"]] == [
        ("id", "int"),
        ("ssn", "text"),
        ("dob", "date"),
    ]
    assert facets["schema"]["fields"][2]["description"] == "date of birth"
    assert facets["tags"]["tags"] == [
        {"key": "classification", "value": "pii.ssn", "field": "ssn"},
        {"key": "classification", "value": "pii.dob", "field": "dob"},
        {"key": "classification", "value": "protected.age", "field": "dob"},
    ]
    assert "columnLineage" not in facets  # inputs carry no lineage


def test_outputs_carry_column_lineage_boundary_and_tags(lineage: Lineage, memory: MemoryTransport) -> None:
    facets = _sent(lineage, memory)["outputs"][0]["facets"]
    fields = facets["columnLineage"]["fields"]
    assert fields["ssn_hash"]["inputFields"] == [
        {
            "namespace": "postgres://db:5432",
            "name": "public.claims",
            "field": "ssn",
            "transformations": [
                {"type": "DIRECT", "subtype": "TRANSFORMATION", "masking": True, "description": "sha256"}
            ],
        }
    ]
    assert fields["id"]["inputFields"][0]["transformations"] == [
        {"type": "DIRECT", "subtype": "IDENTITY", "masking": False}
    ]
    assert [t["transformations"][0]["type"] for t in fields["age_band"]["inputFields"]] == ["DIRECT", "INDIRECT"]
    assert facets["tags"]["tags"] == [
        {"key": "owner", "value": "team:benefits-ai"},
        {"key": "boundary", "value": "external"},
    ]


def test_a_model_is_a_dataset_of_type_model_with_a_version(lineage: Lineage) -> None:
    model = lineage.model("triage", "1.2.0")
    assert (model.namespace, model.name, model.version, model.dataset_type) == ("models", "triage", "1.2.0", "MODEL")
    assert model.node_id == "dataset:models:triage#1.2.0"
    assert CLAIMS.node_id == "dataset:postgres://db:5432:public.claims"


def test_versions_and_types_become_their_standard_facets(lineage: Lineage, memory: MemoryTransport) -> None:
    with lineage.step("reads_model", inputs=[lineage.model("triage", "1.2.0")]):
        pass
    facets = memory.one("reads_model")["inputs"][0]["facets"]
    assert facets["version"]["datasetVersion"] == "1.2.0"
    assert facets["datasetType"]["datasetType"] == "MODEL"


def test_a_plain_dataset_sends_no_facets(lineage: Lineage, memory: MemoryTransport) -> None:
    with lineage.step("plain", inputs=[Dataset("file", "/data/x.csv")]):
        pass
    # No tags facet sent means the server keeps the tags it has (a sent one would replace them).
    assert memory.one("plain")["inputs"][0]["facets"] == {}


@pytest.mark.parametrize(
    "build",
    [
        lambda: Field("ssn", classifications=["PII"]),
        lambda: Field("ssn", classifications=["ssn"]),
        lambda: Field(""),
        lambda: Dataset("", "x"),
        lambda: Dataset("ns", "x", tags=[("classification", "secret")]),
        lambda: Dataset("ns", "x", fields=[Field("a")], column_lineage={"b": []}),
        lambda: CLAIMS.column("nope"),
        lambda: CLAIMS.column("ssn", type="MASKED"),  # type: ignore[arg-type]
        lambda: CLAIMS.column("ssn", subtype="HASH"),  # type: ignore[arg-type]
    ],
)
def test_malformed_datasets_raise(build: Any) -> None:
    with pytest.raises(InvalidArgument):
        build()


def test_classifications_outside_the_list_are_accepted_under_the_contract_prefixes() -> None:
    assert Field("visa", classifications="pii.visa_number").classifications == ("pii.visa_number",)
