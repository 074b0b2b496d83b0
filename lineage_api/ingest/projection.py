"""Projecting logged OpenLineage events onto the graph: events in, one idempotent ``ChangeBatch`` out.

Nodes whose properties merge across events (jobs, runs, datasets, fields, governance records) are read once per
batch, merged in memory in log order, and written back; everything else is a plain upsert. Applying the same events
again gives the same graph, whatever order they came in.

Facets a run sends on an input of a namespace its writer has no authority over are *observed*: they add fields,
classifications and facets nobody with authority recorded, and never remove or change what an authorised writer
(one covering the namespace, or an event logged before writers were kept) recorded. See ``facets`` (observed facts).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph_schema import EdgeType, NodeLabel
from lineage_api.core import ids
from lineage_api.core.errors import InvalidInput
from lineage_api.core.times import normalize
from lineage_api.core.writer import Writer
from lineage_api.ingest import facets as f
from lineage_api.ingest.dataset_facts import DatasetFacts
from lineage_api.ingest.governance import Recording, project_governance, project_use_case, record_ids
from lineage_api.ingest.parse import DatasetRef, EventKind, ParsedEvent
from lineage_api.store.protocol import ChangeBatch, EdgeUpsert, GraphStore, NodeUpsert

TERMINAL = {"COMPLETE": "COMPLETED", "FAIL": "FAILED", "ABORT": "ABORTED"}
_STATE_RANK = {"RUNNING": 0, "ABORTED": 1, "FAILED": 2, "COMPLETED": 3}
UNKNOWN_VERSION = "unknown"
# Labels whose properties merge across events: read from the store before they are changed.
_MERGED_LABELS = {
    NodeLabel.JOB,
    NodeLabel.RUN,
    NodeLabel.DATASET,
    NodeLabel.DATASET_VERSION,
    NodeLabel.APPROVAL,
    NodeLabel.REVIEW,
    NodeLabel.DECISION,
    NodeLabel.EVALUATION,
    NodeLabel.INCIDENT,
    NodeLabel.OUTPUT,
    NodeLabel.USE_CASE,
}


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as the log holds it: its position, hashes and parsed content."""

    replica: str
    seq: int
    hash: str
    prev_hash: str
    content_hash: str
    received_at: str
    body: str
    event: ParsedEvent
    writer: Writer | None = None


def _time_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalize(value, field="time")
    except InvalidInput:
        return value


def event_node_id(replica: str, seq: int) -> str:
    return ids.keyed_id(NodeLabel.EVENT, f"{replica}:{seq:012d}")


def merge_run_state(props: dict[str, Any], event_type: str | None, at: str) -> None:
    """Run state by eventTime, terminal states stay terminal; commutative, so arrival order does not matter."""
    state = TERMINAL.get(event_type or "", "RUNNING")
    terminal = event_type in TERMINAL
    current = (bool(props.get("terminal")), props.get("stateAt", ""), _STATE_RANK.get(props.get("state", ""), -1))
    candidate = (terminal, at, _STATE_RANK[state])
    if "state" not in props or candidate > current:
        props.update(state=state, stateAt=at, terminal=terminal)
        if terminal:
            props["endedAt"] = at
    if event_type == "START" and (not props.get("startedAt") or at < props["startedAt"]):
        props["startedAt"] = at
    if not props.get("firstEventAt") or at < props["firstEventAt"]:
        props["firstEventAt"] = at
    if at > props.get("lastEventAt", ""):
        props["lastEventAt"] = at


