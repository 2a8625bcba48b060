"""A logical archive of the whole database: ``flask directory export`` and its import.

One file, JSON Lines, streamed both ways (never the whole database in memory):

- a header ``{"format": "c800-export", "version": 1, "alembic_revision": ..., "exported_at":
  ..., "excluded": {...}, "tables": [...]}``; ``excluded`` names every table and column left
  out, each with the reason;
- one line per row, ``{"table": ..., "row": {...}}``, tables in foreign-key order (the order
  of :data:`EXPORTED`), rows by primary key (byte order, the same on every backend), every
  column of the table but the excluded ones; datetimes are ISO 8601 in UTC with their offset,
  dates ISO 8601, JSON columns JSON (objects with their keys sorted), booleans and integers
  as such;
- an end line ``{"end": "c800-export", "rows": {table: count}, "sha256": ...}`` (the SHA-256
  of the row lines' bytes): an archive cut short or altered is refused.

Left out are secrets and what cannot outlive them (password hashes, OAuth client secrets,
codes and tokens, the digests of claim links and handoff tokens, webhook signing secrets),
tables derived from others (``lookup_keys``, rebuilt on import; the search outbox
``listing_changes``, replaced by a full reindex after the import) and short-lived request
state (``idempotency_keys``). Rate-limit counters live in memory or Redis, not here.

The import writes into an empty database at the archive's schema revision, in one
transaction (all rows or none), then rebuilds ``lookup_keys`` and resets PostgreSQL
sequences; the caller commits and rebuilds the search index. The columns left out get values
nobody knows: restored users have no password that works (``flask users set-password``),
confidential OAuth clients no secret (``flask clients new-secret``), webhooks a new secret
their receivers do not know (re-register them), claim links and live handoffs stop working.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    Engine,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    null,
    select,
)
from sqlalchemy.exc import DBAPIError, StatementError

from directory.db import Base, UTCDateTime

FORMAT = "c800-export"
VERSION = 1
BATCH = 1000
# A password hash no password verifies against (argon2 refuses it as malformed).
NO_PASSWORD = "!restored-without-password"

# Every module declaring tables, so that Base.metadata knows all of them.
MODEL_MODULES = ("directory.models", "directory.accounts", "directory.claims", "directory.contacts",
                 "directory.experiences", "directory.lookup", "directory.members", "directory.outbox",
                 "directory.reviews", "directory.versions", "directory.webhooks", "directory.credentials",
                 "directory.idempotency_records")

# Tables exported, in foreign-key order (parents first), each with the columns left out.
EXPORTED: dict[str, dict[str, str]] = {
    "industries": {},
    "enterprises": {},
    "enterprise_regions": {},
    "channels": {},
    "notices": {},
    "listing_versions": {},
    "fact_reviews": {},
    "users": {"password_hash": "a secret: restored users have no working password until "
                               "`flask users set-password` gives them one"},
    "memberships": {},
    "member_invitations": {"token_hash": "a secret (the digest of a mailed invitation): pending "
                                         "invitations stop working; owners invite again"},
    "oauth_clients": {"secret_hash": "a secret: restored confidential clients cannot "
                                     "authenticate until `flask clients new-secret` gives "
                                     "them one (public clients have none)"},
    "claims": {"token_hash": "a secret (the digest of a mailed claim link): pending e-mail "
                             "claims' links stop working"},
    "reports": {},
    "follows": {},
    "channel_days": {},
    "handoffs": {"token_hash": "a secret (digest of the handoff token): handoffs still live "
                               "cannot be read by token after a restore",
                 "code_hash": "a secret (digest of the short code): handoffs still live "
                              "cannot be read by code after a restore"},
    "callback_requests": {},
    "experiences": {},
    "wait_counts": {},
    "reach_counts": {},
    "experience_voices": {},
    "voice_counts": {},
    "live_statuses": {},
    "webhooks": {"secret": "a secret: restored webhooks sign with a new secret their receivers "
                           "do not know; the enterprise re-registers them"},
    "webhook_deliveries": {},
}
EXCLUDED_TABLES: dict[str, str] = {
    "lookup_keys": "derived from enterprises and channels; rebuilt by the import",
    "listing_changes": "the search outbox; the search index is rebuilt after the import",
    "oauth_codes": "one-time authorization codes (digests), valid for 10 minutes",
    "oauth_tokens": "access and refresh tokens (digests): everyone signs in again",
    "user_sessions": "browser sessions of the sign-in pages (digests), 12 hours at most: "
                     "everyone signs in again",
    "idempotency_keys": "24-hour replay cache of POST answers",
}
NOT_TABLES = frozenset({"alembic_version"})  # the revision is in the header
# Values inside exported JSON columns that are withheld (written as null).
REDACTED: dict[str, str] = {
    "webhook_deliveries.payload.data.code": "the short code of a handoff.created event, a "
                                            "secret (it no longer opens a restored handoff)",
    "webhook_deliveries.payload.data.url": "the handoff.created event's URL, which carries "
                                           "the short code",
}


class ArchiveError(Exception):
    """The archive or the database is not fit for this export or import (nothing was written)."""


@dataclass
class ArchiveReport:
    revision: str | None = None
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def excluded() -> dict[str, str]:
    """What an archive leaves out: table -> reason, ``table.column`` -> reason."""
    found = dict(EXCLUDED_TABLES)
    for table, columns in EXPORTED.items():
        found.update({f"{table}.{name}": reason for name, reason in columns.items()})
    return dict(sorted({**found, **REDACTED}.items()))


def _redact(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """*row* without the values of :data:`REDACTED` (its JSON values are fresh copies)."""
    if table == "webhook_deliveries" and isinstance(row.get("payload"), dict):
        data = row["payload"].get("data")
        if isinstance(data, dict) and data.get("code") is not None:
            data["code"] = data["url"] = None
    return row


def tables() -> list[Table]:
    """The exported tables in archive order (checks that every table of the models is classified)."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    known = set(Base.metadata.tables)
    unclassified = sorted(known - set(EXPORTED) - set(EXCLUDED_TABLES))
    if unclassified:
        raise ArchiveError(f"table(s) {', '.join(unclassified)} are neither exported nor excluded: "
                           "classify them in directory/archive.py")
    missing = sorted(set(EXPORTED) - known)
    if missing:
        raise ArchiveError(f"table(s) {', '.join(missing)} have no model")
    return [Base.metadata.tables[name] for name in EXPORTED]


