"""Compliance answers."""

from __future__ import annotations

from pydantic import BaseModel, Field

from lineage_api.provenance.schemas import Finding


class FindingOut(Finding):
    at: str | None = Field(default=None, description="The moment of the checked thing the finding is about.")


class FindingsAnswer(BaseModel):
    findings: list[FindingOut]
    counts: dict[str, int] = Field(description="Findings per rule.")


class RuleOut(BaseModel):
    id: str
    clause: str
    severity: str
    title: str
    findingWhen: str
    directiveText: str


class RulesAnswer(BaseModel):
    rules: list[RuleOut]
