"""directory/pages.py: keyset pages walk a list in order, ties included, and refuse cursors
this API never made."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from directory.models import Industry
from directory.pages import BadCursor, Key, keyset_page
from directory.versions import ListingVersion

BACKENDS = pytest.mark.parametrize("fresh_database", ["sqlite", "postgresql"], indirect=True)


def _industries(session, orders: list[int]) -> None:
    session.add_all(Industry(id=f"i{n:02d}", name_zh_hans="行业", name_zh_hant="行業", name_en="Trade",
                             display_order=order) for n, order in enumerate(orders))
    session.commit()


@BACKENDS
@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_pages_walk_the_whole_list_once_in_order_ties_included(session_factory, limit):
    key = Key(((Industry.display_order, True), (Industry.id, True)))  # newest-first shape
    with session_factory() as session:
        _industries(session, [3, 1, 3, 2, 3, 1, 0])
        expected = [i.id for i in session.scalars(
            select(Industry).order_by(Industry.display_order.desc(), Industry.id.desc()))]
        seen, after = [], None
        while True:
            page = keyset_page(session, select(Industry), key, after, limit)
            seen.extend(row.id for row in page.rows)
            if page.next_key is None:
                break
            assert len(page.rows) == limit
            after = key.parse([str(value) for value in page.next_key])
    assert seen == expected and len(seen) == 7


def test_cursors_are_typed_by_their_columns_and_forged_ones_refused():
    newest = Key.newest_first(ListingVersion.created_at, ListingVersion.id)
    moment, ident = newest.parse(["2026-12-01T08:00:00+00:00", "17"])  # an integer id
    assert moment == datetime(2026, 12, 1, 8, tzinfo=UTC) and ident == 17
    assert Key.descending(ListingVersion.number).parse(["12"]) == (12,)
    for key, parts in ((newest, ["9999-12-31T23:59:59+00:00", "1"]), (newest, ["yesterday", "1"]),
                       (newest, ["2026-12-01T08:00:00+00:00", "ver_1"]),
                       (newest, ["2026-12-01T08:00:00+00:00"]),
                       (Key.descending(ListingVersion.number), ["-1"]),
                       (Key.descending(ListingVersion.number), ["1e9"])):
        with pytest.raises(BadCursor):
            key.parse(parts)
