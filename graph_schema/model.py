"""Node labels, edge types and natural keys of the lineage graph.

Every node carries a typed ``id`` (see ``lineage_api.core.ids``) that is derived from its natural key, the common
label ``Node`` (unique on ``id``) and its own label (unique on its natural key). Edges carry ``at``: the eventTime
that created them, as a fixed-width UTC ISO-8601 string, so traversals can be asked "as of" a time.
"""

from __future__ import annotations

from enum import StrEnum
from importlib import resources


class NodeLabel(StrEnum):
    """Kinds of node in the lineage graph."""

    JOB = "Job"
    RUN = "Run"
    DATASET = "Dataset"
    DATASET_VERSION = "DatasetVersion"
    FIELD = "Field"
    OUTPUT = "Output"
    USE_CASE = "UseCase"
    APPROVAL = "Approval"
    REVIEW = "Review"
    DECISION = "Decision"
    EVALUATION = "Evaluation"
    INCIDENT = "Incident"
    EVENT = "Event"
    CHECKPOINT = "Checkpoint"


class EdgeType(StrEnum):
    """Kinds of edge; the comment gives the (source)->(target) shape."""

    RUN_OF = "RUN_OF"  # (Run)->(Job)
    READ = "READ"  # (Run)->(DatasetVersion)
    WROTE = "WROTE"  # (Run)->(DatasetVersion)
    VERSION_OF = "VERSION_OF"  # (DatasetVersion)->(Dataset)
    HAS_FIELD = "HAS_FIELD"  # (Dataset)->(Field)
    DERIVED_FROM = "DERIVED_FROM"  # (Field)->(Field) {type, subtype, masking, runId}
    PARENT = "PARENT"  # (Run)->(parent Run)
    PRODUCED = "PRODUCED"  # (Run)->(Output)
    IN_VERSION = "IN_VERSION"  # (Output)->(DatasetVersion)
    SERVES = "SERVES"  # (Job)->(UseCase)
    APPROVES = "APPROVES"  # (Approval)->(DatasetVersion|Dataset|Job)
    REVIEWED = "REVIEWED"  # (Review)->(Output)
    BASED_ON = "BASED_ON"  # (Decision)->(Output|Review|DatasetVersion|Dataset)
    EVALUATED = "EVALUATED"  # (Evaluation)->(DatasetVersion)
    CONCERNS = "CONCERNS"  # (Incident)->(anything)
    RECORDED_BY = "RECORDED_BY"  # (Approval|Review|Decision|Evaluation|Incident)->(Run)
    SYMLINK = "SYMLINK"  # (Dataset)->(Dataset)


NODE_LABELS: tuple[NodeLabel, ...] = tuple(NodeLabel)
EDGE_TYPES: tuple[EdgeType, ...] = tuple(EdgeType)

# The natural key of each label: the properties that identify a node of that kind.
NATURAL_KEYS: dict[NodeLabel, tuple[str, ...]] = {
    NodeLabel.JOB: ("namespace", "name"),
    NodeLabel.RUN: ("runId",),
    NodeLabel.DATASET: ("namespace", "name"),
    NodeLabel.DATASET_VERSION: ("namespace", "name", "version"),
    NodeLabel.FIELD: ("namespace", "name", "field"),
    NodeLabel.OUTPUT: ("outputId",),
    NodeLabel.USE_CASE: ("useCaseId",),
    NodeLabel.APPROVAL: ("approvalId",),
    NodeLabel.REVIEW: ("reviewId",),
    NodeLabel.DECISION: ("decisionId",),
    NodeLabel.EVALUATION: ("evaluationId",),
    NodeLabel.INCIDENT: ("incidentId",),
    NodeLabel.EVENT: ("replica", "seq"),
    NodeLabel.CHECKPOINT: ("origin", "size"),
}


def _read(name: str) -> str:
    return resources.files("graph_schema").joinpath(name).read_text(encoding="utf-8")


def neo4j_schema_statements() -> list[str]:
    """The idempotent Neo4j constraint and index statements, in order."""
    text = _read("neo4j/schema.cypher")
    body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
    return [s.strip() for s in body.split(";") if s.strip()]


def embedded_schema_sql() -> str:
    """The embedded (SQLite) store's schema script; every statement is idempotent."""
    return _read("embedded/schema.sql")


GOVERNANCE_FACETS: dict[str, str] = {
    "aigov_useCase": "job",
    "aigov_outputs": "outputFacets",
    "aigov_approval": "run",
    "aigov_review": "run",
    "aigov_decision": "run",
    "aigov_evaluation": "run",
    "aigov_incident": "run",
}
"""The governance facets (contract v1) and where each travels in an OpenLineage event."""


def facet_schema(name: str) -> dict[str, object]:
    """The JSON Schema of a governance facet; ``KeyError`` when there is no such facet."""
    import json

    if name not in GOVERNANCE_FACETS:
        raise KeyError(name)
    loaded: dict[str, object] = json.loads(_read(f"facets/{name}.json"))
    return loaded
