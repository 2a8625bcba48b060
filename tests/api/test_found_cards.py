"""A search card leaves out exactly the contact channels that can never be among an item's
first ``MAIN_CHANNELS``: those behind at least that many channels serving everywhere, whatever
the time (that the items stay the full path's is tests/api/test_search_items.py's)."""

from __future__ import annotations

from api.found_cards import found_card, read_card
from directory.search_listings import MAIN_CHANNELS

WEEKDAYS = {"zone": "Asia/Shanghai", "weekly": {"mon": [["09:00", "17:00"]]}}


def _record(*channels: tuple[str, list[str], dict | None, list]) -> dict:
    """A kept record of channels (id, regions, hours, static order key), in listing order."""
    answer = {"id": "ent_000000000001", "name": "n", "names": {"zh-Hans": "n"}, "aliases": [],
              "industry": None, "verified": False, "website": None, "channel_kinds": ["phone"],
              "dissolved": False, "description": "not in the card",
              "channels": [{"id": ident, "kind": "phone", "value": f"9558{position}",
                            "regions": regions, "direction": "contact", "status": {"open_now": True},
                            "live": None, "expected_wait": {}, "tips": 3, "phone": {"hints": []}}
                           for position, (ident, regions, _hours, _key) in enumerate(channels)]}
    plan = {ident: {"key": [*key, position], "hours": hours, "hints": []}
            for position, (ident, regions, hours, key) in enumerate(channels)}
    return {"answer": answer, "plan": plan, "notices": [], "windows": []}


def _kept(record: dict) -> list[str]:
    return [channel["id"] for channel, _facts in read_card(found_card(record, 1))["channels"]]


SAME = [False, False, False, 1, 1, 1]  # contact, not last, not tier 2, reach, cost, tier
WORSE = [False, True, False, 1, 1, 1]  # ranks last for its reader


def test_a_channel_behind_enough_national_ones_whatever_the_time_is_left_out():
    assert MAIN_CHANNELS == 3
    record = _record(("a", [], None, SAME), ("b", [], None, SAME), ("c", [], None, SAME),
                     ("d", [], None, SAME),  # behind a, b, c (same place, later position)
                     ("e", [], WEEKDAYS, SAME),  # open, it comes before those without hours
                     ("f", ["110000"], None, SAME),  # regional, behind a, b, c everywhere
                     ("g", [], WEEKDAYS, WORSE))  # last even when open
    assert _kept(record) == ["a", "b", "c", "e"]


def test_channels_ahead_only_in_some_regions_leave_nothing_out():
    record = _record(("a", ["110000"], None, SAME), ("b", ["110000"], None, SAME),
                     ("c", ["310000"], None, SAME), ("d", [], None, SAME), ("e", [], None, WORSE))
    assert _kept(record) == ["a", "b", "c", "d", "e"]


def test_the_card_holds_the_summary_the_ways_and_the_numbers_not_the_rest():
    card = read_card(found_card(_record(("a", [], None, SAME), ("b", ["HK"], None, SAME)), 7))
    assert card["generation"] == 7
    assert "description" not in card["summary"] and card["summary"]["id"] == "ent_000000000001"
    assert card["ways"] == [["phone", []], ["phone", ["HK"]]]
    assert card["phones"] == ["95580", "95581"]
    channel, facts = card["channels"][0]
    # what is set per request is kept empty; the rest as the record dumps it
    assert (channel["status"], channel["live"], channel["expected_wait"], channel["tips"]) == (
        None, None, None, None)
    assert channel["phone"] == {"hints": []} and facts["key"] == [*SAME, 0]
