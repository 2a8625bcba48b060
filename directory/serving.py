"""Which listings serve a region, read from indexes: the listings' ``national`` flag, kept by
the database, and the two disjoint parts a list narrowed to a region is read as.

A listing with no regions serves everywhere (``national``); one with regions serves the regions
below them (``directory.regions.serves``). Asking every listing in the list's order whether it
serves the region costs an index probe per listing, and a count of up to 10,000 of them, or a
region few listings serve, read most of a million listings. So a region's list is read as two
lists, each from an index, whose pages the paginator merges (``directory.pages.Part``):

- the national listings: the flag, in the list's index (``ix_enterprises_status_national_*``);
- the listings whose regions include the region or one above it: when fewer than
  ``SPARSE_REGIONAL`` listings have one of those region codes, by their ids (looked up first,
  from the codes' index); otherwise each listing's probe of its regions, and their count is
  driven from the codes' index (each probes its listing), not from the listings.

``national`` is kept by triggers on ``enterprise_regions`` (whoever writes: the ORM, the
importer, the archive import, SQL by hand), as the read model's generations are.

A plain region list (no other filter) counts its regional part from ``listed_regions``: the
region rows of the listed (active) listings, kept by triggers on ``enterprise_regions`` and on
the listings' status, so the count reads one index and probes no listing (at a million
listings, counting a dense region's 1,000 by probes took about 5 ms).
"""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    ForeignKey,
    Index,
    Select,
    String,
    bindparam,
    exists,
    false,
    func,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.db import DERIVED, Base, table_facts
from directory.models import Enterprise, EnterpriseRegion
from directory.pages import Part
from directory.regions import region_ancestors

# Fewer listings than this with one of the region's codes: they are looked up by id.
SPARSE_REGIONAL = 1000
# A region's listings with regions are counted up to this many (each costs a probe of its
# listing); beyond, a list's ``total`` is a lower bound (``total_exact`` false).
REGIONAL_COUNT_UP_TO = 1000
_regions = EnterpriseRegion.__table__

_FILL = ("INSERT INTO listed_regions (code, enterprise_id) SELECT r.code, r.enterprise_id FROM "
         "enterprise_regions r JOIN enterprises e ON e.id = r.enterprise_id "
         "WHERE e.status = 'active'")


def rebuild_listed_regions(connection: Connection) -> None:
    """Work ``listed_regions`` out again from the listings and their regions (after an
    archive's import, and by the migration that makes it)."""
    connection.execute(text("DELETE FROM listed_regions"))
    connection.execute(text(_FILL))


class ListedRegion(Base):
    """A region row (``enterprise_regions``) of a listed listing: kept by the database's
    triggers (:func:`listed_trigger_statements`), whoever writes."""

    __tablename__ = "listed_regions"
    __table_args__ = (
        Index("ix_listed_regions_enterprise_id", "enterprise_id"),
        table_facts(public=True, archive=DERIVED, rebuild=rebuild_listed_regions,
                    why="the region rows of the listed listings; worked out again by the import"))

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True)


_listed = ListedRegion.__table__
_WITH_CODES = (select(_regions.c.enterprise_id).distinct()
               .where(_regions.c.code.in_(bindparam("codes", expanding=True)))
               .limit(SPARSE_REGIONAL + 1))
# what listing ids (``ent_`` and hex digits) and industry ids (words and ``-``) are made of;
# anything else is bound, not written
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


# A region found to have more than SPARSE_REGIONAL listings with its codes is read by probes
# for this many seconds without looking again (both ways give the same rows and counts; this
# one only costs more when the region has become sparse meanwhile).
DENSE_KEPT_SECONDS = 60.0
_dense_until: dict[str, float] = {}


def regional_ids(session: Session, region: str) -> tuple[str, ...] | None:
    """The ids of the listings with one of *region*'s codes (itself or above), when there are
    few (active or not: the list filters); None when there are more than SPARSE_REGIONAL."""
    if _dense_until.get(region, 0.0) > time.monotonic():
        return None
    ids = session.connection().execute(
        _WITH_CODES, {"codes": list(region_ancestors(region))}).scalars().all()
    if len(ids) > SPARSE_REGIONAL:
        if len(_dense_until) > 10_000:  # region codes are a few thousand: never in practice
            _dense_until.clear()
        _dense_until[region] = time.monotonic() + DENSE_KEPT_SECONDS
        return None
    return tuple(sorted(ids))


