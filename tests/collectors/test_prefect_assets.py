"""Prefect assets as OpenLineage datasets: the naming rule, and what ``@materialize`` tasks read and write."""

from __future__ import annotations

import pytest
from prefect import flow, task
from prefect.assets import Asset, AssetProperties, materialize

from collectors import Dataset, Field, InvalidArgument, Lineage
from collectors.prefect import asset_dataset, asset_name, lineage_flow, lineage_task
from tests.collectors.memory import Event, MemoryTransport


@pytest.mark.parametrize(
    ("key", "namespace", "name"),
    [
        ("s3://bucket/path/to/data.csv", "s3://bucket", "path/to/data.csv"),
        ("s3://bucket/dir/", "s3://bucket", "dir/"),
        ("s3://bucket", "s3://bucket", "/"),
        ("gcs://bucket/x.parquet", "gs://bucket", "x.parquet"),
        ("abfss://container@account.dfs.core.windows.net/a/b", "abfss://container@account.dfs.core.windows.net", "a/b"),
        ("postgres://host:5432/db/schema/table", "postgres://host:5432", "db.schema.table"),
        ("postgresql://host:5432/db/schema/table", "postgres://host:5432", "db.schema.table"),
        ("mysql://host:3306/db/table", "mysql://host:3306", "db.table"),
        ("snowflake://org-account/db/schema/table", "snowflake://org-account", "db.schema.table"),
        ("postgres://dbtable", "postgres://dbtable", "/"),
        ("bigquery://project/dataset/table", "bigquery", "project.dataset.table"),
        ("file:///data/claims.csv", "file", "/data/claims.csv"),
        ("https://api.example.org/v1/claims", "https://api.example.org", "v1/claims"),
        ("slack://alerts", "slack://alerts", "/"),
    ],
)
def test_asset_keys_map_to_openlineage_names(key: str, namespace: str, name: str) -> None:
    assert Asset(key=key).key == key  # Prefect accepts the key
    assert asset_name(key) == (namespace, name)
    assert asset_dataset(Asset(key=key)) == Dataset(namespace, name)


@pytest.mark.parametrize("key", ["", "bucket/path", 3])
def test_a_key_that_is_not_a_uri_is_refused(key: object) -> None:
    with pytest.raises(InvalidArgument):
        asset_name(key)  # type: ignore[arg-type]


RAW = Asset(key="s3://lake/raw/claims.csv", properties=AssetProperties(name="Raw claims"))
PEOPLE = "postgresql://db:5432/claims/public/people"
FEATURES = "s3://lake/features/claims.parquet"
# A dataset declared for an asset's name wins over the bare asset: it can carry the schema.
FEATURES_SCHEMA = Dataset("s3://lake", "features/claims.parquet", fields=[Field("id", "int"), Field("score", "float")])


@materialize(RAW)
def land() -> list[int]:
    return [1, 2, 3]


@lineage_task(outputs=[FEATURES_SCHEMA])
@materialize(FEATURES, asset_deps=[PEOPLE], by="pandas")
def featurize(rows: list[int]) -> list[int]:
    return [r * 2 for r in rows]


@task
def count(rows: list[int]) -> int:
    return len(rows)


@flow
def asset_pipeline() -> int:
    return count(featurize(land()))


def _keys(event: Event, side: str) -> list[tuple[str, str]]:
    return sorted((d["namespace"], d["name"]) for d in event[side])


@pytest.mark.integration
@pytest.mark.usefixtures("prefect_harness")
def test_materialized_assets_are_outputs_and_asset_deps_and_upstream_assets_inputs(
    lineage: Lineage, memory: MemoryTransport
) -> None:
    assert lineage_flow(asset_pipeline, lineage=lineage)() == 3
    raw, features = ("s3://lake", "raw/claims.csv"), ("s3://lake", "features/claims.parquet")
    people = ("postgres://db:5432", "claims.public.people")
    for event_type in ("START", "COMPLETE"):
        land_event = memory.one("asset-pipeline.land", event_type)
        assert (_keys(land_event, "inputs"), _keys(land_event, "outputs")) == ([], [raw])
        featurize_event = memory.one("asset-pipeline.featurize", event_type)
        assert _keys(featurize_event, "inputs") == sorted([people, raw])
        assert _keys(featurize_event, "outputs") == [features]
        schema = featurize_event["outputs"][0]["facets"]["schema"]["fields"]
        assert [f["name"] for f in schema] == ["id", "score"]
        # A plain task reading a materialized result reads that asset.
        count_event = memory.one("asset-pipeline.count", event_type)
        assert (_keys(count_event, "inputs"), _keys(count_event, "outputs")) == ([features], [])
    assert memory.types("asset-pipeline") == ["START", "COMPLETE"]
