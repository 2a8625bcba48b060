"""The read model: each listing's public answer, per language, kept ready to serve by key.

A row holds what the API made of the listing (``api/read_model.py`` makes and reads it) and
the listing's ``read_generation`` it was made from. The database keeps that generation: a
trigger on every table a listing's answer is made of (the listing, its regions, channels,
notices, claims, tips, reports of dead numbers, wait counters and live statuses) adds one to
the listing's generation in the same statement, whoever writes — the ORM, the importer, the
archive import or SQL by hand. A row is served only while its generation is the listing's
(one query, a join), so a change is never answered from an older row: the next read makes the
row again. The row is made from data read *after* the generation it carries, so a write that
lands meanwhile leaves a row that is already out of date, never one that looks fresh.

What changes with time alone (open now, the live status, the wait of the hour, dead-number
hints that age out, notices that start or end) is not in the row as served: it is worked out
per request from the row's plan.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ForeignKey, Integer, LargeBinary, Select, String, and_, bindparam, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.db import Base, table_facts
from directory.models import Enterprise
from directory.pages import Key

# Tables whose rows a listing's public answer is made of: (table, how a row names its listing).
ENTERPRISE_KEYED = ("enterprises", "enterprise_regions", "channels", "notices", "claims", "tips")
CHANNEL_KEYED = ("out_of_service_reports", "wait_counts", "reach_counts", "voice_counts",
                 "live_statuses")


class _Kept:
    """What a kept row is keyed by: the listing, the language, the generation it was made from."""

    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)


class ListingRead(_Kept, Base):
    """One listing's answer in one language, as made from generation ``generation``; ``found``
    is its search card, made of the same record (``api/found_cards.py``: what a search item
    reads)."""

    __tablename__ = "listing_reads"
    __table_args__ = table_facts(
        public=False, archive="excluded",
        why="answers made from the listings (the read model): made again on the next read")

    body: Mapped[bytes] = mapped_column(LargeBinary)
    found: Mapped[bytes] = mapped_column(LargeBinary, server_default=text("''"))


class ListingCard(_Kept, Base):
    """One listing's summary in one language (a list's item, without its share link, which
    depends on the configuration), as made from generation ``generation``: kept by the same
    generations as :class:`ListingRead`, made by ``api/list_cards.py``. ``ways`` keeps the
    listing's ways in as JSON (``[[kind, regions], ...]``, regions empty for everywhere: what
    ``directory.summaries.ways_in`` reads), for a list narrowed to a region."""

    __tablename__ = "listing_cards"
    __table_args__ = table_facts(
        public=False, archive="excluded",
        why="summaries made from the listings (the read model): made again on the next read")

    card: Mapped[bytes] = mapped_column(LargeBinary)
    ways: Mapped[bytes] = mapped_column(LargeBinary, server_default=text("''"))


def ready(session: Session, enterprise_id: str, language: str) -> bytes | None:
    """The stored answer of the listed enterprise in *language* if it was made from the
    listing as it is now; None otherwise (no row, an older generation, or not listed)."""
    return session.connection().execute(_READY, {"id": enterprise_id, "language": language}).scalar()


_reads, _cards, _listings = ListingRead.__table__, ListingCard.__table__, Enterprise.__table__


def _fresh(kept):  # noqa: ANN001, ANN202 - a Table and its conditions
    """A kept row counts while it was made from the listing as it is and the listing is listed."""
    return (kept.c.language == bindparam("language"),
            kept.c.generation == _listings.c.read_generation, _listings.c.status == "active")


def _kept_many(kept, *columns):  # noqa: ANN001, ANN202 - a Table, its columns, a Select
    return (select(kept.c.enterprise_id, *columns)
            .join(_listings, _listings.c.id == kept.c.enterprise_id)
            .where(kept.c.enterprise_id.in_(bindparam("ids", expanding=True)), *_fresh(kept)))


# Statements built once (Core: no ORM work per read).
_READY = (select(_reads.c.body).join(_listings, _listings.c.id == _reads.c.enterprise_id)
          .where(_reads.c.enterprise_id == bindparam("id"), *_fresh(_reads)))
_FOUND_MANY = _kept_many(_reads, _reads.c.generation, _reads.c.found)
_CARDS_WAYS = _kept_many(_cards, _cards.c.card, _cards.c.ways)


def with_cards(page: Select, key: Key) -> Select:
    """*page* (a list page's statement: the listings' ids and *key*'s columns, in its order)
    with each row's kept card and ways in the bound ``language``, as :func:`cards_and_ways_ready`
    reads them (both NULL where none was made from the listing as it is), in the same order:
    a page and its items in one statement (``directory.pages.prepared``'s *attach*)."""
    rows = page.add_columns(_listings.c.read_generation.label("kept_generation")).subquery()
    kept = and_(_cards.c.enterprise_id == rows.c.id, _cards.c.language == bindparam("language"),
                _cards.c.generation == rows.c.kept_generation)
    shown = [column for column in rows.c if column.key != "kept_generation"]
    order = [rows.c[column.key].desc() if descending else rows.c[column.key]
             for column, descending in key.columns]
    return (select(*shown, _cards.c.card, _cards.c.ways)
            .select_from(rows.outerjoin(_cards, kept)).order_by(*order))


def found_ready(session: Session, enterprise_ids: Sequence[str], language: str
                ) -> dict[str, tuple[int, bytes]]:
    """The kept search cards in *language*, each with its row's generation, of those of
    *enterprise_ids* that are listed and whose answer was made from the listing as it is now
    (one query; a row kept without one, by an older release, counts as missing)."""
    return {ident: (generation, card) for ident, (generation, card) in
            _fresh_rows(session, _FOUND_MANY, enterprise_ids, language).items() if card}


def cards_ready(session: Session, enterprise_ids: Sequence[str], language: str) -> dict[str, bytes]:
    """The kept summaries in *language* of those of *enterprise_ids* that are listed and whose
    summary was made from the listing as it is now (one query)."""
    return {ident: card for ident, (card, _ways) in
            cards_and_ways_ready(session, enterprise_ids, language).items()}


def cards_and_ways_ready(session: Session, enterprise_ids: Sequence[str], language: str
                         ) -> dict[str, tuple[bytes, bytes]]:
    """As :func:`cards_ready`, each card with its listing's ways in (``ListingCard.ways``)."""
    return _fresh_rows(session, _CARDS_WAYS, enterprise_ids, language)


def _fresh_rows(session: Session, statement, enterprise_ids: Sequence[str],  # noqa: ANN001
                language: str) -> dict:
    """What *statement* (:func:`_kept_many`) reads of each of *enterprise_ids*: its one column,
    or a tuple of its columns."""
    if not enterprise_ids:
        return {}
    rows = session.connection().execute(statement, {"ids": list(enterprise_ids),
                                                    "language": language}).all()
    return {ident: kept[0] if len(kept) == 1 else tuple(kept) for ident, *kept in rows}


def generation_of(session: Session, enterprise_id: str) -> int | None:
    """The listing's generation now: read it *before* what the answer is made of."""
    return session.execute(select(Enterprise.read_generation)
                           .where(Enterprise.id == enterprise_id)).scalar()


def keep(session: Session, made: Sequence[tuple[str, int | None, tuple[bytes, bytes]]],
         language: str) -> None:
    """Store the answers (id, generation made from, (record, search card)) in *language*,
    replacing older ones; the caller commits."""
    _upsert(session, ListingRead, [{"enterprise_id": ident, "language": language,
                                    "generation": generation, "body": body, "found": found}
                                   for ident, generation, (body, found) in made])


def keep_cards(session: Session, made: Sequence[tuple[str, int, tuple[bytes, bytes]]],
               language: str) -> None:
    """Store the summaries (id, generation made from, (card, ways)) in *language*; the caller
    commits."""
    _upsert(session, ListingCard, [{"enterprise_id": ident, "language": language,
                                    "generation": generation, "card": card, "ways": ways}
                                   for ident, generation, (card, ways) in made])


def _upsert(session: Session, model: type[Base], rows: list[dict]) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(model)
    updated = [name for name in rows[0] if name not in ("enterprise_id", "language")]
    session.execute(statement.on_conflict_do_update(
        index_elements=["enterprise_id", "language"],
        set_={name: statement.excluded[name] for name in updated}), rows)


# --- the triggers -------------------------------------------------------------------------

def _sqlite_triggers() -> list[str]:
    statements = [
        # the listing's own row: any change but the generation's own makes a new generation
        "CREATE TRIGGER trg_reads_enterprises AFTER UPDATE ON enterprises "
        "WHEN NEW.read_generation = OLD.read_generation BEGIN "
        "UPDATE enterprises SET read_generation = OLD.read_generation + 1 WHERE id = NEW.id; END"]
    for table in ENTERPRISE_KEYED[1:]:
        statements += [
            f"CREATE TRIGGER trg_reads_{table}_{event.lower()} AFTER {event} ON {table} BEGIN "
            f"UPDATE enterprises SET read_generation = read_generation + 1 "
            f"WHERE id = {row}.enterprise_id; END"
            for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))]
    for table in CHANNEL_KEYED:
        statements += [
            f"CREATE TRIGGER trg_reads_{table}_{event.lower()} AFTER {event} ON {table} BEGIN "
            f"UPDATE enterprises SET read_generation = read_generation + 1 WHERE id = "
            f"(SELECT enterprise_id FROM channels WHERE id = {row}.channel_id); END"
            for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))]
    return statements