def written_in(column: Any, values: tuple[str, ...]) -> ColumnElement[bool]:
    """``column IN (values)`` (a column of ``enterprises``) with the values written into the
    SQL when each is a plain word (letters, digits, ``_`` and ``-``: ids and industry ids; any
    other is bound): the statements of a list are built once per filter
    (``directory.pages.prepared``), while a bound IN makes SQLAlchemy expand a parameter per
    value at each of their executions (about a fifth of a region's page with 200 ids)."""
    if not values:  # a constant the planners see (an empty IN is a subquery per row)
        return false()
    if all(_PLAIN_ID.fullmatch(value) for value in values):
        return text(f"enterprises.{column.key} IN (" + ", ".join(f"'{value}'" for value in values) + ")")
    return column.in_(values)


def region_parts(query: Select, region: str, ids: tuple[str, ...] | None, *, plain: bool = False
                 ) -> tuple[Part, Part]:
    """*query* (listings, other filters applied) narrowed to those serving *region*, as its
    national part and its regional part (*ids*: :func:`regional_ids`); *plain*: *query* has no
    other filter than the listed listings', so the regional part is counted from
    ``listed_regions`` alone."""
    # = true/false, not IS: PostgreSQL reads an index for the one, not the other
    national = Part(query.where(Enterprise.national == true()))
    regional = query.where(Enterprise.national == false())
    if ids is not None:  # constants the planners see
        return national, Part(regional.where(written_in(Enterprise.id, ids)))
    codes = region_ancestors(region)
    serves = exists().where(_regions.c.enterprise_id == Enterprise.id, _regions.c.code.in_(codes))
    listed = (regional.with_only_columns(literal(1)).order_by(None)
              .where(Enterprise.id == _regions.c.enterprise_id).exists())
    # plain: the listed listings' region rows, from their index alone; else the codes' index,
    # each listing probed (by primary key) for the filters
    rows, probe = (_listed, ()) if plain else (_regions, (listed,))
    counted = select(func.count()).select_from(
        select(rows.c.enterprise_id).distinct().where(rows.c.code.in_(codes), *probe)
        .limit(REGIONAL_COUNT_UP_TO + 1).subquery())
    return national, Part(regional.where(serves), count=counted, bound=REGIONAL_COUNT_UP_TO)


def trigger_statements(dialect: str) -> list[str]:
    """The DDL that keeps ``enterprises.national`` (the migration runs it)."""
    if dialect == "postgresql":
        return [
            "CREATE FUNCTION c800_national() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP <> 'DELETE' THEN UPDATE enterprises SET national = false "
            "WHERE id = NEW.enterprise_id AND national; END IF; "
            "IF TG_OP <> 'INSERT' THEN UPDATE enterprises SET national = true "
            "WHERE id = OLD.enterprise_id AND NOT national AND NOT EXISTS (SELECT 1 FROM "
            "enterprise_regions WHERE enterprise_id = OLD.enterprise_id); END IF; "
            "RETURN NULL; END $$",
            "CREATE TRIGGER trg_national_regions AFTER INSERT OR UPDATE OR DELETE ON "
            "enterprise_regions FOR EACH ROW EXECUTE FUNCTION c800_national()"]
    now_regional = ("UPDATE enterprises SET national = 0 WHERE id = NEW.enterprise_id "
                    "AND national;")
    maybe_national = ("UPDATE enterprises SET national = 1 WHERE id = OLD.enterprise_id AND NOT "
                      "national AND NOT EXISTS (SELECT 1 FROM enterprise_regions WHERE "
                      "enterprise_id = OLD.enterprise_id);")
    return [
        f"CREATE TRIGGER trg_national_regions_insert AFTER INSERT ON enterprise_regions BEGIN "
        f"{now_regional} END",
        f"CREATE TRIGGER trg_national_regions_delete AFTER DELETE ON enterprise_regions BEGIN "
        f"{maybe_national} END",
        f"CREATE TRIGGER trg_national_regions_update AFTER UPDATE ON enterprise_regions BEGIN "
        f"{now_regional} {maybe_national} END"]


