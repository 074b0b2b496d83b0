"""Typed ids round-trip, including URI namespaces with ports."""

from __future__ import annotations

import pytest

from graph_schema import NodeLabel
from lineage_api.core.errors import InvalidInput
from lineage_api.core.ids import dataset_id, dataset_version_id, field_id, job_id, parse_node_id


@pytest.mark.parametrize(
    ("namespace", "name"),
    [
        ("postgres://db:5432", "public.orders"),
        ("s3://bucket", "raw/claims.csv"),
        ("s3://bucket/prefix", "x.parquet"),
        ("kafka://host1:9092,host2:9092", "topic"),
        ("hdfs://test-hadoop:9820", "/user/hive/warehouse/db/t"),
        ("file", "/tmp/a:b"),
        ("my-namespace", "name:with:colons"),
        ("postgres://db", "orders"),
    ],
)
def test_dataset_and_job_ids_round_trip(namespace: str, name: str) -> None:
    parsed = parse_node_id(dataset_id(namespace, name))
    assert (parsed.label, parsed.namespace, parsed.name) == (NodeLabel.DATASET, namespace, name)
    parsed_job = parse_node_id(job_id(namespace, name))
    assert (parsed_job.label, parsed_job.namespace, parsed_job.name) == (NodeLabel.JOB, namespace, name)
    version = parse_node_id(dataset_version_id(namespace, name, "v3"))
    assert (version.label, version.namespace, version.name, version.version) == (
        NodeLabel.DATASET_VERSION,
        namespace,
        name,
        "v3",
    )
    column = parse_node_id(field_id(namespace, name, "ssn"))
    assert (column.label, column.field) == (NodeLabel.FIELD, "ssn")
    assert str(parsed) == dataset_id(namespace, name)


@pytest.mark.parametrize(
    ("text", "label", "key"),
    [
        ("output:out-1", NodeLabel.OUTPUT, "out-1"),
        ("decision:dec:5", NodeLabel.DECISION, "dec:5"),
        ("run:01908223-0782", NodeLabel.RUN, "01908223-0782"),
    ],
)
def test_keyed_ids(text: str, label: NodeLabel, key: str) -> None:
    parsed = parse_node_id(text)
    assert (parsed.label, parsed.key) == (label, key)
    assert str(parsed) == text


@pytest.mark.parametrize("text", ["", "output", "output:", "banana:x", "dataset:nocolon", "field:ns:name"])
def test_bad_ids_name_the_problem(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_node_id(text)
    assert info.value.field == "nodeId"
