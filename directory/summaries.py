"""Listings' summaries read lean: the columns a summary shows and, of their channels, only
what says which kinds of way in they offer (and where), in two queries for a whole page and
without ORM objects (a page of lists, lookup's matches). ``ListingSummary`` answers the same
attributes an ``Enterprise`` does for ``api/presenters/enterprises.summary_dump``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from directory.models import Channel, Enterprise
from directory.pages import Listing, Part


@dataclass(frozen=True)
class ChannelFacts:
    """A shown way in of a listing (contact, not hidden): its kind and the regions it serves."""

    kind: str
    regions: list[str]
    direction: str = "contact"
    hidden: bool = False


@dataclass(frozen=True)
class ListingSummary:
    id: str
    name_zh_hans: str | None
    name_zh_hant: str | None
    name_en: str | None
    aliases: list[str]
    industry_id: str
    verified: bool
    website: str | None
    dissolved: str | None
    channels: list[ChannelFacts] = field(default_factory=list)
    generation: int = 0  # the listing's read_generation, read before its channels

    def names(self) -> dict[str, str | None]:
        return {"zh-Hans": self.name_zh_hans, "zh-Hant": self.name_zh_hant, "en": self.name_en}


_listings, _channels = Enterprise.__table__, Channel.__table__
_SUMMARIES = select(_listings.c.id, _listings.c.name_zh_hans, _listings.c.name_zh_hant,
                    _listings.c.name_en, _listings.c.aliases, _listings.c.industry_id,
                    _listings.c.verified, _listings.c.website, _listings.c.dissolved,
                    _listings.c.status, _listings.c.read_generation).where(
    _listings.c.id.in_(bindparam("ids", expanding=True)))
# each kind of way in once per set of regions served, where it first comes (a summary says
# which kinds a listing offers, in channel order: not every channel is needed for that)
_first = func.min(_channels.c.position)
_WAYS_IN = select(_channels.c.enterprise_id, _channels.c.kind, _channels.c.regions, _first).where(
    _channels.c.enterprise_id.in_(bindparam("ids", expanding=True)),
    _channels.c.direction == "contact", _channels.c.hidden.is_(False)
).group_by(_channels.c.enterprise_id, _channels.c.kind, _channels.c.regions
           ).order_by(_channels.c.enterprise_id, _first)


def listing_summaries(session: Session, ids: Sequence[str], *, listed_only: bool = False
                      ) -> list[ListingSummary]:
    """The summaries of the listings *ids*, in that order (ids not found, or with *listed_only*
    not publicly listed: skipped)."""
    if not ids:
        return []
    connection = session.connection()
    # the listings (with their generations) first, then their channels: a summary is never
    # made of channels older than the generation it says it was made from
    rows = [row for row in connection.execute(_SUMMARIES, {"ids": list(ids)})
            if not listed_only or row.status == "active"]
    ways = ways_in(session, [row.id for row in rows]) if rows else {}
    found = {row.id: ListingSummary(*row[:-2], channels=ways.get(row.id, []),
                                    generation=row.read_generation) for row in rows}
    return [found[ident] for ident in ids if ident in found]


def ways_in(session: Session, ids: Sequence[str]) -> dict[str, list[ChannelFacts]]:
    """Of the listings *ids*, the kinds of way in they show with the regions each serves, in
    channel order (each kind once per set of regions)."""
    ways: dict[str, list[ChannelFacts]] = {}
    for enterprise_id, kind, regions, _position in session.connection().execute(
            _WAYS_IN, {"ids": list(ids)}):
        ways.setdefault(enterprise_id, []).append(ChannelFacts(kind, list(regions or [])))
    return ways


@lru_cache(maxsize=512)
def keys_only(listing: Listing) -> Listing:
    """*listing* reading only the ids and its order's columns (for :func:`listing_summaries`):
    a page of ids costs no ORM objects, and counting it reads no more than the index."""
    columns = list(dict.fromkeys([_listings.c.id, *(column for column, _ in listing.key.columns)]))
    parts = tuple(Part(part.query.with_only_columns(*columns), part.count, part.bound)
                  for part in listing.parts)
    return Listing(listing.query.with_only_columns(*columns), listing.key, key_of=listing.key.of,
                   parts=parts)
