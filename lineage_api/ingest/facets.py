"""Reading standard OpenLineage facets into graph properties (tolerant of real producers' variations)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lineage_api.core import ids
from lineage_api.core.writer import Writer
from lineage_api.ingest.parse import DatasetRef

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


def field_ids(ref: DatasetRef, fields: list[SchemaField]) -> set[str]:
    """The dataset's own fields its facets name: its schema ``fields`` and its tags."""
    names = {*(x.path for x in fields), *(t.field for t in tags(ref.facets) if t.field)}
    return {ids.field_id(ref.namespace, ref.name, n) for n in names}


def referenced_datasets(ref: DatasetRef) -> set[str]:
    """Datasets a dataset's facets name: column-lineage inputs and symlink targets."""
    out: set[str] = set()
    lineage = ref.facets.get("columnLineage")
    if isinstance(lineage, dict):
        entries = [
            e
            for spec in (lineage.get("fields") or {}).values()
            if isinstance(spec, dict)
            for e in spec.get("inputFields") or []
        ] + list(lineage.get("dataset") or [])
        for entry in entries:
            if (
                isinstance(entry, dict)
                and isinstance(entry.get("namespace"), str)
                and isinstance(entry.get("name"), str)
            ):
                out.add(ids.dataset_id(entry["namespace"], entry["name"]))
    symlinks = ref.facets.get("symlinks")
    if isinstance(symlinks, dict):
        for ident in symlinks.get("identifiers") or []:
            if isinstance(ident, dict) and ident.get("namespace") and ident.get("name"):
                out.add(ids.dataset_id(str(ident["namespace"]), str(ident["name"])))
    return out


# -- observed facts: what a run saw on a dataset of a namespace its writer has no authority over -----------------
# A dataset's ``facetsAt`` times only the facets an authorised writer set (or removed); its ``observedFacets`` hold,
# per facet name, the latest observation ({facet, at, by, runId}). The facets it reads as (``facets``) are the
# authorised ones plus observed ones for names no authorised writer set.
OBSERVED_SCHEMA = ("schemaSource", "schemaObservedBy", "schemaObservedAt")


@dataclass(frozen=True, slots=True)
class Observer:
    """A run reading a dataset of a namespace its writer has no authority over: its facets there are observations."""

    by: str  # key:<keyId>
    run_id: str | None


def observer_of(writer: Writer | None, namespace: str, run_id: str | None) -> Observer | None:
    """None when the writer may record facts about ``namespace`` (no writer kept counts as full authority)."""
    if writer is None or writer.covers(namespace):
        return None
    return Observer(writer.ref, run_id)


def authoritative(facets: Facets, facets_at: dict[str, str]) -> Facets:
    """The facets an authorised writer recorded, without observed fill-ins."""
    return {name: facet for name, facet in facets.items() if name in facets_at}


def observe(observed: Facets, incoming: Facets, at: str, *, by: str, run_id: str | None) -> Facets:
    """Add a run's observations: per name the latest (by time, then content), so arrival order does not matter.
    An observation never removes anything (``_deleted`` is ignored)."""
    out = dict(observed)
    for name, facet in incoming.items():
        if isinstance(facet, dict) and facet.get("_deleted") is True:
            continue
        entry = {"facet": facet, "at": at, "by": by, "runId": run_id}
        held = out.get(name)
        if not isinstance(held, dict) or (at, _canon(entry)) > (str(held.get("at", "")), _canon(held)):
            out[name] = entry
    return out


def with_observed(auth: Facets, facets_at: dict[str, str], observed: Facets) -> Facets:
    """The facets a dataset reads as: the authorised ones, and observed ones for names no authorised writer set."""
    merged = {n: e["facet"] for n, e in sorted(observed.items()) if n not in facets_at and isinstance(e, dict)}
    merged.update(auth)
    return merged


def add_tags(held: Any, found: list[Tag], by: str) -> list[dict[str, str]]:
    """Observed tags united with ``found`` (as observed by ``by``); a union, so order and repeats do not matter."""
    entries = {
        (str(t.get("key")), str(t.get("value")), str(t.get("by")))
        for t in (held if isinstance(held, list) else [])
        if isinstance(t, dict)
    }
    entries |= {(t.key, t.value, by) for t in found}
    return [{"key": k, "value": v, "by": b} for k, v, b in sorted(entries)]


def dataset_tags(auth: Facets, observed: Any) -> list[dict[str, Any]]:
    """A dataset's own tags: the authorised ones, then observed ones of keys no authorised tag has (with observers)."""
    declared = [{"key": t.key, "value": t.value} for t in tags(auth) if t.field is None]
    keys = {t["key"] for t in declared}
    seen: dict[tuple[str, str], set[str]] = {}
    for t in observed if isinstance(observed, list) else []:
        if isinstance(t, dict) and t.get("key") not in keys:
            seen.setdefault((str(t["key"]), str(t["value"])), set()).add(str(t.get("by")))
    return declared + [{"key": k, "value": v, "observedBy": sorted(by)} for (k, v), by in sorted(seen.items())]


def classify_field(props: dict[str, Any]) -> None:
    """A field's classifications: the declared ones (authorised tags) when it has any, else the observed ones."""
    declared = sorted(
        {str(t["value"]) for t in props.get("tags") or [] if isinstance(t, dict) and t.get("key") == "classification"}
    )
    observed = [t for t in props.get("observedTags") or [] if isinstance(t, dict) and t.get("key") == "classification"]
    props.pop("classificationSource", None)
    props.pop("observedBy", None)
    if declared or not observed:
        props.update(classifications=declared, classified=bool(declared))
        return
    props.update(
        classifications=sorted({str(t["value"]) for t in observed}),
        classified=True,
        classificationSource="observed",
        observedBy=sorted({str(t.get("by")) for t in observed}),
    )


def declare_schema(props: dict[str, Any], item: SchemaField) -> None:
    """An authorised schema sets a field's type and description, replacing anything observed."""
    if not (item.type or item.description):
        return
    if props.get("schemaSource") == "observed":
        for key in ("type", "description", *OBSERVED_SCHEMA):
            props.pop(key, None)
    props.update({k: v for k, v in (("type", item.type), ("description", item.description)) if v})


def observe_schema(props: dict[str, Any], item: SchemaField, at: str, by: str) -> None:
    """An observed schema describes a field no authorised schema described (the latest observation wins)."""
    if not (item.type or item.description):
        return
    observed = props.get("schemaSource") == "observed"
    if not observed and (props.get("type") or props.get("description")):
        return  # recorded with authority: never changed by an observation
    held = tuple(str(props.get(k) or "") for k in ("schemaObservedAt", "type", "description", "schemaObservedBy"))
    if observed and (at, item.type or "", item.description or "", by) <= held:
        return
    for key in ("type", "description"):
        props.pop(key, None)
    props.update({k: v for k, v in (("type", item.type), ("description", item.description)) if v})
    props.update(schemaSource="observed", schemaObservedBy=by, schemaObservedAt=at)
