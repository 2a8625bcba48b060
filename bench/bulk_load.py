"""Bulk load of importer records: the rows ``directory.importer.import_directory`` writes for new
listings, computed by the importer's own functions, written with SQLAlchemy Core executemany
(or COPY on PostgreSQL) instead of the ORM's unit of work. For the SYNTHETIC benchmark corpus
only (``bench/synthetic_corpus.py --bulk``), into a database holding no listings yet.

Per record, as the importer does for a listing it creates:

- ``EnterpriseRecordSchema().load`` (the importer's validation: it normalises values);
- ``Enterprise(id, version=1, created_at, notices=[])`` + ``directory.records.apply_record``
  (names, regions, channels with their ids, checked by the source);
- the list orders as ``directory.listing_order`` stores them on flush: ``prominence_of`` (no
  experience reports: a new listing has none) and ``name_keys``;
- version 1 through ``directory.versions.record_version`` (actor and action ``import``);
- ``lookup_keys`` as ``directory.lookup_keys.refresh_lookup_keys`` derives them
  (``checked_enterprise_keys``, ``channel_keys`` of each checked channel).

The column values are read off those (transient) ORM objects; a column the objects leave unset
gets its Python-side default, as a flush would. The importer's sessions write no
``listing_changes`` (``bench/synthetic_corpus.py`` makes them without the outbox), so neither
does this. ``tests/directory/test_bulk_load.py`` proves every table equal, row for row, to an
import of the same records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, Table, func, insert, inspect, select

from directory.listing_order import name_keys
from directory.lookup_keys import LookupKey, channel_keys, checked_enterprise_keys
from directory.models import Channel, Enterprise, EnterpriseRegion, utcnow
from directory.prominence import prominence_of
from directory.records import apply_record
from directory.validation import EnterpriseRecordSchema
from directory.versions import ListingVersion, record_version

TABLES: tuple[Table, ...] = (Enterprise.__table__, EnterpriseRegion.__table__, Channel.__table__,
                             ListingVersion.__table__, LookupKey.__table__)
_SCHEMA = EnterpriseRecordSchema()


class _Collect:
    """What ``record_version`` adds to its session."""

    def __init__(self) -> None:
        self.added: list[Any] = []

    def add(self, obj: Any) -> None:
        self.added.append(obj)


def _default(column: Any) -> Any:
    default = column.default
    if default is None:
        if column.server_default is not None and not column.primary_key:
            raise ValueError(f"{column.table.name}.{column.name}: unset, with only a server default")
        return None
    if default.is_callable:
        return default.arg(None)
    if default.is_scalar:
        return default.arg
    raise ValueError(f"{column.table.name}.{column.name}: a default this loader cannot compute")


def _row(obj: Any, table: Table, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The INSERT values of *obj* (transient) as a flush would write them."""
    state = inspect(obj).dict
    return {column.key: state[column.key] if column.key in state else _default(column)
            for column in table.columns if column.key not in skip}


def listing_rows(record: dict[str, Any], now: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """The rows (table name -> values) the importer writes when it creates *record*'s listing."""
    data = _SCHEMA.load(record)
    enterprise = Enterprise(id=data["id"], version=1, created_at=now or utcnow(), notices=[])
    apply_record(enterprise, data)
    codes = [row.code for row in enterprise.region_rows]
    enterprise.prominence = prominence_of(enterprise, 0, channels=enterprise.channels, regions=codes)
    enterprise.name_key, enterprise.name_key_en = name_keys(enterprise)
    for row in enterprise.region_rows:
        row.enterprise_id = enterprise.id
    for channel in enterprise.channels:
        channel.enterprise_id = enterprise.id
    versions = _Collect()
    record_version(versions, enterprise, actor="import", action="import", created=True)  # type: ignore[arg-type]
    keys = [{"key": key, "enterprise_id": enterprise.id, "channel_id": None}
            for key in checked_enterprise_keys(enterprise.website, enterprise.domains,
                                               enterprise.checked_website, enterprise.checked_domains)]
    for channel in enterprise.channels:
        if channel.checked_value is not None:
            keys.extend({"key": key, "enterprise_id": enterprise.id, "channel_id": channel.id}
                        for key in channel_keys(channel.checked_kind, channel.checked_value))
    return {
        "enterprises": [_row(enterprise, Enterprise.__table__)],
        "enterprise_regions": [_row(row, EnterpriseRegion.__table__) for row in enterprise.region_rows],
        "channels": [_row(channel, Channel.__table__) for channel in enterprise.channels],
        "listing_versions": [_row(v, ListingVersion.__table__, frozenset({"id"})) for v in versions.added],
        "lookup_keys": keys,
    }


def rows_of(records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of many records, by table, in record order (the importer's insert order)."""
    found: dict[str, list[dict[str, Any]]] = {table.name: [] for table in TABLES}
    for record in records:
        for name, rows in listing_rows(record).items():
            found[name].extend(rows)
    return found


def has_listings(connection: Connection) -> bool:
    return connection.execute(select(func.count()).select_from(Enterprise.__table__)).scalar_one() > 0


# --- writing -----------------------------------------------------------------------------------

def drop_indexes(connection: Connection) -> list[Any]:
    """Drop the secondary indexes of the tables a bulk load writes (the models' ones, which the
    migrations make: tests/directory/test_migrations.py), to make them once at the end
    (:func:`create_indexes`) rather than row by row in random key order."""
    dropped = [index for table in TABLES for index in sorted(table.indexes, key=lambda i: i.name)]
    for index in dropped:
        index.drop(connection, checkfirst=True)
    return dropped


def create_indexes(connection: Connection, indexes: list[Any]) -> None:
    for index in indexes:
        index.create(connection, checkfirst=True)

def _copy_text(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return value


def _copy(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY *rows* into *table* (PostgreSQL): the fastest way in, same values as an INSERT."""
    names = list(rows[0])
    kinds = ["json" if isinstance(table.c[name].type, JSON) else "" for name in names]
    cursor = connection.connection.driver_connection.cursor()
    columns = ", ".join(f'"{name}"' for name in names)
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_copy_text(row[name], kind) for name, kind in zip(names, kinds, strict=True)])


def write_rows(connection: Connection, rows: dict[str, list[dict[str, Any]]], *, copy: bool = True) -> None:
    """Insert *rows* (``rows_of``) table by table, parents first, in the caller's transaction;
    COPY on PostgreSQL when *copy*, else executemany."""
    for table in TABLES:
        batch = rows[table.name]
        if not batch:
            continue
        if copy and connection.dialect.name == "postgresql":
            _copy(connection, table, batch)
        else:
            connection.execute(insert(table), batch)
