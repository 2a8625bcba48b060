""""Is this official?" end to end: every input form, on SQLite and PostgreSQL, over listings
imported for the purpose, and the keys kept in step with edits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from directory.lookup_keys import LookupKey
from directory.models import Channel, Enterprise
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise

ICBC = "ent_000000000001"
WEIBO = "ent_000000000002"
SHOP = "ent_000000000003"
GONE = "ent_000000000004"
TENCENT = "ent_000000000005"


def channel(kind: str, value: str, **fields) -> dict:
    return {"kind": kind, "value": value, "source": "test:lookup", **fields}


RECORDS = [
    enterprise(ICBC, channels=[
        channel("phone", "95588", label="客服热线"),
        channel("phone", "02160876100", label="上海分行"),
        channel("phone", "+861095588", label="境外拨打"),
        channel("email", "service@icbc.com.cn", label="客服邮箱"),
        channel("email", "noreply@message.icbc.com.cn", label="通知邮件", direction="outbound_only"),
        channel("sms", "1069095588", label="通知短信", direction="outbound_only"),
        channel("webchat", "https://www.icbc.com.cn/chat", label="在线客服"),
        channel("social", "https://weibo.com/icbc", label="官方微博"),
    ]),
    enterprise(WEIBO, names={"zh-Hans": "新浪微博", "en": "Weibo"}, aliases=[],
               website="https://weibo.com/", domains=["weibo.com"],
               channels=[channel("phone", "4000960960", label="客服电话")]),
    enterprise(SHOP, names={"zh-Hans": "某某商城", "en": "Some Shop"}, aliases=[],
               website="https://www.someshop.cn/", domains=["someshop.cn"],
               channels=[channel("phone", "13800138000", label="店主手机"),
                         channel("email", "shop@163.com", label="客服邮箱")]),
    enterprise(GONE, names={"zh-Hans": "已停用公司"}, aliases=[], website="https://gone.example.cn/",
               domains=["gone.example.cn"], status="suspended",
               channels=[channel("phone", "4001234567", label="旧热线")]),
    enterprise(TENCENT, names={"zh-Hans": "腾讯", "en": "Tencent"}, aliases=[],
               website="https://www.qq.com/", domains=["qq.com", "tencent.com"],
               channels=[channel("phone", "075583765566", label="客服")]),
]
# 12 listings sharing one number, listing i with i more channels (so more prominent than i - 1):
# the most prominent is suspended, the least prominent only sends from it
SHARED = [f"ent_0000000001{i:02d}" for i in range(12)]
RECORDS += [
    enterprise(ident, names={"zh-Hans": f"共用号码{i}", "en": f"Shared {i}"}, aliases=[],
               website=None, domains=[], status="suspended" if i == 11 else "active",
               channels=[channel("phone", "4006668888", label="共用",
                                 direction="outbound_only" if i == 0 else "contact"),
                         *(channel("email", f"s{j}@shared{i}.cn") for j in range(i))])
    for i, ident in enumerate(SHARED)]


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    yield from client_over_records(request, tmp_path_factory, RECORDS)


def ask(client, q: str, language: str = "zh-Hans") -> dict:
    response = client.get("/v1/lookup", query_string={"q": q}, headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def owners(body: dict) -> list[str]:
    return [m["enterprise"]["id"] for m in body["matches"]]


@pytest.mark.parametrize("pasted", [
    "95588", "tel:95588", "９５５８８", "+86 21 6087 6100", "0086-21-6087-6100", "(021) 6087 6100",
    "021-60876100", "+862160876100", "+86 10 95588",
])
def test_listed_numbers_in_any_format_are_official(client, pasted):
    body = ask(client, pasted)
    assert body["input_kind"] == "phone"
    assert body["official"] is True and set(owners(body)) == {ICBC}  # +86 10 95588 is two channels
    assert body["matches"][0]["matched_by"] == "phone"
    assert body["matches"][0]["channel"]["direction"] == "contact"
    assert body["hint"]["code"] == "official_contact" and "中国工商银行" in body["hint"]["text"]


def test_an_outgoing_only_sender_matches_with_its_direction(client):
    body = ask(client, "10690 95588")
    assert body["official"] is True and owners(body) == [ICBC]
    assert body["matches"][0]["channel"]["direction"] == "outbound_only"
    assert body["hint"]["code"] == "official_sender"
    mail = ask(client, "NoReply@Message.ICBC.com.cn", "en")
    assert mail["official"] is True and mail["matches"][0]["matched_by"] == "email"
    assert mail["hint"]["code"] == "official_sender" and "notifications" in mail["hint"]["text"]


@pytest.mark.parametrize(("pasted", "kind"), [
    ("95599", "service_95"), ("96511", "service_96"), ("400-820-8820", "business_400"),
    ("800 820 8888", "toll_free_800"), ("139 1234 5678", "mobile"), ("12315", "service_1x"),
    ("1069012345678", "sms_106"), ("+1 877 448 4824", "international"), ("010-12345678", "landline"),
])
def test_unknown_numbers_are_never_official_and_say_what_they_are(client, pasted, kind):
    body = ask(client, pasted)
    assert body["official"] is False and body["matches"] == []
    assert body["phone_type"] == kind and body["hint"]["code"] == kind
    assert body["hint"]["text"].startswith("c800 没有登记这个号码")
    english = ask(client, pasted, "en")["hint"]["text"]
    assert english.startswith("c800 does not list this number") and english != body["hint"]["text"]


def test_a_number_many_listings_share_shows_the_ten_most_prominent(client):
    body = ask(client, "400-666-8888")
    assert body["official"] is True and body["hint"]["code"] == "official_contact"
    # the spec's "at most 10", most prominent first; the suspended one is never among them
    assert owners(body) == SHARED[10:0:-1]
    assert body["hint"]["text"] == "这是 共用号码10 在 c800 登记的联系方式。"
    assert {m["channel"]["direction"] for m in body["matches"]} == {"contact"}


def test_a_suspended_listing_vouches_for_nothing(client):
    body = ask(client, "400-123-4567")
    assert body["official"] is False and body["matches"] == []
    assert ask(client, "https://gone.example.cn/")["official"] is False


@pytest.mark.parametrize("pasted", [
    "icbc.com.cn", "www.icbc.com.cn", "WWW.ICBC.COM.CN.", "https://www.icbc.com.cn/personal/index.html",
    "http://icbc.com.cn", "//www.icbc.com.cn/x", "https://mybank.icbc.com.cn:443/login?next=1",
])
def test_domains_match_by_registrable_domain(client, pasted):
    body = ask(client, pasted)
    assert body["input_kind"] in ("url", "domain")
    assert body["official"] is True and body["registrable_domain"] == "icbc.com.cn"
    assert owners(body)[0] == ICBC and body["hint"]["code"] == "official_domain"


def test_bare_domain_and_url_are_told_apart(client):
    assert ask(client, "icbc.com.cn")["input_kind"] == "domain"
    assert ask(client, "icbc.com.cn/abc")["input_kind"] == "url"


def test_a_listed_page_matches_as_url(client):
    body = ask(client, "https://www.icbc.com.cn/chat/session?id=1")
    assert body["matches"][0]["matched_by"] == "url"
    assert body["matches"][0]["channel"]["kind"] == "webchat"


@pytest.mark.parametrize("pasted", [
    "https://icbc.com.cn.secure-login.top/verify", "icbc.com.cn.secure-login.top",
    "http://www-icbc-com-cn.top/", "service@icbc.com.cn.secure-login.top",
])
def test_imitations_are_not_official_and_are_called_out(client, pasted):
    body = ask(client, pasted)
    assert body["official"] is False and body["matches"] == []
    assert body["hint"]["code"] == "imitation"
    assert "中国工商银行" in body["hint"]["text"] and body["registrable_domain"] in body["hint"]["text"]


def test_user_info_and_ip_hosts_and_unsafe_links(client):
    trick = ask(client, "https://www.icbc.com.cn@evil.top/login")
    assert trick["official"] is False and trick["hint"]["code"] == "user_info"
    assert trick["registrable_domain"] == "evil.top" and "evil.top" in trick["hint"]["text"]
    ip = ask(client, "http://203.0.113.7/icbc")
    assert ip["official"] is False and ip["hint"]["code"] == "ip_address"
    for link in ("javascript:alert(1)", "weixin://dl/chat", "data:text/html,hi"):
        body = ask(client, link)
        assert body["input_kind"] == "link" and body["official"] is False
        assert body["hint"]["code"] == "unsafe_scheme"


def test_unknown_domain(client):
    body = ask(client, "https://secure-login.top/")
    assert body["official"] is False and body["hint"]["code"] == "unknown_domain"


def test_email_addresses(client):
    exact = ask(client, "mailto:Service@ICBC.com.cn")
    assert exact["input_kind"] == "email" and exact["normalized"] == "service@icbc.com.cn"
    assert exact["official"] is True and exact["matches"][0]["matched_by"] == "email"
    domain = ask(client, "anyone@icbc.com.cn")
    assert domain["official"] is True and domain["matches"][0]["matched_by"] == "domain"
    assert domain["matches"][0]["channel"] is None
    unknown = ask(client, "support@secure-login.top")
    assert unknown["official"] is False and unknown["hint"]["code"] == "unknown_email"


def test_public_mailboxes_and_platform_pages_prove_nothing(client):
    mailbox = ask(client, "icbc-service@qq.com")  # qq.com is Tencent's, but anyone has a mailbox
    assert mailbox["official"] is False and mailbox["hint"]["code"] == "mailbox_provider"
    listed = ask(client, "shop@163.com")  # unless that very address is listed
    assert listed["official"] is True and owners(listed) == [SHOP]
    page = ask(client, "https://weibo.com/icbc_kefu_2026")
    assert page["official"] is False and page["hint"]["code"] == "user_content"
    official_page = ask(client, "https://weibo.com/icbc")
    assert official_page["official"] is True and owners(official_page) == [ICBC]
    assert official_page["matches"][0]["matched_by"] == "url"
    home = ask(client, "weibo.com")
    assert home["official"] is True and owners(home) == [WEIBO]


def test_mobile_numbers_match_when_listed(client):
    body = ask(client, "+86 138 0013 8000")
    assert body["official"] is True and owners(body) == [SHOP] and body["phone_type"] == "mobile"


@pytest.mark.parametrize("q", ["hello world", "12", "工商银行客服", "a@b", "http://", "\u200b"])
def test_text_that_is_none_of_the_forms_is_answered_not_official(client, q):
    body = ask(client, q, "en")
    assert body["input_kind"] == "unknown" and body["official"] is False and body["matches"] == []
    assert body["hint"]["code"] == "unrecognised" and "paste a phone number" in body["hint"]["text"]


@pytest.mark.parametrize("q", ["", "   ", "\u3000", "a" * 601, "\x00abc", "95588\n", "a\x85b"])
def test_unreadable_input_is_a_422_problem(client, q):
    response = client.get("/v1/lookup", query_string={"q": q})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def test_the_longest_input_fits_in_a_request_line(client):
    assert ask(client, "https://www.icbc.com.cn/" + "路" * 576)["official"] is True


def test_missing_or_extra_parameters(client):
    assert client.get("/v1/lookup").status_code == 422
    assert client.get("/v1/lookup", query_string={"q": "95588", "x": "1"}).status_code == 422


def test_keys_follow_checked_facts_in_the_same_transaction(client):
    state = client.application.extensions["c800"]
    with client.application.app_context(), state.sessions() as session:
        row = session.scalars(select(Channel).where(Channel.enterprise_id == SHOP,
                                                    Channel.kind == "phone")).one()
        row.value = "13900139000"  # shown, not checked: the checked number stays official
        session.commit()
    assert ask(client, "13900139000")["official"] is False
    assert owners(ask(client, "13800138000")) == [SHOP]
    with client.application.app_context(), state.sessions() as session:
        row = session.get(Channel, row.id)
        row.checked_value = row.value
        session.commit()
    assert ask(client, "13800138000")["official"] is False
    assert owners(ask(client, "139 0013 9000")) == [SHOP]
    with client.application.app_context(), state.sessions() as session:
        session.delete(session.get(Enterprise, SHOP))
        session.commit()
        assert session.scalar(select(func.count()).select_from(LookupKey)
                              .where(LookupKey.enterprise_id == SHOP)) == 0
    assert ask(client, "13900139000")["official"] is False


ASKED = ["95588", "+86 21 6087 6100", "021-60876100", "13800138000", "4001234567", "075583765566",
         "400 820 8820", "12345", "+1 202 555 0100", "icbc.com.cn", "www.icbc.com.cn",
         "https://www.icbc.com.cn/icbc/", "icbc.com.cn.secure-login.top", "shop@163.com",
         "service@icbc.com.cn", "qq.com", "gone.example.cn", "http://1.2.3.4/", "hello world"]


def _schema_answers(app, asked: list[str]) -> dict[tuple[str, str], dict]:
    """What the schema dumps of lookup_dump's answer for each of *asked*, in each language."""
    from api.presenters.lookup import lookup_dump
    from api.schemas.lookup import LookupSchema
    from api.state import db_session
    from directory.lookup import lookup

    schema, answers = LookupSchema(), {}
    with app.test_request_context():
        session = db_session()
        for q in asked:
            result = lookup(session, q)
            for language in ("zh-Hans", "zh-Hant", "en"):
                answers[q, language] = schema.dump(lookup_dump(result, q, language))
        session.rollback()
    return answers


