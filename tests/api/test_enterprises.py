"""The public read API over the bundled directory, on SQLite and on PostgreSQL."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from directory.listing_order import name_sort_key
from tests.factories import EXTREME_INSTANTS

ICBC = "ent_9f7532f6acdd"
STARBUCKS = "ent_c13811e724a1"  # 星巴克 (vCards), its twofactorauth listings merged by Wikidata id
NICOR_GAS = "ent_83d4ab5b4131"  # dissolved in 2011, says name-suggestion-index (Wikidata)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_icbc_shows_its_hotline_with_a_tel_link_and_its_website(client):
    response = client.get(f"/v1/enterprises/{ICBC}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "中国工商银行"
    assert body["website"] == "https://www.icbc.com.cn/"
    assert {"工行", "ICBC"} <= set(body["aliases"])
    hotline = next(c for c in body["channels"] if c["value"] == "95588")
    assert hotline["kind"] == "phone" and hotline["direction"] == "contact"
    assert {"uri": "tel:95588", "platform": "any", "role": "primary", "steps": None,
            "label": None} in hotline["links"]
    assert hotline["hours"] is None
    assert hotline["source"].startswith("vcards:")


def test_a_brand_shows_its_wikidata_id_its_logo_with_its_source_and_its_weibo(client):
    body = client.get(f"/v1/enterprises/{STARBUCKS}").get_json()
    assert body["name"] == "星巴克" and body["wikidata"] == "Q37158" and body["dissolved"] is None
    source = "name-suggestion-index:wikidata.json#Q37158"
    assert body["logo"]["source"] == source and body["logo"]["url"].startswith("https://")
    assert body["logo"]["retrieved"] == "2026-09-18" and source in body["source"]
    weibo = next(c for c in body["channels"] if c["platform"] == "weibo")
    assert weibo["kind"] == "social" and weibo["source"] == source
    assert weibo["retrieved"] == "2026-09-18"
    phone = next(c for c in body["channels"] if c["kind"] == "phone")
    assert phone["platform"] is None and phone["retrieved"] == "2026-08-21"


def test_a_dissolved_brand_says_so_in_its_listing_and_in_search(client):
    assert client.get(f"/v1/enterprises/{NICOR_GAS}").get_json()["dissolved"] == "2011-01-01"
    items = client.get("/v1/search?q=Nicor%20Gas").get_json()["items"]
    assert next(i for i in items if i["id"] == NICOR_GAS)["dissolved"] == "2011-01-01"


def test_accept_language_picks_the_name(client):
    names, used = {}, {}
    for language in ("en", "zh-Hant", "zh-TW", "zh-CN", "fr"):
        response = client.get(f"/v1/enterprises/{ICBC}", headers={"Accept-Language": language})
        names[language] = response.get_json()["name"]
        used[language] = response.headers["Content-Language"]
    assert used == {"en": "en", "zh-Hant": "zh-Hant", "zh-TW": "zh-Hant", "zh-CN": "zh-Hans",
                    "fr": "zh-Hans"}
    assert names["en"] == "Industrial and Commercial Bank of China"
    assert names["zh-Hant"] == names["zh-TW"] == "中國工商銀行"
    assert names["zh-CN"] == names["fr"] == "中国工商银行"


def test_outbound_only_senders_are_shown_without_links(client):
    seen = 0
    url = "/v1/enterprises?limit=100"
    while url and seen < 3:  # until a few outbound-only senders were checked
        body = client.get(url).get_json()
        for item in body["items"]:
            detail = client.get(f"/v1/enterprises/{item['id']}").get_json()
            for channel in detail["channels"]:
                if channel["direction"] == "outbound_only":
                    assert channel["links"] == []
                    seen += 1
                else:
                    assert channel["links"], channel
                    for link in channel["links"]:
                        assert link["uri"].split(":", 1)[0] in ("tel", "sms", "mailto", "https",
                                                                  "http")
        url = body["next"]
    assert seen >= 3, "the bundled data has outbound-only senders"


def test_pagination_walks_every_enterprise_once(client):
    seen: list[str] = []
    url = "/v1/enterprises?limit=100"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_json()
        seen.extend(item["id"] for item in body["items"])
        if body["next"]:
            assert response.headers["Link"] == f'<{body["next"]}>; rel="next"'
        else:
            assert "Link" not in response.headers
        url = body["next"]
        pages += 1
    assert len(seen) == len(set(seen)) >= 1000
    assert pages == -(-len(seen) // 100)


def test_the_listings_people_look_for_come_first(client):
    first = [item["name"] for item in client.get("/v1/enterprises?limit=10").get_json()["items"]]
    # Wikidata ids, a Chinese name, mainland service, aliases, then the most contact lines
    # (docs/search.md): 中信银行 (29 lines mainland users can open), 中国移动 (16), 中国建设银行
    assert first[:3] == ["中信银行", "中国移动", "中国建设银行"], first
    banks = client.get("/v1/enterprises?industry=banking&limit=3").get_json()["items"]
    assert [item["name"] for item in banks] == ["中信银行", "中国建设银行", "交通银行"]


@pytest.mark.parametrize("language", ["zh-Hans", "en"])
def test_sort_by_name_walks_every_listing_once_in_name_order(client, language):
    seen, keys = [], []
    url = "/v1/enterprises?limit=100&sort=name"
    while url:
        body = client.get(url, headers={"Accept-Language": language}).get_json()
        seen.extend(item["id"] for item in body["items"])
        keys.extend(name_sort_key(item["name"]) for item in body["items"])
        url = body["next"]
    assert len(seen) == len(set(seen)) >= 1000
    assert keys == sorted(keys)
    assert keys[0][0].isdigit()  # digits first
    if language == "zh-Hans":
        # other scripts after z: はま寿司, みずほ银行, やよい轩 are last. English readers see their
        # English names; every bundled listing has an English or a Chinese name, so their walk
        # ends in z (zyBooks): nothing to place after z
        assert keys[-1][0] > "z", keys[-3:]


def test_a_cursor_belongs_to_its_order(client):
    by_name = client.get("/v1/enterprises?limit=2&sort=name").get_json()["next"]
    cursor = by_name.split("cursor=")[1].split("&")[0]
    body = problem(client.get(f"/v1/enterprises?limit=2&cursor={cursor}"), 422)
    assert [e["field"] for e in body["errors"]] == ["cursor"]


def test_filters_narrow_the_list(client):
    banks = client.get("/v1/enterprises?industry=banking&limit=100").get_json()["items"]
    assert banks and all(item["industry"] == "banking" for item in banks)
    assert ICBC in [item["id"] for item in banks] or client.get(
        "/v1/enterprises?industry=banking&limit=100").get_json()["next"]
    email = client.get("/v1/enterprises?channel=email&limit=50").get_json()["items"]
    assert email and all("email" in item["channel_kinds"] for item in email)
    assert client.get("/v1/enterprises?verified=true").get_json()["items"] == []
    us = client.get("/v1/enterprises?region=US&limit=100&industry=banking").get_json()["items"]
    de = client.get("/v1/enterprises?region=DE&limit=100&industry=banking").get_json()["items"]
    assert {i["id"] for i in us} != {i["id"] for i in de}


def test_filters_on_a_parent_industry_include_its_children(client):
    industries = client.get("/v1/industries").get_json()["items"]
    parent = next(i for i in industries if any(c["parent"] == i["id"] for c in industries))
    children = {i["id"] for i in industries if i["parent"] == parent["id"]}
    items = client.get(f"/v1/enterprises?industry={parent['id']}&limit=100").get_json()["items"]
    assert items and {item["industry"] for item in items} <= children | {parent["id"]}


@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=abc", "limit"),
    ("cursor=%%%", "cursor"), ("cursor=bm90IG91cnM%00", "cursor"),
    ("industry=no-such-industry", "industry"), ("industry=<script>", "industry"),
    ("channel=fax", "channel"), ("region=china", "region"), ("verified=maybe", "verified"),
    ("unknown=1", "unknown"), ("sort=id", "sort"), ("sort=", "sort"),
])
def test_bad_parameters_are_422_problems_naming_the_field(client, query, field):
    body = problem(client.get(f"/v1/enterprises?{query}"), 422)
    assert any(e["field"] == field and e["location"] == "query" for e in body["errors"]), body


@pytest.mark.parametrize("at", EXTREME_INSTANTS)
def test_an_instant_out_of_range_is_a_422_naming_at(client, at):
    body = problem(client.get(f"/v1/enterprises/{ICBC}", query_string={"at": at}), 422)
    assert [(e["field"], e["location"]) for e in body["errors"]] == [("at", "query")]
    assert "within a year of now" in body["errors"][0]["message"]


@pytest.mark.parametrize("offset", ["+23:59", "-23:59", "+00:00", "+08:00"])
def test_an_instant_within_a_year_answers_whatever_its_offset(client, offset):
    for days in (-360, 0, 360):
        moment = (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S") + offset
        assert client.get(f"/v1/enterprises/{ICBC}", query_string={"at": moment}).status_code == 200


def test_unknown_parameters_are_refused_everywhere(client):
    for path in (f"/v1/enterprises/{ICBC}", "/v1/industries", "/healthz"):
        body = problem(client.get(f"{path}?bogus=1"), 422)
        assert body["errors"][0]["field"] == "bogus"


def test_unknown_enterprise_is_a_404_problem(client):
    body = problem(client.get("/v1/enterprises/ent_000000000000"), 404)
    assert body["instance"] == "/v1/enterprises/ent_000000000000"


def test_unknown_path_and_wrong_method(client):
    problem(client.get("/v1/nothing-here"), 404)
    response = client.delete(f"/v1/enterprises/{ICBC}")
    problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_oversized_body_is_a_413_problem(client):
    problem(client.post("/v1/enterprises", data=b"x" * (1024 * 1024 + 1),
                        content_type="application/json"), 413)


def test_etag_and_if_none_match(client):
    first = client.get(f"/v1/enterprises/{ICBC}")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert "Accept-Language" in first.headers["Vary"]
    again = client.get(f"/v1/enterprises/{ICBC}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other_language = client.get(f"/v1/enterprises/{ICBC}",
                                headers={"If-None-Match": etag, "Accept-Language": "en"})
    assert other_language.status_code == 200


def test_gzip_when_the_client_accepts_it(client):
    plain = client.get("/v1/enterprises?limit=100")
    packed = client.get("/v1/enterprises?limit=100", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    etag = packed.headers["ETag"]
    cached = client.get("/v1/enterprises?limit=100",
                        headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert cached.status_code == 304


def test_industries_list_the_tree_with_counts(client):
    response = client.get("/v1/industries", headers={"Accept-Language": "en"})
    items = response.get_json()["items"]
    ids = {i["id"] for i in items}
    leaves = [i for i in items if not any(c["parent"] == i["id"] for c in items)]
    assert len(leaves) >= 15
    for item in items:
        assert set(item["names"]) == {"zh-Hans", "zh-Hant", "en"}
        assert item["name"] == item["names"]["en"]
        assert item["parent"] is None or item["parent"] in ids
    total = client.get("/v1/enterprises?limit=100")
    assert total.status_code == 200
    assert sum(i["enterprise_count"] for i in leaves) >= 1000
    banking = next(i for i in items if i["id"] == "banking")
    walked, url = 0, "/v1/enterprises?industry=banking&limit=100"
    while url:
        body = client.get(url).get_json()
        walked += len(body["items"])
        url = body["next"]
    assert banking["enterprise_count"] == walked


@pytest.mark.parametrize("path", [
    "/v1/enterprises/%00", "/v1/enterprises/ent_%00abc", "/v1/enterprises/" + "x" * 5000,
    "/v1/enterprises/%E4%B8%AD%E5%9B%BD", "/v1/enterprises/%ff%fe", "/v1/enterprises/..%2f..",
    "/v1/enterprises?industry=%00", "/v1/enterprises?region=%00", "/v1/enterprises?cursor=%00",
    "/v1/enterprises?cursor=" + "A" * 5000, "/v1/enterprises?limit=%00", "/v1/enterprises?%00=1",
    "/v1/enterprises?limit=99999999999999999999999", "/v1/enterprises?verified=%ff",
])
def test_hostile_input_gets_a_4xx_problem_never_a_500(client, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert response.mimetype == "application/problem+json"


CCB, CMCC, UNICOM, TENCENT = "ent_2b0d45fb4077", "ent_85b5b2309f66", "ent_1ae5c5bf531e", "ent_a4175a4eb227"


def test_labels_say_the_abroad_number_and_secondary_lines_come_last(client):
    ccb = {c["value"]: c for c in client.get(f"/v1/enterprises/{CCB}").get_json()["channels"]}
    assert ccb["02138690588"]["label"] == "信用卡境外拨打" and ccb["02138690588"]["purpose"] == "abroad"
    assert ccb["95533"]["phone"]["abroad"]["value"] == "02138690588"
    cmcc = client.get(f"/v1/enterprises/{CMCC}").get_json()["channels"]
    hotline = next(c for c in cmcc if c["value"] == "10086")
    assert hotline["phone"]["abroad"] is None  # its 彩铃服务 line is no number for abroad
    order = [c["value"] for c in cmcc if c["direction"] == "contact"]
    assert order.index("10086") < order.index("12530") and order.index("10050") < order.index("12530")
    unicom = [c["value"] for c in client.get(f"/v1/enterprises/{UNICOM}").get_json()["channels"]]
    assert unicom.index("10010") < unicom.index("10165")  # 沃留言 (voicemail) after the hotline
    tencent = client.get(f"/v1/enterprises/{TENCENT}").get_json()["channels"]
    assert tencent and all(c["label"] is None and c["purpose"] is None for c in tencent)


def test_channels_on_platforms_blocked_in_mainland_china_say_so(client):
    url = "/v1/enterprises/ent_00797e22c745"  # Quest Diagnostics: e-mail, X and Facebook
    for language, text in (("zh-CN", "多数中国大陆用户无法直接打开 X (Twitter)"),
                           ("en", "Most users in mainland China cannot open X (Twitter)")):
        channels = client.get(url, headers={"Accept-Language": language}).get_json()["channels"]
        hints = {c["value"].split("/")[2]: c["reachability"] for c in channels if c["kind"] == "social"}
        assert hints["x.com"] == {"code": "blocked_in_mainland_china", "platform": "x", "text": text}
        assert hints["www.facebook.com"]["platform"] == "facebook"
        assert channels[0]["kind"] == "email" and channels[0]["reachability"] is None