def _check_database_tables(connection: Connection) -> list[str]:
    present = sorted(set(inspect(connection).get_table_names()) - NOT_TABLES)
    unclassified = [t for t in present if t not in EXPORTED and t not in EXCLUDED_TABLES]
    if unclassified:
        raise ArchiveError(f"the database holds table(s) {', '.join(unclassified)} this code does "
                           "not know; classify them in directory/archive.py")
    return present


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    chatty = logging.getLogger("alembic.runtime.migration")
    level = chatty.level
    chatty.setLevel(logging.WARNING)  # not "Context impl ..." on every export
    try:
        return MigrationContext.configure(connection).get_current_revision()
    finally:
        chatty.setLevel(level)


# --- values ----------------------------------------------------------------------------------

def _kind(column: Column) -> str:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, String | Text):
        return "str"
    raise ArchiveError(f"column {column.table.name}.{column.name}: type {kind!r} has no archive form")


def _canonical(value: Any) -> Any:
    """JSON with every object's keys sorted (PostgreSQL's jsonb keeps no order of its own)."""
    if isinstance(value, dict):
        return {key: _canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return value.astimezone(UTC).isoformat()
    if kind == "date":
        return value.isoformat()
    if kind == "json":
        return _canonical(value)
    return value


_PYTHON = {"bool": bool, "int": int, "str": str}


def _decode(column: Column, kind: str, value: Any) -> Any:
    if value is None:
        if not column.nullable:
            raise ValueError("null in a column that takes no null")
        return null() if kind == "json" else None  # SQL NULL, as an unset column is
    if kind == "datetime":
        if not isinstance(value, str):
            raise ValueError("a datetime is an ISO 8601 string")
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a datetime carries its offset")
        return moment
    if kind == "date":
        if not isinstance(value, str):
            raise ValueError("a date is an ISO 8601 string")
        return date.fromisoformat(value)
    if kind == "json":
        return value
    expected = _PYTHON[kind]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ValueError(f"expected {kind}, got {type(value).__name__}")
    return value


def _line(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


# --- export ----------------------------------------------------------------------------------

def _order(connection: Connection, table: Table) -> list:
    postgres = connection.dialect.name == "postgresql"
    return [column.collate("C") if postgres and isinstance(column.type, String | Text) else column
            for column in table.primary_key.columns]


def _rows(connection: Connection, table: Table, columns: list[Column]) -> Iterator[tuple]:
    statement = select(*columns).order_by(*_order(connection, table))
    if table.name == "industries":
        # parents before children (a self-reference): the tree is small, sorted in memory
        rows = connection.execute(statement).all()
        parent_of = {row.id: row.parent_id for row in rows}

        def depth(ident: str) -> int:
            level = 0
            while parent_of.get(ident) is not None and level <= len(parent_of):
                ident, level = parent_of[ident], level + 1
            return level

        yield from sorted(rows, key=lambda row: depth(row.id))  # stable: by id within a depth
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
            _check_database_tables(connection)
            report.revision = current_revision(connection)
            out.write(_line({"format": FORMAT, "version": VERSION,
                             "alembic_revision": report.revision,
                             "exported_at": (now or datetime.now(UTC)).isoformat(),
                             "excluded": excluded(), "tables": list(EXPORTED)}))
            digest = hashlib.sha256()
            for table in exported:
                columns = [c for c in table.columns if c.name not in EXPORTED[table.name]]
                kinds = [_kind(c) for c in columns]
                count = 0
                for row in _rows(connection, table, columns):
                    line = _line({"table": table.name, "row": _redact(table.name, {
                        column.name: _encode(kind, value)
                        for column, kind, value in zip(columns, kinds, row, strict=True)})})
                    digest.update(line)
                    out.write(line)
                    count += 1
                report.rows[table.name] = count
            out.write(_line({"end": FORMAT, "rows": report.rows, "sha256": digest.hexdigest()}))
        finally:
            transaction.rollback()  # nothing was written; ends the read snapshot
    return report


# --- import ----------------------------------------------------------------------------------

def read_header(first_line: bytes) -> dict[str, Any] | None:
    """The header if *first_line* opens an archive; None when it is something else (data files
    of the bundled directory); ArchiveError for an archive header that is not valid."""
    if b'"format"' not in first_line:
        return None
    try:
        header = json.loads(first_line)
    except ValueError as exc:
        raise ArchiveError(f"line 1: the archive header is not JSON ({exc})") from exc
    if not isinstance(header, dict) or "format" not in header:
        return None
    if header.get("format") != FORMAT:
        raise ArchiveError(f"line 1: format {header.get('format')!r} is not {FORMAT!r}")
    if header.get("version") != VERSION:
        raise ArchiveError(f"line 1: archive format version {header.get('version')!r}; this code "
                           f"reads version {VERSION}")
    if not isinstance(header.get("alembic_revision"), str) or not isinstance(header.get("excluded"), dict):
        raise ArchiveError("line 1: the header lacks alembic_revision or excluded")
    if header.get("tables") != list(EXPORTED):
        raise ArchiveError("line 1: the archive's tables are not the ones this code exports")
    return header


def is_archive(path: str) -> bool:
    """Whether the file at *path* opens with an archive header (valid or not; folders and the
    bundled data files never do)."""
    try:
        with open(path, "rb") as handle:
            first = handle.readline()
    except OSError:
        return False
    if b'"format"' not in first:
        return False
    try:
        data = json.loads(first)
    except ValueError:
        return FORMAT.encode() in first
    return isinstance(data, dict) and "format" in data


def _nonempty_table(connection: Connection) -> str | None:
    for name in _check_database_tables(connection):
        table = Base.metadata.tables.get(name)
        if table is None:
            continue
        if connection.execute(select(1).select_from(table).limit(1)).first() is not None:
            return name
    return None


def _fillers() -> dict[str, dict[str, Callable[[], Any]]]:
    def digest() -> str:
        return hashlib.sha256(secrets.token_bytes(32)).hexdigest()

    return {
        "users": {"password_hash": lambda: NO_PASSWORD},
        "oauth_clients": {"secret_hash": lambda: None},
        "claims": {"token_hash": lambda: None},
        "handoffs": {"token_hash": digest, "code_hash": digest},
        "webhooks": {"secret": lambda: "whsec_" + secrets.token_urlsafe(32)},
    }


def import_archive(connection: Connection, lines: Iterable[bytes], *,
                   database_revision: str | None) -> ArchiveReport:
    """Insert every row of the archive *lines* through *connection* (inside the caller's
    transaction; the caller commits, or rolls back on ArchiveError), rebuild ``lookup_keys``
    and reset PostgreSQL sequences. The database must be empty and at the archive's revision."""
    from directory.lookup import refresh_lookup_keys
    from directory.models import Enterprise

    exported = {table.name: table for table in tables()}
    order = list(EXPORTED)
    fillers = _fillers()
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
            columns = {c.name: (c, _kind(c)) for c in batch_table.columns
                       if c.name not in EXPORTED[name]}
        row = data["row"]
        if set(row) != set(columns):
            missing, extra = sorted(set(columns) - set(row)), sorted(set(row) - set(columns))
            raise ArchiveError(f"line {number}: {name} row: missing {missing}, unknown {extra}")
        values: dict[str, Any] = {}
        for key, value in row.items():
            column, kind = columns[key]
            try:
                values[key] = _decode(column, kind, value)
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

    last = ""
    while True:  # the derived keys, 500 enterprises at a time
        chunk = list(connection.scalars(select(Enterprise.id).where(Enterprise.id > last)
                                        .order_by(Enterprise.id).limit(500)))
        if not chunk:
            break
        refresh_lookup_keys(connection, chunk)
        last = chunk[-1]
    if connection.dialect.name == "postgresql":
        for table in exported.values():
            column = table.autoincrement_column
            if column is not None:
                connection.execute(select(func.setval(
                    func.pg_get_serial_sequence(table.name, column.name),
                    func.coalesce(func.max(column), 0) + 1, False)).select_from(table))
    return report
