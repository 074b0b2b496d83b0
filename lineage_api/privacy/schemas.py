"""Privacy answers: classification flows and a dataset's classified fields."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["declared", "suggested", "direct", "masked-after", "indirect", "possible"]


class Reached(BaseModel):
    id: str
    classification: str
    status: Status
    path: list[str] = Field(description="Node ids from the classified source to this node.")


class ReachedDataset(Reached):
    external: bool = False


class FlowAnswer(BaseModel):
    classification: str
    complete: bool = Field(description="False when a hop limit cut the propagation short.")
    fields: list[Reached] = Field(description="Fields holding it: declared, propagated, or only suggested by name.")
    datasets: list[ReachedDataset]
    models: list[Reached] = Field(description="Model versions whose training runs read it.")
    outputs: list[Reached] = Field(description="AI outputs it may have influenced (first 1000).")
    outputCount: int
    external: list[ReachedDataset] = Field(description="Datasets tagged boundary: external that it reaches.")


class FieldOrigin(BaseModel):
    classification: str
    origin: Literal["declared", "observed", "suggested", "propagated"] = Field(
        description="declared by a writer with authority over the dataset's namespace; observed (only) by runs of "
        "other namespaces reading it (see observedBy); suggested by the field's name; propagated by lineage."
    )
    status: Status
    source: str = Field(description="The field the classification was declared on (itself when declared here).")
    path: list[str]
    observedBy: list[str] | None = Field(
        default=None, description="For an observed classification: the keys (key:<keyId>) whose runs reported it."
    )


class FieldPrivacy(BaseModel):
    id: str
    field: str
    type: str | None = None
    classifications: list[FieldOrigin]


class DatasetPrivacy(BaseModel):
    id: str
    namespace: str
    name: str
    external: bool
    fields: list[FieldPrivacy]


class ClassifyRequest(BaseModel):
    """Classify fields of a dataset (recorded as an OpenLineage event, like everything else)."""

    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(description="dataset:<namespace>:<name>", examples=["dataset:s3://claims:raw/claims.csv"])
    fields: dict[str, str] = Field(description="field name -> classification, e.g. {'ssn': 'pii.ssn'}", min_length=1)
    # No ``by``: the classification is recorded as made by the calling key (``key:<keyId>``); sending one is a 400.


class ClassifyResult(BaseModel):
    seq: int
    dataset: str
    fields: dict[str, str]
