"""W3C PROV-JSON of a trace, built with the ``prov`` package.

Dataset versions, datasets, outputs and use cases are entities; runs, approvals, reviews, decisions and
evaluations are activities; reviewers, approvers, deciders and jobs are agents. Reads are ``used``, writes and
productions ``wasGeneratedBy``, what a run wrote ``wasDerivedFrom`` what it read, people and jobs
``wasAssociatedWith`` what they did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from prov.model import ProvDocument

from lineage_api.provenance.schemas import TraceAnswer

NODE_NS = "https://ai-lineage.dev/node/"
ATTR_NS = "https://ai-lineage.dev/ns#"
ENTITY_KINDS = {"DatasetVersion", "Dataset", "Output", "UseCase", "Incident"}
ACTIVITY_KINDS = {"Run", "Approval", "Review", "Decision", "Evaluation"}
AGENT_KEYS = {"Approval": "approver", "Review": "reviewer", "Decision": "decidedBy"}


def _q(node_id: str) -> str:
    return "node:" + quote(node_id, safe="")


def _attrs(props: dict[str, Any], kind: str, node_id: str, label: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {"lin:id": node_id, "lin:kind": kind, "prov:label": label}
    for key, value in sorted(props.items()):
        if isinstance(value, str | int | float | bool):
            attrs[f"lin:{quote(key, safe='')}"] = value
        elif value is not None:
            attrs[f"lin:{quote(key, safe='')}"] = json.dumps(value, sort_keys=True)
    return attrs


def build(trace: TraceAnswer) -> ProvDocument:
    doc = ProvDocument()
    doc.add_namespace("node", NODE_NS)
    doc.add_namespace("lin", ATTR_NS)
    kinds = {n.id: n.kind for n in trace.nodes}
    for node in trace.nodes:
        attrs = _attrs(node.props, node.kind, node.id, node.label)
        if node.kind in ACTIVITY_KINDS:
            doc.activity(_q(node.id), node.props.get("startedAt"), node.props.get("endedAt"), attrs)
            actor = node.props.get(AGENT_KEYS.get(node.kind, ""))
            if isinstance(actor, dict) and actor.get("id"):
                agent = _q(f"agent:{actor['id']}")
                doc.agent(agent, {"prov:label": str(actor["id"]), "lin:role": str(actor.get("role", ""))})
                doc.wasAssociatedWith(_q(node.id), agent)
        elif node.kind == "Job":
            attrs["prov:type"] = "prov:SoftwareAgent"
            doc.agent(_q(node.id), attrs)
        else:
            doc.entity(_q(node.id), attrs)
    relate: dict[str, Callable[[str, str], object]] = {
        "READ": lambda s, d: doc.used(_q(s), _q(d)),
        "WROTE": lambda s, d: doc.wasGeneratedBy(_q(d), _q(s)),
        "PRODUCED": lambda s, d: doc.wasGeneratedBy(_q(d), _q(s)),
        "RUN_OF": lambda s, d: doc.wasAssociatedWith(_q(s), _q(d)),
        "VERSION_OF": lambda s, d: doc.specializationOf(_q(s), _q(d)),
        "APPROVES": lambda s, d: doc.used(_q(s), _q(d)),
        "REVIEWED": lambda s, d: doc.used(_q(s), _q(d)),
        "BASED_ON": lambda s, d: doc.used(_q(s), _q(d)),
        "EVALUATED": lambda s, d: doc.used(_q(s), _q(d)),
        "PARENT": lambda s, d: doc.wasInformedBy(_q(s), _q(d)),
    }
    for edge in trace.edges:
        known = edge.source in kinds and edge.target in kinds
        if known and edge.type in relate:
            relate[edge.type](edge.source, edge.target)
    _derivations(doc, trace)
    return doc


def _derivations(doc: ProvDocument, trace: TraceAnswer) -> None:
    """Whatever a run wrote or produced was derived from whatever it read."""
    reads: dict[str, list[str]] = {}
    for e in trace.edges:
        if e.type == "READ":
            reads.setdefault(e.source, []).append(e.target)
    for e in trace.edges:
        if e.type in ("WROTE", "PRODUCED"):
            for used in sorted(reads.get(e.source, [])):
                doc.wasDerivedFrom(_q(e.target), _q(used), _q(e.source))


def to_prov_json(trace: TraceAnswer) -> dict[str, Any]:
    """PROV-JSON, checked by reading it back with the ``prov`` package."""
    doc = build(trace)
    text = doc.serialize(format="json")
    assert text is not None
    if ProvDocument.deserialize(content=text, format="json") != doc:
        raise ValueError("PROV document does not round-trip")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
