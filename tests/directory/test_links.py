"""Deep links: every kind on every platform, the topic carried where it fits, menus as pauses or
steps, and the allow-list of schemes on import (each refused form one by one) and on output."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from marshmallow import ValidationError

from directory.links import (
    EMITTED_SCHEMES,
    HANDOFF_PARAM,
    PLATFORMS,
    HandoffRef,
    deep_links_for,
    menu_links,
    with_query,
)
from directory.models import Channel
from directory.validation import ChannelRecordSchema

TOPIC = "信用卡 挂失&补办?#"


def make(kind: str, value: str, **fields) -> Channel:
    defaults = {"direction": "contact", "menu": [], "to_person": None, "topic_param": None}
    return Channel(id="ch_test", kind=kind, value=value, **{**defaults, **fields})


def uris(channel: Channel, platform: str = "any", topic: str | None = None) -> list[str]:
    return [link.uri for link in deep_links_for(channel, platform, topic)]


def by_platform(channel: Channel, topic: str | None = None) -> dict[str, list[str]]:
    return {platform: uris(channel, platform, topic) for platform in PLATFORMS}


# --- phone -----------------------------------------------------------------------------------

def test_phone_is_a_tel_link_everywhere():
    links = by_platform(make("phone", "95588"))
    assert links == {platform: ["tel:95588"] for platform in PLATFORMS}


def test_phone_person_shortcut_is_dialled_with_pauses():
    channel = make("phone", "95588", to_person="0")
    assert uris(channel, "ios") == ["tel:95588", "tel:95588,,0"]
    shortcut = deep_links_for(channel, "android")[1]
    assert shortcut.label == "to_person" and shortcut.steps == ()


def test_menu_keys_with_star_or_hash_are_steps_on_ios_and_in_the_link_on_android():
    channel = make("phone", "95588", menu=[{"intent": "余额", "keys": "1,*"},
                                           {"intent": "卡号", "keys": "2,123#"},
                                           {"intent": "挂失", "keys": "2,1"}])
    ios = dict(menu_links(channel, "ios"))
    assert ios["1,*"].uri == "tel:95588" and ios["1,*"].steps == ("1", "*")
    assert ios["2,1"].uri == "tel:95588,,2,,1" and ios["2,1"].steps == ()
    android = dict(menu_links(channel, "android"))
    assert android["1,*"].uri == "tel:95588,,1,,*" and android["1,*"].steps == ()
    assert android["2,123#"].uri == "tel:95588,,2,,123%23"  # '#' would start a fragment
    anywhere = dict(menu_links(channel, "any"))
    assert anywhere["2,123#"].steps == ("2", "123#") and anywhere["2,1"].platform == "any"
    assert anywhere["2,1"].label == "挂失"


def test_outbound_only_channels_have_no_links_nor_menu_links():
    sender = make("sms", "1069095588", direction="outbound_only")
    assert by_platform(sender, TOPIC) == {platform: [] for platform in PLATFORMS}
    caller = make("phone", "4001234567", direction="outbound_only", menu=[{"intent": "x", "keys": "1"}])
    assert uris(caller) == [] and list(menu_links(caller)) == []


# --- sms, mail -------------------------------------------------------------------------------

def test_sms_body_per_platform():
    channel = make("sms", "95588")
    assert uris(channel) == ["sms:95588"]
    links = by_platform(channel, TOPIC)
    assert links["android"] == ["sms:95588?body=" + "%E4%BF%A1%E7%94%A8%E5%8D%A1%20%E6%8C%82%E5%A4%B1%26"
                                "%E8%A1%A5%E5%8A%9E%3F%23"]
    assert links["ios"][0].startswith("sms:95588&body=%E4%BF%A1")
    assert links["web"][0].startswith("sms:95588?body=")
    assert len(links["any"]) == 3
    assert unquote(links["ios"][0].split("body=", 1)[1]) == TOPIC


def test_mailto_carries_subject_and_body():
    channel = make("email", "service@icbc.com.cn")
    assert uris(channel) == ["mailto:service@icbc.com.cn"]
    link = uris(channel, "ios", TOPIC)[0]
    query = parse_qs(urlsplit(link).query)
    assert link.startswith("mailto:service@icbc.com.cn?")
    assert query == {"subject": [TOPIC], "body": [TOPIC]}
    assert by_platform(channel, TOPIC)["web"] == [link]


# --- web pages, WeChat, apps --------------------------------------------------------------

@pytest.mark.parametrize("kind", ["webchat", "video", "web_form", "callback", "social"])
def test_web_pages_open_as_they_are(kind):
    channel = make(kind, "https://www.example.com/help?lang=zh")
    assert by_platform(channel) == {p: ["https://www.example.com/help?lang=zh"] for p in PLATFORMS}
    assert uris(channel, "any", TOPIC) == ["https://www.example.com/help?lang=zh"]  # no topic_param


def test_webchat_topic_goes_into_the_declared_parameter():
    channel = make("webchat", "https://www.example.com/chat?lang=zh&q=old", topic_param="q")
    link = uris(channel, "android", TOPIC)[0]
    assert parse_qs(urlsplit(link).query) == {"lang": ["zh"], "q": [TOPIC]}
    assert "#" not in link


def test_wecom_customer_service_takes_scene_param():
    channel = make("wechat", "https://work.weixin.qq.com/kfid/kfc0123456789abcdef")
    assert uris(channel) == ["https://work.weixin.qq.com/kfid/kfc0123456789abcdef"]
    link = uris(channel, "ios", TOPIC)[0]
    assert parse_qs(urlsplit(link).query) == {"scene_param": [TOPIC]}


def test_wechat_official_account_gets_its_qr_page_as_fallback():
    link = deep_links_for(make("wechat", "icbc-95588"), "android")[0]
    assert link.role == "fallback" and link.platform == "any"
    assert link.uri == "https://open.weixin.qq.com/qr/code?username=icbc-95588"


def test_wechat_page_opens_as_it_is():
    assert uris(make("wechat", "https://mp.weixin.qq.com/s/abc")) == ["https://mp.weixin.qq.com/s/abc"]


def test_app_store_links_per_platform():
    ios = make("app", "https://apps.apple.com/cn/app/id423514795")
    assert [(link.platform, link.role) for link in deep_links_for(ios)] == [("ios", "store"),
                                                                            ("web", "fallback")]
    assert uris(ios, "android") == []
    play = make("app", "https://play.google.com/store/apps/details?id=com.icbc")
    assert [(link.platform, link.role) for link in deep_links_for(play)] == [("android", "store"),
                                                                             ("web", "fallback")]
    assert uris(play, "ios") == []
    universal = deep_links_for(make("app", "https://m.icbc.com.cn/app/open"), "ios")
    assert [(link.platform, link.role) for link in universal] == [("any", "app")]


# --- WhatsApp, FaceTime ------------------------------------------------------------------

def test_whatsapp_is_wa_me_with_text():
    channel = make("whatsapp", "+85295588000")
    assert by_platform(channel) == {p: ["https://wa.me/85295588000"] for p in PLATFORMS}
    link = uris(channel, "any", TOPIC)[0]
    assert link.startswith("https://wa.me/85295588000?text=") and unquote(link.split("=", 1)[1]) == TOPIC


def test_facetime_only_on_ios():
    channel = make("facetime", "support@example.com")
    assert uris(channel, "ios") == ["facetime:support@example.com", "facetime-audio:support@example.com"]
    assert uris(channel, "android") == [] and uris(channel, "web") == []


# --- the allow-list ------------------------------------------------------------------------

def test_every_link_of_every_kind_uses_an_allowed_scheme():
    channels = [make("phone", "95588", to_person="0", menu=[{"intent": "a", "keys": "1,#"}]),
                make("sms", "95588"), make("email", "a@b.cn"), make("webchat", "https://a.cn/c"),
                make("wechat", "gh_0123456789ab"), make("app", "https://apps.apple.com/app/id1"),
                make("whatsapp", "+85212345678"), make("facetime", "+85212345678")]
    for channel in channels:
        for platform in PLATFORMS:
            for link in deep_links_for(channel, platform, TOPIC):
                assert link.uri.split(":", 1)[0] in EMITTED_SCHEMES, link


def test_a_stored_unsafe_value_is_never_emitted():
    # Validation refuses these on the way in; links refuse them again on the way out.
    for value in ("javascript:alert(1)", "https://user:pw@example.com/", "https://127.0.0.1/"):
        assert uris(make("webchat", value)) == []


def test_with_query_keeps_other_parameters_and_escapes():
    assert with_query("https://a.cn/p?x=1", q="a&b") == "https://a.cn/p?x=1&q=a%26b"
    assert with_query("https://a.cn/p", q=None) == "https://a.cn/p"


def load_channel(**fields) -> dict:
    return ChannelRecordSchema().load({"source": "test", **fields})


@pytest.mark.parametrize("value", [
    "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>hi</b>", "vbscript:msgbox(1)",
    "file:///etc/passwd", "intent://scan/#Intent;scheme=zxing;end", "//evil.example.com/chat",
    "https://user:secret@www.example.com/", "https://user@www.example.com/", "https://203.0.113.7/chat",
    "https://[2001:db8::1]/chat", "https://www.example.com/\x00chat", "https://www.example.com/\nchat",
    "https://www.example.com/\x7fchat", "https://www.example.com/ chat", "ftp://example.com/",
    "weixin://dl/chat", "tel:95588", "https:/www.example.com/",
])
@pytest.mark.parametrize("kind", ["webchat", "video", "web_form", "app", "social", "callback", "wechat"])
def test_unsafe_urls_are_refused_on_import(kind, value):
    with pytest.raises(ValidationError) as error:
        load_channel(kind=kind, value=value)
    assert "value" in error.value.messages


@pytest.mark.parametrize(("fields", "where"), [
    ({"kind": "whatsapp", "value": "85295588000"}, "value"),
    ({"kind": "whatsapp", "value": "+852 9558 8000"}, "value"),
    ({"kind": "facetime", "value": "95588"}, "value"),
    ({"kind": "facetime", "value": "Support@Example.com"}, "value"),
    ({"kind": "phone", "value": "95588", "menu": [{"intent": "挂失", "keys": "2;1"}]}, "menu"),
    ({"kind": "phone", "value": "95588", "menu": [{"intent": "挂失", "keys": ""}]}, "menu"),
    ({"kind": "phone", "value": "95588", "menu": [{"intent": "", "keys": "1"}]}, "menu"),
    ({"kind": "phone", "value": "95588", "menu": [{"intent": "a\x07", "keys": "1"}]}, "menu"),
    ({"kind": "phone", "value": "95588", "menu": [{"intent": "a", "keys": "1", "x": 1}]}, "menu"),
    ({"kind": "phone", "value": "95588", "menu": [{"intent": "a", "keys": "1"}] * 2}, "menu"),
    ({"kind": "phone", "value": "95588", "to_person": "0,,1"}, "to_person"),
    ({"kind": "phone", "value": "95588", "to_person": "p"}, "to_person"),
    ({"kind": "email", "value": "a@b.cn", "menu": [{"intent": "a", "keys": "1"}]}, "menu"),
    ({"kind": "sms", "value": "95588", "to_person": "0"}, "to_person"),
    ({"kind": "phone", "value": "4001234567", "direction": "outbound_only", "to_person": "0"}, "to_person"),
    ({"kind": "email", "value": "a@b.cn", "topic_param": "q"}, "topic_param"),
    ({"kind": "webchat", "value": "https://a.cn/c", "topic_param": "q=1"}, "topic_param"),
    ({"kind": "webchat", "value": "https://a.cn/c", "reaches_person": "maybe"}, "reaches_person"),
    ({"kind": "phone", "value": "95588", "regions": ["999999"]}, "regions"),
])
def test_channel_fields_are_validated(fields, where):
    with pytest.raises(ValidationError) as error:
        load_channel(**fields)
    assert where in error.value.messages, error.value.messages


def test_a_full_phone_channel_loads():
    loaded = load_channel(kind="phone", value="95588", menu=[{"intent": "信用卡挂失", "keys": "2,1"},
                                                             {"intent": "余额", "keys": "1,*"}],
                          to_person="0", reaches_person=True, regions=["440300", "CN"])
    assert loaded["menu"][1] == {"intent": "余额", "keys": "1,*"} and loaded["to_person"] == "0"
    webchat = load_channel(kind="webchat", value="https://a.cn/c", topic_param="q")
    assert webchat["topic_param"] == "q" and webchat["menu"] == [] and webchat["reaches_person"] is None
    assert load_channel(kind="whatsapp", value="+85295588000")["value"] == "+85295588000"
    assert load_channel(kind="facetime", value="support@example.com")["kind"] == "facetime"


# --- handoffs --------------------------------------------------------------------------------

HANDOFF = HandoffRef("hof_Zk3v9QyR1sXo2bWc8nTt4uPa", "K7Q4-XPM2")


def _carried(channel: Channel, platform: str = "any") -> list[tuple[str, bool]]:
    return [(link.uri, link.handoff) for link in deep_links_for(channel, platform, TOPIC, HANDOFF)]


def test_a_web_page_gets_the_handoff_token_beside_the_topic():
    [(uri, carried)] = _carried(make("webchat", "https://kefu.example.com/chat?lang=zh", topic_param="q"))
    assert carried and parse_qs(urlsplit(uri).query) == {
        "lang": ["zh"], "q": [TOPIC], HANDOFF_PARAM: [HANDOFF.token]}
    [(uri, carried)] = _carried(make("web_form", "https://kefu.example.com/form"))
    assert carried and parse_qs(urlsplit(uri).query) == {HANDOFF_PARAM: [HANDOFF.token]}


def test_wecom_gets_the_token_as_scene_param():
    [(uri, carried)] = _carried(make("wechat", "https://work.weixin.qq.com/kfid/kfc0123456789"))
    assert carried and parse_qs(urlsplit(uri).query) == {"scene_param": [HANDOFF.token]}


@pytest.mark.parametrize(("kind", "value", "part"), [
    ("email", "service@example.com", "body"), ("sms", "95588", "body"),
    ("whatsapp", "+85291234567", "text")])
def test_text_channels_get_the_short_code_in_the_text(kind, value, part):
    for uri, carried in _carried(make(kind, value)):
        assert carried
        query = uri.split("?", 1)[1] if "?" in uri else uri.split("&", 1)[1]  # iOS: sms:N&body=
        text = parse_qs(query)[part][0]
        assert text == f"{TOPIC} (c800 {HANDOFF.code})"


@pytest.mark.parametrize(("kind", "value"), [
    ("phone", "95588"), ("app", "https://apps.apple.com/cn/app/id423514795"),
    ("facetime", "support@example.com"), ("wechat", "gh_0123456789ab")])
def test_channels_that_cannot_carry_it_open_as_without_one(kind, value):
    channel = make(kind, value, to_person="0" if kind == "phone" else None)
    assert [uri for uri, _ in _carried(channel)] == uris(channel, "any", TOPIC)
    assert not any(carried for _, carried in _carried(channel))


def test_no_handoff_no_token():
    links = deep_links_for(make("webchat", "https://kefu.example.com/chat"), "any", TOPIC)
    assert [link.handoff for link in links] == [False] and HANDOFF_PARAM not in links[0].uri
