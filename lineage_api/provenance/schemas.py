"""The trace and impact answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Truncation(BaseModel):
    limit: Literal["depth", "nodes"] = Field(description="Which limit cut the traversal short.")
    at: list[str] = Field(description="The returned nodes beyond which something was left out.")


class GraphNode(BaseModel):
    id: str
    kind: str = Field(description="Node label: Dataset, DatasetVersion, Run, Output, Approval, ...")
    label: str = Field(description="A short display name.")
    depth: int
    props: dict[str, Any]


class GraphEdge(BaseModel):
    source: str
    target: str
    type: str
    at: str


class Gap(BaseModel):
    node: str
    kind: Literal["unwritten_dataset", "run_without_inputs", "unrecorded_output", "unrecorded_review"]
    message: str


class Finding(BaseModel):
    rule: str
    clause: str
    severity: str
    node: str
    summary: str
    evidence: list[str]


class TraceAnswer(BaseModel):
    root: GraphNode
    asOf: str | None = Field(description="The moment the trace describes (the traced thing's own time by default).")
    complete: bool = Field(description="False when a limit cut the trace short or nodes were redacted.")
    redacted: bool = Field(
        default=False, description="True when nodes outside the caller's namespaces are placeholders."
    )
    truncated: Truncation | None
    models: list[dict[str, Any]]
    datasets: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    approvals: list[dict[str, Any]]
    evaluations: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    useCase: dict[str, Any] | None
    useCases: list[dict[str, Any]]
    gaps: list[Gap]
    findings: list[Finding] = Field(default_factory=list)
    later: dict[str, list[dict[str, Any]]] = Field(
        description="Governance records about traced nodes made after asOf (reviews, decisions, evaluations, "
        "approvals, incidents). They are not part of the as-of state."
    )
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    narrative: list[str]


class ImpactAnswer(BaseModel):
    root: GraphNode
    since: str | None
    until: str | None
    complete: bool = Field(description="False when a limit cut the walk short or nodes were redacted.")
    redacted: bool = Field(
        default=False, description="True when nodes outside the caller's namespaces are placeholders."
    )
    truncated: Truncation | None
    counts: dict[str, int] = Field(description="Nodes reached, per kind (the root excluded).")
    runs: list[dict[str, Any]]
    datasets: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    nodes: list[GraphNode]
    edges: list[GraphEdge]
