"""Search's found listings from the read model (``api/read_model.py``): one query for the
search cards of all the listings of a page, then each item built from its listing's card,
already in the dumped form ``SearchItemSchema`` gives.

A search item is the listing's summary, its ``MAIN_CHANNELS`` best contact channels (serving
the region asked) and what matched. The search card (``api/found_cards.py``), kept beside the
listing's kept answer (the default detail view: any platform, no topic, every region) and made
from it, holds the summary, each contact channel's kind and regions, the phone numbers, and the
contact channels that can lead, dumped as the detail shows them, with the plan of what changes
with time. Brought to the instant asked, its channels are the ones ``found_listings`` picks,
dumped as ``found_dump`` dumps them, which differs from the detail's dump in two fields only:
search reads no crowd notes, so ``tips`` is null and the phone's hints never carry
``may_be_out_of_service``. With a region, the summary's channel kinds are those serving it, in
the listing's own channel order. Listings without a fresh card (none, or one made from another
generation) get their answer and card made and kept (one commit for the page, best effort), as
``ready_answer`` does. ``tests/api/test_search_items.py`` holds this path to the full one
(``found_listings`` -> ``found_dump`` -> the schema).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy.orm import Session

from api.found_cards import card_of, read_card
from api.presenters.share import share_url
from api.read_model import bring_channel, keep_made, make
from directory.errors import NotFound
from directory.hours import status_at
from directory.listing_reads import found_ready
from directory.reach import order_key
from directory.regions import serves
from directory.search_listings import MAIN_CHANNELS, highlight_of
from search.text import AnalyzedQuery


def found_items(session: Session, ids: Sequence[str], query: AnalyzedQuery, *, language: str,
                region: str | None, at: datetime) -> list[dict[str, Any]]:
    """The listed ones of *ids* (the search port's, in its order) as search items at *at*."""
    cards = {}
    for ident, (generation, blob) in found_ready(session, ids, language).items():
        card = card_of(blob, generation)
        if card is not None:
            cards[ident] = card
    made = []
    for ident in dict.fromkeys(ids):
        if ident in cards:
            continue
        try:
            _answer, generation, body, blob = make(session, ident, language, at)
        except NotFound:  # gone or hidden since it was indexed: skipped
            continue
        cards[ident] = read_card(blob)
        made.append((ident, generation, (body, blob)))
    keep_made(session, made, language)
    shared = share_url("")  # every listing's share link: this and its id
    return [search_item(cards[ident], query, language=language, region=region, at=at,
                        shared=shared) for ident in ids if ident in cards]


def search_item(card: dict[str, Any], query: AnalyzedQuery, *, language: str,
                region: str | None, at: datetime, shared: str) -> dict[str, Any]:
    """The search item of the listing whose search card (``api.found_cards``) is *card*
    (*shared*: ``share_url("")``, the start of every share link)."""
    summary = card["summary"]
    kinds = summary["channel_kinds"]
    if region is not None:
        kinds = list(dict.fromkeys(kind for kind, regions in card["ways"] if serves(regions, region)))
    candidates = []
    for channel, facts in card["channels"]:
        if region is None or serves(channel["regions"], region):
            status = status_at(facts["hours"], at)
            candidates.append((order_key(facts["key"], status.open_now), channel, facts, status))
    candidates.sort(key=itemgetter(0))
    channels = [_bring(channel, facts, status, at)
                for _key, channel, facts, status in candidates[:MAIN_CHANNELS]]
    found = highlight_of(summary["names"], summary["aliases"], card["phones"], query, language)
    return {"id": summary["id"], "name": summary["name"], "names": summary["names"],
            "aliases": summary["aliases"], "industry": summary["industry"],
            "verified": summary["verified"], "website": summary["website"],
            "channel_kinds": kinds, "url": shared + summary["id"],
            "dissolved": summary["dissolved"], "channels": channels,
            "highlight": {"field": found.field, "text": found.text, "spans": found.spans}}


def _bring(channel: dict[str, Any], facts: dict[str, Any], status: Any, at: datetime
           ) -> dict[str, Any]:
    """A kept channel as search shows it at *at*: its status, live status and wait of then;
    no crowd notes (no tips, no out-of-service hint)."""
    bring_channel(channel, facts, status, at)
    if facts["hints"] is not None:
        channel["phone"]["hints"] = facts["hints"]
    channel["tips"] = None
    return channel
