"""SQL steps: tables and column lineage from openlineage-sql, masking as the caller declares it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from collectors import Dataset, Field, InvalidArgument, Lineage, sql_lineage
from tests.collectors.memory import MemoryTransport

NS = "postgres://db:5432"
SQL = """
INSERT INTO analytics.claim_features
SELECT c.id, sha2(c.ssn, 256) AS ssn_hash, upper(p.name) AS name
FROM raw.claims c JOIN raw.people p ON c.person_id = p.id
"""


def _lineage_of(columns: dict[str, Any], column: str) -> list[tuple[str, str, bool]]:
    return [(f["name"], f["field"], f["transformations"][0]["masking"]) for f in columns[column]["inputFields"]]


def test_tables_and_column_lineage_come_from_the_sql() -> None:
    parsed = sql_lineage(SQL, namespace=NS, dialect="postgres", masked={"ssn_hash"})
    assert [d.name for d in parsed.inputs] == ["raw.claims", "raw.people"]
    assert [d.name for d in parsed.outputs] == ["analytics.claim_features"]
    assert parsed.warnings == ()
    lineage = parsed.outputs[0].column_lineage
    assert sorted(lineage) == ["id", "name", "ssn_hash"]
    (ssn,) = lineage["ssn_hash"]
    assert (ssn.name, ssn.field, ssn.masking, ssn.subtype) == ("raw.claims", "ssn", True, "TRANSFORMATION")
    (name,) = lineage["name"]
    assert (name.name, name.field, name.masking) == ("raw.people", "name", False)


def test_a_sql_step_sends_the_query_and_the_parsed_lineage(lineage: Lineage, memory: MemoryTransport) -> None:
    claims = Dataset(NS, "raw.claims", fields=[Field("id"), Field("ssn", classifications=["pii.ssn"])])
    with lineage.sql_step("features", SQL, namespace=NS, dialect="postgres", masked=["ssn_hash"], inputs=[claims]):
        pass
    event = memory.one("features")
    assert event["job"]["facets"]["sql"]["query"] == SQL
    assert event["job"]["facets"]["sql"]["dialect"] == "postgres"
    claims_in = next(d for d in event["inputs"] if d["name"] == "raw.claims")
    assert claims_in["facets"]["tags"]["tags"] == [{"key": "classification", "value": "pii.ssn", "field": "ssn"}]
    columns = event["outputs"][0]["facets"]["columnLineage"]["fields"]
    assert _lineage_of(columns, "ssn_hash") == [("raw.claims", "ssn", True)]
    assert _lineage_of(columns, "id") == [("raw.claims", "id", False)]


def test_a_declared_output_keeps_its_fields_and_gains_the_parsed_lineage(
    lineage: Lineage, memory: MemoryTransport
) -> None:
    out = Dataset(NS, "analytics.claim_features", fields=[Field("id"), Field("ssn_hash"), Field("name")], external=True)
    with lineage.sql_step("features", SQL, namespace=NS, outputs=[out]):
        pass
    facets = memory.one("features")["outputs"][0]["facets"]
    assert facets["tags"]["tags"] == [{"key": "boundary", "value": "external"}]
    assert sorted(facets["columnLineage"]["fields"]) == ["id", "name", "ssn_hash"]


def test_several_statements_each_give_their_output_its_lineage() -> None:
    parsed = sql_lineage(["INSERT INTO a SELECT x AS y FROM src", "INSERT INTO b SELECT z FROM src"], namespace=NS)
    assert {d.name: sorted(d.column_lineage) for d in parsed.outputs} == {"a": ["y"], "b": ["z"]}
    assert [d.name for d in parsed.inputs] == ["src"]


def test_a_masked_column_the_sql_does_not_write_is_an_argument_error() -> None:
    with pytest.raises(InvalidArgument, match="ssn_hash"):
        sql_lineage("INSERT INTO a SELECT id FROM b", namespace=NS, masked=["ssn_hash"])


def test_unnamed_expressions_are_reported_not_recorded() -> None:
    parsed = sql_lineage("INSERT INTO a SELECT id, upper(name) FROM b", namespace=NS)
    assert sorted(parsed.outputs[0].column_lineage) == ["id"]
    assert any("alias" in w for w in parsed.warnings)


def test_sql_the_parser_cannot_read_is_a_warning_and_the_step_still_runs(
    lineage: Lineage, memory: MemoryTransport, caplog: pytest.LogCaptureFixture
) -> None:
    with lineage.sql_step("odd", "FROBNICATE TABLE x", namespace=NS, masked=["h"]):
        pass
    assert memory.types("odd") == ["START", "COMPLETE"]
    assert memory.one("odd")["inputs"] == [] and memory.one("odd")["outputs"] == []
    messages = [r.getMessage() for r in caplog.records if r.name == "collectors" and r.levelno == logging.WARNING]
    assert any("cannot parse" in m for m in messages)
