"""Search's items from the read model (api/search_items.py) are the items the full path makes
(``found_listings`` -> ``found_dump`` -> ``SearchItemSchema``) at the same instant, byte for
byte as JSON: over the bundled directory for the benchmark's words and prefixes, with and
without industry and region filters, in every language, at instants across a week (answers
made at one instant, served at another); and over a listing with live statuses, wait
reports, tips and dead-number reports (what the detail shows and search does not). The lean
suggestions are the ones the listings' ORM objects gave."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from flask import jsonify
from sqlalchemy import delete, select, update

from api.found_cards import card_of
from api.http import pick_name
from api.presenters.common import names_dump
from api.presenters.search import found_dump
from api.schemas.search import SearchItemSchema, SuggestionsSchema
from api.search_items import found_items
from api.state import app_state, db_session
from bench.http_bench import PREFIXES, REGIONS, WORDS
from directory.indexing.queries import listing_query
from directory.listing_reads import ListingRead, found_ready
from directory.models import Enterprise
from directory.search_listings import found_listings, listings_in_order
from search.base import SearchResults
from tests.api.test_read_model import (
    LATER,
    RICH,
    crowded,  # noqa: F401 - the fixture, over this module's client
)
from tests.api.test_read_model import RECORDS as RICH_RECORDS
from tests.conftest import BACKEND_PARAMS, client_over_records

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
START = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # a Monday, 16:30 in Beijing
INSTANTS = [START, START + timedelta(hours=10), START + timedelta(days=5, hours=3),
            datetime(2027, 1, 1, 3, 0, tzinfo=UTC)]  # a weekday, night, Saturday, a holiday
FILTERED = [("银行", {"industry": "banking"}), ("yinhang", {"industry": "banking"}),
            ("中国", {"industry": "telecom"}), ("保险", {"region": "CN"}),
            ("银行", {"region": "110000"}), ("航空", {"region": "310000"}),
            ("china", {"region": "HK"}), ("bank", {"region": "US"}),
            ("快递", {"region": "440300", "industry": "logistics"}), ("95588", {"channel": "phone"}),
            *((word, {"region": region}) for word in ("中国", "上海", "400") for region in REGIONS)]


def _as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _both(session, q: str, language: str, at: datetime, **filters) -> tuple[str, str]:
    """The items of the search as the full path makes them and as the read model makes them."""
    query = listing_query(q, industry=filters.get("industry"), channel=filters.get("channel"),
                          region=filters.get("region"), limit=20, offset=0)
    results = (SearchResults(ids=[], total=0) if query.analyzed.empty
               else app_state().search.search(query))
    region = filters.get("region")
    found = found_listings(session, results, query.analyzed, language=language, region=region,
                           at=at)
    full = SearchItemSchema(many=True).dump(found_dump(found, language=language, platform="any",
                                                       region=region, at=at))
    read = found_items(session, results.ids, query.analyzed, language=language, region=region,
                       at=at)
    return _as_json(full), _as_json(read)


@pytest.mark.parametrize("language", LANGUAGES)
def test_items_from_the_read_model_are_the_full_paths(app, language):
    compared = shown = 0
    with app.test_request_context():
        session = db_session()
        session.execute(delete(ListingRead))  # made by the first instant, served at the others
        session.commit()
        asked = [*((word, {}) for word in WORDS + PREFIXES), *FILTERED]
        for turn, at in enumerate(INSTANTS):
            for number, (q, filters) in enumerate(asked):
                # every search at the first instant (which makes its answers), and each again at
                # one of the later instants, in turn (served from what the first one kept)
                if turn and number % (len(INSTANTS) - 1) != turn - 1:
                    continue
                full, read = _both(session, q, language, at, **filters)
                assert read == full, (q, filters, at)
                compared += 1
                shown += len(json.loads(full))
        assert found_ready(session, ["ent_eddf0d94d649"], language)  # 招商银行: kept
    assert compared == 2 * len(asked)
    assert shown > 1000  # the comparisons are not of empty pages


def test_a_listing_gone_since_it_was_indexed_is_skipped(app):
    with app.test_request_context():
        session = db_session()
        query = listing_query("招商银行", limit=5, offset=0)
        ids = ["ent_000000000000", *app_state().search.search(query).ids]
        items = found_items(session, ids, query.analyzed, language="en", region=None, at=START)
        assert [item["id"] for item in items] == ids[1:]


def test_a_card_left_beside_a_newer_record_is_made_again(app):
    """A release without search cards, running beside this one during a deploy, writes a kept
    row's record and generation and leaves its card: that card is not served."""
    cmb = "ent_eddf0d94d649"  # 招商银行
    with app.test_request_context():
        session = db_session()
        query = listing_query("招商银行", limit=5, offset=0)
        found = app_state().search.search(query).ids
        assert cmb in found
        items = found_items(session, found, query.analyzed, language="en", region=None, at=START)
        kept_name = next(item["name"] for item in items if item["id"] == cmb)
        renamed = "China Merchants Bank (renamed)"
        old_name = session.scalar(select(Enterprise.name_en).where(Enterprise.id == cmb))
        session.execute(update(Enterprise).where(Enterprise.id == cmb).values(name_en=renamed))
        try:
            # the older release's keep: the record and generation of now, the card left as it was
            session.execute(update(ListingRead).where(ListingRead.enterprise_id == cmb).values(
                generation=select(Enterprise.read_generation).where(Enterprise.id == cmb)
                .scalar_subquery()))
            session.commit()
            (generation, card), = found_ready(session, [cmb], "en").values()  # looks fresh
            assert card_of(card, generation) is None
            full, read = _both(session, "招商银行", "en", START)
            assert read == full and renamed in read and kept_name != renamed
            (after, card), = found_ready(session, [cmb], "en").values()
            assert card_of(card, after) is not None  # made again, with its own generation
        finally:
            session.execute(update(Enterprise).where(Enterprise.id == cmb).values(name_en=old_name))
            session.commit()


