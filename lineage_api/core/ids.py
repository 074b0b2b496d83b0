"""Typed node ids.

An id is ``<kind>:<rest>``. The kind never contains a colon, so the first colon ends it. What follows depends on
the kind:

* ``dataset:<namespace>:<name>`` and ``job:<namespace>:<name>``: the namespace may itself contain colons
  (``postgres://db:5432``, ``s3://bucket``), so the *name* is taken after the **last** colon that is not part of
  the namespace's URI authority. The rule: if the remainder starts with ``<scheme>://``, the namespace runs to the
  first ``/`` after the authority or, when the authority is followed by ``:`` and a name, to that colon; otherwise
  the namespace ends at the first colon. Names may contain colons freely.
* ``dataset:<namespace>:<name>#<version>`` names one dataset version; ``#`` never occurs in a namespace.
* ``run:<runId>``, ``output:<outputId>``, ``decision:<decisionId>`` and the other governance kinds take the rest
  verbatim.
* ``field:<namespace>:<name>#<field>`` names a column.

``format_*`` functions build ids, ``parse_node_id`` reads them back; they round-trip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph_schema import NodeLabel
from lineage_api.core.errors import InvalidInput

_KIND_LABEL: dict[str, NodeLabel] = {
    "job": NodeLabel.JOB,
    "run": NodeLabel.RUN,
    "dataset": NodeLabel.DATASET,
    "field": NodeLabel.FIELD,
    "output": NodeLabel.OUTPUT,
    "usecase": NodeLabel.USE_CASE,
    "approval": NodeLabel.APPROVAL,
    "review": NodeLabel.REVIEW,
    "decision": NodeLabel.DECISION,
    "evaluation": NodeLabel.EVALUATION,
    "incident": NodeLabel.INCIDENT,
    "event": NodeLabel.EVENT,
    "checkpoint": NodeLabel.CHECKPOINT,
}
_LABEL_KIND: dict[NodeLabel, str] = {v: k for k, v in _KIND_LABEL.items()}
_LABEL_KIND[NodeLabel.DATASET_VERSION] = "dataset"
# scheme://host[:port][,host[:port]...]: a ':' inside this prefix never separates namespace from name.
_URI_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/:,]*(:\d+)?(,[^/:,]*(:\d+)?)*")


@dataclass(frozen=True, slots=True)
class NodeId:
    """A parsed id: its label, the natural-key parts, and the canonical string."""

    label: NodeLabel
    namespace: str | None = None
    name: str | None = None
    version: str | None = None
    field: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        return format_node_id(self)


def split_namespace_name(rest: str) -> tuple[str, str]:
    """Split ``<namespace>:<name>`` where the namespace may be a URI with a port."""
    match = _URI_AUTHORITY.match(rest)
    start = match.end() if match else 0
    idx = rest.find(":", start)
    if idx < 0:
        raise InvalidInput(f"id {rest!r} needs <namespace>:<name>", field="nodeId")
    return rest[:idx], rest[idx + 1 :]


def dataset_id(namespace: str, name: str) -> str:
    return f"dataset:{namespace}:{name}"


def job_id(namespace: str, name: str) -> str:
    return f"job:{namespace}:{name}"


def dataset_version_id(namespace: str, name: str, version: str) -> str:
    return f"dataset:{namespace}:{name}#{version}"


def field_id(namespace: str, name: str, field: str) -> str:
    return f"field:{namespace}:{name}#{field}"


def run_id(run: str) -> str:
    return f"run:{run}"


def keyed_id(label: NodeLabel, key: str) -> str:
    """Id of a node whose natural key is one string (runs, outputs, governance records, use cases)."""
    return f"{_LABEL_KIND[label]}:{key}"


def format_node_id(node: NodeId) -> str:
    if node.label in (NodeLabel.DATASET, NodeLabel.JOB, NodeLabel.DATASET_VERSION, NodeLabel.FIELD):
        assert node.namespace is not None and node.name is not None
        if node.label is NodeLabel.JOB:
            return job_id(node.namespace, node.name)
        if node.label is NodeLabel.DATASET:
            return dataset_id(node.namespace, node.name)
        if node.label is NodeLabel.DATASET_VERSION:
            assert node.version is not None
            return dataset_version_id(node.namespace, node.name, node.version)
        assert node.field is not None
        return field_id(node.namespace, node.name, node.field)
    assert node.key is not None
    return keyed_id(node.label, node.key)


def parse_node_id(text: str) -> NodeId:
    """Parse a typed id; raises ``InvalidInput`` naming what is wrong."""
    kind, sep, rest = text.partition(":")
    if not sep or not rest:
        raise InvalidInput(
            f"nodeId {text!r} must look like <kind>:<key>, e.g. dataset:<namespace>:<name> or output:<id>",
            field="nodeId",
        )
    label = _KIND_LABEL.get(kind)
    if label is None:
        raise InvalidInput(
            f"nodeId kind {kind!r} is unknown; expected one of {', '.join(sorted(_KIND_LABEL))}", field="nodeId"
        )
    if label in (NodeLabel.DATASET, NodeLabel.FIELD, NodeLabel.DATASET_VERSION):
        body, hash_sep, suffix = rest.rpartition("#") if "#" in rest else (rest, "", "")
        namespace, name = split_namespace_name(body)
        if label is NodeLabel.FIELD:
            if not hash_sep:
                raise InvalidInput("a field id needs field:<namespace>:<name>#<field>", field="nodeId")
            return NodeId(NodeLabel.FIELD, namespace=namespace, name=name, field=suffix)
        if hash_sep:
            return NodeId(NodeLabel.DATASET_VERSION, namespace=namespace, name=name, version=suffix)
        return NodeId(NodeLabel.DATASET, namespace=namespace, name=name)
    if label is NodeLabel.JOB:
        namespace, name = split_namespace_name(rest)
        return NodeId(NodeLabel.JOB, namespace=namespace, name=name)
    return NodeId(label, key=rest)
