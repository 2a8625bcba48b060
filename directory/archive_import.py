"""``flask directory import`` of an archive (format: ``directory.archive``): every row into an
empty database at the archive's schema revision, in the caller's transaction, then what is
derived from them (``lookup_keys``) is rebuilt and PostgreSQL sequences reset."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Column, Connection, Table, func, insert, select
from sqlalchemy.exc import DBAPIError, StatementError

import directory.registry as registry
from directory.archive import (
    BATCH,
    EXPORTED,
    FORMAT,
    ArchiveError,
    ArchiveReport,
    check_database_tables,
    column_kind,
    decode_value,
    read_header,
    tables,
)
from directory.db import DERIVED


def _nonempty_table(connection: Connection) -> str | None:
    for name in check_database_tables(connection):
        table = registry.metadata.tables.get(name)
        if table is None:
            continue
        if connection.execute(select(1).select_from(table).limit(1)).first() is not None:
            return name
    return None


def _restorers(table: Table) -> dict[str, Callable[[], Any]]:
    """What each withheld column of *table* gets on import (``withheld(restore=...)``; NULL
    without one)."""
    return {column.name: column.info.get("restore") or (lambda: None) for column in table.columns
            if "withheld" in column.info}


def import_archive(connection: Connection, lines: Iterable[bytes], *,
                   database_revision: str | None) -> ArchiveReport:
    """Insert every row of the archive *lines* through *connection* (inside the caller's
    transaction; the caller commits, or rolls back on ArchiveError), rebuild the derived
    tables (``lookup_keys``) and reset PostgreSQL sequences. The database must be empty and at
    the archive's revision."""
    exported = {table.name: table for table in tables()}
    order = list(EXPORTED)
    fillers = {name: _restorers(table) for name, table in exported.items()}
    iterator = iter(lines)
    first = next(iterator, b"")
    header = read_header(first)
    if header is None:
        raise ArchiveError("line 1: not a c800 archive (no export header)")
    report = ArchiveReport(revision=header["alembic_revision"])
    if header["alembic_revision"] != database_revision:
        raise ArchiveError(
            f"the archive was written at schema revision {header['alembic_revision']}, this "
            f"database is at {database_revision}: import it into a database at revision "
            f"{header['alembic_revision']} with the code of that release, then `flask db upgrade`")
    busy = _nonempty_table(connection)
    if busy is not None:
        raise ArchiveError(f"the database is not empty (table {busy} holds rows): an archive is "
                           "imported into a new database made with `flask db upgrade`")
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")  # big batches are meant
    digest = hashlib.sha256()
    position, end, number = 0, None, 1
    batch: list[dict[str, Any]] = []
    batch_table: Table | None = None
    columns: dict[str, tuple[Column, str]] = {}

    def flush() -> None:
        if batch:
            try:
                connection.execute(insert(batch_table), batch)
            except (DBAPIError, StatementError) as exc:
                raise ArchiveError(f"line {number}: the database refused {batch_table.name} rows "
                                   f"near this line: {getattr(exc, 'orig', exc)}") from exc
            batch.clear()

    for number, raw in enumerate(iterator, start=2):
        if end is not None:
            raise ArchiveError(f"line {number}: nothing may follow the end line")
        if not raw.endswith(b"\n"):
            raise ArchiveError(f"line {number}: cut short (the archive is truncated)")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ArchiveError(f"line {number}: not JSON ({exc})") from exc
        if isinstance(data, dict) and "end" in data:
            end = data
            continue
        if not isinstance(data, dict) or set(data) != {"table", "row"} or not isinstance(data["row"], dict):
            raise ArchiveError(f"line {number}: expected {{\"table\": ..., \"row\": {{...}}}}")
        name = data["table"]
        if name not in exported:
            raise ArchiveError(f"line {number}: unknown table {name!r}")
        index = order.index(name)
        if index < position:
            raise ArchiveError(f"line {number}: {name} rows after {order[position]} rows "
                               "(tables come in foreign-key order)")
        if batch_table is None or batch_table.name != name:
            flush()
            position, batch_table = index, exported[name]
            columns = {c.name: (c, column_kind(c)) for c in batch_table.columns
                       if c.name not in EXPORTED[name]}
        row = data["row"]
        if set(row) != set(columns):
            missing, extra = sorted(set(columns) - set(row)), sorted(set(row) - set(columns))
            raise ArchiveError(f"line {number}: {name} row: missing {missing}, unknown {extra}")
        values: dict[str, Any] = {}
        for key, value in row.items():
            column, kind = columns[key]
            try:
                values[key] = decode_value(column, kind, value)
            except ValueError as exc:
                raise ArchiveError(f"line {number}: {name}.{key}: {exc}") from exc
        for key, make in fillers.get(name, {}).items():
            values[key] = make()
        batch.append(values)
        report.rows[name] = report.rows.get(name, 0) + 1
        digest.update(raw)
        if len(batch) >= BATCH:
            flush()
    flush()
    if end is None:
        raise ArchiveError(f"line {number}: the archive ends without its end line (truncated)")
    counted = {name: report.rows.get(name, 0) for name in order}
    if end.get("end") != FORMAT or end.get("rows") != counted:
        raise ArchiveError(f"the end line counts {end.get('rows')}, the archive holds {counted}")
    if end.get("sha256") != digest.hexdigest():
        raise ArchiveError("the rows' SHA-256 differs from the end line's: the archive was altered")
    report.rows = counted

    for table in registry.tables():  # what is derived from the rows (the lookup keys)
        if table.info.get("archive") == DERIVED:
            table.info["rebuild"](connection)
    if connection.dialect.name == "postgresql":
        for table in exported.values():
            column = table.autoincrement_column
            if column is not None:
                connection.execute(select(func.setval(
                    func.pg_get_serial_sequence(table.name, column.name),
                    func.coalesce(func.max(column), 0) + 1, False)).select_from(table))
    return report
