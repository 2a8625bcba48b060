"""List pages from kept summaries (api/list_cards.py, directory/listing_reads.ListingCard): the
items equal what the full path (ORM listings through summary_dump and EnterpriseSummarySchema)
gives, for every bundled listing, language and a few regions, whether the cards were just made
or kept; a kept card is what is served, and never once anything it was made of changed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import orjson
import pytest
from sqlalchemy import func, select, text, update

from api.field_masks import field_mask, masked
from api.presenters.enterprises import summary_dump
from api.schemas.enterprises import EnterpriseSummarySchema
from api.state import db_session
from directory.listing_reads import ListingCard, cards_ready
from directory.listings import ListingFilter, browse_listings
from directory.models import Channel, Enterprise
from tests.api.test_read_model import RECORDS, RICH
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.helpers.statements import statements_run

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
REGIONS = (None, "CN", "440300", "HK", "US")
SCHEMA = EnterpriseSummarySchema()


def _walk(client, language: str, query: str) -> tuple[list[dict], int]:
    """Every item of /v1/enterprises?*query*, page after page, and the first page's total."""
    url, items, total = f"/v1/enterprises?{query}", [], None
    while url:
        answer = client.get(url, headers={"Accept-Language": language})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_json()
        total = body["total"] if total is None else total
        items += body["items"]
        url = body["next"] and "?".join(urlsplit(body["next"])[2:4])
    return items, total


def _expected(app, language: str, region: str | None, sort: str = "prominence") -> list[dict]:
    with app.test_request_context():
        session = db_session()
        listing = browse_listings(session, ListingFilter(region=region), sort, language)
        rows = session.scalars(listing.query.order_by(*listing.key.order_by())).all()
        answer = [SCHEMA.dump(summary_dump(e, language, region)) for e in rows]
        session.rollback()
        return answer


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_made_or_kept_is_the_full_paths(app, language):
    client = app.test_client()
    # every region in one language; in the others (whose cards differ by their names) the whole
    # list and one region with listings of its own
    for region in REGIONS if language == LANGUAGES[0] else (None, "440300"):
        where = f"&region={region}" if region else ""
        expected = _expected(app, language, region)
        made, total = _walk(client, language, f"limit=50{where}")
        kept, _ = _walk(client, language, f"limit=47{where}")  # another URL: no cached answer
        assert made == expected, region
        assert kept == expected, region
        assert total == len(expected) or total == 10_000
    by_name, _ = _walk(client, language, "limit=50&sort=name")
    assert by_name == _expected(app, language, None, "name")
    with app.test_request_context():
        session = db_session()
        assert len(cards_ready(session, [item["id"] for item in by_name], language)) == len(by_name)
        session.rollback()


def test_fields_pick_from_the_cards(app):
    client = app.test_client()
    mask = field_mask("id,name,url,channel_kinds", SCHEMA)
    for region in (None, "440300"):
        where = f"&region={region}" if region else ""
        items, _ = _walk(client, "en", f"limit=40&fields=id,name,url,channel_kinds{where}")
        assert items == [masked(item, mask) for item in _expected(app, "en", region)]
        assert set(items[0]) == {"id", "name", "url", "channel_kinds"}


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    yield from client_over_records(request, tmp_path_factory, RECORDS, response_cache_entries=0)


def _item(client, enterprise_id: str, query: str = "limit=100") -> dict | None:
    items, _ = _walk(client, "zh-Hans", query)
    return next((item for item in items if item["id"] == enterprise_id), None)


def _write(client, statement: str, **params: object) -> None:
    with client.application.app_context():
        session = db_session()
        session.execute(text(statement), params)
        session.commit()


def test_a_kept_card_is_served_and_costs_two_statements_then_one(client):
    assert _item(client, RICH)["name"] == "测试航空"  # made and kept
    forged = orjson.dumps({**orjson.loads(_card(client, RICH)), "name": "KEPT"})
    _write(client, "UPDATE listing_cards SET card = :card WHERE enterprise_id = :id AND language = 'zh-Hans'",
           card=forged, id=RICH)
    with statements_run(client.application.extensions["c800"].engine) as ran:
        assert _item(client, RICH)["name"] == "KEPT"  # what was kept is what is served
    statements = [statement for statement, _ in ran]
    # the page's keys with their cards (directory.listing_reads.with_cards), then its count
    assert len(statements) == 2, statements
    assert "listing_cards" in statements[0] and "count" in statements[1]
    with statements_run(client.application.extensions["c800"].engine) as ran:
        assert _item(client, RICH)["name"] == "KEPT"
    statements = [statement for statement, _ in ran]
    # nothing written since: the count is kept (api/list_facts.py)
    assert len(statements) == 1 and "listing_cards" in statements[0], statements


