"""Checks beyond parsing that an event must pass to be accepted (the governance facets add theirs here)."""

from __future__ import annotations

from lineage_api.ingest.pipeline import Validator


def default_validators() -> list[Validator]:
    return []
