"""Projecting a dataset's facets: its properties, fields and classifications, as recorded or as observed.

A writer with authority over the dataset's namespace records facets (the latest one wins); a run of another
namespace that reads the dataset only *observes* them: what it sends may add fields, classifications and facets
nobody with authority recorded, and never removes or changes what an authorised writer recorded.
"""

from __future__ import annotations

from typing import Any

from graph_schema import EdgeType, NodeLabel
from lineage_api.core import ids
from lineage_api.ingest import facets as f
from lineage_api.ingest.parse import DatasetRef
from lineage_api.privacy.name_rules import suggest

_FIELD_FACETS = ("schema", "tags")


class DatasetFacts:
    """The dataset part of ``Projection`` (which provides the node cache and the building blocks below)."""

    nodes: dict[str, tuple[NodeLabel, dict[str, Any]]]
    repeated: dict[str, set[str]]

    def node(self, node_id: str, label: NodeLabel, **props: Any) -> dict[str, Any]:
        raise NotImplementedError

    def edge(self, src: str, etype: EdgeType, dst: str, at: str, **props: Any) -> None:
        raise NotImplementedError

    def schema(self, ref: DatasetRef) -> list[f.SchemaField]:
        raise NotImplementedError

    def _fetch(self, wanted: set[str]) -> None:
        raise NotImplementedError

    def _dataset(self, ref: DatasetRef, at: str, observer: f.Observer | None = None) -> str:
        dataset_id = ids.dataset_id(ref.namespace, ref.name)
        props = self.node(dataset_id, NodeLabel.DATASET, namespace=ref.namespace, name=ref.name)
        auth, times = self._merge_facets(dataset_id, props, ref, at, observer)
        facets = props["facets"]
        dataset_type = f.string_at(facets, "datasetType", "datasetType")
        if dataset_type:
            props["datasetType"] = dataset_type.upper()
        found_owners = f.owners(facets)
        if found_owners is not None:
            props["owners"] = found_owners
        description = f.string_at(facets, "documentation", "description")
        if description is not None:
            props["description"] = description
        if "tags" in ref.facets:
            found = [t for t in f.tags(ref.facets) if t.field is None]
            if observer is not None and (found or props.get("observedTags")):
                props["observedTags"] = f.add_tags(props.get("observedTags"), found, observer.by)
            if "tags" in times or props.get("observedTags"):
                dataset_tags = f.dataset_tags(auth, props.get("observedTags"))
                props["tags"] = dataset_tags
                props["external"] = any(t["key"] == "boundary" and t["value"] == "external" for t in dataset_tags)
        if at > props.get("updatedAt", ""):
            props["updatedAt"] = at
        self._fields(ref, at, observer)
        symlinks = ref.facets.get("symlinks")
        if isinstance(symlinks, dict) and isinstance(symlinks.get("identifiers"), list):
            for ident in symlinks["identifiers"]:
                if isinstance(ident, dict) and ident.get("namespace") and ident.get("name"):
                    ns, name = str(ident["namespace"]), str(ident["name"])
                    other = ids.dataset_id(ns, name)
                    self.node(other, NodeLabel.DATASET, namespace=ns, name=name)
                    self.edge(dataset_id, EdgeType.SYMLINK, other, at, type=str(ident.get("type") or ""))
        return dataset_id

    def _merge_facets(
        self, dataset_id: str, props: dict[str, Any], ref: DatasetRef, at: str, observer: f.Observer | None
    ) -> tuple[f.Facets, dict[str, str]]:
        """Merge ``ref``'s facets as recorded with authority, or as observed; (authorised facets, their times)."""
        times: dict[str, str] = props.get("facetsAt", {})
        auth, observed = f.authoritative(props.get("facets", {}), times), props.get("observedFacets", {})
        # A facet repeating what the dataset holds, seen no earlier than before, needs no field or tag writes
        # (an earlier sighting still writes: edges keep the earliest time).
        # An observation repeats only the same observer's (its key is what observed tags record).
        if observer is None:
            held = {n: (auth.get(n), times[n]) for n in _FIELD_FACETS if n in times}
            auth, times = f.merge_facets(auth, times, ref.facets, at)
            props["facetsAt"] = times
        else:
            held = {
                n: (o.get("facet"), str(o.get("at")))
                for n in _FIELD_FACETS
                if isinstance(o := observed.get(n), dict) and o.get("by") == observer.by
            }
            observed = f.observe(observed, ref.facets, at, by=observer.by, run_id=observer.run_id)
            props["observedFacets"] = observed
        self.repeated[dataset_id] = {
            n for n, (facet, seen) in held.items() if n in ref.facets and ref.facets[n] == facet and seen <= at
        }
        props["facets"] = f.with_observed(auth, times, observed)
        return auth, times

    def _field(
        self, namespace: str, name: str, field: str, at: str, *, state: bool = False
    ) -> tuple[str, dict[str, Any]]:
        """A field (``state``: with its stored properties read, when what happens to it depends on them)."""
        dataset_id = ids.dataset_id(namespace, name)
        self.node(dataset_id, NodeLabel.DATASET, namespace=namespace, name=name)
        field_id = ids.field_id(namespace, name, field)
        props = self.node(field_id, NodeLabel.FIELD, namespace=namespace, name=name, field=field)
        if state:
            self._fetch({field_id})
        if "suggestions" not in props:
            suggestions = suggest(field)
            props.update(suggestions=suggestions, suggested=bool(suggestions))
        self.edge(dataset_id, EdgeType.HAS_FIELD, field_id, at)
        return field_id, props

    def _fields(self, ref: DatasetRef, at: str, observer: f.Observer | None) -> None:
        dataset_id = ids.dataset_id(ref.namespace, ref.name)
        repeated = self.repeated.get(dataset_id, set())
        # Fields carry observed state only once the dataset was observed: only then is reading them needed.
        seen = self.nodes[dataset_id][1].get("observedFacets") or {}
        if "schema" in ref.facets and "schema" not in repeated:
            for item in self.schema(ref):
                _, props = self._field(ref.namespace, ref.name, item.path, at, state="schema" in seen)
                if observer is None:
                    f.declare_schema(props, item)
                else:
                    f.observe_schema(props, item, at, observer.by)
        if "tags" in ref.facets and "tags" not in repeated:
            if observer is None:
                self._declared_tags(ref, at, state="tags" in seen)
            else:
                self._observed_tags(ref, at, observer)

    def _declared_tags(self, ref: DatasetRef, at: str, *, state: bool) -> None:
        """The authorised tags facet in force decides the fields' declared tags; fields it no longer tags lose them."""
        dataset = self.nodes[ids.dataset_id(ref.namespace, ref.name)][1]
        by_field: dict[str, list[dict[str, str]]] = {}
        for tag in f.tags(f.authoritative(dataset.get("facets", {}), dataset.get("facetsAt", {}))):
            if tag.field:
                by_field.setdefault(tag.field, []).append({"key": tag.key, "value": tag.value})
        for field in set(dataset.get("taggedFields", [])) - by_field.keys():
            by_field[field] = []
        for field, field_tags in sorted(by_field.items()):
            _, props = self._field(ref.namespace, ref.name, field, at, state=state)
            props["tags"] = field_tags
            f.classify_field(props)
        dataset["taggedFields"] = sorted(k for k, v in by_field.items() if v)

    def _observed_tags(self, ref: DatasetRef, at: str, observer: f.Observer) -> None:
        """Observed field tags only add: a field with declared classifications keeps them, observed ones wait."""
        by_field: dict[str, list[f.Tag]] = {}
        for tag in f.tags(ref.facets):
            if tag.field:
                by_field.setdefault(tag.field, []).append(tag)
        for field, found in sorted(by_field.items()):
            _, props = self._field(ref.namespace, ref.name, field, at, state=True)
            props["observedTags"] = f.add_tags(props.get("observedTags"), found, observer.by)
            f.classify_field(props)
