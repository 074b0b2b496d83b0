"""Who owns which entity: the claims registry kept next to the event log, in the same SQLite file.

Claims are checked and recorded inside the transaction that appends the event (``EventLog._commit``), so the first
writer of an id wins even under concurrency, and a refused event leaves nothing behind. The registry is derived
from the log: a log written before it existed is caught up on open (first claim wins, nothing refused).

    own     a record id (approval, review, decision, evaluation, incident, output, use case): the first writer owns
            it; the same writer's later events are revisions; anyone else gets 409, unless they send exactly the
            content in force and hold its namespace (many jobs of one namespace declare the use case they serve)
    bind    a run id is bound to the first job reported for it; another job gets 409
    parent  a parent facet names a run of a job: binds it like ``bind``, and creating that job needs authority
            over its namespace (403)
    ref     a record names another one (a review's outputs, a decision's basis): the writer needs authority over
            the named entity's owning namespace (403); an entity not recorded yet is claimed for the writer's
            namespace, with no writer, so whoever records it later must hold that namespace
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from lineage_api.core.errors import Conflict, Forbidden
from lineage_api.core.writer import Writer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS owners (
    entity    TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    writer    TEXT NOT NULL,
    target    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    digest    TEXT NOT NULL DEFAULT ''
);
"""


class ClaimKind(StrEnum):
    OWN = "own"
    BIND = "bind"
    PARENT = "parent"
    REF = "ref"


@dataclass(frozen=True, slots=True)
class Claim:
    kind: ClaimKind
    entity: str  # typed node id: approval:<id>, run:<runId>, output:<id>, ...
    namespace: str  # the namespace this event claims for the entity (its job's, or the parent job's)
    field: str  # where in the event, for error messages
    target: str = ""  # bind/parent: the job id the run belongs to
    digest: str = ""  # own: a hash of the record's content as sent


@dataclass(frozen=True, slots=True)
class Owner:
    namespace: str
    writer: str
    target: str
    seq: int
    digest: str = ""


def ensure_schema(db: sqlite3.Connection) -> None:
    db.executescript(_SCHEMA)
    if "digest" not in {row[1] for row in db.execute("PRAGMA table_info(owners)")}:
        db.execute("ALTER TABLE owners ADD COLUMN digest TEXT NOT NULL DEFAULT ''")


def registered_seq(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM log_meta WHERE name = 'registered_seq'").fetchone()
    if row is not None:
        return int(row[0])
    # A registry created together with an empty log is current; one added to an existing log starts from 0.
    return 0


def set_registered_seq(db: sqlite3.Connection, seq: int) -> None:
    db.execute(
        "INSERT INTO log_meta (name, value) VALUES ('registered_seq', ?)"
        " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        (str(seq),),
    )


def owner(db: sqlite3.Connection, entity: str) -> Owner | None:
    row = db.execute("SELECT namespace, writer, target, seq, digest FROM owners WHERE entity = ?", (entity,)).fetchone()
    return Owner(row[0], row[1], row[2], int(row[3]), row[4]) if row else None


def owners(db: sqlite3.Connection, entities: list[str]) -> dict[str, Owner]:
    """The owners of these entities (those that have one)."""
    out: dict[str, Owner] = {}
    for start in range(0, len(entities), 500):
        chunk = entities[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.execute(
            f"SELECT entity, namespace, writer, target, seq, digest FROM owners WHERE entity IN ({marks})", chunk
        ):
            out[row[0]] = Owner(row[1], row[2], row[3], int(row[4]), row[5])
    return out


def _writer_name(key: str) -> str:
    return f"key:{key}" if key else "an earlier writer"


def _check_one(db: sqlite3.Connection, claim: Claim, writer: Writer) -> None:
    found = owner(db, claim.entity)
    if claim.kind is ClaimKind.OWN:
        if found is None or found.writer == writer.key_id:
            return
        if (not found.writer or found.digest == claim.digest) and writer.covers(found.namespace):
            return
        raise Conflict(
            f"{claim.entity} is already recorded by {_writer_name(found.writer)} in namespace "
            f"{found.namespace!r}; governance records are append-only: only their writer may revise them",
            field=claim.field,
        )
    if claim.kind in (ClaimKind.BIND, ClaimKind.PARENT):
        if found is not None:
            # A run's own event is authoritative about its job over a child's parent facet naming it first.
            own_event_over_mention = claim.kind is ClaimKind.BIND and not found.writer
            if found.target and found.target != claim.target and not own_event_over_mention:
                raise Conflict(
                    f"{claim.entity} belongs to {found.target}; it cannot be reported for {claim.target}",
                    field=claim.field,
                )
            return
        if claim.kind is ClaimKind.PARENT and not writer.covers(claim.namespace):
            raise Forbidden(
                f"the parent facet would create {claim.target} in namespace {claim.namespace!r}, which this key "
                "may not write",
                field=claim.field,
            )
        return
    if found is not None and not writer.covers(found.namespace):
        raise Forbidden(
            f"{claim.entity} belongs to namespace {found.namespace!r}; this key may not record anything about it",
            field=claim.field,
        )


def check(db: sqlite3.Connection, claims: tuple[Claim, ...], writer: Writer | None) -> None:
    """Raise ``Conflict`` (409) or ``Forbidden`` (403) naming the first claim this writer may not make."""
    if writer is None:
        return
    for claim in claims:
        _check_one(db, claim, writer)


def record(db: sqlite3.Connection, seq: int, claims: tuple[Claim, ...], writer: Writer | None) -> None:
    """Record the claims of an appended event: first claims win, an unowned record is taken by its first writer."""
    key = writer.key_id if writer else ""
    for claim in claims:
        found = owner(db, claim.entity)
        if found is None:
            holder = "" if claim.kind in (ClaimKind.REF, ClaimKind.PARENT) else key
            db.execute(
                "INSERT INTO owners (entity, namespace, writer, target, seq, digest) VALUES (?, ?, ?, ?, ?, ?)",
                (claim.entity, claim.namespace, holder, claim.target, seq, claim.digest),
            )
        elif claim.kind is ClaimKind.OWN and not found.writer and key:
            db.execute("UPDATE owners SET writer = ?, digest = ? WHERE entity = ?", (key, claim.digest, claim.entity))
        elif claim.kind is ClaimKind.OWN and found.writer == key:
            db.execute("UPDATE owners SET digest = ? WHERE entity = ?", (claim.digest, claim.entity))
        elif claim.kind is ClaimKind.BIND and not found.writer and key:
            db.execute(
                "UPDATE owners SET writer = ?, target = ?, namespace = ? WHERE entity = ?",
                (key, claim.target, claim.namespace, claim.entity),
            )
