"""Search's found listings from the read model (``api/read_model.py``): one query for all the
listings of a page, then each item built from its listing's kept answer, already in the dumped
form ``SearchItemSchema`` gives.

A search item is the listing's summary, its ``MAIN_CHANNELS`` best contact channels (serving
the region asked) and what matched. The kept answer (the default detail view: any platform, no
topic, every region) holds the summary and every shown channel dumped as the detail shows it,
with the plan of what changes with time. Brought to the instant asked, its channels are the
ones ``found_listings`` picks, dumped as ``found_dump`` dumps them, which differs from the
detail's dump in two fields only: search reads no crowd notes, so ``tips`` is null and the
phone's hints never carry ``may_be_out_of_service``. With a region, the summary's channel kinds
are those serving it, in the listing's own channel order (the plan's keys end with the
channel's position). Listings without a fresh kept answer get one made and kept (one commit
for the page, best effort), as ``ready_answer`` does. ``tests/api/test_search_items.py``
holds this path to the full one (``found_listings`` -> ``found_dump`` -> the schema).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from api.presenters.share import share_url
from api.read_model import bring_channel, keep_made, make
from directory.errors import NotFound
from directory.hours import status_at
from directory.listing_reads import ready_many
from directory.phones import PHONE_KINDS
from directory.reach import order_key
from directory.regions import serves
from directory.search_listings import MAIN_CHANNELS, highlight_of
from search.text import AnalyzedQuery


def found_items(session: Session, ids: Sequence[str], query: AnalyzedQuery, *, language: str,
                region: str | None, at: datetime) -> list[dict[str, Any]]:
    """The listed ones of *ids* (the search port's, in its order) as search items at *at*."""
    blobs = ready_many(session, ids, language)
    made = []
    for ident in dict.fromkeys(ids):
        if ident in blobs:
            continue
        try:
            _answer, generation, blob = make(session, ident, language, at)
        except NotFound:  # gone or hidden since it was indexed: skipped
            continue
        blobs[ident] = blob
        made.append((ident, generation, blob))
    keep_made(session, made, language)
    return [search_item(orjson.loads(zlib.decompress(blobs[ident])), query, language=language,
                        region=region, at=at) for ident in ids if ident in blobs]


def search_item(record: dict[str, Any], query: AnalyzedQuery, *, language: str,
                region: str | None, at: datetime) -> dict[str, Any]:
    """The search item of the listing whose kept record (``api.read_model.make``) is *record*."""
    answer, plan = record["answer"], record["plan"]
    # every shown channel of the listing in its own order (what ``enterprise.channels`` holds)
    listed = sorted(answer["channels"], key=lambda channel: plan[channel["id"]]["key"][-1])
    kinds = answer["channel_kinds"]
    if region is not None:
        kinds = list(dict.fromkeys(channel["kind"] for channel in listed
                                   if channel["direction"] == "contact"
                                   and serves(channel["regions"], region)))
    statuses = {}
    candidates = []
    for channel in listed:
        if channel["direction"] == "contact" and (region is None or serves(channel["regions"], region)):
            statuses[channel["id"]] = status_at(plan[channel["id"]]["hours"], at)
            candidates.append(channel)
    candidates.sort(key=lambda channel: order_key(plan[channel["id"]]["key"],
                                                  statuses[channel["id"]].open_now))
    channels = [_bring(channel, plan[channel["id"]], statuses[channel["id"]], at)
                for channel in candidates[:MAIN_CHANNELS]]
    found = highlight_of(answer["names"], answer["aliases"],
                         (channel["value"] for channel in listed if channel["kind"] in PHONE_KINDS),
                         query, language)
    return {"id": answer["id"], "name": answer["name"], "names": answer["names"],
            "aliases": answer["aliases"], "industry": answer["industry"],
            "verified": answer["verified"], "website": answer["website"],
            "channel_kinds": kinds, "url": share_url(answer["id"]), "dissolved": answer["dissolved"],
            "channels": channels,
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
