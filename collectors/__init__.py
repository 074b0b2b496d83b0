"""Instrument pipelines and model runs with OpenLineage events that ai-lineage understands.

    lineage = Lineage.from_env()
    claims = Dataset("postgres://db:5432", "public.claims", fields=[Field("ssn", "text", ["pii.ssn"])])
    with lineage.step("build_features", inputs=[claims], outputs=[features]) as run:
        ...
    with lineage.inference_run("triage", "1.2.0", output_dataset=scores, use_case=uc) as run:
        run.record_output("out-1", "score", 0.91, "sha256:9f2c...")
    lineage.record_decision("dec-1", action_type="benefit_grant", significant=True,
                            basis=[ai_output("out-1"), human_review("rev-1")], decided_by="user:officer12")

Built on ``openlineage-python``: its client, transports and configuration carry the events; the governance facets
(``aigov_*``) follow ``graph_schema/facets``. Errors: see ``collectors._errors``.
"""

from collectors._datasets import Dataset, Field, InputField
from collectors._errors import CollectorError, InvalidArgument, InvalidFacet
from collectors._lineage import Lineage
from collectors._models import InferenceRun
from collectors._runs import Run, RunRef, current_run
from collectors._sql import SqlLineage, sql_lineage
from collectors._steps import Step
from collectors._values import Actor, Basis, UseCase, ai_output, evidence, human_review

__all__ = [
    "Actor",
    "Basis",
    "CollectorError",
    "Dataset",
    "Field",
    "InferenceRun",
    "InputField",
    "InvalidArgument",
    "InvalidFacet",
    "Lineage",
    "Run",
    "RunRef",
    "SqlLineage",
    "Step",
    "UseCase",
    "ai_output",
    "current_run",
    "evidence",
    "human_review",
    "sql_lineage",
]