def drop_trigger_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["DROP TRIGGER IF EXISTS trg_national_regions ON enterprise_regions",
                "DROP FUNCTION IF EXISTS c800_national()"]
    return [f"DROP TRIGGER IF EXISTS trg_national_regions_{event}"
            for event in ("insert", "delete", "update")]


def listed_trigger_statements(dialect: str) -> list[str]:
    """The DDL that keeps ``listed_regions`` (the migration runs it): a region row is there
    while its listing is active."""
    insert_new = ("INSERT INTO listed_regions (code, enterprise_id) SELECT NEW.code, "
                  "NEW.enterprise_id WHERE EXISTS (SELECT 1 FROM enterprises WHERE id = "
                  "NEW.enterprise_id AND status = 'active')")
    delete_old = ("DELETE FROM listed_regions WHERE code = OLD.code AND enterprise_id = "
                  "OLD.enterprise_id")
    listed = ("INSERT INTO listed_regions (code, enterprise_id) SELECT code, enterprise_id FROM "
              "enterprise_regions WHERE enterprise_id = NEW.id")
    unlisted = "DELETE FROM listed_regions WHERE enterprise_id = NEW.id"
    if dialect == "postgresql":
        return [
            "CREATE FUNCTION c800_listed_regions() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' THEN {delete_old}; END IF; "
            f"IF TG_OP <> 'DELETE' THEN {insert_new} ON CONFLICT DO NOTHING; END IF; "
            "RETURN NULL; END $$",
            "CREATE TRIGGER trg_listed_regions AFTER INSERT OR UPDATE OR DELETE ON "
            "enterprise_regions FOR EACH ROW EXECUTE FUNCTION c800_listed_regions()",
            "CREATE FUNCTION c800_listed_status() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.status = 'active' THEN {listed} ON CONFLICT DO NOTHING; "
            f"ELSE {unlisted}; END IF; RETURN NULL; END $$",
            "CREATE TRIGGER trg_listed_status AFTER UPDATE OF status ON enterprises FOR EACH ROW "
            "WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION c800_listed_status()"]
    insert_new = insert_new.replace("INSERT INTO", "INSERT OR IGNORE INTO")
    listed = listed.replace("INSERT INTO", "INSERT OR IGNORE INTO")
    return [
        f"CREATE TRIGGER trg_listed_regions_insert AFTER INSERT ON enterprise_regions BEGIN "
        f"{insert_new}; END",
        f"CREATE TRIGGER trg_listed_regions_delete AFTER DELETE ON enterprise_regions BEGIN "
        f"{delete_old}; END",
        f"CREATE TRIGGER trg_listed_regions_update AFTER UPDATE ON enterprise_regions BEGIN "
        f"{delete_old}; {insert_new}; END",
        "CREATE TRIGGER trg_listed_status_listed AFTER UPDATE OF status ON enterprises "
        f"WHEN NEW.status = 'active' AND OLD.status IS NOT 'active' BEGIN {listed}; END",
        "CREATE TRIGGER trg_listed_status_unlisted AFTER UPDATE OF status ON enterprises "
        f"WHEN NEW.status IS NOT 'active' AND OLD.status = 'active' BEGIN {unlisted}; END"]


def drop_listed_trigger_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["DROP TRIGGER IF EXISTS trg_listed_regions ON enterprise_regions",
                "DROP TRIGGER IF EXISTS trg_listed_status ON enterprises",
                "DROP FUNCTION IF EXISTS c800_listed_regions()",
                "DROP FUNCTION IF EXISTS c800_listed_status()"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in (
        "trg_listed_regions_insert", "trg_listed_regions_delete", "trg_listed_regions_update",
        "trg_listed_status_listed", "trg_listed_status_unlisted")]
