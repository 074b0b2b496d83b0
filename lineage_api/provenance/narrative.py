"""Plain-language sentences an auditor can paste into a report."""

from __future__ import annotations

from typing import Any

from lineage_api.provenance.schemas import TraceAnswer


def _names(items: list[dict[str, Any]], key: str) -> str:
    return _join([str(i.get(key)) for i in items if i.get(key)])


def _join(values: list[str]) -> str:
    if len(values) <= 3:
        return ", ".join(values)
    return f"{', '.join(values[:3])} and {len(values) - 3} more"


def _root_sentence(t: TraceAnswer) -> str:
    p, kind = t.root.props, t.root.kind
    if kind == "Output":
        producer = next((r for r in t.runs if t.root.id in _produced(t, r["id"])), None)
        by = f" by run {producer['runId']} of job {producer['jobName']}" if producer else ""
        value = f" ({p.get('kind', 'output')} {p['value']})" if p.get("value") is not None else ""
        return f"AI output {p.get('outputId')}{value} was produced at {p.get('producedAt', 'an unrecorded time')}{by}."
    if kind == "Decision":
        significant = "significant " if p.get("significant") else ""
        who = (p.get("decidedBy") or {}).get("id", "an unrecorded person")
        return (
            f"Decision {p.get('decisionId')} ({significant}{p.get('actionType', 'action')}) was made at "
            f"{p.get('decidedAt', 'an unrecorded time')} by {who}{_by(p)}."
        )
    return f"This trace describes {t.root.label} as of {t.asOf or 'now'}."


def _by(item: dict[str, Any]) -> str:
    who = item.get("recordedBy")
    if not who:
        return ""
    return f" (recorded by {who}{', ' + str(item['recordedByRole']) if item.get('recordedByRole') else ''})"


def _revised(t: TraceAnswer) -> list[str]:
    """One sentence per record with more than one revision: which one the answer shows, and who recorded it."""
    out = []
    for kind, items, key in (
        ("Approval", t.approvals, "approvalId"),
        ("Review", t.reviews, "reviewId"),
        ("Decision", t.decisions, "decisionId"),
        ("Evaluation", t.evaluations, "evaluationId"),
        ("Incident", t.incidents, "incidentId"),
        ("Output", t.outputs, "outputId"),
    ):
        for item in items:
            revisions = item.get("revisions")
            if not isinstance(revisions, list) or len(revisions) < 2:
                continue
            shown: dict[str, Any] = next((r for r in revisions if r.get("revision") == item.get("revision")), {})
            out.append(
                f"{kind} {item.get(key)} was revised: of its {len(revisions)} revisions, revision "
                f"{item.get('revision')} (recorded at {shown.get('eventTime')}"
                f"{' by ' + str(shown['recordedBy']) if shown.get('recordedBy') else ''}) is the one shown."
            )
    return out


def _produced(t: TraceAnswer, run_id: str) -> set[str]:
    return {e.target for e in t.edges if e.source == run_id and e.type == "PRODUCED"}


def narrate(t: TraceAnswer) -> list[str]:
    out = [_root_sentence(t)]
    if t.useCase:
        out.append(
            f"It belongs to use case {t.useCase.get('name') or t.useCase.get('useCaseId')} "
            f"(risk category: {t.useCase.get('riskCategory', 'unrecorded')})."
        )
    for model in t.models:
        if model.get("restricted"):
            out.append("It rests on a model version outside your namespaces (restricted).")
            continue
        trained = (
            f", trained by run {model['trainingRun']}"
            if model.get("trainingRun")
            else ", whose training was not recorded"
        )
        out.append(f"It rests on model {model['name']} version {model['version']}{trained}.")
    sources = [d for d in t.datasets if d.get("source")]
    if t.datasets:
        out.append(
            f"The lineage includes {len(t.datasets)} dataset version(s); {len(sources)} of them "
            f"({_names(sources, 'name') or 'none'}) were not written by any instrumented run."
        )
    in_force = [a for a in t.approvals if a.get("inForce")]
    lapsed = [a for a in t.approvals if a.get("inForce") is False]
    if in_force:
        names = _join([f"{a['approvalId']}{_by(a)}" for a in in_force if a.get("approvalId")])
        out.append(f"At that moment {len(in_force)} approval(s) were in force: {names}.")
    else:
        out.append("No approval of the model or data was in force at that moment.")
    if lapsed:
        out.append(f"{len(lapsed)} recorded approval(s) were not in force then: {_names(lapsed, 'approvalId')}.")
    passed = [e for e in t.evaluations if e.get("passed")]
    failed = [e for e in t.evaluations if e.get("passed") is False]
    if t.evaluations:
        out.append(
            f"Before it, {len(passed)} evaluation(s) passed and {len(failed)} failed"
            f"{' (' + _names(failed, 'evaluationId') + ')' if failed else ''}."
        )
    else:
        out.append("No evaluation of the model was recorded before it.")
    if t.reviews:
        outcomes = ", ".join(f"{r.get('reviewId')}: {r.get('outcome')}{_by(r)}" for r in t.reviews)
        out.append(f"Human review(s) on record: {outcomes}.")
    elif t.root.kind in ("Output", "Decision"):
        out.append("No human review is recorded for it.")
    out += _revised(t)
    later = sum(len(v) for v in t.later.values())
    if later:
        out.append(f"{later} governance record(s) about it were made afterwards (see 'later').")
    for finding in t.findings:
        out.append(f"Finding {finding.rule} ({finding.clause}): {finding.summary}")
    if not t.complete and t.truncated:
        out.append(
            f"The trace is incomplete: the {t.truncated.limit} limit stopped it at {len(t.truncated.at)} node(s)."
        )
    elif t.gaps:
        out.append(f"The trace is complete as recorded, with {len(t.gaps)} gap(s) in what was instrumented.")
    else:
        out.append("The trace is complete.")
    return out
