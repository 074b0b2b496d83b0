"""The ``Dataset`` value type (fields, classifications, tags, column lineage, version) and its OpenLineage form."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Literal

from openlineage.client.event_v2 import InputDataset, OutputDataset, StaticDataset
from openlineage.client.facet_v2 import (
    DatasetFacet,
    OutputDatasetFacet,
    column_lineage_dataset,
    dataset_type_dataset,
    dataset_version_dataset,
    schema_dataset,
    tags_dataset,
)

from collectors._errors import InvalidArgument
from collectors._values import choice, optional_text, text

TransformationType = Literal["DIRECT", "INDIRECT"]
TransformationSubtype = Literal[
    "IDENTITY", "TRANSFORMATION", "AGGREGATION", "JOIN", "GROUP_BY", "FILTER", "SORT", "WINDOW", "CONDITIONAL"
]
_PII = ("ssn", "name", "dob", "address", "phone", "email", "a_number", "passport", "biometric", "financial", "other")
_PROTECTED = (
    "race",
    "ethnicity",
    "gender",
    "national_origin",
    "religion",
    "sexual_orientation",
    "gender_identity",
    "age",
    "nationality",
    "medical_condition",
    "disability",
    "emotional_state",
)
CLASSIFICATIONS = frozenset({*(f"pii.{x}" for x in _PII), *(f"protected.{x}" for x in _PROTECTED)})
# Values the contract may add later still fall under the prefixes the compliance rules look at.
_OPEN_CLASSIFICATION = re.compile(r"(pii|protected)\.[a-z0-9_]+")


def classification(value: str, argument: str) -> str:
    """A contract classification (``pii.ssn``, ``protected.age``, ...), else ``InvalidArgument``."""
    if value in CLASSIFICATIONS or (isinstance(value, str) and _OPEN_CLASSIFICATION.fullmatch(value)):
        return value
    raise InvalidArgument(
        f"{argument}: {value!r} is not a classification (pii.<kind> or protected.<characteristic>, e.g. pii.ssn)",
        argument=argument,
    )


@dataclass(frozen=True, slots=True)
class Field:
    """A column of a dataset: its type, description and classifications (``pii.ssn``, ``protected.age``, ...)."""

    name: str
    type: str | None = None
    classifications: Sequence[str] = ()
    description: str | None = None

    def __post_init__(self) -> None:
        text(self.name, "field name")
        optional_text(self.type, f"type of field {self.name!r}")
        if isinstance(self.classifications, str):
            object.__setattr__(self, "classifications", (self.classifications,))
        object.__setattr__(self, "classifications", tuple(self.classifications))
        for value in self.classifications:
            classification(value, f"classification of field {self.name!r}")


@dataclass(frozen=True, slots=True)
class InputField:
    """An input column an output column is derived from (build with ``Dataset.column``)."""

    namespace: str
    name: str
    field: str
    type: TransformationType = "DIRECT"
    subtype: TransformationSubtype | None = None
    masking: bool = False
    description: str | None = None

    def __post_init__(self) -> None:
        for attribute in ("namespace", "name", "field"):
            text(getattr(self, attribute), f"input field {attribute}")
        choice(self.type, TransformationType, "transformation type")
        if self.subtype is not None:
            choice(self.subtype, TransformationSubtype, "transformation subtype")


@dataclass(frozen=True)
class Dataset:
    """A dataset a step reads or writes.

    ``fields`` become the ``schema`` facet and their classifications ``tags`` entries with ``field``; ``tags`` are
    dataset-level ``(key, value)`` tags and ``external=True`` adds ``("boundary", "external")``. ``column_lineage``
    maps each output field to the ``InputField``s it derives from (used when the dataset is an output).
    ``version`` and ``dataset_type`` (``"MODEL"`` for a model) become the standard facets of those names.

    The server keeps one ``tags`` facet per dataset, the latest sent: a dataset sent with tags should carry all
    of them (classifications and boundary alike).
    """

    namespace: str
    name: str
    fields: Sequence[Field] = ()
    tags: Sequence[tuple[str, str]] = ()
    external: bool = False
    column_lineage: Mapping[str, Sequence[InputField]] = field(default_factory=dict, hash=False)
    version: str | None = None
    dataset_type: str | None = None

    def __post_init__(self) -> None:
        text(self.namespace, "dataset namespace")
        text(self.name, "dataset name")
        optional_text(self.version, "dataset version")
        optional_text(self.dataset_type, "dataset type")
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "tags", tuple((text(k, "tag key"), text(v, "tag value")) for k, v in self.tags))
        for key, value in self.tags:
            if key == "classification":
                classification(value, f"classification of dataset {self.name!r}")
        names = {f.name for f in self.fields}
        lineage = {out: tuple(sources) for out, sources in self.column_lineage.items()}
        for out in lineage:
            if names and out not in names:
                raise InvalidArgument(
                    f"column_lineage names {out!r}, which is not a field of {self.name!r}", argument="column_lineage"
                )
        object.__setattr__(self, "column_lineage", lineage)

    @property
    def node_id(self) -> str:
        """The ai-lineage node id: ``dataset:<namespace>:<name>``, with ``#<version>`` when versioned."""
        base = f"dataset:{self.namespace}:{self.name}"
        return f"{base}#{self.version}" if self.version else base

    def column(
        self,
        field: str,
        *,
        type: TransformationType = "DIRECT",
        subtype: TransformationSubtype | None = None,
        masking: bool = False,
        description: str | None = None,
    ) -> InputField:
        """This dataset's column ``field`` as the input of an output column's lineage."""
        if self.fields and field not in {f.name for f in self.fields}:
            raise InvalidArgument(f"{field!r} is not a field of {self.name!r}", argument="field")
        return InputField(self.namespace, self.name, field, type, subtype, masking, description)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


