"""How much graph one event projects to, bounded before it is acknowledged.

An event becomes nodes and edges written in one store transaction. A small body can name a great many: 300 output
fields and 300 dataset-wide column-lineage inputs (a 22 KB body) are 90,000 ``DERIVED_FROM`` edges. On Neo4j with
its default 512 MiB heap (358 MiB for all transactions) about 100,000 elements exhaust the transaction memory, and
that error is transient: the projector would retry the same batch for ever. So an event may project to at most
``MAX_GRAPH_ITEMS`` (20,000, see ``lineage_api.core.limits``) nodes and edges, estimated from what it names:

=============================================================  =====================================
what                                                            counts
=============================================================  =====================================
each input, output or dataset (dataset, version, edges)         4
each symlink identifier (dataset, edge)                         2
each schema field path, tagged field, column-lineage field      2 (field, ``HAS_FIELD``)
each per-field column-lineage input field                       1 (``DERIVED_FROM``)
each dataset-wide column-lineage input, per output field        1 (``DERIVED_FROM``)
each governance output (output, two edges)                      3
each reviewed output id, each decision basis entry              2
=============================================================  =====================================

Refused with 400 naming the part of the event that contributes most, e.g. ``outputs[0].facets.columnLineage``.
The shapes are checked first (``shapes.py``), so what is read here has the types the projection reads.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lineage_api.core.errors import InvalidInput
from lineage_api.core.limits import MAX_GRAPH_ITEMS
from lineage_api.ingest import facets as f
from lineage_api.ingest.parse import DatasetRef, ParsedEvent

__all__ = ["MAX_GRAPH_ITEMS", "check_fanout", "graph_items"]


def _list(facet: Any, key: str) -> list[Any]:
    value = facet.get(key) if isinstance(facet, dict) else None
    return value if isinstance(value, list) else []


def _column_lineage(facets: dict[str, Any], schema_paths: set[str]) -> int:
    facet = facets.get("columnLineage")
    if not isinstance(facet, dict):
        return 0
    fields: dict[str, Any] = facet["fields"] if isinstance(facet.get("fields"), dict) else {}
    per_field = [entry for spec in fields.values() if isinstance(spec, dict) for entry in _list(spec, "inputFields")]
    dataset_wide = _list(facet, "dataset")
    sources = len(per_field) + len(dataset_wide)
    derivations = len(per_field) + len(dataset_wide) * len(schema_paths | set(fields))
    return 2 * (len(fields) + sources) + derivations


def _dataset(ref: DatasetRef, at: str, counts: Counter[str]) -> None:
    counts[at] += 4
    counts[f"{at}.facets.symlinks.identifiers"] += 2 * len(_list(ref.facets.get("symlinks"), "identifiers"))
    paths = {field.path for field in f.schema_fields(ref.facets)}
    counts[f"{at}.facets.schema.fields"] += 2 * len(paths)
    counts[f"{at}.facets.tags.tags"] += 2 * sum(1 for tag in f.tags(ref.facets) if tag.field)
    counts[f"{at}.facets.columnLineage"] += _column_lineage(ref.facets, paths)
    counts[f"{at}.outputFacets.aigov_outputs.outputs"] += 3 * len(_list(ref.io_facets.get("aigov_outputs"), "outputs"))


def graph_items(event: ParsedEvent) -> Counter[str]:
    """The estimated nodes and edges ``event`` projects to, by the path of the part that names them."""
    counts: Counter[str] = Counter()
    for i, ref in enumerate(event.inputs):
        _dataset(ref, f"inputs[{i}]", counts)
    for i, ref in enumerate(event.outputs):
        _dataset(ref, f"outputs[{i}]", counts)
    if event.dataset is not None:
        _dataset(event.dataset, "dataset", counts)
    counts["run.facets.aigov_review.outputIds"] += 2 * len(_list(event.run_facets.get("aigov_review"), "outputIds"))
    counts["run.facets.aigov_decision.basis"] += 2 * len(_list(event.run_facets.get("aigov_decision"), "basis"))
    return counts


def check_fanout(data: dict[str, Any], event: ParsedEvent) -> None:
    """Refuse an event that would project to more than ``MAX_GRAPH_ITEMS`` nodes and edges."""
    counts = graph_items(event)
    total = sum(counts.values())
    if total > MAX_GRAPH_ITEMS:
        where, most = counts.most_common(1)[0]
        raise InvalidInput(
            f"{where}: the event would project to about {total} nodes and edges ({most} from here), more than the"
            f" limit of {MAX_GRAPH_ITEMS}; send fewer fields or datasets per event",
            field=where,
        )
