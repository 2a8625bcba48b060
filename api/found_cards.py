"""A listing's search card: what a search item is made of, kept beside its full record in the
read model (``directory.listing_reads.ListingRead.found``), so search reads a few hundred bytes
per hit instead of the whole record.

The card is made from the record ``api.read_model.make`` keeps (the same generation, in the same
row; the card names its generation too, so one left beside a newer record is never read) and
holds:

- ``summary``: the item's fields that do not depend on the request (all but ``url``,
  ``channels`` and ``highlight``), as dumped;
- ``ways``: each shown contact channel's kind and regions, in the listing's own channel order
  (the kinds serving a region asked);
- ``phones``: the values of the shown phone channels, in that order (a number's highlight);
- ``channels``: the contact channels that can be among an item's ``MAIN_CHANNELS`` at some
  instant in some region, in the listing's order, each as the record dumps it (its fields that
  change with time emptied: they are set per request) with its plan (``directory.time_plan``).

A channel is left out when at least ``MAIN_CHANNELS`` contact channels serving everywhere come
before it whatever the time: each one's latest place (closed, or unknown for channels without
hours) is ahead of the channel's earliest (open). Serving everywhere, they are candidates in
every region the channel serves, so it is never among the first ``MAIN_CHANNELS``, and leaving
out channels that never are does not change which are (``tests/api/test_search_items.py``).
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson

from directory.phones import PHONE_KINDS
from directory.reach import order_key
from directory.search_listings import MAIN_CHANNELS

SUMMARY = ("id", "name", "names", "aliases", "industry", "verified", "website", "channel_kinds",
           "dissolved")
# set per request (api.read_model.bring_channel, api.search_items): kept empty
_PER_REQUEST = ("status", "live", "expected_wait", "tips")


def found_card(record: dict[str, Any], generation: int | None) -> bytes:
    """The search card (compressed JSON) of the listing whose kept record, made from its
    *generation*, is *record*."""
    answer, plan = record["answer"], record["plan"]
    listed = sorted(answer["channels"], key=lambda channel: plan[channel["id"]]["key"][-1])
    contact = [channel for channel in listed if channel["direction"] == "contact"]
    channels = []
    for channel in _may_lead(contact, plan):
        kept = {name: None if name in _PER_REQUEST else value for name, value in channel.items()}
        channels.append([kept, plan[channel["id"]]])
    card = {"generation": generation, "summary": {name: answer[name] for name in SUMMARY},
            "ways": [[channel["kind"], channel["regions"]] for channel in contact],
            "phones": [channel["value"] for channel in listed if channel["kind"] in PHONE_KINDS],
            "channels": channels}
    return zlib.compress(orjson.dumps(card), 1)


def read_card(blob: bytes) -> dict[str, Any]:
    return orjson.loads(zlib.decompress(blob))


def card_of(blob: bytes, generation: int) -> dict[str, Any] | None:
    """The card kept in *blob* by a row of *generation*; None when the card was made from
    another generation: a release without cards, still running beside this one during a
    deploy, writes a row's record and generation and leaves the card it had."""
    card = read_card(blob)
    return card if card["generation"] == generation else None


def _may_lead(contact: list[dict[str, Any]], plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The channels of *contact* that can be among the first ``MAIN_CHANNELS`` of some region
    at some instant (see the module's docstring)."""
    places = {}
    for channel in contact:
        facts = plan[channel["id"]]
        opens = (None,) if facts["hours"] is None else (True, False, None)
        places[channel["id"]] = [order_key(facts["key"], open_now) for open_now in opens]
    national = [max(places[channel["id"]]) for channel in contact if not channel["regions"]]
    return [channel for channel in contact
            if sum(latest < min(places[channel["id"]]) for latest in national) < MAIN_CHANNELS]