def _tags(
    ds: Dataset, producer: str, source: str | None = None, sourced: Set[tuple[str, str]] = frozenset()
) -> tags_dataset.TagsDatasetFacet | None:
    """The ``tags`` facet: field classifications, then dataset tags; ``source`` marks the ``sourced`` ones."""
    entries = [
        tags_dataset.TagsDatasetFacetFields(
            key="classification", value=value, source=source if (f.name, value) in sourced else None, field=f.name
        )
        for f in ds.fields
        for value in f.classifications
    ]
    pairs = list(ds.tags)
    if ds.external and ("boundary", "external") not in pairs:
        pairs.append(("boundary", "external"))
    entries += [tags_dataset.TagsDatasetFacetFields(key=k, value=v) for k, v in pairs]
    return tags_dataset.TagsDatasetFacet(tags=entries, producer=producer) if entries else None


def _column_lineage(ds: Dataset, producer: str) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    cl = column_lineage_dataset
    return cl.ColumnLineageDatasetFacet(
        fields={
            out: cl.Fields(
                inputFields=[
                    cl.InputField(
                        namespace=s.namespace,
                        name=s.name,
                        field=s.field,
                        transformations=[
                            cl.Transformation(
                                type=s.type, subtype=s.subtype, description=s.description, masking=s.masking
                            )
                        ],
                    )
                    for s in sources
                ]
            )
            for out, sources in ds.column_lineage.items()
        },
        producer=producer,
    )


def dataset_facets(ds: Dataset, producer: str, *, lineage: bool = False) -> dict[str, DatasetFacet]:
    """The standard dataset facets that describe ``ds`` (column lineage only for outputs)."""
    facets: dict[str, DatasetFacet] = {}
    if ds.fields:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(
            fields=[
                schema_dataset.SchemaDatasetFacetFields(name=f.name, type=f.type, description=f.description)
                for f in ds.fields
            ],
            producer=producer,
        )
    tags = _tags(ds, producer)
    if tags is not None:
        facets["tags"] = tags
    if ds.version:
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=ds.version, producer=producer
        )
    if ds.dataset_type:
        facets["datasetType"] = dataset_type_dataset.DatasetTypeDatasetFacet(
            datasetType=ds.dataset_type, producer=producer
        )
    if lineage and ds.column_lineage:
        facets["columnLineage"] = _column_lineage(ds, producer)
    return facets


def as_input(ds: Dataset, producer: str) -> InputDataset:
    return InputDataset(namespace=ds.namespace, name=ds.name, facets=dataset_facets(ds, producer))


def as_output(ds: Dataset, producer: str, output_facets: Mapping[str, OutputDatasetFacet] | None) -> OutputDataset:
    return OutputDataset(
        namespace=ds.namespace,
        name=ds.name,
        facets=dataset_facets(ds, producer, lineage=True),
        outputFacets=dict(output_facets or {}),
    )


def as_static(ds: Dataset, producer: str, source: str | None, sourced: Set[tuple[str, str]]) -> StaticDataset:
    """``ds`` with its ``tags`` facet alone: a classification must not replace the schema others sent."""
    tags = _tags(ds, producer, source, sourced)
    return StaticDataset(namespace=ds.namespace, name=ds.name, facets={"tags": tags} if tags else {})
