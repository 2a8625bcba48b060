"""Search's answer as listings: what the search port found (ids in rank order, facet counts)
becomes the listings people see.

The port answers ids only; the listings are read here from the database, in the port's order
(ids it still had but are gone or no longer public are skipped), so every answer shows current
data whichever engine ran. Each found listing comes with its best contact channels (the
listing's own order: open now, reaches a person, cost), what matched (a highlight), and the
facets' industries with their names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session, selectinload

from directory.experience_summaries import ExpectedWait, expected_waits
from directory.listings import name_in
from directory.models import Channel, Enterprise, Industry
from directory.phones import PHONE_KINDS, display_phone
from directory.reach import channels_for
from search.base import SearchResults
from search.text import AnalyzedQuery, fold, highlight_spans, phone_terms, pinyin_terms

MAIN_CHANNELS = 3


@dataclass(frozen=True)
class Highlight:
    """Where the query matched a listing: ``name`` (in the answer's language), ``names.<lang>``,
    ``aliases``, ``pinyin``, ``phone`` or ``other``; the text as shown (None for ``other``) and
    the ``[start, end)`` code-point ranges of it that matched."""

    field: str
    text: str | None
    spans: list[list[int]] = field(default_factory=list)


@dataclass(frozen=True)
class FoundListing:
    enterprise: Enterprise
    channels: list[Channel]  # its MAIN_CHANNELS best contact channels serving the region
    highlight: Highlight


@dataclass(frozen=True)
class IndustryCount:
    id: str
    count: int
    names: dict[str, str | None] | None  # None when the industry is gone


@dataclass(frozen=True)
class Facets:
    """The counts over every match of a search."""

    industries: list[IndustryCount]  # most matches first
    channel_kinds: list[tuple[str, int]]  # most matches first


@dataclass(frozen=True)
class FoundListings:
    """One page of a search as listings, and the counts over every match."""

    items: list[FoundListing]
    waits: dict[str, ExpectedWait]  # per shown channel
    industries: list[IndustryCount]  # most matches first
    channel_kinds: list[tuple[str, int]]  # most matches first


def listings_in_order(session: Session, ids: Sequence[str]) -> list[Enterprise]:
    """The public listings of *ids*, in that order (ids of listings gone or hidden: skipped)."""
    if not ids:
        return []
    rows = session.scalars(select(Enterprise).options(selectinload(Enterprise.channels))
                           .where(Enterprise.id.in_(ids), Enterprise.status == "active"))
    found = {row.id: row for row in rows}
    return [found[i] for i in ids if i in found]


_listings = Enterprise.__table__
# What a suggestion shows, read without the listings' channels or ORM objects (built once).
_SUGGESTED = (select(_listings.c.id, _listings.c.name_zh_hans, _listings.c.name_zh_hant,
                     _listings.c.name_en, _listings.c.industry_id, _listings.c.verified)
              .where(_listings.c.id.in_(bindparam("ids", expanding=True)),
                     _listings.c.status == "active"))


def suggested_in_order(session: Session, ids: Sequence[str]) -> list[Row]:
    """Of the public listings of *ids*, in that order (others skipped), what a suggestion shows:
    rows of ``id``, ``name_zh_hans``, ``name_zh_hant``, ``name_en``, ``industry_id``, ``verified``."""
    if not ids:
        return []
    found = {row.id: row for row in
             session.connection().execute(_SUGGESTED, {"ids": list(ids)}).all()}
    return [found[i] for i in ids if i in found]


def highlight(enterprise: Enterprise, query: AnalyzedQuery, language: str) -> Highlight:
    """What of *enterprise* matched *query* (see :func:`highlight_of`)."""
    return highlight_of(enterprise.names(), enterprise.aliases or [],
                        (c.value for c in enterprise.channels
                         if c.kind in PHONE_KINDS and not c.hidden), query, language)


def highlight_of(names: dict[str, str | None], aliases: Sequence[str], phones: Iterable[str],
                 query: AnalyzedQuery, language: str) -> Highlight:
    """What of a listing matched *query*: the name, name or alias covering most of it, else
    a number, else a pinyin reading, else something not shown (``other``). *names* by
    language, *aliases*, *phones*: the values of its shown phone channels in its order."""
    texts = [("name", name_in(names, language))]
    texts += [(f"names.{lang}", name) for lang, name in names.items() if name]
    texts += [("aliases", alias) for alias in aliases]
    best: tuple[int, Highlight] | None = None
    found: dict[str, list[tuple[int, int]]] = {}  # the name is also one of the names
    for field_name, text in texts:
        spans = found[text] if text in found else found.setdefault(text, highlight_spans(text, query))
        covered = sum(end - start for start, end in spans)
        if spans and (best is None or covered > best[0]):
            best = (covered, Highlight(field_name, text, [list(s) for s in spans]))
    if best is not None:
        return best[1]
    if query.phone:
        for value in phones:
            if any(term.startswith(query.phone) for term in phone_terms(value)):
                display = display_phone(value)
                return Highlight("phone", display, [[0, len(display)]])
    for _field_name, text in texts:
        terms = pinyin_terms(fold(text))
        if query.words and all(any(t.startswith(w) for t in terms) for w in query.words):
            return Highlight("pinyin", text)
    return Highlight("other", None)


IndustryNames = dict[str, dict[str, str | None]]


def industry_names(session: Session) -> IndustryNames:
    """The names by language of every industry, by id (a few dozen rows)."""
    return {row.id: {"zh-Hans": row.name_zh_hans, "zh-Hant": row.name_zh_hant, "en": row.name_en}
            for row in session.connection().execute(_INDUSTRY_NAMES)}


_industry = Industry.__table__
_INDUSTRY_NAMES = select(_industry.c.id, _industry.c.name_zh_hans, _industry.c.name_zh_hant,
                         _industry.c.name_en)


def facets_of(session: Session, results: SearchResults, names: IndustryNames | None = None
              ) -> Facets:
    """The facets of *results*: the industries named (from *names*, every industry's, when
    given), most matches first; the channel kinds."""
    kinds = sorted(results.facets.get("channel", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    counts = results.facets.get("industry", {})
    if names is None:
        names = industry_names(session) if counts else {}
    industries = [IndustryCount(ident, count, names.get(ident))
                  for ident, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Facets(industries, kinds)


def found_listings(session: Session, results: SearchResults, query: AnalyzedQuery, *,
                   language: str, region: str | None, at: datetime,
                   names: IndustryNames | None = None) -> FoundListings:
    """The listings the search port found (*results*), in its order, each with its best contact
    channels serving *region* at *at* and what matched *query*; the facets' industries named
    (from *names*, as :func:`facets_of`)."""
    rows = listings_in_order(session, results.ids)
    shown = {enterprise.id: [c for c in channels_for(enterprise, at, region, language)
                             if c.direction == "contact"][:MAIN_CHANNELS] for enterprise in rows}
    waits = expected_waits(session, [c for cs in shown.values() for c in cs], at)
    items = [FoundListing(enterprise, shown[enterprise.id], highlight(enterprise, query, language))
             for enterprise in rows]
    facets = facets_of(session, results, names)
    return FoundListings(items, waits, facets.industries, facets.channel_kinds)
