"""Roles, permissions, and which role holds which permission."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # keys, replay, everything
    PRODUCER = "producer"  # writes events for job namespaces matching its patterns
    AUDITOR = "auditor"  # all reads: traces, impact, findings, the event log, verify, the access log
    PRIVACY_OFFICER = "privacy_officer"  # auditor reads plus classification changes
    VIEWER = "viewer"  # traces and lineage of the namespaces granted; no raw events, no classified values
    APPROVER = "approver"  # records approvals only


class Permission(StrEnum):
    PUBLIC = "public"  # health, API docs
    INGEST = "ingest"
    READ_LINEAGE = "read_lineage"  # catalog, lineage graph, trace, impact, facet schemas
    READ_EVENTS = "read_events"  # the raw event log and its verification
    READ_PRIVACY = "read_privacy"
    READ_COMPLIANCE = "read_compliance"
    CLASSIFY = "classify"
    READ_AUDIT = "read_audit"
    ADMIN = "admin"  # API keys, replay


_AUDITOR = {
    Permission.READ_LINEAGE,
    Permission.READ_EVENTS,
    Permission.READ_PRIVACY,
    Permission.READ_COMPLIANCE,
    Permission.READ_AUDIT,
}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PRODUCER: frozenset({Permission.PUBLIC, Permission.INGEST}),
    Role.AUDITOR: frozenset({Permission.PUBLIC, *_AUDITOR}),
    Role.PRIVACY_OFFICER: frozenset({Permission.PUBLIC, *_AUDITOR, Permission.CLASSIFY}),
    Role.VIEWER: frozenset({Permission.PUBLIC, Permission.READ_LINEAGE}),
    Role.APPROVER: frozenset({Permission.PUBLIC, Permission.INGEST}),  # ingest, but records approvals only
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]
