"""Listings open now: those with a way in (a contact channel, shown, serving the region asked)
whose opening hours say it is open at the instant. Unknown hours never count as open.

Opening hours are rules (weekly intervals, China's public holidays, dated exceptions) that only
:func:`directory.hours.status_at` reads, so the filter runs here over rows the database
narrowed first to listings with hours at all: a page scans the list in its order until it has
its rows, at most :data:`OPEN_SCAN_ROWS` rows (then it ends early, with a cursor to go on);
the total is exact when every candidate was checked, else estimated from the first
:data:`OPEN_SCAN_ROWS` of them. A search with ``open_now`` checks its best
:data:`OPEN_SEARCH_WINDOW` matches (:func:`open_among`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import String, and_, cast, exists, func
from sqlalchemy.orm import Session, selectinload

from directory.hours import status_at
from directory.models import Channel, Enterprise
from directory.pages import KeyValue, Listing, Page, count_up_to, keyset_page
from directory.reach import serves_region
from directory.search_listings import listings_in_order
from search.base import SearchResults

OPEN_SCAN_ROWS = 2000
_BATCH = 200
OPEN_SEARCH_WINDOW = 500  # search with open_now: the best this many matches are checked


def is_open(enterprise: Enterprise, at: datetime, region: str | None = None) -> bool:
    """Whether a way in to *enterprise* (serving *region*) is open at *at*."""
    return any(channel.direction == "contact" and not channel.hidden
               and serves_region(channel, region) and status_at(channel.hours, at).open_now
               for channel in enterprise.channels)


def with_hours(listing: Listing) -> Listing:
    """*listing* narrowed to enterprises with a way in that has opening hours (a JSON null,
    as the column may hold for unknown hours, is none)."""
    has_hours = exists().where(and_(
        Channel.enterprise_id == Enterprise.id, Channel.direction == "contact",
        Channel.hidden.is_(False),
        func.coalesce(cast(Channel.hours, String), "null") != "null"))
    return Listing(listing.query.where(has_hours).options(selectinload(Enterprise.channels)),
                   listing.key, listing.key_of)


def _scan(session: Session, listing: Listing, after: Sequence[KeyValue] | None,
          rows: int) -> Iterable[Enterprise]:
    """The listing's enterprises after *after*, in order, at most *rows* of them."""
    left = rows
    while left > 0:
        batch = keyset_page(session, listing.query, listing.key, after, min(_BATCH, left))
        yield from batch.rows
        left -= len(batch.rows)
        if batch.next_key is None:
            return
        after = batch.next_key


def open_page(session: Session, listing: Listing, after: Sequence[KeyValue] | None, limit: int,
              at: datetime, region: str | None = None) -> Page:
    """The page of *listing*'s enterprises open at *at* after the key *after*: up to *limit*
    of them, found among at most OPEN_SCAN_ROWS rows (a page that ran out of them may hold
    fewer, and its ``next_key`` goes on from the last row checked)."""
    listing = with_hours(listing)
    found: list[Enterprise] = []
    last: Enterprise | None = None
    for checked, enterprise in enumerate(_scan(session, listing, after, OPEN_SCAN_ROWS + 1)):
        if len(found) == limit or checked == OPEN_SCAN_ROWS:  # more rows follow: a next page
            return Page(found, listing.key.of(found[-1] if len(found) == limit else last))
        last = enterprise
        if is_open(enterprise, at, region):
            found.append(enterprise)
    return Page(found, None)


def open_total(session: Session, listing: Listing, at: datetime,
               region: str | None = None) -> tuple[int, bool]:
    """How many of *listing*'s enterprises are open at *at*, and whether that is exact (every
    candidate checked) or estimated from the first OPEN_SCAN_ROWS of them."""
    listing = with_hours(listing)
    candidates, _exact = count_up_to(session, listing.query)
    checked = open_count = 0
    for enterprise in _scan(session, listing, None, OPEN_SCAN_ROWS):
        checked += 1
        open_count += is_open(enterprise, at, region)
    if checked >= candidates:
        return open_count, True
    return round(open_count * candidates / checked), False


def open_among(session: Session, results: SearchResults, at: datetime,
               region: str | None = None) -> SearchResults:
    """*results* (a search's first OPEN_SEARCH_WINDOW matches, best first) narrowed to the
    listings open at *at*: every such id, in rank order, and their total (exact when the search
    had no more matches than these, else estimated from them); the facets stay the search's."""
    open_ids = [enterprise.id for enterprise in listings_in_order(session, results.ids)
                if is_open(enterprise, at, region)]
    if results.total <= len(results.ids):
        return SearchResults(open_ids, len(open_ids), results.facets, results.exact)
    estimate = round(len(open_ids) * results.total / max(len(results.ids), 1))
    return SearchResults(open_ids, estimate, results.facets, exact=False)
