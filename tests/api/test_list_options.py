"""What an app asks of lists and listings: `total`, `open_now`, `fields=` masks, hours as text."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from directory.open_now import OPEN_SCAN_ROWS
from directory.pages import count_up_to
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise

ALWAYS = {"timezone": "Asia/Shanghai", "always_open": True}
NEVER = {"timezone": "Asia/Shanghai", "weekly": {"mon": [{"open": "00:00", "close": "00:01"}]},
         "exceptions": []}


def _listing(number: int) -> dict:
    """Odd listings: their phone always open; every third even one: hours that are never open
    now (a minute a week); the rest: hours unknown."""
    record = enterprise(f"ent_{number:012d}")
    record["channels"][0]["hours"] = ALWAYS if number % 2 else (NEVER if number % 3 == 0 else None)
    if number == 4:  # open hours on a sender only: not a way in
        record["channels"][0].update(hours=ALWAYS, direction="outbound_only")
    return record


OPEN = [f"ent_{n:012d}" for n in range(1, 12) if n % 2]  # 6 open of 11


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for http in client_over_records(request, tmp_path_factory, [_listing(n) for n in range(1, 12)]):
        state = http.application.extensions["c800"]
        with http.application.app_context():
            state.indexer.sync()
        yield http


def get(client, path: str, **query) -> dict:
    response = client.get(path, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_lists_say_their_total(client):
    body = get(client, "/v1/enterprises", limit=3)
    assert (body["total"], body["total_exact"]) == (11, True) and len(body["items"]) == 3


def test_a_count_is_exact_up_to_its_bound(client):
    from sqlalchemy import select

    from directory.models import Enterprise

    state = client.application.extensions["c800"]
    with client.application.app_context(), state.sessions() as session:
        assert count_up_to(session, select(Enterprise), bound=20) == (11, True)
        assert count_up_to(session, select(Enterprise), bound=11) == (11, True)
        assert count_up_to(session, select(Enterprise), bound=5) == (5, False)


def test_open_now_browses_only_listings_with_a_way_in_open(client):
    order = [item["id"] for item in get(client, "/v1/enterprises", limit=100)["items"]]
    in_order = [id_ for id_ in order if id_ in OPEN]  # the browse order (prominence), filtered
    assert sorted(in_order) == sorted(OPEN)
    body = get(client, "/v1/enterprises", open_now="true", limit=4)
    assert [item["id"] for item in body["items"]] == in_order[:4]
    assert (body["total"], body["total_exact"]) == (len(OPEN), True)
    cursor = parse_qs(urlsplit(body["next"]).query)
    assert cursor["open_now"] == ["true"] and "fields_" not in cursor
    rest = get(client, "/v1/enterprises", open_now="true", limit=4, cursor=cursor["cursor"][0])
    assert [item["id"] for item in rest["items"]] == in_order[4:] and rest["next"] is None
    every = get(client, "/v1/enterprises", open_now="false", limit=100)
    assert len(every["items"]) == 11 and OPEN_SCAN_ROWS >= 1000


def test_open_now_in_search(client):
    body = get(client, "/v1/search", q="icbc", open_now="true", limit=2)
    assert {item["id"] for item in body["items"]} <= set(OPEN) and len(body["items"]) == 2
    assert (body["total"], body["total_exact"]) == (len(OPEN), True)
    rest = get(client, "/v1/search", q="icbc", open_now="true", limit=50)
    assert sorted(item["id"] for item in rest["items"]) == OPEN
    assert body["facets"]["industry"][0]["count"] == 11  # facets count every match


def test_fields_keeps_only_what_is_asked(client):
    whole = get(client, "/v1/enterprises", limit=2)["items"][0]
    body = get(client, "/v1/enterprises", limit=2, fields="id,names.en")
    assert body["items"][0] == {"id": whole["id"], "names": {"en": whole["names"]["en"]}}
    assert len(whole) > 2 and whole["names"]["zh-Hans"] is not None  # the mask took fields away
    assert body["total"] == 11 and "fields=id%2Cnames.en" in body["next"]
    detail = get(client, "/v1/enterprises/ent_000000000001",
                 fields="id,channels.kind,channels.links.uri,channels")  # channels whole wins
    assert set(detail) == {"id", "channels"} and "status" in detail["channels"][0]
    detail = get(client, "/v1/enterprises/ent_000000000001", fields="channels.links.uri")
    assert detail == {"channels": [{"links": [{"uri": "tel:95588"}]},
                                   {"links": [{"uri": "mailto:webmaster@icbc.com.cn"}]}]}
    found = get(client, "/v1/search", q="icbc", fields="id,highlight.field", limit=1)
    assert found["items"] == [{"id": found["items"][0]["id"], "highlight": {"field": "aliases"}}]


@pytest.mark.parametrize(("path", "mask", "message"), [
    ("/v1/enterprises", "id,nope", "No field 'nope' in this answer."),
    ("/v1/enterprises", "names.fr", "No field 'names.fr' in this answer."),
    ("/v1/enterprises", "id.deeper", "No field 'id.deeper' in this answer."),
    ("/v1/enterprises", "id,,name", None),
    ("/v1/enterprises/ent_000000000001", "channels.nope", "No field 'channels.nope' in this answer."),
    ("/v1/search", "description", "No field 'description' in this answer."),
])
def test_an_unknown_field_is_a_422_problem(client, path, mask, message):
    response = client.get(path, query_string={"fields": mask, **({"q": "icbc"} if "search" in path else {})})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    error = response.get_json()["errors"][0]
    assert error["field"] == "fields" and error["location"] == "query"
    assert message is None or error["message"] == message


@pytest.mark.parametrize(("language", "text"), [
    ("zh-Hans", "全天24小时"), ("zh-Hant", "全天24小時"), ("en", "Open 24 hours")])
def test_hours_as_text_in_the_answers_language(client, language, text):
    detail = client.get("/v1/enterprises/ent_000000000001", headers={"Accept-Language": language},
                        query_string={"fields": "channels.hours_text"}).get_json()
    assert detail["channels"] == [{"hours_text": text}, {"hours_text": None}]
