"""Listings' summaries from the read model (``directory.listing_reads.ListingCard``): a list
page's items, as kept bytes spliced into the answer.

A card is a listing's summary in one language as ``summary_answer`` makes it, less its share
link (``url`` depends on the configuration, so it is added per request). Cards are read in one
query for a whole page and served while made from the listing as it is (its generation, kept
by the database's triggers); the others are made from the listings read lean
(``directory.summaries``) and kept for the next read, best effort. Both give the answer the
full path gives (``tests/api/test_list_cards.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import orjson
from sqlalchemy import Row
from sqlalchemy.orm import Session

from api.field_masks import Mask, masked
from api.presenters.enterprises import summary_answer
from api.presenters.share import share_url
from api.read_model import keep_made
from directory.listing_reads import cards_and_ways_ready, keep_cards
from directory.regions import serves
from directory.summaries import listing_summaries


def summary_cards(session: Session, ids: Sequence[str], language: str,
                  ready: dict[str, tuple[bytes, bytes]] | None = None
                  ) -> dict[str, tuple[bytes, bytes]]:
    """The cards (without ``url``) in *language* of the listed ones of *ids*, each with its
    listing's ways in (JSON ``[[kind, regions], ...]``): kept ones (read now, or *ready*: those
    already read with the ids), and the others made now (and kept)."""
    if ready is None:
        ready = cards_and_ways_ready(session, ids, language)
    cards = {ident: kept for ident, kept in ready.items()
             if kept[1]}  # a card kept without its ways (none should be) is made again
    missing = [ident for ident in ids if ident not in cards]
    if not missing:
        return cards
    made = []
    for summary in listing_summaries(session, missing, listed_only=True):
        answer = summary_answer(summary, language)
        del answer["url"]
        ways = orjson.dumps([[way.kind, way.regions] for way in summary.channels])
        cards[summary.id] = kept = (orjson.dumps(answer), ways)
        made.append((summary.id, summary.generation, kept))
    keep_made(session, made, language, store=keep_cards)
    return cards


def page_items(session: Session, rows: Sequence[Row], language: str, mask: Mask | None = None,
               region: str | None = None) -> list[bytes]:
    """The items of a page of listings (*rows* of a statement ``with_cards`` made, in their
    order; those still listed), each as its JSON: the card with its share link; with *mask*,
    only the fields it names; with *region*, the kinds of way in are those serving it (from
    the ways kept with the card)."""
    ids = [row.id for row in rows]
    cards = summary_cards(session, ids, language, {
        row.id: (row.card, row.ways) for row in rows if row.card is not None})
    items = []
    base = share_url("")  # every listing's share link: this and its id
    for ident in ids:
        kept = cards.get(ident)
        if kept is None:
            continue
        card, ways = kept
        url = base + ident
        if region is not None:
            card = _serving_region(card, ways, region)
        if mask is None:
            items.append(card[:-1] + b',"url":' + orjson.dumps(url) + b"}")
            continue
        item = orjson.loads(card)
        item["url"] = url
        items.append(orjson.dumps(masked([item], mask)[0]))
    return items


_KINDS = b',"channel_kinds":['


def _serving_region(card: bytes, ways: bytes, region: str) -> bytes:
    """*card* whose ``channel_kinds`` are those of its *ways* that serve *region*, written in
    place: no key or value of a card holds ``,"channel_kinds":[`` but that one (a quote inside a
    string is escaped), and kinds are plain words (no ``]``)."""
    start = card.find(_KINDS)
    if start < 0:  # not a card summary_answer made: through its parsed form
        item = orjson.loads(card)
        item["channel_kinds"] = orjson.loads(_kinds_serving(ways, region))
        return orjson.dumps(item)
    end = card.index(b"]", start + len(_KINDS))
    return card[:start + len(_KINDS) - 1] + _kinds_serving(ways, region) + card[end + 1:]


@lru_cache(maxsize=4096)
def _kinds_serving(ways: bytes, region: str) -> bytes:
    """The kinds (JSON list, each once, in order) of the *ways* in (``[[kind, regions], ...]``)
    that serve *region*: a page's listings share a few sets of ways, and a region list's pages
    ask the same region."""
    return orjson.dumps(list(dict.fromkeys(
        kind for kind, regions in orjson.loads(ways) if serves(regions, region))))
