"""The stored orders of the lists: each enterprise's ``prominence`` and name sort keys.

``GET /v1/enterprises`` is a keyset list (``directory.pages``): its order must be columns of
the row, indexed. So every flush that writes an enterprise, its channels or its regions
recomputes them in the same transaction (:func:`track_listing_order`, on every session of
``directory.sessions``: imports, edits, claims, the outbox path alike), and migration 0017
fills them for the listings stored before (:func:`backfill`).

- ``prominence``: :func:`directory.prominence.prominence_of`, counted experience reports
  included as they stand when the listing is written (a report alone does not rewrite it).
- ``name_key`` (Chinese readers) / ``name_key_en`` (English readers): :func:`name_sort_key` of
  the name the reader sees — for Chinese readers the simplified name, else the traditional,
  else the English; for English readers the English name, else the Chinese.

The name order (``sort=name``): one a–z order for every script people type with a Latin
keyboard, as Chinese phone books file contacts: a Chinese name sorts by its pinyin (toneless,
syllable by syllable, polyphones read by phrase: 重庆 chong qing), an English name by its
words, case-insensitive, so 阿里巴巴 (a li ba ba) sits beside Apple and 招商银行 (zhao shang yin
hang) among the Z. Digits come before letters; a name's words and syllables are compared one
by one (a space sorts before any letter, so zhan gu… comes before zhang…); accents are
dropped (Banco Nación among the N… of nacion); letters of other scripts come after z; equal
keys (homophones, the same name in two scripts, names alike for the key's 96 bytes) in id order.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import Connection, column, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from directory.models import Channel, Enterprise, EnterpriseRegion
from directory.prominence import MAINLAND, Signals, prominence_of, report_counts, score
from directory.session_hooks import install_once
from directory.unreachable import platform_of
from search.text import fold, is_han, pinyin_syllables, tokens

NAME_KEY_BYTES = 96  # longer keys are cut: names alike that far are in id order


def name_sort_key(name: str | None) -> str:
    """The sort key of *name*: lower-case words (accents dropped) and pinyin syllables joined
    by spaces, at most NAME_KEY_BYTES bytes of UTF-8 (a cursor holds it)."""
    if not name:
        return ""
    words: list[str] = []
    for token in tokens(fold(name)):
        if is_han(token):
            words.extend(pinyin_syllables(token))
        else:
            bare = "".join(ch for ch in unicodedata.normalize("NFKD", token) if not unicodedata.combining(ch))
            words.append(bare)
    key = " ".join(words).encode()[:NAME_KEY_BYTES].decode(errors="ignore")
    return key.rstrip()


def name_keys(enterprise: Enterprise) -> tuple[str, str]:
    """``(name_key, name_key_en)`` of *enterprise*."""
    chinese = enterprise.name_zh_hans or enterprise.name_zh_hant
    return (name_sort_key(chinese or enterprise.name_en),
            name_sort_key(enterprise.name_en or chinese))


def _set(enterprise: Enterprise, prominence: int) -> None:
    """Store the three values, touching only those that changed (no needless UPDATE)."""
    name_key, name_key_en = name_keys(enterprise)
    for attribute, value in (("prominence", prominence), ("name_key", name_key),
                             ("name_key_en", name_key_en)):
        if getattr(enterprise, attribute) != value:
            setattr(enterprise, attribute, value)


def _refresh(session: Session, _context, _instances) -> None:
    """Before a flush: the order columns of every enterprise it writes or whose channels or
    regions it writes."""
    new_channels: dict[str, list[Channel]] = {}
    new_regions: dict[str, list[str]] = {}
    touched: set[str] = set()
    enterprises: dict[str, Enterprise] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Enterprise):
            if obj not in session.deleted and obj.id:
                enterprises[obj.id] = obj
        elif isinstance(obj, Channel | EnterpriseRegion) and obj.enterprise_id:
            touched.add(obj.enterprise_id)
            if obj in session.new and isinstance(obj, Channel):
                new_channels.setdefault(obj.enterprise_id, []).append(obj)
            elif obj in session.new:
                new_regions.setdefault(obj.enterprise_id, []).append(obj.code)
    if not enterprises and not touched:
        return
    with session.no_autoflush:
        for ident in touched - set(enterprises):
            found = session.get(Enterprise, ident)
            if found is not None and found not in session.deleted:
                enterprises[ident] = found
        stored = [ident for ident, e in enterprises.items() if e not in session.new]
        reports = report_counts(session, stored) if stored else {}
        gone = set(session.deleted)
        for ident, enterprise in enterprises.items():
            channels = {id(c): c for c in [*enterprise.channels, *new_channels.get(ident, ())]}
            regions = {row.code for row in enterprise.region_rows if row not in gone}
            regions.update(new_regions.get(ident, ()))
            _set(enterprise, prominence_of(
                enterprise, reports.get(ident, 0),
                channels=[c for c in channels.values() if c not in gone], regions=regions))


def track_listing_order(factory: sessionmaker) -> None:
    """Keep the order columns of the enterprises every flush of a *factory* session writes."""
    install_once(factory, "listing_order", [("before_flush", _refresh)])


def backfill(connection: Connection) -> None:
    """Compute the order columns of every enterprise, 500 at a time (migration 0017).

    Reads only columns that exist at that revision (a ``wikidata`` column counts when the
    table has one), so migrations added later run before or after it alike."""
    table = Enterprise.__table__
    has_wikidata = "wikidata" in {column["name"] for column in inspect(connection).get_columns("enterprises")}
    columns = [table.c.id, table.c.name_zh_hans, table.c.name_zh_hant, table.c.name_en, table.c.aliases,
               table.c.verified]
    if has_wikidata:
        columns.append(column("wikidata"))
    channels, regions = Channel.__table__, EnterpriseRegion.__table__
    last = ""
    while True:
        rows = connection.execute(select(*columns).where(table.c.id > last)
                                  .order_by(table.c.id).limit(500)).all()
        if not rows:
            break
        ids = [row.id for row in rows]
        counts: dict[str, int] = {}
        for ident, kind, value in connection.execute(
                select(channels.c.enterprise_id, channels.c.kind, channels.c.value)
                .where(channels.c.enterprise_id.in_(ids), channels.c.hidden.is_(False),
                       channels.c.direction == "contact")):
            if platform_of(kind, value) is None:  # as signals_of: unreachable ones do not count
                counts[ident] = counts.get(ident, 0) + 1
        served: dict[str, set[str]] = {}
        for ident, code in connection.execute(
                select(regions.c.enterprise_id, regions.c.code).where(regions.c.enterprise_id.in_(ids))):
            served.setdefault(ident, set()).add(code)
        reports = report_counts(connection, ids)
        for row in rows:
            chinese = row.name_zh_hans or row.name_zh_hant
            codes = served.get(row.id, set())
            prominence = score(Signals(
                verified=bool(row.verified), wikidata=bool(has_wikidata and row.wikidata),
                chinese_name=bool(chinese), mainland=not codes or MAINLAND in codes,
                contact_channels=counts.get(row.id, 0), aliases=len(row.aliases or ()),
                reports=reports.get(row.id, 0)))
            connection.execute(update(table).where(table.c.id == row.id).values(
                prominence=prominence, name_key=name_sort_key(chinese or row.name_en),
                name_key_en=name_sort_key(row.name_en or chinese)))
        last = ids[-1]