class Projection(DatasetFacts):
    """Accumulates one batch of changes; ``load`` the mergeable nodes first, then ``add`` events in log order."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.nodes: dict[str, tuple[NodeLabel, dict[str, Any]]] = {}
        self.edges: dict[tuple[str, str, str], EdgeUpsert] = {}
        self.queried: set[str] = set()
        self.stored: dict[str, str] = {}
        self.stored_keys: dict[str, set[str]] = {}  # a key dropped from a loaded node is removed from the store
        self.repeated: dict[str, set[str]] = {}  # the loaded nodes' properties as stored, to skip unchanged writes
        self._schemas: dict[int, list[f.SchemaField]] = {}  # per facets dict of this batch's events

    # -- building blocks -------------------------------------------------------------------------------------
    def load(self, logged: Sequence[LoggedEvent]) -> None:
        events = [e.event for e in logged]
        wanted: set[str] = set()
        for event in events:
            if event.run_id:
                wanted.add(ids.run_id(event.run_id))
                parent = f.parent_of(event.run_facets)
                if parent:
                    wanted.add(ids.run_id(parent[0]))
                    if parent[1] and parent[2]:
                        wanted.add(ids.job_id(parent[1], parent[2]))
            if event.job_namespace and event.job_name:
                wanted.add(ids.job_id(event.job_namespace, event.job_name))
            for ref in (*event.inputs, *event.outputs, *((event.dataset,) if event.dataset else ())):
                wanted.add(ids.dataset_id(ref.namespace, ref.name))
                wanted |= f.referenced_datasets(ref)
            wanted |= record_ids(event)
        self._fetch(wanted)
        # Second phase, now that datasets are known: the versions these events most likely touch, and the fields
        # whose stored state decides what an event does to them (see ``_fields``).
        second: set[str] = set()
        for item in logged:
            event = item.event
            foreign = {(r.namespace, r.name) for r in event.inputs if f.observer_of(item.writer, r.namespace, None)}
            for ref in (*event.inputs, *event.outputs, *((event.dataset,) if event.dataset else ())):
                dataset = self.nodes.get(ids.dataset_id(ref.namespace, ref.name))
                if (ref.namespace, ref.name) in foreign or (dataset and dataset[1].get("observedFacets")):
                    tagged = dataset[1].get("taggedFields", []) if dataset else []
                    second |= f.field_ids(ref, self.schema(ref))
                    second |= {ids.field_id(ref.namespace, ref.name, x) for x in tagged}
            for ref in event.outputs:
                version = f.string_at(ref.facets, "version", "datasetVersion") or event.run_id
                if version:
                    second.add(ids.dataset_version_id(ref.namespace, ref.name, version))
            for ref in event.inputs:
                dataset = self.nodes.get(ids.dataset_id(ref.namespace, ref.name))
                explicit = f.string_at(ref.facets, "version", "datasetVersion")
                latest = dataset[1].get("latestVersion") if dataset else None
                for version in {explicit or latest or UNKNOWN_VERSION, UNKNOWN_VERSION}:
                    second.add(ids.dataset_version_id(ref.namespace, ref.name, version))
        self._fetch(second)

    def schema(self, ref: DatasetRef) -> list[f.SchemaField]:
        """The fields of ``ref``'s schema facet (read once per batch: load, fields and column lineage all need them)."""
        key = id(ref.facets)
        if key not in self._schemas:
            self._schemas[key] = f.schema_fields(ref.facets)
        return self._schemas[key]

    def _fetch(self, wanted: set[str]) -> None:
        """Read nodes once per batch; what the batch already set on a node stays over what the store holds."""
        missing = {i for i in wanted if i not in self.queried}
        if not missing:
            return
        self.queried |= missing
        for node in self.store.get_nodes(missing):
            held = self.nodes.setdefault(node.id, (node.label, {}))[1]
            merged = {**node.props, **held}
            held.clear()
            held.update(merged)
            self.stored[node.id] = json.dumps(node.props, sort_keys=True)
            self.stored_keys[node.id] = set(node.props)

    def node(self, node_id: str, label: NodeLabel, **props: Any) -> dict[str, Any]:
        """The (mutable) properties of a node in this batch, creating it with ``props`` if new."""
        if node_id not in self.nodes and label in _MERGED_LABELS:
            self._fetch({node_id})
        if node_id not in self.nodes:
            self.nodes[node_id] = (label, {})
        current = self.nodes[node_id][1]
        for key, value in props.items():
            if value is not None:
                current[key] = value
        return current

    def edge(self, src: str, etype: EdgeType, dst: str, at: str, **props: Any) -> None:
        key = (src, etype.value, dst)
        props_at = at
        existing = self.edges.get(key)
        if existing is not None:
            # The latest observation's properties win, whatever order the events came in.
            if existing.observed_at > at:
                props, props_at = {**props, **existing.props}, existing.observed_at
            else:
                props = {**existing.props, **props}
            at = min(at, existing.at)
        self.edges[key] = EdgeUpsert(src, etype, dst, at, props, props_at)

    def batch(self) -> ChangeBatch:
        nodes = [
            NodeUpsert(i, label, {**props, **{k: None for k in self.stored_keys.get(i, ()) if k not in props}})
            for i, (label, props) in sorted(self.nodes.items())
            if i not in self.stored or self.stored[i] != json.dumps(props, sort_keys=True)
        ]
        return ChangeBatch(nodes, [self.edges[k] for k in sorted(self.edges)])

    # -- events ----------------------------------------------------------------------------------------------
    def add(self, logged: LoggedEvent) -> None:
        event = logged.event
        source = Recording(
            event_node_id(logged.replica, logged.seq), logged.seq, event.event_time, logged.received_at, logged.writer
        )
        if event.kind is EventKind.RUN:
            self._run_event(event, source)
        elif event.kind is EventKind.JOB:
            project_use_case(self, event, self._job(event), source)
            for ref in event.inputs:
                self._dataset(ref, event.event_time, f.observer_of(logged.writer, ref.namespace, None))
            for ref in event.outputs:
                self._dataset(ref, event.event_time)
        elif event.dataset is not None:
            self._dataset(event.dataset, event.event_time)
        self.node(
            source.event,
            NodeLabel.EVENT,
            replica=logged.replica,
            seq=logged.seq,
            hash=logged.hash,
            prevHash=logged.prev_hash,
            contentHash=logged.content_hash,
            receivedAt=logged.received_at,
            eventTime=event.event_time,
            kind=event.kind.value,
            eventType=event.event_type,
            runId=event.run_id,
            body=logged.body,
            writerKey=logged.writer.key_id if logged.writer else None,
            writerRole=logged.writer.role if logged.writer else None,
            writerScope=logged.writer.scope_text() if logged.writer else None,
        )

    def _job(self, event: ParsedEvent) -> str:
        assert event.job_namespace is not None and event.job_name is not None
        job_id = ids.job_id(event.job_namespace, event.job_name)
        props = self.node(job_id, NodeLabel.JOB, namespace=event.job_namespace, name=event.job_name)
        facets, times = f.merge_facets(
            props.get("facets", {}), props.get("facetsAt", {}), event.job_facets, event.event_time
        )
        props.update(facets=facets, facetsAt=times)
        for key, value in (
            ("jobType", f.string_at(facets, "jobType", "jobType")),
            ("integration", f.string_at(facets, "jobType", "integration")),
            ("processingType", f.string_at(facets, "jobType", "processingType")),
            ("description", f.string_at(facets, "documentation", "description")),
            ("owners", f.owners(facets)),
        ):
            if value is not None:
                props[key] = value
        if event.event_time > props.get("updatedAt", ""):
            props["updatedAt"] = event.event_time
        return job_id

    def _run_event(self, event: ParsedEvent, source: Recording) -> None:
        assert event.run_id is not None
        job_id = self._job(event)
        run_id = ids.run_id(event.run_id)
        at = event.event_time
        props = self.node(run_id, NodeLabel.RUN, runId=event.run_id)
        props.update(jobId=job_id, jobNamespace=event.job_namespace, jobName=event.job_name)
        if event.producer:
            props["producer"] = event.producer
        merge_run_state(props, event.event_type, at)
        facets, times = f.merge_facets(props.get("facets", {}), props.get("facetsAt", {}), event.run_facets, at)
        props.update(facets=facets, facetsAt=times)
        for key, value in (
            ("nominalStartTime", _time_or_none(f.string_at(facets, "nominalTime", "nominalStartTime"))),
            ("nominalEndTime", _time_or_none(f.string_at(facets, "nominalTime", "nominalEndTime"))),
            ("errorMessage", f.error_message(facets)),
        ):
            if value is not None:
                props[key] = value
        self.edge(run_id, EdgeType.RUN_OF, job_id, at)
        parent = f.parent_of(event.run_facets)
        if parent and parent[0] != event.run_id:
            parent_id = ids.run_id(parent[0])
            parent_props = self.node(parent_id, NodeLabel.RUN, runId=parent[0])
            if parent[1] and parent[2]:
                parent_job = ids.job_id(parent[1], parent[2])
                self.node(parent_job, NodeLabel.JOB, namespace=parent[1], name=parent[2])
                parent_props.setdefault("jobId", parent_job)
                self.edge(parent_id, EdgeType.RUN_OF, parent_job, at)
            props["parentRunId"] = parent[0]
            if parent[3]:
                props["rootRunId"] = parent[3]
            self.edge(run_id, EdgeType.PARENT, parent_id, at)
        read: list[tuple[DatasetRef, str]] = []
        for ref in event.inputs:
            version_id = self._input_version(ref, at, f.observer_of(source.writer, ref.namespace, event.run_id))
            self.edge(run_id, EdgeType.READ, version_id, at)
            read.append((ref, version_id))
        written: list[tuple[DatasetRef, str]] = []
        for ref in event.outputs:
            version_id = self._output_version(ref, event.run_id, at)
            self.edge(run_id, EdgeType.WROTE, version_id, at)
            self._column_lineage(ref, event.run_id, at)
            written.append((ref, version_id))
        project_governance(self, event, source, run_id=run_id, job_id=job_id, read=read, written=written)

    def _version_node(self, ref: DatasetRef, version: str, at: str, run_id: str | None) -> str:
        dataset_id = ids.dataset_id(ref.namespace, ref.name)
        version_id = ids.dataset_version_id(ref.namespace, ref.name, version)
        props = self.node(
            version_id, NodeLabel.DATASET_VERSION, namespace=ref.namespace, name=ref.name, version=version
        )
        if not props.get("createdAt") or at < props["createdAt"]:
            props["createdAt"] = at
        if run_id:
            props["runId"] = run_id
        dataset = self.nodes[dataset_id][1]
        if dataset.get("datasetType"):
            props["datasetType"] = dataset["datasetType"]
        self.edge(version_id, EdgeType.VERSION_OF, dataset_id, at)
        return version_id

    def _input_version(self, ref: DatasetRef, at: str, observer: f.Observer | None) -> str:
        dataset_id = self._dataset(ref, at, observer)
        dataset = self.nodes[dataset_id][1]
        version = f.string_at(ref.facets, "version", "datasetVersion")
        if version is None:
            # The version read is the latest one written before the read (a write at the same instant is not
            # assumed to precede it); a dataset no instrumented run wrote gets "unknown", a gap the trace reports.
            latest_at = dataset.get("latestVersionAt", "")
            version = dataset.get("latestVersion") if latest_at and latest_at < at else None
        return self._version_node(ref, version or UNKNOWN_VERSION, at, None)

    def _output_version(self, ref: DatasetRef, run: str, at: str) -> str:
        dataset_id = self._dataset(ref, at)
        dataset = self.nodes[dataset_id][1]
        version = f.string_at(ref.facets, "version", "datasetVersion") or run
        version_id = self._version_node(ref, version, at, run)
        version_props = self.nodes[version_id][1]
        if at > version_props.get("writtenAt", ""):
            version_props["writtenAt"] = at
        # The latest version is the one written last (max over writes, so arrival order does not matter).
        written = version_props["writtenAt"]
        if (written, version) >= (dataset.get("latestVersionAt", ""), dataset.get("latestVersion", "")):
            dataset.update(latestVersion=version, latestVersionAt=written)
        return version_id

    def _column_lineage(self, ref: DatasetRef, run: str, at: str) -> None:
        out_fields = [x.path for x in self.schema(ref)]
        for d in f.column_lineage(ref.facets, out_fields):
            target, _ = self._field(ref.namespace, ref.name, d.output_field, at)
            source, _ = self._field(d.namespace, d.name, d.field, at)
            self.edge(
                target,
                EdgeType.DERIVED_FROM,
                source,
                at,
                type=d.type,
                subtypes=list(d.subtypes),
                masking=d.masking,
                runId=run,
                description=d.description,
            )


def project(store: GraphStore, events: Sequence[LoggedEvent]) -> ChangeBatch:
    """The changes that apply ``events`` (in log order) to the graph."""
    projection = Projection(store)
    projection.load(events)
    for logged in events:
        projection.add(logged)
    return projection.batch()
