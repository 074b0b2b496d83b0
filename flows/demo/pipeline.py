"""The benefits-claims pipeline as Prefect flows, each step instrumented with collectors.

Stages, in order (``STAGES``): intake, features, privacy approval, model v1 (trained, fails its bias test),
civil-rights approval of the protected attribute, model v2 (trained, passes), governance-board approval of v2,
batch scoring with v2 (one AI output per claim), officer reviews and decisions, and a vendor extract that leaves
the agency without a data-sharing approval.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast

from prefect import Flow, flow, task

from collectors import Actor, Lineage, ai_output, human_review
from collectors.prefect import lineage_flow, task_run_ref
from flows.demo import data
from flows.demo.catalog import FEATURES, INTAKE_FILE, MODEL, RAW_CLAIMS, SCORES, USE_CASE, VENDOR_EXTRACT

CLAIMS_FILED = date(2026, 3, 1)
F = TypeVar("F", bound=Flow[Any, Any])
OFFICER = Actor("user:officer-12", "adjudicator")
BOARD = Actor("user:aigb-chair", "AI Governance Board")


NAMESPACE = "uscis-benefits"


@cache
def lineage() -> Lineage:
    """The emitter: the OpenLineage client configured from the environment (OPENLINEAGE_URL and friends)."""
    return Lineage(namespace=NAMESPACE, producer="https://ai-lineage.dev/demo")


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _read_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@task
def ingest_claims(workdir: str) -> int:
    with lineage().step("benefits.ingest_claims", inputs=[INTAKE_FILE], outputs=[RAW_CLAIMS], parent=task_run_ref()):
        rows = [asdict(c) for c in data.claims()]
        _write_csv(Path(workdir) / "raw_claims.csv", rows)
    return len(rows)


@task
def build_features(workdir: str) -> int:
    with lineage().step("benefits.build_features", inputs=[RAW_CLAIMS], outputs=[FEATURES], parent=task_run_ref()):
        rows = [data.features(c, CLAIMS_FILED) for c in data.claims()]
        _write_csv(Path(workdir) / "claim_features.csv", rows)
    return len(rows)


@task
def train(workdir: str, version: str) -> dict[str, float]:
    with lineage().training_run(MODEL, version, inputs=[FEATURES], job="benefits.train_model", parent=task_run_ref()):
        w = data.weights(version)
        (Path(workdir) / f"model-{version}.json").write_text(json.dumps(w, indent=2), encoding="utf-8")
    return w


@task
def evaluate(workdir: str, version: str) -> bool:
    rows = [data.features(c, CLAIMS_FILED) for c in data.claims()]
    gap = data.disparity(rows, data.weights(version))
    passed = gap <= 0.1
    lineage().evaluation_run(
        MODEL,
        version,
        evaluation_id=f"eval-bias-{version}",
        kind="bias",
        passed=passed,
        metrics={"approval_rate_disparity": gap},
        thresholds={"max_disparity": 0.1},
        subgroups=[{"attribute": "protected.disability", "metric": "approval_rate_disparity", "value": gap}],
        test_data=FEATURES,
        job="benefits.evaluate_model",
    )
    return passed


@task
def approve(approval_id: str, kind: str, targets: str, approver: Actor, reference: str) -> str:
    what = {"features": [FEATURES], "model-v2": [lineage().model(MODEL, "v2")]}[targets]
    return lineage().record_approval(
        approval_id,
        kind=cast(Any, kind),
        decision="approved",
        approver=approver,
        approves=what,
        reference=reference,
        job="benefits.governance",
    )


@task
def score_claims(workdir: str, version: str) -> dict[str, float]:
    rows = [data.features(c, CLAIMS_FILED) for c in data.claims()]
    w = data.weights(version)
    scores: dict[str, float] = {}
    with lineage().inference_run(
        MODEL,
        version,
        output_dataset=SCORES,
        features=[FEATURES],
        use_case=USE_CASE,
        job="benefits.score_claims",
        parent=task_run_ref(),
    ) as run:
        for row in rows:
            value = data.score(row, w)
            claim = str(row["claim_id"])
            scores[claim] = value
            run.record_output(f"out-{claim}", "score", value, f"sha256:{row['ssn_hash']}")
    _write_csv(
        Path(workdir) / "claim_scores.csv",
        [{"claim_id": k, "score": v, "recommendation": "grant" if v >= 0.5 else "deny"} for k, v in scores.items()],
    )
    return scores


@task
def adjudicate(scores: dict[str, float]) -> list[str]:
    """Officers review some outputs, then decide: a reviewed denial, an unreviewed denial, a reviewed grant."""
    lin = lineage()
    lin.record_review(
        "rev-C-1001",
        output_ids=["out-C-1001"],
        reviewer=OFFICER,
        outcome="concur",
        rationale="income documents confirm ineligibility",
        outputs_dataset=SCORES,
        job="benefits.officer_review",
    )
    lin.record_review(
        "rev-C-1006",
        output_ids=["out-C-1006"],
        reviewer=OFFICER,
        outcome="concur",
        rationale="eligible",
        outputs_dataset=SCORES,
        job="benefits.officer_review",
    )
    lin.record_review(
        "rev-C-1004",
        output_ids=["out-C-1004"],
        reviewer=OFFICER,
        outcome="escalate",
        rationale="needs supervisor",
        outputs_dataset=SCORES,
        job="benefits.officer_review",
    )
    decisions = [
        ("dec-C-1001", "benefit_denial", [ai_output("out-C-1001"), human_review("rev-C-1001")]),
        ("dec-C-1002", "benefit_denial", [ai_output("out-C-1002")]),
        ("dec-C-1006", "benefit_grant", [ai_output("out-C-1006"), human_review("rev-C-1006")]),
    ]
    for decision_id, action, basis in decisions:
        claim = decision_id.removeprefix("dec-")
        lin.record_decision(
            decision_id,
            action_type=cast(Any, action),
            significant=True,
            basis=basis,
            decided_by=OFFICER,
            subject_ref=f"claim:{claim}",
            use_case=USE_CASE,
            job="benefits.adjudicate",
        )
    return [d[0] for d in decisions]


@task
def vendor_extract(workdir: str) -> int:
    with lineage().step(
        "benefits.vendor_extract", inputs=[RAW_CLAIMS], outputs=[VENDOR_EXTRACT], parent=task_run_ref()
    ):
        rows = [{k: getattr(c, k) for k in ("claim_id", "ssn", "full_name", "claim_amount")} for c in data.claims()]
        _write_csv(Path(workdir) / "vendor_extract.csv", rows)
    return len(rows)


@flow(name="benefits-intake")
def _intake(workdir: str) -> int:
    return ingest_claims(workdir)


@flow(name="benefits-features")
def _features(workdir: str) -> int:
    return build_features(workdir)


@flow(name="benefits-model")
def _model(workdir: str, version: str) -> bool:
    train(workdir, version)
    return evaluate(workdir, version)


@flow(name="benefits-governance")
def _approval(approval_id: str, kind: str, targets: str, approver: str, role: str, reference: str) -> str:
    return approve(approval_id, kind, targets, Actor(approver, role), reference)


@flow(name="benefits-scoring")
def _scoring(workdir: str, version: str) -> dict[str, float]:
    return score_claims(workdir, version)


@flow(name="benefits-adjudication")
def _adjudication(scores: dict[str, float]) -> list[str]:
    return adjudicate(scores)


@flow(name="benefits-vendor-extract")
def _vendor(workdir: str) -> int:
    return vendor_extract(workdir)


def stages(workdir: str) -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
    """The demo's stages in order; each runs one Prefect flow, instrumented so that its flow and task runs are
    OpenLineage runs too (the collectors' steps inside tasks are their children). ``state`` carries results."""
    emitter = lineage()

    def instrument(f: F) -> F:
        return lineage_flow(f, lineage=emitter, namespace=NAMESPACE)

    intake_flow, features_flow, model_flow = instrument(_intake), instrument(_features), instrument(_model)
    approval_flow, scoring_flow = instrument(_approval), instrument(_scoring)
    adjudication_flow, vendor_flow = instrument(_adjudication), instrument(_vendor)
    return [
        ("intake: raw claims with PII and protected attributes", lambda s: intake_flow(workdir)),
        ("features: SSN hashed, age from date of birth", lambda s: features_flow(workdir)),
        (
            "privacy approval of the feature table",
            lambda s: approval_flow(
                "appr-privacy-features", "privacy", "features", "user:privacy-officer", "Privacy Office", "PTA-2026-07"
            ),
        ),
        ("model v1: trained, bias test", lambda s: s.update(v1_passed=model_flow(workdir, "v1"))),
        (
            "civil-rights approval to use disability status",
            lambda s: approval_flow(
                "appr-crcl-disability",
                "protected_attribute_use",
                "features",
                "user:crcl-reviewer",
                "CRCL",
                "CRCL-2026-11",
            ),
        ),
        ("model v2: trained, bias test", lambda s: s.update(v2_passed=model_flow(workdir, "v2"))),
        (
            "governance board approves model v2",
            lambda s: approval_flow(
                "appr-aigb-triage-v2", "governance_board", "model-v2", BOARD.id, str(BOARD.role), "AIGB-2026-004"
            ),
        ),
        ("batch scoring with model v2", lambda s: s.update(scores=scoring_flow(workdir, "v2"))),
        ("officer reviews and decisions", lambda s: s.update(decisions=adjudication_flow(s["scores"]))),
        ("extract to an outside vendor", lambda s: vendor_flow(workdir)),
    ]
