"""The list's SQL shapes for a million listings (directory/listings.py, directory/pages.py) do
not change its answers: a rare channel kind filtered by ids fetched first gives the same pages
as the probe of every listing, and the pages cut by cursors add up to the whole list."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

import directory.listings as listings
from directory.models import CHANNEL_KINDS


def _all_pages(client, path: str) -> tuple[list[str], int]:
    """The ids of every page of *path* (following ``next``) and the first page's total."""
    body = client.get(path).get_json()
    ids, total = [item["id"] for item in body["items"]], body["total"]
    while body["next"]:
        parts = urlsplit(body["next"])
        body = client.get(f"{parts.path}?{parts.query}").get_json()
        ids += [item["id"] for item in body["items"]]
    return ids, total


@pytest.mark.parametrize("kind", CHANNEL_KINDS)
def test_channel_filter_by_ids_or_by_probe_answers_alike(client, monkeypatch, kind):
    # different page sizes: different URLs, so no answer comes from the response cache (and
    # pages of a few dozen: many cursors, without walking thousands of listings 7 at a time)
    monkeypatch.setattr(listings, "SPARSE_CHANNELS", 0)  # every kind probed listing by listing
    probed, probed_total = _all_pages(client, f"/v1/enterprises?channel={kind}&limit=37")
    monkeypatch.setattr(listings, "SPARSE_CHANNELS", 10**6)  # every kind by its listings' ids
    by_ids, by_ids_total = _all_pages(client, f"/v1/enterprises?channel={kind}&limit=41")
    assert by_ids == probed and by_ids_total == probed_total == len(probed)
    for sort in ("name", "prominence"):
        ids, _total = _all_pages(client, f"/v1/enterprises?channel={kind}&limit=43&sort={sort}"
                                 "&region=CN")
        assert set(ids) <= set(probed)


def test_pages_by_cursor_add_up_to_the_whole_list_in_each_order(client):
    for sort in ("prominence", "name"):
        paged, total = _all_pages(client, f"/v1/enterprises?sort={sort}&limit=13&industry=finance")
        whole = [item["id"] for item in client.get(
            f"/v1/enterprises?sort={sort}&limit=100&industry=finance").get_json()["items"]]
        assert paged[:len(whole)] == whole and len(paged) == len(set(paged)) == total
