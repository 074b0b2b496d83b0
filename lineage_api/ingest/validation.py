"""Checks beyond parsing that an event must pass to be accepted.

The rest of OpenLineage is read leniently, but the governance facets (``aigov_*``) are a contract: a malformed one
is rejected with the path of the offending field, because a wrong approval or review would silently change what
the compliance answers say.

Acknowledged means applicable: ``default_validators`` also refuse, before the ack, whatever would make the
projection fail: values out of bounds (``bounds.py``), then, once the governance facets are valid, the wrong shape
of anything the projection reads (``shapes.py``) and more graph than one transaction can hold (``fanout.py``).
``docs/bounds.md`` lists every bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from graph_schema import GOVERNANCE_FACETS, facet_schema
from lineage_api.core.errors import InvalidInput
from lineage_api.core.times import parse_time
from lineage_api.ingest.bounds import check_bounds
from lineage_api.ingest.fanout import check_fanout
from lineage_api.ingest.parse import ParsedEvent
from lineage_api.ingest.shapes import check_shapes

Validator = Callable[[dict[str, Any], ParsedEvent], None]

_TIME_FIELDS = ("grantedAt", "expiresAt", "revokedAt", "reviewedAt", "decidedAt", "reportedAt", "producedAt")


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(facet_schema(name))


def _governance_facets(event: ParsedEvent) -> Iterator[tuple[str, str, Any]]:
    """(path, facet name, facet) of every governance facet in the event."""
    for name, facet in event.run_facets.items():
        if name in GOVERNANCE_FACETS:
            yield f"run.facets.{name}", name, facet
    for name, facet in event.job_facets.items():
        if name in GOVERNANCE_FACETS:
            yield f"job.facets.{name}", name, facet
    for i, ref in enumerate(event.outputs):
        for name, facet in ref.io_facets.items():
            if name in GOVERNANCE_FACETS:
                yield f"outputs[{i}].outputFacets.{name}", name, facet


def _path(base: str, parts: Any) -> str:
    out = base
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _times(path: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _TIME_FIELDS and isinstance(item, str):
                parse_time(item, field=f"{path}.{key}")
            else:
                _times(f"{path}.{key}", item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _times(f"{path}[{i}]", item)


def check_governance_facets(data: dict[str, Any], event: ParsedEvent) -> None:
    """Validate every ``aigov_*`` facet against its JSON Schema; raise naming the first bad field."""
    for path, name, facet in _governance_facets(event):
        if isinstance(facet, dict) and facet.get("_deleted") is True:
            continue
        errors = sorted(_validator(name).iter_errors(facet), key=lambda e: list(e.absolute_path))
        if errors:
            error = errors[0]
            where = _path(path, error.absolute_path)
            if error.validator == "required":
                missing = str(error.message).split("'")[1] if "'" in error.message else "a field"
                raise InvalidInput(f"{where}.{missing} is required", field=f"{where}.{missing}")
            raise InvalidInput(f"{where}: {error.message}", field=where)
        _times(path, facet)


def default_validators() -> list[Validator]:
    """In order: generic bounds, the governance facets' schemas, the shapes the projection reads, its fan-out."""
    return [check_bounds, check_governance_facets, check_shapes, check_fanout]
