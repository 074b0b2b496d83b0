"""Time handling: every stored time is a fixed-width UTC ISO-8601 string, so string order is time order.

Times hold years 1-9999 once in UTC (what a ``datetime`` can hold); the year is always written with four digits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lineage_api.core.errors import InvalidInput


def _shown(value: str) -> str:
    """The value as an error message quotes it: escaped, and cut short when long."""
    return repr(value if len(value) <= 64 else value[:64] + "...")


def parse_time(value: str, *, field: str) -> datetime:
    """Parse an RFC 3339 / ISO-8601 time; a value without offset is read as UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{field} is not an ISO-8601 time: {_shown(value)}", field=field) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput(f"{field} is outside years 1-9999 once in UTC: {_shown(value)}", field=field) from exc


def iso(moment: datetime) -> str:
    """Canonical fixed-width form: ``2026-03-02T10:00:01.000000Z`` (four-digit year even before 1000)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m:%m-%dT%H:%M:%S.%f}Z"


def normalize(value: str, *, field: str) -> str:
    """Parse and re-format a time string into the canonical form."""
    return iso(parse_time(value, field=field))


def now_iso() -> str:
    return iso(datetime.now(UTC))
