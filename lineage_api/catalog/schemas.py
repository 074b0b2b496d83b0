"""The catalog API contract: namespaces, jobs, datasets, runs and the Marquez-compatible lineage graph."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class NamespaceOut(BaseModel):
    name: str = Field(description="The namespace, as producers send it (e.g. postgres://db:5432).")
    jobCount: int = Field(description="Jobs in this namespace.")
    datasetCount: int = Field(description="Datasets in this namespace.")


class NamespacePage(BaseModel):
    namespaces: list[NamespaceOut]
    nextOffset: int | None = Field(description="Pass as `offset` to read the next page; null at the end.")


class RunRef(BaseModel):
    id: str = Field(description="Node id, run:<runId>.")
    runId: str
    state: str | None = Field(description="RUNNING, COMPLETED, FAILED or ABORTED; null when only referenced.")


class JobOut(BaseModel):
    id: str = Field(description="Node id, job:<namespace>:<name>.")
    namespace: str
    name: str
    jobType: str | None = None
    integration: str | None = None
    processingType: str | None = None
    description: str | None = None
    owners: list[str] = Field(default_factory=list)
    facets: dict[str, Any] = Field(default_factory=dict, description="The latest version of each job facet.")
    updatedAt: str | None = Field(default=None, description="eventTime of the latest event about the job.")
    latestRun: RunRef | None = Field(
        default=None, description="The run first seen last; null when none is known (or the job has over 2,000 runs)."
    )


class JobPage(BaseModel):
    jobs: list[JobOut]
    nextOffset: int | None = Field(description="Pass as `offset` to read the next page; null at the end.")


class TagOut(BaseModel):
    key: str
    value: str


class FieldOut(BaseModel):
    name: str = Field(description="Column name; nested fields use a dotted path.")
    type: str | None = None
    description: str | None = None
    tags: list[TagOut] = Field(default_factory=list)
    classifications: list[str] = Field(default_factory=list)


class DatasetOut(BaseModel):
    id: str = Field(description="Node id, dataset:<namespace>:<name>.")
    namespace: str
    name: str
    datasetType: str | None = Field(default=None, description="Upper-case type; MODEL marks an AI model.")
    owners: list[str] = Field(default_factory=list)
    tags: list[TagOut] = Field(default_factory=list)
    external: bool = Field(default=False, description="Tagged boundary=external: data leaves the agency.")
    fields: list[FieldOut] = Field(default_factory=list, description="Columns known for the dataset, by name.")
    latestVersion: str | None = None
    latestVersionAt: str | None = None
    facets: dict[str, Any] = Field(default_factory=dict, description="The latest version of each dataset facet.")
    updatedAt: str | None = None


class DatasetPage(BaseModel):
    datasets: list[DatasetOut]
    nextOffset: int | None = Field(description="Pass as `offset` to read the next page; null at the end.")


class JobRef(BaseModel):
    id: str
    namespace: str
    name: str


class DatasetVersionRef(BaseModel):
    id: str = Field(description="Node id, dataset:<namespace>:<name>#<version>.")
    namespace: str
    name: str
    version: str


class RunOut(BaseModel):
    id: str = Field(description="Node id, run:<runId>.")
    runId: str
    state: str | None = Field(description="RUNNING, COMPLETED, FAILED or ABORTED; null for a run only referenced.")
    startedAt: str | None = None
    endedAt: str | None = None
    nominalStartTime: str | None = None
    nominalEndTime: str | None = None
    errorMessage: str | None = None
    producer: str | None = None
    facets: dict[str, Any] = Field(default_factory=dict)
    job: JobRef | None = None
    parentRunId: str | None = None
    rootRunId: str | None = Field(default=None, description="From the parent facet, else the top of the parents.")
    inputs: list[DatasetVersionRef] = Field(default_factory=list, description="Dataset versions the run read.")
    outputs: list[DatasetVersionRef] = Field(default_factory=list, description="Dataset versions the run wrote.")


class LineageEdge(BaseModel):
    origin: str
    destination: str


class NameRef(BaseModel):
    namespace: str
    name: str


class LineageJobData(BaseModel):
    id: NameRef
    type: str | None = Field(description="The job type (e.g. JOB, DAG, TASK, MODEL).")
    namespace: str
    name: str
    description: str | None = None
    updatedAt: str | None = None
    inputs: list[NameRef] = Field(description="Datasets the job's runs read.")
    outputs: list[NameRef] = Field(description="Datasets the job's runs wrote.")


class LineageDatasetData(BaseModel):
    id: NameRef
    type: str | None = Field(description="The dataset type (e.g. TABLE, MODEL).")
    namespace: str
    name: str
    physicalName: str
    updatedAt: str | None = None
    latestVersion: str | None = None
    fields: list[FieldOut] = Field(default_factory=list)
    tags: list[TagOut] = Field(default_factory=list)


class RestrictedData(BaseModel):
    restricted: Literal[True] = True
    classifications: list[str] = Field(default_factory=list)


class LineageNode(BaseModel):
    id: str = Field(description="dataset:<namespace>:<name> or job:<namespace>:<name> (restricted:<n> if redacted).")
    type: Literal["DATASET", "JOB"]
    data: LineageJobData | LineageDatasetData | RestrictedData
    inEdges: list[LineageEdge]
    outEdges: list[LineageEdge]


class LineageGraph(BaseModel):
    graph: list[LineageNode] = Field(description="Jobs and datasets, sorted by id.")
    truncated: bool = Field(
        default=False, description="True when the node cap stopped the walk before the requested depth."
    )
    redacted: bool = Field(default=False, description="True when nodes outside the caller's namespaces are hidden.")
