"""Events with schemas, classifications and column lineage, for privacy and compliance tests."""

from __future__ import annotations

from typing import Any

from tests.factories import dataset, facet, run_event, schema

NS = "warehouse"


def classified(name: str, fields: dict[str, str | None], *, external: bool = False) -> dict[str, Any]:
    tags = [{"key": "classification", "value": c, "field": f} for f, c in fields.items() if c]
    if external:
        tags.append({"key": "boundary", "value": "external"})
    return dataset(NS, name, {"schema": schema(*fields), "tags": facet(tags=tags)})


def derived(
    name: str,
    lineage: dict[str, list[tuple[str, str, str, bool]]],
    *,
    external: bool = False,
    extra_fields: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An output dataset whose fields derive from (input dataset, input field, DIRECT|INDIRECT, masking)."""
    fields = {
        out: {
            "inputFields": [
                {
                    "namespace": NS,
                    "name": ds,
                    "field": f,
                    "transformations": [
                        {"type": t, "subtype": "TRANSFORMATION" if t == "DIRECT" else "FILTER", "masking": m}
                    ],
                }
                for ds, f, t, m in sources
            ]
        }
        for out, sources in lineage.items()
    }
    facets: dict[str, Any] = {"schema": schema(*lineage, *extra_fields), "columnLineage": facet(fields=fields)}
    if external:
        facets["tags"] = facet(tags=[{"key": "boundary", "value": "external"}])
    return dataset(NS, name, facets)


def step(
    run_id: str, inputs: list[str], output: dict[str, Any], *, time: str, job: str | None = None
) -> dict[str, Any]:
    return run_event(
        run_id=run_id,
        job=("etl", job or f"build_{output['name']}"),
        time=time,
        inputs=[dataset(NS, i) for i in inputs],
        outputs=[output],
    )