def _postgres_triggers() -> list[str]:
    statements = [
        "CREATE FUNCTION c800_reads_enterprise() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.read_generation = OLD.read_generation THEN "
        "NEW.read_generation := OLD.read_generation + 1; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER trg_reads_enterprises BEFORE UPDATE ON enterprises FOR EACH ROW "
        "EXECUTE FUNCTION c800_reads_enterprise()",
        "CREATE FUNCTION c800_reads_by_enterprise() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN UPDATE enterprises SET read_generation = read_generation + 1 "
        "WHERE id = OLD.enterprise_id; END IF; "
        "IF TG_OP <> 'DELETE' THEN UPDATE enterprises SET read_generation = read_generation + 1 "
        "WHERE id = NEW.enterprise_id; END IF; RETURN NULL; END $$",
        "CREATE FUNCTION c800_reads_by_channel() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN UPDATE enterprises SET read_generation = read_generation + 1 "
        "WHERE id = (SELECT enterprise_id FROM channels WHERE id = OLD.channel_id); END IF; "
        "IF TG_OP <> 'DELETE' THEN UPDATE enterprises SET read_generation = read_generation + 1 "
        "WHERE id = (SELECT enterprise_id FROM channels WHERE id = NEW.channel_id); END IF; "
        "RETURN NULL; END $$"]
    for tables, function in ((ENTERPRISE_KEYED[1:], "c800_reads_by_enterprise"),
                             (CHANNEL_KEYED, "c800_reads_by_channel")):
        statements += [f"CREATE TRIGGER trg_reads_{table} AFTER INSERT OR UPDATE OR DELETE ON "
                       f"{table} FOR EACH ROW EXECUTE FUNCTION {function}()" for table in tables]
    return statements


def trigger_statements(dialect: str) -> list[str]:
    """The DDL that keeps listings' generations (the migration runs it)."""
    return _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers()


def drop_trigger_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        tables = ("enterprises", *ENTERPRISE_KEYED[1:], *CHANNEL_KEYED)
        return ([f"DROP TRIGGER IF EXISTS trg_reads_{table} ON {table}" for table in tables]
                + [f"DROP FUNCTION IF EXISTS {name}()" for name in (
                    "c800_reads_enterprise", "c800_reads_by_enterprise", "c800_reads_by_channel")])
    names = ["trg_reads_enterprises"] + [
        f"trg_reads_{table}_{event}" for table in (*ENTERPRISE_KEYED[1:], *CHANNEL_KEYED)
        for event in ("insert", "update", "delete")]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]
