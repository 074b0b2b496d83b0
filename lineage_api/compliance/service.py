"""Compliance scans: run the rules (all, or those named) over the graph or a scope, filter the findings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from lineage_api.compliance.catalog import RULE_BY_ID, RULES
from lineage_api.compliance.context import Ctx
from lineage_api.compliance.rules import (
    external_sharing,
    no_approval,
    no_evaluation,
    no_human_review,
    pii_without_privacy_review,
    protected_attribute_use,
    sole_basis,
)
from lineage_api.compliance.schemas import FindingOut, FindingsAnswer, RuleOut, RulesAnswer
from lineage_api.core.errors import InvalidInput
from lineage_api.core.ids import parse_node_id
from lineage_api.core.times import normalize
from lineage_api.store.protocol import GraphStore

Check = Callable[[Ctx], list[FindingOut]]
CHECKS: dict[str, Check] = {
    "SOLE_BASIS": sole_basis.check,
    "NO_HUMAN_REVIEW": no_human_review.check,
    "NO_APPROVAL": no_approval.check,
    "NO_EVALUATION": no_evaluation.check,
    "PROTECTED_ATTRIBUTE_USE": protected_attribute_use.check,
    "EXTERNAL_SHARING": external_sharing.check,
    "PII_WITHOUT_PRIVACY_REVIEW": pii_without_privacy_review.check,
}


def rules() -> RulesAnswer:
    return RulesAnswer(
        rules=[
            RuleOut(
                id=r.id,
                clause=r.clause,
                severity=r.severity,
                title=r.title,
                findingWhen=r.finding_when,
                directiveText=r.directive_text,
            )
            for r in RULES
        ]
    )


def scan(
    *, store: GraphStore, rule_ids: list[str] | None = None, scope: set[str] | None = None, as_of: str | None = None
) -> list[FindingOut]:
    """Every finding of the chosen rules; with ``scope``, only about those nodes (decisions, outputs, runs, ...);
    with ``as_of``, from the records as they stood then (see ``Ctx``)."""
    chosen = rule_ids or list(CHECKS)
    unknown = [r for r in chosen if r not in CHECKS]
    if unknown:
        raise InvalidInput(f"unknown rule {unknown[0]!r}; see GET /api/v1/compliance/rules", field="rule")
    ctx = Ctx(store, scope, as_of)
    findings = [f for rule in chosen for f in CHECKS[rule](ctx)]
    return sorted(findings, key=lambda f: (f.rule, f.node, f.at or "", f.evidence))


def findings(
    *,
    store: GraphStore,
    rule: str | None = None,
    since: str | None = None,
    until: str | None = None,
    node_id: str | None = None,
) -> FindingsAnswer:
    """Findings filtered by rule, by the time of the checked thing, and by a node on the evidence path."""
    if rule is not None and rule not in RULE_BY_ID:
        raise InvalidInput(f"unknown rule {rule!r}; see GET /api/v1/compliance/rules", field="rule")
    lo = normalize(since, field="since") if since else None
    hi = normalize(until, field="until") if until else None
    if node_id:
        node_id = str(parse_node_id(node_id))
    found = [
        f
        for f in scan(store=store, rule_ids=[rule] if rule else None)
        if (lo is None or (f.at or "") >= lo)
        and (hi is None or (f.at or "") <= hi)
        and (node_id is None or node_id == f.node or node_id in f.evidence)
    ]
    return FindingsAnswer(findings=found, counts=dict(sorted(Counter(f.rule for f in found).items())))