# --- a listing with what people added: live statuses, waits, tips, numbers reported dead ------

@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    yield from client_over_records(request, tmp_path_factory, RICH_RECORDS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_items_of_a_listing_people_added_to_are_the_full_paths(crowded, language):  # noqa: F811
    app = crowded.application
    texts = set()
    with app.test_request_context():
        session = db_session()
        for later in [timedelta(0), *LATER]:
            at = START + later
            for q, filters in (("测试航空", {}), ("Test Airways", {}), ("ceshi", {}),
                               ("95583", {}), ("4008100999", {}), ("测试", {"region": "US"}),
                               ("测试", {"region": "CN"}), ("test", {"region": "110000"})):
                full, read = _both(session, q, language, at, **filters)
                assert read == full, (q, filters, later)
                assert RICH in full, q
                texts.add(full)
    assert len(texts) > 8  # the answers changed with the instant (live, waits, order)


def test_search_shows_no_crowd_notes(crowded):  # noqa: F811
    """Search reads no crowd notes: no tips, no "may be out of service" on a number the detail
    says may be (the kept detail's channels differ from search's there)."""
    app = crowded.application
    with app.test_request_context():
        session = db_session()
        query = listing_query("测试航空", limit=5, offset=0)
        items = found_items(session, [RICH], query.analyzed, language="zh-Hans", region=None,
                            at=START)
    phones = [c for c in items[0]["channels"] if c["phone"]]
    assert phones and all(c["tips"] is None for c in items[0]["channels"])
    assert not any(h["code"] == "may_be_out_of_service" for c in phones for h in c["phone"]["hints"])
    detail = crowded.get(f"/v1/enterprises/{RICH}").get_json()
    assert any(h["code"] == "may_be_out_of_service"
               for c in detail["channels"] if c["phone"] for h in c["phone"]["hints"])


# --- suggestions ------------------------------------------------------------------------------

def _suggestion_as_before(enterprise, language: str) -> dict:
    return {"id": enterprise.id, "name": pick_name(enterprise.names(), language),
            "names": names_dump(enterprise.names()), "industry": enterprise.industry_id,
            "verified": enterprise.verified}


@pytest.mark.parametrize("language", LANGUAGES)
def test_suggestions_are_what_the_listings_gave(app, language):
    client = app.test_client()  # of the bundled directory (this module's `client` is the rich one)
    for prefix in PREFIXES + WORDS:
        for limit in (3, 10):
            response = client.get("/v1/suggest", query_string={"q": prefix, "limit": limit},
                                  headers={"Accept-Language": language})
            assert response.status_code == 200
            with app.test_request_context():
                ids = app_state().search.suggest(prefix, limit=limit)
                before = jsonify(SuggestionsSchema().dump({"items": [
                    _suggestion_as_before(e, language)
                    for e in listings_in_order(db_session(), ids)]}))
            assert response.get_data() == before.get_data(), prefix


def test_the_answer_around_the_items_is_what_the_schema_dumps(app):
    """Search's answer skips SearchResultsSchema: its total, facets and next link are what the
    schema dumps of the same results (the items: the tests above)."""
    from urllib.parse import quote

    from api.presenters.search import facets_dump
    from api.schemas.search import SearchResultsSchema
    from directory.search_listings import facets_of

    schema, client = SearchResultsSchema(), app.test_client()
    checked = 0
    for q, filters in [*((word, {}) for word in WORDS), *FILTERED[:10]]:
        where = "".join(f"&{key}={value}" for key, value in filters.items())
        for language in LANGUAGES:
            answer = client.get(f"/v1/search?q={quote(q)}&limit=3{where}",
                                headers={"Accept-Language": language})
            assert answer.status_code == 200
            body = answer.get_json()
            with app.test_request_context():
                query = listing_query(q, limit=3, offset=0, **{key: filters.get(key) for key in (
                    "industry", "channel", "region")})
                results = app_state().search.search(query)
                expected = schema.dump({"items": [], "total": results.total,
                                        "total_exact": results.exact, "next": body["next"],
                                        "facets": facets_dump(facets_of(db_session(), results),
                                                              language)})
                db_session().rollback()
            assert {key: body[key] for key in expected if key != "items"} == {
                key: value for key, value in expected.items() if key != "items"}, (q, filters)
            assert len(body["items"]) == min(3, results.total)
            checked += bool(expected["facets"]["industry"])
    assert checked > 50  # facets were there to compare
