"""/v1/search and /v1/suggest over the bundled directory (embedded index, both databases)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from api.app import create_app
from api.config import Config
from tests.live import free_port

CMB = "ent_eddf0d94d649"  # 招商银行
CMS = "ent_5ca14678ad0a"  # 招商证券
ICBC = "ent_9f7532f6acdd"  # 中国工商银行
JD = "ent_c7dc447a0b22"  # 京东
JDL = "ent_6e7db567a61e"  # 京东物流


def search(client, **params):
    response = client.get("/v1/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def first(client, q: str) -> str:
    return search(client, q=q)["items"][0]["id"]


def test_exact_name_first_with_facets_and_highlight(client):
    body = search(client, q="招商银行")
    assert body["items"][0]["id"] == CMB
    assert body["total"] >= 1 and body["total_exact"] is True
    top = body["items"][0]
    assert top["highlight"] == {"field": "name", "text": "招商银行", "spans": [[0, 4]]}
    assert top["channels"] and top["channels"][0]["links"][0]["uri"].startswith("tel:")
    assert any(f["id"] == "banking" and f["name"] == "银行" and f["count"] >= 1
               for f in body["facets"]["industry"])
    assert all(set(f) == {"id", "name", "count"} for f in body["facets"]["industry"])
    assert any(f["kind"] == "phone" and f["count"] >= 1 for f in body["facets"]["channel"])


def test_ranking_exact_beats_longer_names(client):
    ids = [item["id"] for item in search(client, q="招商银行")["items"]]
    assert CMS not in ids or ids.index(CMB) < ids.index(CMS)
    ids = [item["id"] for item in search(client, q="京东")["items"]]
    assert ids.index(JD) < ids.index(JDL)


@pytest.mark.parametrize("q, expected", [
    ("工行", ICBC), ("ICBC", ICBC), ("中國工商銀行", ICBC), ("zggsyh", ICBC), ("95588", ICBC),
    ("955 88", ICBC), ("+86 95588", ICBC), ("招行", CMB), ("zhaoshangyinhang", CMB), ("zhaoshangyinh", CMB),
    ("010-95588", ICBC), ("+86 10 95588", ICBC), ("0755-95555", CMB),  # as /v1/lookup reads them
])
def test_the_ways_people_type(client, q, expected):
    assert first(client, q) == expected


def test_phone_and_traditional_highlights(client):
    top = search(client, q="955 88")["items"][0]
    assert top["highlight"]["field"] == "phone" and "95588" in top["highlight"]["text"]
    top = search(client, q="中國工商銀行")["items"][0]
    assert top["highlight"]["spans"] == [[0, 6]]
    top = search(client, q="zggsyh")["items"][0]
    assert top["highlight"]["field"] == "pinyin"


def test_accept_language_names_items_and_facets(client):
    response = client.get("/v1/search?q=icbc", headers={"Accept-Language": "en"})
    body = response.get_json()
    assert response.headers["Content-Language"] == "en"
    assert body["items"][0]["name"] == "Industrial and Commercial Bank of China"
    assert body["items"][0]["highlight"] == {"field": "aliases", "text": "ICBC", "spans": [[0, 4]]}
    assert any(f["id"] == "banking" and f["name"] == "Banking" for f in body["facets"]["industry"])


def test_filters(client):
    everything = search(client, q="银行", limit=50)
    banks = search(client, q="银行", industry="banking", limit=50)
    assert 0 < banks["total"] <= everything["total"]
    assert all(item["industry"] == "banking" for item in banks["items"])
    webchat = search(client, q="银行", channel="webchat", limit=50)
    assert all("webchat" in item["channel_kinds"] for item in webchat["items"])
    parent = search(client, q="银行", industry="finance", limit=50)
    assert parent["total"] >= banks["total"]


def test_pages_follow_next_until_the_end(client):
    seen: list[str] = []
    url = "/v1/search?q=%E9%93%B6%E8%A1%8C&limit=7"
    total = None
    while url:
        response = client.get(url)
        body = response.get_json()
        total = body["total"] if total is None else total
        seen += [item["id"] for item in body["items"]]
        assert ("Link" in response.headers) == bool(body["next"])
        url = body["next"] and urlsplit(body["next"])._replace(scheme="", netloc="").geturl()
    assert len(seen) == len(set(seen)) == total


@pytest.mark.parametrize("params, field", [
    ({}, "q"), ({"q": ""}, "q"), ({"q": "   "}, "q"), ({"q": "x" * 101}, "q"),
    ({"q": "bank", "limit": 0}, "limit"), ({"q": "bank", "limit": 51}, "limit"),
    ({"q": "bank", "industry": "nope"}, "industry"), ({"q": "bank", "industry": "Bad Id"}, "industry"),
    ({"q": "bank", "channel": "pigeon"}, "channel"), ({"q": "bank", "region": "xx-1"}, "region"),
    ({"q": "bank", "cursor": "!!"}, "cursor"), ({"q": "bank", "cursor": "bzk5OTk5"}, "cursor"),
    ({"q": "bank", "verified": "true"}, "verified"), ({"q": "bank", "sort": "name"}, "sort"),
])
def test_bad_search_parameters_are_422_problems(client, params, field):
    response = client.get("/v1/search", query_string=params)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in {error["field"] for error in response.get_json()["errors"]}


@pytest.mark.parametrize("q", [
    '"', "*", "AND", "-招商", "NEAR(招商 银行)", "\\", "'; DROP TABLE enterprises; --",
    "x" * 100, "招" * 100, "!!!", "🙂", "ｉｃｂｃ", "<script>",
])
def test_user_input_is_data(client, q):
    response = client.get("/v1/search", query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["total"] >= 0
    assert client.get("/v1/suggest", query_string={"q": q}).status_code == 200


@pytest.mark.parametrize("q", ["a\x00b", "a\x01b", "a\tb", "招\n商", "a\x7f", "a\x85b"])
def test_control_characters_in_q_are_422_problems(client, q):
    for path in ("/v1/search", "/v1/suggest"):
        response = client.get(path, query_string={"q": q})
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        assert [error["field"] for error in response.get_json()["errors"]] == ["q"]


def test_suggest_completes_as_you_type(client):
    for q in ("zhaosh", "招商", "招商銀", "china merch", "zsy"):
        items = client.get("/v1/suggest", query_string={"q": q}).get_json()["items"]
        assert CMB in [item["id"] for item in items], q
        assert len(items) <= 10
    items = client.get("/v1/suggest?q=%E4%B8%AD&limit=3").get_json()["items"]
    assert len(items) == 3 and len({item["id"] for item in items}) == 3
    assert set(items[0]) == {"id", "name", "names", "industry", "verified"}


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 101}, {"q": "a", "limit": 11}])
def test_bad_suggest_parameters_are_422(client, params):
    response = client.get("/v1/suggest", query_string=params)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_search_answers_carry_etags(client):
    response = client.get("/v1/search?q=icbc")
    again = client.get("/v1/search?q=icbc", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_readyz_reports_the_index(client):
    body = client.get("/readyz").get_json()
    assert body["status"] == "ok"
    assert body["checks"]["search"]["status"] == "ok"
    assert body["checks"]["search"]["documents"] > 2000
    assert body["checks"]["search"]["pending"] == 0


def test_unreachable_search_engine_is_a_503_and_browsing_still_works(loaded_database, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    app = create_app(Config.from_env(database_url=loaded_database, data_dir=tmp_path, testing=True,
                                     elasticsearch_url=dead))
    client = app.test_client()
    response = client.get("/v1/search?q=icbc")
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]
    assert client.get("/v1/suggest?q=icbc").status_code == 503
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "degraded"
    assert ready.get_json()["checks"]["search"]["status"] == "unavailable"
    assert client.get("/v1/enterprises?limit=1").status_code == 200
    app.extensions["c800"].engine.dispose()
