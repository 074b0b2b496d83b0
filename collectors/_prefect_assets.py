"""Prefect asset keys as OpenLineage dataset names, and the datasets a Prefect task reads and writes.

The rule (OpenLineage's naming spec: a dataset is ``scheme:[//authority]path`` split into namespace and name):

- namespace: ``scheme://authority`` (``scheme`` alone when the key has no authority, as in ``file:///data/x.csv``);
  ``postgresql`` is written ``postgres`` and ``gcs`` ``gs``, the spellings OpenLineage uses;
- name, for a database (``postgres``, ``mysql``, ``trino``, ``snowflake``, ``redshift``, ...): the path's segments
  joined by dots (``postgres://db:5432/sales/public/orders`` -> ``postgres://db:5432`` + ``sales.public.orders``);
- name, for ``bigquery``: the namespace is ``bigquery`` and the name ``project.dataset.table`` (authority first);
- name, otherwise: the path without its leading ``/`` (``s3://bucket/raw/x.csv`` -> ``s3://bucket`` + ``raw/x.csv``),
  or the whole path when there is no authority (``file:///data/x.csv`` -> ``file`` + ``/data/x.csv``); an empty
  path is ``/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from prefect.assets import Asset
from prefect.client.schemas.objects import TaskRun, TaskRunResult
from prefect.context import FlowRunContext

from collectors._datasets import Dataset
from collectors._errors import InvalidArgument

TABLE_SCHEMES = frozenset(
    {
        "athena",
        "clickhouse",
        "databricks",
        "db2",
        "duckdb",
        "hive",
        "mariadb",
        "mssql",
        "mysql",
        "oracle",
        "postgres",
        "presto",
        "redshift",
        "snowflake",
        "sqlserver",
        "teradata",
        "trino",
    }
)
_SPELLINGS = {"postgresql": "postgres", "gcs": "gs"}


def asset_name(key: str) -> tuple[str, str]:
    """The OpenLineage ``(namespace, name)`` of a Prefect asset key (see the module's rule)."""
    if not isinstance(key, str) or "://" not in key:
        raise InvalidArgument(f"an asset key is a URI such as s3://bucket/path, not {key!r}", argument="key")
    parts = urlsplit(key)
    scheme = _SPELLINGS.get(parts.scheme, parts.scheme)
    segments = [s for s in parts.path.split("/") if s]
    if scheme == "bigquery":
        return "bigquery", ".".join([s for s in (parts.netloc, *segments) if s]) or "/"
    if not parts.netloc:
        return scheme, parts.path or "/"
    namespace = f"{scheme}://{parts.netloc}"
    if scheme in TABLE_SCHEMES and segments:
        return namespace, ".".join(segments)
    return namespace, parts.path.lstrip("/") or "/"


def asset_dataset(asset: Asset | str) -> Dataset:
    """The ``Dataset`` a Prefect asset (or asset key) stands for, named by the module's rule."""
    namespace, name = asset_name(asset.key if isinstance(asset, Asset) else asset)
    return Dataset(namespace, name)


def _upstream_assets(task_run: TaskRun) -> Iterable[Asset]:
    """Assets Prefect passed down to this task run through its inputs (results of materializing tasks)."""
    context = FlowRunContext.get()
    if context is None:
        return []
    found: list[Asset] = []
    for name, inputs in (task_run.task_inputs or {}).items():
        if name == "__parents__":
            continue
        for value in inputs:
            if isinstance(value, TaskRunResult):
                found.extend(context.task_run_assets.get(value.id, ()))
    return found


def _merged(declared: Iterable[Dataset], assets: Iterable[Asset]) -> list[Dataset]:
    """Datasets by key: declared ones win over those named by assets (they may carry fields and tags)."""
    by_key: dict[tuple[str, str], Dataset] = {}
    for asset in assets:
        dataset = asset_dataset(asset)
        by_key.setdefault(dataset.key, dataset)
    for dataset in declared:
        by_key[dataset.key] = dataset
    return list(by_key.values())


def task_datasets(
    task: Any, task_run: TaskRun, inputs: Iterable[Dataset], outputs: Iterable[Dataset]
) -> tuple[list[Dataset], list[Dataset]]:
    """What a task run reads and writes: declared datasets, ``asset_deps`` and assets received from upstream
    tasks as inputs, ``@materialize`` assets as outputs."""
    read = [*(getattr(task, "asset_deps", None) or ()), *_upstream_assets(task_run)]
    written = list(getattr(task, "assets", None) or ())
    return _merged(inputs, read), _merged(outputs, written)
