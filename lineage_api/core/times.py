"""Time handling: every stored time is a fixed-width UTC ISO-8601 string, so string order is time order."""

from __future__ import annotations

from datetime import UTC, datetime

from lineage_api.core.errors import InvalidInput


def parse_time(value: str, *, field: str) -> datetime:
    """Parse an RFC 3339 / ISO-8601 time; a value without offset is read as UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{field} is not an ISO-8601 time: {value!r}", field=field) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(moment: datetime) -> str:
    """Canonical fixed-width form: ``2026-03-02T10:00:01.000000Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalize(value: str, *, field: str) -> str:
    """Parse and re-format a time string into the canonical form."""
    return iso(parse_time(value, field=field))


def now_iso() -> str:
    return iso(datetime.now(UTC))
