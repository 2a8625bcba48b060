"""The listing detail as a consumer uses it: links per platform, topic, status at an instant,
phone facts and menus, best-first order, region filter, JSON-LD — over a listing imported
for the purpose, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise

ID = "ent_000000000001"
SHANGHAI_WEEKDAYS = {"timezone": "Asia/Shanghai",
                     "weekly": {day: [{"open": "09:00", "close": "18:00"}]
                                for day in ("mon", "tue", "wed", "thu", "fri")}}


def channel(kind: str, value: str, **fields) -> dict:
    return {"kind": kind, "value": value, "source": "test:channels", **fields}


CHANNELS = [
    channel("phone", "95588", label="客服热线", hours={"timezone": "Asia/Shanghai", "always_open": True},
            menu=[{"intent": "信用卡挂失", "keys": "2,1"}, {"intent": "查询余额", "keys": "1,*"}],
            to_person="0"),
    channel("phone", "4008200588", label="企业客服", hours=SHANGHAI_WEEKDAYS),
    channel("phone", "8008208888", label="免费热线", hours=SHANGHAI_WEEKDAYS, reaches_person=True),
    channel("phone", "+861095588", label="境外拨打", regions=["CN"]),
    channel("phone", "02195588", label="上海分行", regions=["310000"]),
    channel("phone", "075595588", label="深圳分行", regions=["440300"]),
    channel("email", "service@icbc.com.cn", label="客服邮箱"),
    channel("webchat", "https://www.icbc.com.cn/chat?lang=zh", label="在线客服", topic_param="q",
            hours=SHANGHAI_WEEKDAYS, reaches_person=True),
    channel("sms", "95588", label="短信银行"),
    channel("sms", "1069095588", label="通知短信", direction="outbound_only"),
    channel("whatsapp", "+85295588000", label="WhatsApp"),
]


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def listing(request, tmp_path_factory):
    yield from client_over_records(request, tmp_path_factory, [enterprise(ID, channels=CHANNELS)])


def detail(client, **query) -> dict:
    response = client.get(f"/v1/enterprises/{ID}", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_label(body: dict) -> dict[str, dict]:
    return {c["label"]: c for c in body["channels"]}


def _ordinary_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day) and day.weekday() < 5
    except NotImplementedError:  # outside the package's data: an ordinary weekday
        return day.weekday() < 5


def _ordinary_tuesday() -> date:
    """A recent Tuesday that, with the Wednesday after it, is an ordinary working day in China
    (`at` lies within a year of now, so the day moves with the date the suite runs on)."""
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=7)
    day -= timedelta(days=(day.weekday() - 1) % 7)
    while not (_ordinary_day(day) and _ordinary_day(day + timedelta(days=1))):
        day -= timedelta(days=7)
    return day


# A Tuesday: 10:00 and 20:00 in Shanghai.
TUESDAY = _ordinary_tuesday()
WEDNESDAY = TUESDAY + timedelta(days=1)
TUESDAY_10 = f"{TUESDAY}T10:00:00+08:00"
TUESDAY_20 = f"{TUESDAY}T20:00:00+08:00"


def test_status_at_an_instant(listing):
    open_day = by_label(detail(listing, at=TUESDAY_10))
    assert open_day["企业客服"]["status"] == {"open_now": True, "next_open": None,
                                          "next_close": f"{TUESDAY}T18:00:00+08:00"}
    assert open_day["客服热线"]["status"]["open_now"] is True
    assert open_day["客服邮箱"]["status"] == {"open_now": None, "next_open": None, "next_close": None}
    evening = by_label(detail(listing, at=TUESDAY_20))
    assert evening["企业客服"]["status"] == {"open_now": False, "next_open": f"{WEDNESDAY}T09:00:00+08:00",
                                         "next_close": None}
    utc = by_label(detail(listing, at=f"{TUESDAY}T02:00:00Z"))  # 10:00 in Shanghai
    assert utc["企业客服"]["status"]["open_now"] is True


def test_channels_come_best_first(listing):
    labels = [c["label"] for c in detail(listing, at=TUESDAY_10)["channels"]]
    # open now and reaching a person first; the toll-free line before the local-rate hotline
    # and the webchat, which keep the listing's order
    assert labels[:3] == ["免费热线", "客服热线", "在线客服"]
    assert labels[-1] == "通知短信"  # outbound-only senders last
    evening = [c["label"] for c in detail(listing, at=TUESDAY_20)["channels"]]
    assert evening[0] == "客服热线"  # 24/7 and a person shortcut
    assert evening.index("企业客服") > evening.index("客服邮箱")  # closed after unknown


def test_phone_facts_and_the_number_for_abroad(listing):
    channels = by_label(detail(listing))
    hotline = channels["客服热线"]["phone"]
    assert hotline["type"] == "service_95" and not hotline["callable_from_abroad"]
    assert "not_from_abroad" in [h["code"] for h in hotline["hints"]]
    assert hotline["abroad"]["value"] == "+861095588"
    assert channels["免费热线"]["phone"]["toll_free"] is True
    assert channels["免费热线"]["phone"]["callable_from_mobile"] is False
    assert channels["企业客服"]["phone"]["type"] == "business_400"
    assert channels["企业客服"]["display"] == "400 820 0588"
    assert channels["客服邮箱"]["phone"] is None


def test_menu_and_person_shortcut(listing):
    hotline = by_label(detail(listing))["客服热线"]
    assert hotline["reaches_person"] is True
    assert hotline["to_person"]["keys"] == "0"
    assert hotline["to_person"]["link"]["uri"] == "tel:95588,,0"
    menu = {entry["intent"]: entry for entry in hotline["menu"]}
    assert menu["信用卡挂失"]["link"]["uri"] == "tel:95588,,2,,1"
    ios = {entry["intent"]: entry for entry in by_label(detail(listing, platform="ios"))["客服热线"]["menu"]}
    assert ios["查询余额"]["link"]["uri"] == "tel:95588"  # iOS refuses * in tel: links
    assert ios["查询余额"]["link"]["steps"] == ["1", "*"]


def test_topic_travels_into_links(listing):
    channels = by_label(detail(listing, topic="信用卡 挂失&补办"))
    assert channels["客服邮箱"]["links"][0]["uri"].startswith("mailto:service@icbc.com.cn?subject=")
    assert "%E4%BF%A1%E7%94%A8%E5%8D%A1" in channels["客服邮箱"]["links"][0]["uri"]
    webchat = channels["在线客服"]["links"][0]["uri"]
    assert webchat.startswith("https://www.icbc.com.cn/chat?") and "lang=zh" in webchat
    assert "q=%E4%BF%A1%E7%94%A8%E5%8D%A1" in webchat and "%26" in webchat
    assert "body=" in channels["短信银行"]["links"][0]["uri"]
    assert channels["WhatsApp"]["links"][0]["uri"].startswith("https://wa.me/85295588000?text=")
    assert channels["通知短信"]["links"] == []


def test_region_keeps_national_and_inherited_channels(listing):
    shenzhen = {c["label"] for c in detail(listing, region="440300")["channels"]}
    assert {"深圳分行", "客服热线", "境外拨打"} <= shenzhen and "上海分行" not in shenzhen
    futian = {c["label"] for c in detail(listing, region="440304")["channels"]}  # a district
    assert "深圳分行" in futian
    guangdong = {c["label"] for c in detail(listing, region="440000")["channels"]}
    assert "深圳分行" not in guangdong and "上海分行" not in guangdong
    shanghai = {c["label"] for c in detail(listing, region="310000")["channels"]}
    assert "上海分行" in shanghai and "深圳分行" not in shanghai


@pytest.mark.parametrize("query", [
    {"platform": "windows"}, {"at": "2026-11-24T10:00:00"}, {"at": "tomorrow"},
    {"at": "9999-12-31T23:59:59+00:00"}, {"at": "0001-01-01T00:00:00+23:59"},
    {"region": "999999"}, {"region": "shenzhen"}, {"topic": ""}, {"topic": "a\x07b"},
    {"topic": "x" * 201}, {"extra": "1"},
])
def test_bad_parameters_are_422_problems(listing, query):
    response = listing.get(f"/v1/enterprises/{ID}", query_string=query)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def test_jsonld(listing):
    response = listing.get(f"/v1/enterprises/{ID}", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert "Accept" in response.headers["Vary"]
    body = response.get_json(force=True)
    assert body["@context"] == "https://schema.org" and body["@type"] == "Organization"
    assert body["name"] == "中国工商银行" and "ICBC" in body["alternateName"]
    points = body["contactPoint"]
    assert all(p["@type"] == "ContactPoint" for p in points)
    by_type = {p["contactType"]: p for p in points}
    assert by_type["免费热线"]["telephone"].endswith("8008208888")
    assert by_type["免费热线"]["contactOption"] == "TollFree"
    assert by_type["客服热线"]["hoursAvailable"][0]["opens"] == "00:00"
    weekdays = by_type["企业客服"]["hoursAvailable"]
    assert {h["dayOfWeek"] for h in weekdays} == {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}
    assert by_type["客服邮箱"]["email"] == "service@icbc.com.cn"
    assert by_type["在线客服"]["url"].startswith("https://www.icbc.com.cn/chat")
    shenzhen = by_type["深圳分行"]["areaServed"][0]
    assert shenzhen["@type"] == "AdministrativeArea" and shenzhen["identifier"] == "440300"
    assert "通知短信" not in by_type  # an outbound-only sender is not a way in
    assert "HearingImpairedSupported" in by_type["短信银行"]["contactOption"]
    plain = listing.get(f"/v1/enterprises/{ID}", headers={"Accept": "application/json"})
    assert plain.mimetype == "application/json"


def test_listing_and_detail_channel_kinds_follow_the_region(listing):
    everywhere = detail(listing)["channel_kinds"]
    assert "whatsapp" in everywhere
    page = listing.get("/v1/enterprises", query_string={"region": "440300"}).get_json()
    summary = next(item for item in page["items"] if item["id"] == ID)
    assert set(summary["channel_kinds"]) <= set(everywhere) and "phone" in summary["channel_kinds"]
    abroad = detail(listing, region="US")
    assert {c["label"] for c in abroad["channels"]} >= {"客服邮箱", "WhatsApp"}
    assert "深圳分行" not in {c["label"] for c in abroad["channels"]}