def test_a_region_page_takes_its_kinds_from_the_ways_kept_with_the_card(client):
    """A list narrowed to a region says which kinds serve it from the ways kept beside each
    card: it reads no channel, and what was kept is what is served."""
    query = "limit=100&region=US"
    assert _item(client, RICH, query)["channel_kinds"] == ["phone", "email", "social", "webchat"]
    _write(client, "UPDATE listing_cards SET ways = :ways WHERE enterprise_id = :id",
           ways=orjson.dumps([["webchat", []], ["phone", ["HK"]], ["email", ["US"]]]), id=RICH)
    with statements_run(client.application.extensions["c800"].engine) as ran:
        assert _item(client, RICH, query)["channel_kinds"] == ["webchat", "email"]
    assert not [statement for statement, _ in ran if re.search(r"\bchannels\b", statement)]
    # the page's two parts (national, regional: directory/serving.py) and their cards are one
    # statement, merged and cut by the database
    pages = [statement for statement, _ in ran if "listing_cards" in statement]
    assert len(pages) == 1 and "UNION ALL" in pages[0], pages
    # a change to a channel's regions is a new generation: card and ways are made again
    _write(client, "UPDATE channels SET regions = :regions WHERE enterprise_id = :id "
           "AND kind = 'social'", regions='["HK"]', id=RICH)
    assert _item(client, RICH, query)["channel_kinds"] == ["phone", "email", "webchat"]
    assert _item(client, RICH, "limit=100&region=HK") is None  # the listing serves CN and US
    _write(client, "UPDATE channels SET regions = '[]' WHERE enterprise_id = :id "
           "AND kind = 'social'", id=RICH)
    assert _item(client, RICH, query)["channel_kinds"] == ["phone", "email", "social", "webchat"]


def _card(client, enterprise_id: str) -> bytes:
    with client.application.app_context():
        session = db_session()
        return session.scalar(select(ListingCard.card).where(
            ListingCard.enterprise_id == enterprise_id, ListingCard.language == "zh-Hans"))


def test_a_change_is_never_answered_from_an_older_card(client):
    _item(client, RICH)
    _write(client, "UPDATE listing_cards SET card = :card WHERE enterprise_id = :id",
           card=orjson.dumps({**orjson.loads(_card(client, RICH)), "name": "OLD"}), id=RICH)
    assert _item(client, RICH)["name"] == "OLD"
    # raw SQL on the listing's own row: the trigger makes a new generation
    _write(client, "UPDATE enterprises SET name_zh_hans = '测试航空公司' WHERE id = :id", id=RICH)
    assert _item(client, RICH)["name"] == "测试航空公司"
    assert "email" in _item(client, RICH)["channel_kinds"]
    with client.application.app_context():  # the ORM hides a channel: no more e-mail kind
        session = db_session()
        session.execute(update(Channel).where(Channel.enterprise_id == RICH, Channel.kind == "email")
                        .values(hidden=True))
        session.commit()
    assert "email" not in _item(client, RICH)["channel_kinds"]
    # a suspended listing leaves the list, and its kept card is not served to anyone
    _write(client, "UPDATE enterprises SET status = 'suspended' WHERE id = :id", id=RICH)
    try:
        assert _item(client, RICH) is None
        with client.application.app_context():
            assert cards_ready(db_session(), [RICH], "zh-Hans") == {}
            assert db_session().scalar(select(Enterprise.status).where(Enterprise.id == RICH)) == "suspended"
    finally:
        _write(client, "UPDATE enterprises SET status = 'active' WHERE id = :id", id=RICH)
    assert _item(client, RICH)["name"] == "测试航空公司"


@pytest.mark.parametrize("region", ["CN", "440300", "110000", "HK", "US"])
def test_a_region_lists_the_national_listings_and_those_serving_it(app, region):
    """Worked out here from each listing's regions, not from the list's query: a listing with
    no regions serves everywhere; one with regions, the regions below them."""
    from directory.regions import region_ancestors

    with app.test_request_context():
        session = db_session()
        ancestors = set(region_ancestors(region))
        listings = session.scalars(select(Enterprise).where(Enterprise.status == "active")).all()
        expected = {e.id for e in listings if not e.regions or ancestors & set(e.regions)}
        national = {e.id for e in listings if not e.regions}
        session.rollback()
    items, total = _walk(app.test_client(), "en", f"limit=100&region={region}")
    assert {item["id"] for item in items} == expected
    assert total == len(expected) and len(items) == len(expected)
    assert national and national < expected  # both kinds are there to be listed
    assert len(expected) < len(listings) or region == "CN"


