"""The shapes of what the projection reads, checked before an event is acknowledged.

An event is read leniently, but a facet field the projection reads must have the type it reads, every string it
turns into a node id must fit the store's index (``MAX_ID_PART_BYTES``: 1,024 UTF-8 bytes, see
``lineage_api.core.limits``), and a time it reads must be a time of years 1-9999. What the projection skips stays
accepted: a facet that is absent, null or not an object, a field that is absent or null, facets and fields it does
not read. A wrong one is refused with 400 naming its path, e.g. ``inputs[0].facets.symlinks.identifiers``.

Read, per place (``text`` is a string, or a number the projection reads as its text):

* the event: job namespace and name, runId, every dataset's namespace and name (id parts);
* dataset facets: ``symlinks.identifiers`` (array of objects: namespace, name id parts, type string);
  ``columnLineage.fields`` (object of objects keyed by field name, an id part: ``inputFields`` array of input
  fields; transformationType/Description strings) and ``columnLineage.dataset`` (array of input fields), an input
  field being an object with namespace, name, field (string id parts) and ``transformations`` (array of objects:
  type, subtype, description strings, masking boolean); ``schema.fields`` (array of objects: name, type,
  description strings, nested ``fields``; the dotted path of names an id part); ``tags.tags`` (array of objects:
  key string, value text, field string id part); ``version.datasetVersion`` (text, id part);
  ``datasetType.datasetType``, ``documentation.description`` (text); ``ownership.owners`` (array of objects: name,
  type strings);
* job facets: ``jobType`` (jobType, integration, processingType text), ``documentation``, ``ownership``;
* run facets: ``nominalTime`` (nominalStartTime, nominalEndTime times), ``errorMessage`` and ``spark.exception``
  (message string), ``parent``/``parentRun`` (run.runId, job.namespace, job.name, root.run.runId: string id parts);
* governance facets (after their JSON Schema, ``validation.py``): record ids and the ids they name are id parts,
  and the fields the projection copies onto a node must not be one of the names it sets itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graph_schema import GOVERNANCE_FACETS
from lineage_api.core.errors import InvalidInput
from lineage_api.core.limits import MAX_ID_PART_BYTES, utf8_size
from lineage_api.core.times import parse_time
from lineage_api.ingest.bounds import key_text
from lineage_api.ingest.parse import DatasetRef, ParsedEvent

__all__ = ["MAX_ID_PART_BYTES", "RESERVED_PROPERTIES", "check_shapes"]

Check = Callable[[dict[str, Any], str], None]

_KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "object": ("an object", lambda v: isinstance(v, dict)),
    "array": ("an array", lambda v: isinstance(v, list)),
    "string": ("a string", lambda v: isinstance(v, str)),
    "text": ("a string", lambda v: isinstance(v, str | int | float) and not isinstance(v, bool)),
    "boolean": ("a boolean", lambda v: isinstance(v, bool)),
}
# Names the stores keep on every node (id, label, _j, _pat) or the projection passes by name (node_id): a governance
# field copied onto a node under one of them would clash.
RESERVED_PROPERTIES = frozenset({"id", "label", "node_id", "_j", "_pat"})
_SET_BY_PROJECTION: dict[str, frozenset[str]] = {
    "aigov_decision": frozenset({"useCaseId"}),
    "aigov_evaluation": frozenset({"evaluatedAt", "runId"}),
    "aigov_outputs": frozenset({"runId", "datasetVersion"}),
}


def _get(obj: dict[str, Any], key: str, at: str, kind: str) -> Any:
    """``obj[key]`` when it is of ``kind``; ``None`` when absent or null; refused naming its path otherwise."""
    value = obj.get(key)
    if value is None:
        return None
    name, test = _KINDS[kind]
    if not test(value):
        raise InvalidInput(f"{at}.{key} must be {name}", field=f"{at}.{key}")
    return value


def _objects(obj: dict[str, Any], key: str, at: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, item) of the array ``obj[key]``, every item an object; nothing when absent or null."""
    for index, item in enumerate(_get(obj, key, at, "array") or []):
        where = f"{at}.{key}[{index}]"
        if not isinstance(item, dict):
            raise InvalidInput(f"{where} must be an object", field=where)
        yield where, item


