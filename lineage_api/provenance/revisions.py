"""Governance records as of a moment: the revision in force then, and revisions as answers show them.

A record's writer may revise it (``ingest.governance``): the node holds the latest revision's content plus every
revision in ``revisions`` (eventTime order). The revision in force at T is the latest one recorded (eventTime) at or
before T; when none was recorded yet, the first one (the record itself is only reached through its edges, which
carry its own time). Without a moment, the current (latest) revision.
"""

from __future__ import annotations

from typing import Any

# Revision fields that are properties of the record itself (property name, revision field).
META = (("runId", "runId"), ("recordedBy", "recordedBy"), ("recordedByRole", "recordedByRole"), ("recordedSeq", "seq"))
# Classified values: answers carry them only as the record's own properties, where redaction sees them; an earlier
# revision's values stay in the event log (each revision names its ``seq``).
WITHHELD = ("value", "subjectRef")
_SHOWN = ("revision", "seq", "eventTime", "recordedAt", "recordedBy", "recordedByRole", "runId")


def revisions_of(props: dict[str, Any]) -> list[dict[str, Any]]:
    value = props.get("revisions")
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def revision_at(revisions: list[dict[str, Any]], at: str | None) -> dict[str, Any]:
    """The revision in force at ``at`` (``revisions`` not empty)."""
    if at is None:
        return revisions[-1]
    recorded = [r for r in revisions if str(r.get("eventTime", "")) <= at]
    return recorded[-1] if recorded else revisions[0]


def as_of(props: dict[str, Any], at: str | None) -> dict[str, Any]:
    """A record's properties as the revision in force at ``at`` gave them (``at`` None: as they are now)."""
    revisions = revisions_of(props)
    if at is None or len(revisions) < 2:
        return props
    chosen = revision_at(revisions, at)
    if chosen is revisions[-1]:
        return props
    current = revisions[-1].get("content") or {}
    out = {k: v for k, v in props.items() if k not in current}
    out.update(chosen.get("content") or {})
    for key, field in META:
        if chosen.get(field) is None:
            out.pop(key, None)
        else:
            out[key] = chosen[field]
    return out


def shown(props: dict[str, Any], at: str | None) -> dict[str, Any]:
    """``as_of(props, at)`` for an answer: ``revision`` (the one in force) and ``revisions`` (each with the content
    it recorded, classified values withheld, and what it ``changed``) when the record has more than one."""
    revisions = revisions_of(props)
    out = {k: v for k, v in as_of(props, at).items() if k != "revisions"}
    if len(revisions) < 2:
        return out
    out["revision"] = revision_at(revisions, at).get("revision")
    listed: list[dict[str, Any]] = []
    before: dict[str, Any] | None = None
    for r in revisions:
        content = r.get("content") or {}
        changed = [] if before is None else sorted(k for k in {*content, *before} if content.get(k) != before.get(k))
        visible = {k: v for k, v in content.items() if k not in WITHHELD}
        listed.append({**{k: r.get(k) for k in _SHOWN}, "content": visible, "changed": changed})
        before = content
    out["revisions"] = listed
    return out
