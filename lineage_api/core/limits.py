"""The bounds every accepted value keeps, so that whatever is acknowledged can be stored, indexed and answered.

=====================  ===========  ===========================================================================
constant               value        why
=====================  ===========  ===========================================================================
``MAX_DEPTH``          64           objects/arrays nested in one event (the event itself is level 1); answers
                                    nest stored facets a few levels deeper and must stay serialisable
``MIN_INT/MAX_INT``    -2^63..2^63-1  Neo4j and SQLite integers are 64-bit; a larger one cannot be stored
(floats)               finite       NaN and Infinity are not JSON: an answer holding one cannot be serialised
``MAX_STRING_BYTES``   1 MiB        any string value, UTF-8: one property stays well within what both stores,
                                    the answers and the UI handle
``MAX_KEY_BYTES``      1,024        any object key, UTF-8: keys become facet names, field names and property
                                    names
``MAX_ID_PART_BYTES``  1,024        each string that becomes part of a node id (namespace, name, field path,
                                    version, runId, governance ids), UTF-8. Neo4j refuses index keys over
                                    ~8 KB (8,167 bytes measured on 5.26); the longest id, ``field:<ns>:<name>#
                                    <field>``, is then at most 3,080 bytes, and composite keys 3 x 1,024
``MAX_NODE_ID_BYTES``  4,096        a node id given as a parameter: more than any storable id
``MAX_GRAPH_ITEMS``    20,000       nodes and edges one event projects to (estimated, ``ingest/fanout.py``):
                                    ~100,000 exhaust Neo4j's default transaction memory (512 MiB heap), a
                                    transient error the projector would retry for ever
``MIN_YEAR/MAX_YEAR``  1..9999      times after applying their offset (what a UTC timestamp can hold)
(strings)              no lone      a lone surrogate (U+D800-U+DFFF, which ``json.loads`` accepts) cannot be
                       surrogates   written as UTF-8
=====================  ===========  ===========================================================================

``docs/bounds.md`` lists them with the paths they apply to. Events are checked by ``lineage_api.ingest.bounds``
(generic walk), ``lineage_api.ingest.shapes`` (what the projection reads) and ``lineage_api.ingest.fanout`` (how
much graph they make); query parameters by the validators below, used as
``Annotated[str, Query(...), AfterValidator(node_id_param)]``.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic_core import PydanticCustomError

from lineage_api.core.errors import InvalidInput
from lineage_api.core.times import normalize

MAX_DEPTH = 64
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
MAX_STRING_BYTES = 1024 * 1024
MAX_KEY_BYTES = 1024
MAX_ID_PART_BYTES = 1024
MAX_NODE_ID_BYTES = 4096
MAX_GRAPH_ITEMS = 20_000
MIN_YEAR = 1
MAX_YEAR = 9999


def utf8_size(text: str) -> int | None:
    """Bytes of ``text`` as UTF-8; ``None`` when it holds a lone surrogate (it has no UTF-8 form)."""
    if text.isascii():
        return len(text)
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def node_id_param(value: str | None) -> str | None:
    """A node id parameter within ``MAX_NODE_ID_BYTES`` (longer ones cannot name anything stored)."""
    size = 0 if value is None else utf8_size(value)
    if size is None or size > MAX_NODE_ID_BYTES:
        raise PydanticCustomError(
            "out_of_bounds", "a node id is at most {limit} UTF-8 bytes", {"limit": MAX_NODE_ID_BYTES}
        )
    return value


def time_param(name: str) -> Callable[[str | None], str | None]:
    """A validator for the time parameter ``name``: ISO-8601, years 1-9999 once in UTC."""

    def check(value: str | None) -> str | None:
        if value:
            try:
                normalize(value, field=name)
            except InvalidInput as exc:
                raise PydanticCustomError("invalid_time", "{message}", {"message": exc.message}) from None
        return value

    return check
