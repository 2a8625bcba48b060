"""``flask directory export``: write the whole database to one archive (format:
``directory.archive``), from one consistent snapshot, streamed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import IO, Any

from sqlalchemy import Column, Connection, Engine, String, Table, Text, select

from directory.archive import (
    BATCH,
    EXPORTED,
    FORMAT,
    VERSION,
    ArchiveReport,
    check_database_tables,
    column_kind,
    current_revision,
    encode_value,
    excluded,
    json_line,
    tables,
)


def _holder(value: Any, path: str) -> tuple[dict[str, Any] | None, str]:
    """The object inside the JSON *value* that holds *path*'s last key (None if none), the key."""
    *parents, key = path.split(".")
    for name in parents:
        value = value.get(name) if isinstance(value, dict) else None
    return (value if isinstance(value, dict) else None), key


def _redact(value: Any, paths: Iterable[str], when: str) -> Any:
    """*value* (a fresh copy) with each of *paths* nulled, when the path *when* holds something."""
    holder, key = _holder(value, when)
    if holder is None or holder.get(key) is None:
        return value
    for path in paths:
        holder, key = _holder(value, path)
        if holder is not None:
            holder[key] = None
    return value


def _redactions(columns: list[Column]) -> list[tuple[str, Callable[[Any], Any]]]:
    """(column, redact) for the JSON columns whose values have parts withheld (``REDACTED``)."""
    return [(column.name, partial(_redact, paths=list(column.info["redacted"]),
                                  when=column.info["redacted_when"]))
            for column in columns if "redacted" in column.info]


def _order(connection: Connection, table: Table) -> list:
    postgres = connection.dialect.name == "postgresql"
    return [column.collate("C") if postgres and isinstance(column.type, String | Text) else column
            for column in table.primary_key.columns]


def _rows(connection: Connection, table: Table, columns: list[Column]) -> Iterator[tuple]:
    statement = select(*columns).order_by(*_order(connection, table))
    tree = next((key for key in table.foreign_keys if key.column.table is table), None)
    if tree is not None:
        # parents before children (a self-reference, the industries): the tree is small,
        # sorted in memory
        rows = connection.execute(statement).all()
        parent_of = {row._mapping[tree.column.name]: row._mapping[tree.parent.name] for row in rows}

        def depth(ident: str) -> int:
            level = 0
            while parent_of.get(ident) is not None and level <= len(parent_of):
                ident, level = parent_of[ident], level + 1
            return level

        # stable: by primary key within a depth
        yield from sorted(rows, key=lambda row: depth(row._mapping[tree.column.name]))
        return
    yield from connection.execution_options(yield_per=BATCH).execute(statement)


def export_archive(engine: Engine, out: IO[bytes], *, now: datetime | None = None) -> ArchiveReport:
    """Write the archive of *engine*'s database to *out*, from one consistent snapshot."""
    report = ArchiveReport()
    exported = tables()
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            transaction = connection.begin()
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")  # a long read is meant
        else:
            transaction = connection.begin()
            connection.exec_driver_sql("BEGIN")  # pysqlite opens no transaction for reads
            connection.exec_driver_sql("SELECT 1 FROM sqlite_master LIMIT 1")  # the snapshot starts
        try:
            check_database_tables(connection)
            report.revision = current_revision(connection)
            out.write(json_line({"format": FORMAT, "version": VERSION,
                                 "alembic_revision": report.revision,
                                 "exported_at": (now or datetime.now(UTC)).isoformat(),
                                 "excluded": excluded(), "tables": list(EXPORTED)}))
            digest = hashlib.sha256()
            for table in exported:
                columns = [c for c in table.columns if c.name not in EXPORTED[table.name]]
                kinds = [column_kind(c) for c in columns]
                redactions = _redactions(columns)
                count = 0
                for row in _rows(connection, table, columns):
                    values = {column.name: encode_value(kind, value)  # fresh copies of JSON values
                              for column, kind, value in zip(columns, kinds, row, strict=True)}
                    for name, redact in redactions:
                        values[name] = redact(values[name])
                    line = json_line({"table": table.name, "row": values})
                    digest.update(line)
                    out.write(line)
                    count += 1
                report.rows[table.name] = count
            out.write(json_line({"end": FORMAT, "rows": report.rows, "sha256": digest.hexdigest()}))
        finally:
            transaction.rollback()  # nothing was written; ends the read snapshot
    return report