@pytest.mark.parametrize("region", ["CN", "110000", "HK"])
def test_a_regions_two_parts_page_and_count_as_one_list(app, region, monkeypatch):
    """A region's list read as its national and regional parts (directory/serving.py), every
    way of reading the regional one (by ids written into the SQL or bound, by probes), walked
    page by page and counted: the
    rows of the one query that asks each listing, in its order; a regional part counted up to a
    lower bound makes the total a lower bound."""
    import directory.serving as serving
    from directory.listings import listing_order
    from directory.pages import Listing, count_up_to, prepared, prepared_count, prepared_page
    from directory.summaries import keys_only

    with app.test_request_context():
        session = db_session()
        whole = browse_listings(session, ListingFilter(region=region), "prominence", "en")
        key = listing_order("prominence", "en")
        expected = [row.id for row in session.execute(whole.query.with_only_columns(
            Enterprise.id).order_by(*key.order_by()))]
        base = browse_listings(session, ListingFilter(), "prominence", "en").query
        few = serving.regional_ids(session, region)
        # by ids written or bound; by probes, counted by probing or (plain list) from
        # listed_regions
        for ids, written, plain in ((few, True, False), (few, False, False), (None, True, False),
                                    (None, True, True)):
            monkeypatch.setattr(serving, "_PLAIN_ID", re.compile(".*" if written else "(?!)"))
            parts = serving.region_parts(base, region, ids, plain=plain)
            if ids:
                sql = str(parts[1].query.compile(session.get_bind()))
                assert ("enterprises.id IN ('" in sql) == written, sql
            statements = prepared(keys_only(Listing(whole.query, key, parts=parts)))
            seen, after = [], None
            while True:
                page = prepared_page(session, statements, after, 37)
                seen += [row.id for row in page.rows]
                if page.next_key is None:
                    break
                after = page.next_key
            assert seen == expected
            assert prepared_count(session, statements) == count_up_to(session, whole.query)
        national = session.scalar(select(func.count()).where(
            Enterprise.status == "active", Enterprise.national.is_(True)))
        monkeypatch.setattr(serving, "REGIONAL_COUNT_UP_TO", 5)
        for plain in (False, True):
            parts = serving.region_parts(base, region, None, plain=plain)
            counted = prepared_count(session, prepared(keys_only(Listing(whole.query, key,
                                                                         parts=parts))))
            assert counted == (national + 5, False)
        session.rollback()


def test_listed_regions_are_kept_by_the_database(client):
    """``listed_regions`` holds an active listing's region rows, whoever writes its regions or
    its status: the ORM, raw SQL; and a plain region list's total counts from it."""
    from directory.models import EnterpriseRegion
    from directory.serving import ListedRegion

    def listed() -> set[str]:
        with client.application.app_context():
            return set(db_session().scalars(select(ListedRegion.code).where(
                ListedRegion.enterprise_id == RICH)))

    def total(region: str) -> int:
        answer = client.get(f"/v1/enterprises?region={region}&limit=1").get_json()
        return answer["total"]

    assert listed() == {"CN", "US"}
    before = total("US")
    _write(client, "UPDATE enterprises SET status = 'suspended' WHERE id = :id", id=RICH)
    try:
        assert listed() == set()
        assert total("US") == before - 1
    finally:
        _write(client, "UPDATE enterprises SET status = 'active' WHERE id = :id", id=RICH)
    assert listed() == {"CN", "US"}
    assert total("US") == before
    with client.application.app_context():  # the ORM adds a region, raw SQL renames one
        session = db_session()
        session.add(EnterpriseRegion(enterprise_id=RICH, code="HK"))
        session.commit()
    _write(client, "UPDATE enterprise_regions SET code = 'MO' WHERE enterprise_id = :id "
           "AND code = 'HK'", id=RICH)
    assert listed() == {"CN", "US", "MO"}
    _write(client, "DELETE FROM enterprise_regions WHERE enterprise_id = :id AND code = 'MO'",
           id=RICH)
    assert listed() == {"CN", "US"}


