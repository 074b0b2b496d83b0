"""Inputs, outputs and column lineage of SQL, from ``openlineage-sql``, with masking declared by the caller."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import openlineage_sql

from collectors._datasets import Dataset, InputField
from collectors._errors import InvalidArgument
from collectors._values import optional_text, text

# openlineage-sql names an unaliased expression (or a column of an INSERT column list) _0, _1, ...: no real column.
_SYNTHETIC = re.compile(r"_\d+")


@dataclass(frozen=True, slots=True)
class SqlLineage:
    """What SQL reads and writes: datasets (outputs with column lineage), and what the parser could not do."""

    inputs: tuple[Dataset, ...]
    outputs: tuple[Dataset, ...]
    warnings: tuple[str, ...] = ()


@dataclass
class _Collected:
    """What the statements parsed so far read and write."""

    namespace: str
    masked: set[str]
    inputs: dict[str, Dataset] = field(default_factory=dict)
    outputs: dict[str, dict[str, list[InputField]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, number: int, statement: str, dialect: str | None, default_schema: str | None) -> None:
        try:
            meta = openlineage_sql.parse([statement], dialect=dialect, default_schema=default_schema)
        except Exception as exc:
            self.warnings.append(f"openlineage-sql failed on statement {number}: {exc}")
            return
        self.warnings += [f"cannot parse statement {number}: {e.message}" for e in meta.errors]
        for table in meta.in_tables:
            self.inputs.setdefault(table.qualified_name, Dataset(self.namespace, table.qualified_name))
        written = [t.qualified_name for t in meta.out_tables]
        lineage = self._lineage(meta)
        if len(written) > 1 and lineage:
            self.warnings.append(f"column lineage of a statement writing {', '.join(written)} cannot be attributed")
            lineage = {}
        for name in written:
            self.outputs.setdefault(name, {}).update(lineage)

    def _lineage(self, meta: openlineage_sql.SqlMeta) -> dict[str, list[InputField]]:
        columns: dict[str, list[InputField]] = {}
        for item in meta.column_lineage:
            column = item.descendant.name
            if _SYNTHETIC.fullmatch(column):
                self.warnings.append(f"an output expression has no name ({column}): alias it to record its lineage")
                continue
            masking = column in self.masked
            columns[column] = [
                InputField(
                    self.namespace,
                    source.origin.qualified_name,
                    source.name,
                    "DIRECT",
                    "TRANSFORMATION" if masking else None,
                    masking=masking,
                )
                for source in item.lineage
                if source.origin is not None
            ]
        return columns


def sql_lineage(
    sql: str | Sequence[str],
    *,
    namespace: str,
    dialect: str | None = None,
    default_schema: str | None = None,
    masked: Iterable[str] = (),
) -> SqlLineage:
    """Parse ``sql`` (one string, or several statements) into datasets of ``namespace``.

    Each output gets the column lineage of the statement that writes it (DIRECT; openlineage-sql does not report
    the columns of joins and filters). ``masked`` names output columns whose derivation masks (``sha2(ssn)``): the
    parser cannot tell, so their lineage is marked ``masking``. A masked name that no statement writes raises
    ``InvalidArgument``; SQL the parser cannot read gives ``warnings``, never an exception.
    """
    optional_text(dialect, "dialect")
    optional_text(default_schema, "default_schema")
    statements = [text(s, "sql") for s in ([sql] if isinstance(sql, str) else sql)]
    masked_set = {text(m, "masked") for m in ([masked] if isinstance(masked, str) else masked)}
    collected = _Collected(text(namespace, "namespace"), masked_set)
    for number, statement in enumerate(statements, start=1):
        collected.add(number, statement, dialect, default_schema)
    unknown = sorted(masked_set - {column for columns in collected.outputs.values() for column in columns})
    if unknown:
        message = f"masked names columns the SQL does not write: {', '.join(unknown)}"
        if not collected.warnings:
            raise InvalidArgument(message, argument="masked")
        collected.warnings.append(message)  # the parser missed something: the caller may well be right
    return SqlLineage(
        inputs=tuple(collected.inputs.values()),
        outputs=tuple(Dataset(namespace, name, column_lineage=cols) for name, cols in collected.outputs.items()),
        warnings=tuple(collected.warnings),
    )
