"""Reading standard OpenLineage facets into graph properties (tolerant of real producers' variations)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Facets = dict[str, Any]


def merge_facets(
    facets: Facets, facets_at: dict[str, str], incoming: Facets, event_time: str
) -> tuple[Facets, dict[str, str]]:
    """A facet sent again replaces the earlier one (by eventTime); ``{"_deleted": true}`` removes it."""
    merged, times = dict(facets), dict(facets_at)
    for name, facet in incoming.items():
        seen = times.get(name, "")
        if seen > event_time:
            continue
        if seen == event_time and name in merged and _canon(merged[name]) >= _canon(facet):
            continue  # same time: the larger canonical form wins, so arrival order does not matter
        times[name] = event_time
        if isinstance(facet, dict) and facet.get("_deleted") is True:
            merged.pop(name, None)
        else:
            merged[name] = facet
    return merged, times


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def owners(facets: Facets) -> list[str] | None:
    ownership = facets.get("ownership")
    if not isinstance(ownership, dict) or not isinstance(ownership.get("owners"), list):
        return None
    names = [o.get("name") for o in ownership["owners"] if isinstance(o, dict)]
    return sorted({n for n in names if isinstance(n, str) and n})


def string_at(facets: Facets, facet: str, key: str) -> str | None:
    value = facets.get(facet)
    if isinstance(value, dict) and isinstance(value.get(key), str | int | float) and value.get(key) != "":
        return str(value[key])
    return None


@dataclass(frozen=True, slots=True)
class SchemaField:
    path: str
    type: str | None
    description: str | None


def schema_fields(facets: Facets) -> list[SchemaField]:
    """Fields of the ``schema`` facet, nested fields flattened with a dotted path."""
    schema = facets.get("schema")
    if not isinstance(schema, dict):
        return []
    return list(_walk_fields(schema.get("fields"), ""))


def _walk_fields(fields: Any, prefix: str) -> Iterator[SchemaField]:
    if not isinstance(fields, list):
        return
    for item in fields:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            continue
        path = f"{prefix}{item['name']}"
        kind = item.get("type")
        desc = item.get("description")
        yield SchemaField(path, kind if isinstance(kind, str) else None, desc if isinstance(desc, str) else None)
        yield from _walk_fields(item.get("fields"), f"{path}.")


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str
    field: str | None


def tags(facets: Facets) -> list[Tag]:
    """Entries of the ``tags`` dataset facet (``{"tags": [{key, value, field?}]}``)."""
    facet = facets.get("tags")
    if not isinstance(facet, dict) or not isinstance(facet.get("tags"), list):
        return []
    out = []
    for item in facet["tags"]:
        if isinstance(item, dict) and isinstance(item.get("key"), str) and item.get("value") is not None:
            field = item.get("field")
            out.append(Tag(item["key"], str(item["value"]), field if isinstance(field, str) and field else None))
    return out


@dataclass(frozen=True, slots=True)
class Derivation:
    output_field: str
    namespace: str
    name: str
    field: str
    type: str  # DIRECT | INDIRECT
    subtypes: tuple[str, ...]
    masking: bool
    description: str | None


def _transform(entry: dict[str, Any], fallback_type: str | None) -> tuple[str, tuple[str, ...], bool, str | None]:
    transformations = entry.get("transformations")
    if isinstance(transformations, list) and transformations:
        kinds = {str(t.get("type", "")).upper() for t in transformations if isinstance(t, dict)}
        subtypes = tuple(
            sorted({str(t["subtype"]).upper() for t in transformations if isinstance(t, dict) and t.get("subtype")})
        )
        masking = any(isinstance(t, dict) and t.get("masking") is True for t in transformations)
        descs = [t.get("description") for t in transformations if isinstance(t, dict) and t.get("description")]
        return ("DIRECT" if "DIRECT" in kinds else "INDIRECT"), subtypes, masking, (str(descs[0]) if descs else None)
    legacy = (fallback_type or "").upper()
    # The deprecated per-field transformationType: IDENTITY or MASKED (both direct).
    return "DIRECT", (("IDENTITY",) if legacy == "IDENTITY" else ()), legacy == "MASKED", None


def column_lineage(facets: Facets, output_fields: list[str]) -> list[Derivation]:
    """Per-field ``inputFields`` plus the dataset-level ``dataset`` list (applied to every output field)."""
    facet = facets.get("columnLineage")
    if not isinstance(facet, dict):
        return []
    out: list[Derivation] = []
    fields = facet.get("fields") if isinstance(facet.get("fields"), dict) else {}
    for out_field, spec in (fields or {}).items():
        if not isinstance(spec, dict):
            continue
        legacy = spec.get("transformationType")
        desc = spec.get("transformationDescription")
        for entry in spec.get("inputFields") or []:
            derivation = _derivation(out_field, entry, legacy if isinstance(legacy, str) else None)
            if derivation:
                if derivation.description is None and isinstance(desc, str) and desc:
                    derivation = Derivation(**{**_as_dict(derivation), "description": desc})
                out.append(derivation)
    dataset_level = facet.get("dataset")
    if isinstance(dataset_level, list):
        targets = sorted(set(output_fields) | set((fields or {}).keys()))
        for entry in dataset_level:
            for out_field in targets:
                derivation = _derivation(out_field, entry, None, default_type="INDIRECT")
                if derivation:
                    out.append(derivation)
    return _combine(out)


def _combine(derivations: list[Derivation]) -> list[Derivation]:
    """One derivation per (output field, input field): DIRECT if any path is direct, masked only if every direct
    path masks, subtypes united. Producers such as Spark list the same input both per field and dataset-wide."""
    groups: dict[tuple[str, str, str, str], list[Derivation]] = {}
    for d in derivations:
        groups.setdefault((d.output_field, d.namespace, d.name, d.field), []).append(d)
    out = []
    for (output_field, namespace, name, field), group in sorted(groups.items()):
        direct = [d for d in group if d.type == "DIRECT"]
        masking = all(d.masking for d in direct) if direct else any(d.masking for d in group)
        descriptions = sorted(d.description for d in group if d.description)
        out.append(
            Derivation(
                output_field,
                namespace,
                name,
                field,
                "DIRECT" if direct else "INDIRECT",
                tuple(sorted({s for d in group for s in d.subtypes})),
                masking,
                descriptions[0] if descriptions else None,
            )
        )
    return out


def _as_dict(d: Derivation) -> dict[str, Any]:
    return {s: getattr(d, s) for s in Derivation.__slots__}


def _derivation(
    out_field: str, entry: Any, legacy: str | None, *, default_type: str | None = None
) -> Derivation | None:
    if not isinstance(entry, dict):
        return None
    ns, name, field = entry.get("namespace"), entry.get("name"), entry.get("field")
    if not (isinstance(ns, str) and isinstance(name, str) and isinstance(field, str) and ns and name and field):
        return None
    kind, subtypes, masking, desc = _transform(entry, legacy)
    if default_type and not entry.get("transformations"):
        kind = default_type
    return Derivation(out_field, ns, name, field, kind, subtypes, masking, desc)


def parent_of(run_facets: Facets) -> tuple[str, str | None, str | None, str | None] | None:
    """(parent runId, parent job namespace, parent job name, root runId) from ``parent`` or legacy ``parentRun``."""
    for key in ("parent", "parentRun"):
        facet = run_facets.get(key)
        if not isinstance(facet, dict):
            continue
        run = facet.get("run") if isinstance(facet.get("run"), dict) else {}
        job = facet.get("job") if isinstance(facet.get("job"), dict) else {}
        run_id = run.get("runId") if run else None
        if not isinstance(run_id, str) or not run_id:
            continue
        root = facet.get("root") if isinstance(facet.get("root"), dict) else {}
        root_run = (root or {}).get("run") if isinstance((root or {}).get("run"), dict) else {}
        root_id = (root_run or {}).get("runId")
        ns, name = (job or {}).get("namespace"), (job or {}).get("name")
        return (
            run_id,
            ns if isinstance(ns, str) and ns else None,
            name if isinstance(name, str) and name else None,
            root_id if isinstance(root_id, str) and root_id else None,
        )
    return None


def error_message(run_facets: Facets) -> str | None:
    """The standard ``errorMessage`` facet, else a producer-specific exception facet (Spark's)."""
    for key in ("errorMessage", "spark.exception"):
        facet = run_facets.get(key)
        if isinstance(facet, dict):
            message = facet.get("message")
            if isinstance(message, str) and message:
                return message
    return None