def _compare(client, answers: dict[tuple[str, str], dict]) -> int:
    matched = 0
    for (q, language), expected in answers.items():
        assert ask(client, q, language) == expected, (q, language)
        matched += len(expected["matches"])
    return matched


def test_the_answer_skips_the_schema_and_is_what_it_dumps(client):
    answers = _schema_answers(client.application, ASKED)
    assert _compare(client, answers) > 20  # answers with matches were compared


def test_bundled_numbers_answer_what_the_schema_dumps(app):
    from api.state import db_session

    with app.test_request_context():
        numbers = db_session().scalars(select(Channel.value).where(
            Channel.kind == "phone", Channel.hidden.is_(False)).order_by(Channel.id).limit(150)).all()
        domains = db_session().scalars(select(Enterprise.website).where(
            Enterprise.website.is_not(None)).order_by(Enterprise.id).limit(50)).all()
        db_session().rollback()
    assert _compare(app.test_client(), _schema_answers(app, [*numbers, *domains])) > 150


def test_each_read_of_a_lookup_goes_by_its_own_index(client):
    """A status condition beside the ids, or a join, let SQLite's planner (no statistics) walk
    every active listing: a lookup of a shared number took seconds at a million listings.
    Each statement lookup runs here is planned as a search of an index by its ids or keys."""
    from api.state import db_session
    from directory.lookup import lookup
    from tests.helpers.statements import statements_run

    app = client.application
    with app.test_request_context():
        session = db_session()
        if session.get_bind().dialect.name != "sqlite":
            pytest.skip("PostgreSQL plans from its statistics")
        with statements_run(session.get_bind()) as ran:
            for q in ("400-666-8888", "service@icbc.com.cn", "https://www.icbc.com.cn/chat",
                      "icbc.com.cn.secure-login.top"):
                assert lookup(session, q).hint_code != "unknown", q
        cursor = session.connection().connection.driver_connection.cursor()
        assert len(ran) >= 8
        for statement, parameters in ran:
            plan = [row[-1] for row in cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            assert all(step.startswith(("SEARCH", "USE TEMP B-TREE")) for step in plan), (statement, plan)
            # a listing's status index only with its id bound (a probe), never to walk a status
            assert not any("ix_enterprises_status" in step and "id=?)" not in step
                           for step in plan), (statement, plan)
        session.rollback()


def test_the_matches_summaries_are_the_kept_cards(client):
    """Once read, a match's summary comes from its kept list card, read with the match: one
    query in all, none for the listing's channels (the answer stays the schema's: the test
    above)."""
    import re

    from tests.helpers.statements import statements_run

    first = ask(client, "95588")
    assert first["matches"]
    with statements_run(client.application.extensions["c800"].engine) as ran:
        # another URL for the same number: not an answer the response cache kept
        assert ask(client, "955 88")["matches"] == first["matches"]
    statements = [statement for statement, _ in ran]
    assert sum("listing_cards" in statement for statement in statements) == 1, statements
    # the keys with their listings, channels and cards (directory.lookup._FOUND)
    assert len(statements) == 1 and "lookup_keys" in statements[0], statements
    assert not [s for s in statements if re.search(r"\bFROM channels\b", s)
                and "min(channels.position)" in s], statements
