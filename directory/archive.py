"""A logical archive of the whole database: ``flask directory export`` and its import.

One file, JSON Lines, streamed both ways (never the whole database in memory):

- a header ``{"format": "c800-export", "version": 1, "alembic_revision": ..., "exported_at":
  ..., "excluded": {...}, "tables": [...]}``; ``excluded`` names every table and column left
  out, each with the reason;
- one line per row, ``{"table": ..., "row": {...}}``, tables in foreign-key order (the order
  of :data:`EXPORTED`: the model registry's), rows by primary key (byte order, the same on
  every backend), every column of the table but the excluded ones; datetimes are ISO 8601
  in UTC with their offset, dates ISO 8601, JSON columns JSON (objects with their keys
  sorted), booleans and integers as such;
- an end line ``{"end": "c800-export", "rows": {table: count}, "sha256": ...}`` (the SHA-256
  of the row lines' bytes): an archive cut short or altered is refused.

What is kept and what is left out is said by each table where it is declared
(``directory.db.table_facts``, ``withheld``, ``redacted``) and read through the model registry
(``directory/registry.py``). Left out are secrets and what cannot outlive them (password
hashes, OAuth client secrets, codes and tokens, the digests of claim links and handoff tokens,
webhook signing secrets),
tables derived from others (``lookup_keys``, rebuilt on import; the search outbox
``listing_changes``, replaced by a full reindex after the import) and short-lived request
state (``idempotency_keys``). Rate-limit counters live in memory or Redis, not here.

The import writes into an empty database at the archive's schema revision, in one
transaction (all rows or none), then rebuilds ``lookup_keys`` and resets PostgreSQL
sequences; the caller commits and rebuilds the search index. The columns left out get values
nobody knows: restored users have no password that works (``flask users set-password``),
confidential OAuth clients no secret (``flask clients new-secret``), webhooks a new secret
their receivers do not know (re-register them), claim links and live handoffs stop working.

This module holds the format (what is kept, the header, the values); ``directory.archive_export``
writes an archive, ``directory.archive_import`` restores one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Connection, Date, Integer, String, Table, Text, inspect, null

import directory.registry as registry
from directory.db import KEPT, UTCDateTime

FORMAT = "c800-export"
VERSION = 1
BATCH = 1000
NOT_TABLES = frozenset({"alembic_version"})  # the revision is in the header


def _classify() -> tuple[dict[str, dict[str, str]], dict[str, str], dict[str, str]]:
    exported: dict[str, dict[str, str]] = {}
    left_out: dict[str, str] = {}
    redacted: dict[str, str] = {}
    for table in registry.tables():
        if table.info.get("archive") != KEPT:
            left_out[table.name] = table.info.get("why") or ""
            continue
        exported[table.name] = {column.name: column.info["withheld"] for column in table.columns
                                if "withheld" in column.info}
        for column in table.columns:
            redacted.update({f"{table.name}.{column.name}.{path}": why
                             for path, why in column.info.get("redacted", {}).items()})
    return exported, left_out, redacted


# Tables exported, in foreign-key order (parents first), each with the columns left out and
# why; the tables left out and why; values inside exported JSON columns that are withheld
# (written as null) and why. All read from the tables' own facts.
EXPORTED, EXCLUDED_TABLES, REDACTED = _classify()


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


def tables() -> list[Table]:
    """The exported tables in archive order; ArchiveError when a table does not say how the
    archive treats it, or when a kept table refers to one that comes after it or is left out."""
    wrong = registry.problems()
    seen: set[str] = set()
    for name in EXPORTED:
        for key in registry.metadata.tables[name].foreign_keys:
            target = key.column.table.name
            if target != name and target not in seen:
                wrong.append(f"{name} refers to {target}, which "
                             + ("comes after it" if target in EXPORTED else "the archive leaves out"))
        seen.add(name)
    if wrong:
        raise ArchiveError("the model registry cannot be archived: " + "; ".join(wrong))
    return [registry.metadata.tables[name] for name in EXPORTED]


def check_database_tables(connection: Connection) -> list[str]:
    present = sorted(set(inspect(connection).get_table_names()) - NOT_TABLES)
    unclassified = [t for t in present if t not in EXPORTED and t not in EXCLUDED_TABLES]
    if unclassified:
        raise ArchiveError(f"the database holds table(s) {', '.join(unclassified)} this code does "
                           "not know; declare them in a model module the registry imports")
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

def column_kind(column: Column) -> str:
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


def encode_value(kind: str, value: Any) -> Any:
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


def decode_value(column: Column, kind: str, value: Any) -> Any:
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


def json_line(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


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