def _id_part(value: Any, where: str) -> None:
    size = None if value is None else utf8_size(str(value))
    if size is not None and size > MAX_ID_PART_BYTES:
        raise InvalidInput(
            f"{where} is {size} UTF-8 bytes; a value that becomes part of a node id is at most {MAX_ID_PART_BYTES}",
            field=where,
        )


def _id_fields(obj: dict[str, Any], at: str, *keys: str) -> None:
    for key in keys:
        _id_part(_get(obj, key, at, "string"), f"{at}.{key}")


def _fields_of(kind: str, *keys: str) -> Check:
    def check(facet: dict[str, Any], at: str) -> None:
        for key in keys:
            _get(facet, key, at, kind)

    return check


def _texts(*keys: str) -> Check:
    return _fields_of("text", *keys)


def _strings(*keys: str) -> Check:
    return _fields_of("string", *keys)


# -- dataset facets ------------------------------------------------------------------------------------------------
def _symlinks(facet: dict[str, Any], at: str) -> None:
    for where, ident in _objects(facet, "identifiers", at):
        _id_fields(ident, where, "namespace", "name")
        _get(ident, "type", where, "string")


def _input_field(entry: dict[str, Any], at: str) -> None:
    _id_fields(entry, at, "namespace", "name", "field")
    for where, step in _objects(entry, "transformations", at):
        for key in ("type", "subtype", "description"):
            _get(step, key, where, "string")
        _get(step, "masking", where, "boolean")


def _column_lineage(facet: dict[str, Any], at: str) -> None:
    fields = _get(facet, "fields", at, "object") or {}
    for out_field, spec in fields.items():
        where = f"{at}.fields.{key_text(out_field)}"
        _id_part(out_field, where)
        if not isinstance(spec, dict):
            raise InvalidInput(f"{where} must be an object", field=where)
        for key in ("transformationType", "transformationDescription"):
            _get(spec, key, where, "string")
        for entry_at, entry in _objects(spec, "inputFields", where):
            _input_field(entry, entry_at)
    for entry_at, entry in _objects(facet, "dataset", at):
        _input_field(entry, entry_at)


def _schema(facet: dict[str, Any], at: str, prefix: str = "") -> None:
    for where, item in _objects(facet, "fields", at):
        name = _get(item, "name", where, "string")
        for key in ("type", "description"):
            _get(item, key, where, "string")
        if name:  # the projection skips a nameless field and what it nests
            _id_part(prefix + name, f"{where}.name")
            _schema(item, where, f"{prefix}{name}.")


def _tags(facet: dict[str, Any], at: str) -> None:
    for where, item in _objects(facet, "tags", at):
        _get(item, "key", where, "string")
        _get(item, "value", where, "text")
        _id_fields(item, where, "field")


def _version(facet: dict[str, Any], at: str) -> None:
    _id_part(_get(facet, "datasetVersion", at, "text"), f"{at}.datasetVersion")


def _ownership(facet: dict[str, Any], at: str) -> None:
    for where, owner in _objects(facet, "owners", at):
        _get(owner, "name", where, "string")
        _get(owner, "type", where, "string")


_DATASET_FACETS: dict[str, Check] = {
    "symlinks": _symlinks,
    "columnLineage": _column_lineage,
    "schema": _schema,
    "tags": _tags,
    "version": _version,
    "datasetType": _texts("datasetType"),
    "documentation": _texts("description"),
    "ownership": _ownership,
}
_JOB_FACETS: dict[str, Check] = {
    "jobType": _texts("jobType", "integration", "processingType"),
    "documentation": _texts("description"),
    "ownership": _ownership,
}