def test_national_is_kept_by_the_database(client):
    """``national`` follows a listing's regions whoever writes them: the ORM, raw SQL."""
    from directory.models import EnterpriseRegion

    def national() -> bool:
        with client.application.app_context():
            return bool(db_session().scalar(select(Enterprise.national).where(Enterprise.id == RICH)))

    assert national() is False  # imported with regions CN and US
    _write(client, "DELETE FROM enterprise_regions WHERE enterprise_id = :id AND code = 'US'", id=RICH)
    assert national() is False  # CN is left
    _write(client, "DELETE FROM enterprise_regions WHERE enterprise_id = :id", id=RICH)
    assert national() is True
    assert _item(client, RICH, "limit=100&region=HK") is not None  # national: serves HK too
    with client.application.app_context():
        session = db_session()
        session.add(EnterpriseRegion(enterprise_id=RICH, code="US"))
        session.commit()
    assert national() is False
    assert _item(client, RICH, "limit=100&region=HK") is None
    assert _item(client, RICH, "limit=100&region=US") is not None
    _write(client, "UPDATE enterprise_regions SET code = 'CN' WHERE enterprise_id = :id", id=RICH)
    assert national() is False and _item(client, RICH, "limit=100&region=110000") is not None


def test_a_region_found_dense_is_not_looked_at_again_for_a_while(app, monkeypatch):
    """A region with more than SPARSE_REGIONAL listings with its codes is read by probes
    without counting its ids again for DENSE_KEPT_SECONDS; after that it is looked at again."""
    import directory.serving as serving

    clock = [1000.0]
    monkeypatch.setattr(serving.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(serving, "_dense_until", {})
    with app.test_request_context():
        session = db_session()
        few = serving.regional_ids(session, "440300")
        assert few  # the bundled directory's listings with regions: fewer than 1,000
        monkeypatch.setattr(serving, "SPARSE_REGIONAL", len(few) - 1)
        assert serving.regional_ids(session, "440300") is None  # dense now
        monkeypatch.setattr(serving, "SPARSE_REGIONAL", 1000)
        with statements_run(app.extensions["c800"].engine) as ran:
            assert serving.regional_ids(session, "440300") is None  # not looked at again
        assert ran == []
        clock[0] += serving.DENSE_KEPT_SECONDS + 1
        assert serving.regional_ids(session, "440300") == few
        session.rollback()


def test_kinds_serving_a_region_are_written_into_the_card_in_place():
    """The kinds serving a region replace the card's own, bytes around them untouched; a name
    that spells the key inside its string does not fool it; a card without them gets them."""
    from api.list_cards import _serving_region

    ways = orjson.dumps([["phone", []], ["email", ["HK"]], ["webchat", ["US"]], ["phone", ["US"]]])
    card = orjson.dumps({"id": "ent_1", "name": 'x,"channel_kinds":["sms"]',
                         "channel_kinds": ["phone", "email", "webchat"], "dissolved": None})
    assert orjson.loads(_serving_region(card, ways, "US")) == {
        **orjson.loads(card), "channel_kinds": ["phone", "webchat"]}
    assert orjson.loads(_serving_region(card, ways, "HK"))["channel_kinds"] == ["phone", "email"]
    bare = orjson.dumps({"id": "ent_1"})
    assert orjson.loads(_serving_region(bare, ways, "CN")) == {"id": "ent_1", "channel_kinds": ["phone"]}


def test_an_industry_lists_ids_are_written_into_its_statements(client):
    """A list by industry names the industry and those below it as constants of its SQL (its
    statements are built once per filter): no parameter expanded per id at each page; the
    page is the one the industries' listings make."""
    from tests.helpers.statements import statements_run

    with client.application.app_context():
        below = set(db_session().scalars(text("SELECT id FROM industries WHERE parent_id = 'finance'")))
    assert below  # finance has industries below it
    with statements_run(client.application.extensions["c800"].engine) as ran:
        answer = client.get("/v1/enterprises?industry=finance&limit=50").get_json()
    pages = [statement for statement, _ in ran
             if statement.startswith("SELECT") and "listing_cards" in statement]
    assert len(pages) == 1 and "enterprises.industry_id IN ('finance', " in pages[0], pages
    assert all(f"'{industry}'" in pages[0] for industry in below), pages
    industries = {item["industry"] for item in answer["items"]}
    assert industries and industries <= below | {"finance"}, industries
