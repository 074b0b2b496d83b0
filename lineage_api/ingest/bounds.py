"""Generic bounds on every value of an event, checked before it is acknowledged.

One walk over the decoded event refuses, naming the JSON path (``run.facets.x.y[3]``):

* nesting deeper than ``MAX_DEPTH`` (64) objects/arrays, the event itself being level 1;
* integers outside ``MIN_INT..MAX_INT`` (64-bit), and floats that are NaN or infinite;
* strings longer than ``MAX_STRING_BYTES`` (1 MiB) and object keys longer than ``MAX_KEY_BYTES`` (1,024), UTF-8;
* strings and keys holding a lone surrogate (``"\\ud800"``: ``json.loads`` accepts it, UTF-8 cannot hold it).

The limits live in ``lineage_api.core.limits`` (and ``docs/bounds.md``); the shapes of what the projection reads
are checked by ``lineage_api.ingest.shapes``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from lineage_api.core.errors import InvalidInput
from lineage_api.core.limits import MAX_DEPTH, MAX_INT, MAX_KEY_BYTES, MAX_STRING_BYTES, MIN_INT, utf8_size
from lineage_api.ingest.parse import ParsedEvent

__all__ = [
    "MAX_DEPTH",
    "MAX_INT",
    "MAX_KEY_BYTES",
    "MAX_STRING_BYTES",
    "MIN_INT",
    "check_bounds",
    "key_text",
    "path_of",
]

_SHOWN_KEY = 64  # characters of a key quoted in a path; a longer key is cut short there


def key_text(key: str) -> str:
    """A key as a path shows it: lone surrogates escaped (an answer must be UTF-8), long keys cut short."""
    shown = key if len(key) <= _SHOWN_KEY else key[:_SHOWN_KEY] + "..."
    return shown.encode("utf-8", "backslashreplace").decode("utf-8")


def path_of(trail: Sequence[str | int]) -> str:
    """``["inputs", 0, "facets", "schema"]`` -> ``inputs[0].facets.schema``."""
    out = ""
    for part in trail:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{key_text(part)}" if out else key_text(part)
    return out or "body"


def _refuse(trail: Sequence[str | int], problem: str) -> InvalidInput:
    where = path_of(trail)
    return InvalidInput(f"{where}: {problem}", field=where)


def _text(text: str, trail: Sequence[str | int], limit: int, what: str) -> None:
    size = utf8_size(text)
    if size is None:
        raise _refuse(trail, f"{what} holds a lone surrogate (not valid Unicode text)")
    if size > limit:
        raise _refuse(trail, f"{what} is {size} UTF-8 bytes, more than the limit of {limit}")


def _scalar(value: Any, trail: list[str | int]) -> None:
    if isinstance(value, str):
        _text(value, trail, MAX_STRING_BYTES, "the string")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not MIN_INT <= value <= MAX_INT:
            raise _refuse(trail, "the integer is outside the 64-bit range (-2^63 .. 2^63-1)")
    elif isinstance(value, float) and not math.isfinite(value):
        raise _refuse(trail, f"{value} is not a JSON number (NaN and Infinity are refused)")


def _walk(value: Any, trail: list[str | int], depth: int) -> None:
    if not isinstance(value, dict | list):
        _scalar(value, trail)
        return
    if depth > MAX_DEPTH:
        raise _refuse(trail, f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            trail.append(key)
            _text(key, trail, MAX_KEY_BYTES, "the key")
            _walk(item, trail, depth + 1)
            trail.pop()
    else:
        for index, item in enumerate(value):
            trail.append(index)
            _walk(item, trail, depth + 1)
            trail.pop()


def check_bounds(data: dict[str, Any], event: ParsedEvent) -> None:
    """Refuse an event any of whose values is out of bounds, naming the first one's path."""
    _walk(data, [], 1)