# -- run facets ----------------------------------------------------------------------------------------------------
def _nominal_time(facet: dict[str, Any], at: str) -> None:
    for key in ("nominalStartTime", "nominalEndTime"):
        value = _get(facet, key, at, "string")
        if value:
            parse_time(value, field=f"{at}.{key}")


def _parent(facet: dict[str, Any], at: str) -> None:
    run = _get(facet, "run", at, "object") or {}
    _id_fields(run, f"{at}.run", "runId")
    _id_fields(_get(facet, "job", at, "object") or {}, f"{at}.job", "namespace", "name")
    root = _get(facet, "root", at, "object") or {}
    _id_fields(_get(root, "run", f"{at}.root", "object") or {}, f"{at}.root.run", "runId")


_RUN_FACETS: dict[str, Check] = {
    "nominalTime": _nominal_time,
    "errorMessage": _strings("message"),
    "spark.exception": _strings("message"),
    "parent": _parent,
    "parentRun": _parent,
}


# -- governance facets (already valid against their JSON Schema) ---------------------------------------------------
def _own_properties(record: dict[str, Any], at: str, name: str, *, cleaned: bool = True) -> None:
    """A record's fields become node properties: none may clash with those the projection or store sets."""
    clashing = RESERVED_PROPERTIES | _SET_BY_PROJECTION.get(name, frozenset())
    for key in record:
        if cleaned and key.startswith("_"):
            continue  # the projection drops these
        if key in clashing or not key or "\x00" in key:
            where = f"{at}.{key_text(key)}"
            raise InvalidInput(f"{where}: this field name is reserved or not a valid property name", field=where)


def _governance(name: str, facet: dict[str, Any], at: str) -> None:
    if facet.get("_deleted"):
        return  # the projection skips a deleted facet
    if name == "aigov_outputs":
        for where, item in _objects(facet, "outputs", at):
            _id_fields(item, where, "outputId")
            _own_properties(item, where, name, cleaned=False)
        return
    _own_properties(facet, at, name)
    _id_fields(facet, at, f"{name.removeprefix('aigov_')}Id")
    if name == "aigov_review":
        for index, output in enumerate(_get(facet, "outputIds", at, "array") or []):
            _id_part(output, f"{at}.outputIds[{index}]")
    if name == "aigov_decision":
        for where, item in _objects(facet, "basis", at):
            _id_fields(item, where, "ref")


# -- the event -----------------------------------------------------------------------------------------------------
def _facets(facets: dict[str, Any], at: str, checks: dict[str, Check], place: str | None = None) -> None:
    for name, check in checks.items():
        facet = facets.get(name)
        if isinstance(facet, dict):
            check(facet, f"{at}.{name}")
    for name, where in GOVERNANCE_FACETS.items():
        facet = facets.get(name)
        if where == place and isinstance(facet, dict):  # only where the projection reads it
            _governance(name, facet, f"{at}.{name}")


def _dataset(ref: DatasetRef, at: str, *, output: bool = False) -> None:
    _id_part(ref.namespace, f"{at}.namespace")
    _id_part(ref.name, f"{at}.name")
    _facets(ref.facets, f"{at}.facets", _DATASET_FACETS)
    if output:
        _facets(ref.io_facets, f"{at}.outputFacets", {}, "outputFacets")


def check_shapes(data: dict[str, Any], event: ParsedEvent) -> None:
    """Refuse an event the projection could not read, naming the first offending path."""
    _id_part(event.run_id, "run.runId")
    _id_part(event.job_namespace, "job.namespace")
    _id_part(event.job_name, "job.name")
    _facets(event.run_facets, "run.facets", _RUN_FACETS, "run")
    _facets(event.job_facets, "job.facets", _JOB_FACETS, "job")
    for i, ref in enumerate(event.inputs):
        _dataset(ref, f"inputs[{i}]")
    for i, ref in enumerate(event.outputs):
        _dataset(ref, f"outputs[{i}]", output=True)
    if event.dataset is not None:
        _dataset(event.dataset, "dataset")
