"""Consumers in charge, end to end over the HTTP API (SQLite and PostgreSQL): follows and the
notices of followed enterprises, experiences and their aggregates, live status beating reports,
contacts with a handoff the enterprise reads, callback requests, and insights.
"""

from __future__ import annotations

import base64
import secrets
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update

from api.problems import status_of
from directory.accounts import create_user
from directory.callbacks import request_callback
from directory.contacts import CallbackRequest, Handoff, purge_expired
from directory.errors import DomainError
from directory.experiences import Experience, record_experience
from directory.idempotency_records import IdempotencyRecord
from directory.models import Channel
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import CONSUMER_RECORDS as RECORDS
from tests.factories import EXTREME_INSTANTS, A, B, C
from tests.helpers.api import add_person, auth, channel, iso, post_notice, problem, with_people


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS):
        yield with_people(client)


def fields_of(answer) -> set[str]:  # noqa: ANN001
    return {error["field"] for error in answer.get_json().get("errors", [])}


def listing_channel(client, channel_id: str, enterprise_id: str = A, **query) -> dict:
    answer = client.get(f"/v1/enterprises/{enterprise_id}", query_string=query)
    assert answer.status_code == 200
    return next(c for c in answer.get_json()["channels"] if c["id"] == channel_id)


# --- follow and notices ----------------------------------------------------------------------


def test_follow_read_list_and_unfollow(client):
    url = f"/v1/me/following/{B}"
    problem(client.get(url, headers=auth(client, "ada")), 404)
    first = client.put(url, headers=auth(client, "ada"))
    assert first.status_code == 201 and first.get_json()["enterprise_id"] == B
    assert first.get_json()["name"] == "招商银行"
    again = client.put(url, headers=auth(client, "ada"))
    assert again.status_code == 200 and again.get_json()["since"] == first.get_json()["since"]
    assert client.get(url, headers=auth(client, "ada")).status_code == 200
    listed = client.get("/v1/me/following", headers=auth(client, "ada")).get_json()["items"]
    assert [f["enterprise_id"] for f in listed] == [B]
    # another consumer's follows are theirs
    assert client.get("/v1/me/following", headers=auth(client, "bob")).get_json()["items"] == []
    problem(client.get(url, headers=auth(client, "bob")), 404)
    assert client.delete(url, headers=auth(client, "ada")).status_code == 204
    assert client.delete(url, headers=auth(client, "ada")).status_code == 204  # a retry is harmless
    problem(client.get(url, headers=auth(client, "ada")), 404)


@pytest.mark.parametrize("ident", ["ent_nosuchlisting", "x" * 300, "NOT-AN-ID"])
def test_following_what_is_not_listed_is_404(client, ident):
    problem(client.put(f"/v1/me/following/{ident}", headers=auth(client, "ada")), 404)


def test_my_notices_are_the_current_ones_of_followed_enterprises_newest_first(client):
    now = datetime.now(UTC)
    older = post_notice(client, A, "owner_a", title="旧通知", valid_from=iso(now - timedelta(hours=3)))
    newer = post_notice(client, A, "owner_a", title="航班取消：在线改签", severity="critical",
                    valid_from=iso(now - timedelta(hours=1)))
    post_notice(client, A, "owner_a", title="过期", valid_from=iso(now - timedelta(days=2)),
            valid_until=iso(now - timedelta(days=1)))
    post_notice(client, A, "owner_a", title="未开始", valid_from=iso(now + timedelta(days=1)))
    hidden = post_notice(client, A, "owner_a", title="撤回", valid_from=iso(now - timedelta(minutes=30)))
    manage = client.get(f"/v1/manage/enterprises/{A}", headers=auth(client, "owner_a"))
    assert client.patch(f"/v1/enterprises/{A}/notices/{hidden}", json={"hidden": True}, headers=auth(
        client, "owner_a", **{"If-Match": manage.headers["ETag"]})).status_code == 200
    unfollowed = post_notice(client, B, "owner_b", title="不关注的",
                             valid_from=iso(now - timedelta(minutes=5)))

    assert client.get("/v1/me/notices", headers=auth(client, "bob")).get_json()["items"] == []
    assert client.put(f"/v1/me/following/{A}", headers=auth(client, "bob")).status_code == 201
    items = client.get("/v1/me/notices", headers=auth(client, "bob")).get_json()["items"]
    ids = [n["id"] for n in items]
    assert newer in ids and older in ids and unfollowed not in ids and hidden not in ids
    assert ids.index(newer) < ids.index(older)
    assert {n["title"] for n in items}.isdisjoint({"过期", "未开始", "撤回", "不关注的"})
    assert items[ids.index(newer)]["enterprise_name"] == "中国工商银行"
    # paging one at a time gives the same notices in the same order, each once
    seen, url = [], "/v1/me/notices?limit=1"
    while url:
        page = client.get(url, headers=auth(client, "bob")).get_json()
        seen += [n["id"] for n in page["items"]]
        url = page["next"]
    assert seen == ids
    problem(client.get("/v1/me/notices?cursor=bm9wZQ", headers=auth(client, "bob")), 422)
    client.delete(f"/v1/me/following/{A}", headers=auth(client, "bob"))
    assert client.get("/v1/me/notices", headers=auth(client, "bob")).get_json()["items"] == []


# --- experiences and their aggregates --------------------------------------------------------


def test_one_experience_per_consumer_channel_and_day(client):
    url = f"/v1/channels/{channel(client, '95599')}/experiences"
    first = client.post(url, json={"waited_minutes": 7, "reached_person": True, "resolved": None},
                        headers=auth(client, "ada"))
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["waited_minutes"] == 7 and body["reached_person"] is True and body["resolved"] is None
    assert 0 <= body["hour_of_week"] <= 167
    problem(client.post(url, json={"waited_minutes": 3, "reached_person": False},
                        headers=auth(client, "ada")), 409)
    assert client.post(url, json={"waited_minutes": 3, "reached_person": False},
                       headers=auth(client, "bob")).status_code == 201


def test_a_report_is_made_within_24_hours_of_the_contact(client):
    url = f"/v1/channels/{channel(client, '95599')}/experiences"
    late = client.post(url, json={"waited_minutes": 480, "reached_person": False,
                                  "at": iso(datetime.now(UTC) - timedelta(hours=25))},
                       headers=auth(client, "owner_b"))
    assert "at" in fields_of(late) and "24 hours" in str(problem(late, 422)["errors"])


@pytest.mark.parametrize("body, field", [
    ({"waited_minutes": -1, "reached_person": True}, "waited_minutes"),
    ({"waited_minutes": 481, "reached_person": True}, "waited_minutes"),  # 8 h on a phone line
    ({"waited_minutes": 10 ** 9, "reached_person": True}, "waited_minutes"),
    ({"waited_minutes": "12", "reached_person": True}, "waited_minutes"),
    ({"waited_minutes": 1.5, "reached_person": True}, "waited_minutes"),
    ({"waited_minutes": 5, "reached_person": "yes"}, "reached_person"),
    ({"waited_minutes": 5, "reached_person": 1}, "reached_person"),
    ({"waited_minutes": 5}, "reached_person"),
    ({"reached_person": True}, "waited_minutes"),
    ({"waited_minutes": 5, "reached_person": True, "at": "2999-01-01T00:00:00+00:00"}, "at"),
    ({"waited_minutes": 5, "reached_person": True, "at": "2020-01-01T00:00:00+00:00"}, "at"),
    ({"waited_minutes": 5, "reached_person": True, "at": "2026-12-01T10:00:00"}, "at"),
    ({"waited_minutes": 5, "reached_person": True, "mood": "angry"}, "mood"),
])
def test_absurd_experiences_are_422_and_not_counted(client, body, field):
    ident = channel(client, "95588")
    before = client.get(f"/v1/channels/{ident}/waits").get_json()["overall"]["sample_size"]
    answer = client.post(f"/v1/channels/{ident}/experiences", json=body, headers=auth(client, "bob"))
    problem(answer, 422)
    assert field in fields_of(answer)
    assert client.get(f"/v1/channels/{ident}/waits").get_json()["overall"]["sample_size"] == before


def test_mail_may_be_waited_on_for_days(client):
    url = f"/v1/channels/{channel(client, 'service@icbc.com.cn')}/experiences"
    assert client.post(url, json={"waited_minutes": 2 * 24 * 60, "reached_person": True},
                       headers=auth(client, "bob")).status_code == 201
    answer = client.post(url, json={"waited_minutes": 15 * 24 * 60, "reached_person": True},
                         headers=auth(client, "ada"))
    assert "waited_minutes" in fields_of(answer) and answer.status_code == 422


@pytest.mark.parametrize("ident", ["ch_0000000000000000", "x" * 40])
def test_experiences_of_unknown_channels_are_404(client, ident):
    problem(client.post(f"/v1/channels/{ident}/experiences", json={"waited_minutes": 1,
            "reached_person": True}, headers=auth(client, "ada")), 404)
    problem(client.get(f"/v1/channels/{ident}/waits"), 404)


def _report_many(client, channel_id: str, waits: list[int], at: datetime, reached: list[bool]) -> None:
    """Reports by as many fresh consumers (straight through the domain, each filed the moment
    of its contact: one per consumer)."""
    with client.application.app_context(), client.sessions() as session:
        found = session.get(Channel, channel_id)
        for minutes, person in zip(waits, reached, strict=True):
            user = create_user(session, f"r{secrets.token_hex(6)}@example.com", "a long enough password")
            session.flush()
            record_experience(session, found, user.id, waited_minutes=minutes, reached_person=person,
                              resolved=person, at=at, experience_id=f"exp_{secrets.token_hex(8)}",
                              now=at)
        session.commit()


def test_aggregates_of_known_reports(client):
    """Waits 1..10 minutes at one hour of week, and 30, 40, 50 at another: nearest-rank median
    and 90th percentile, shares, sample sizes, per hour of week and over all."""
    ident = channel(client, "95555", B)
    empty = listing_channel(client, ident, B)["expected_wait"]
    assert empty["basis"] == "unknown" and empty["minutes"] is None and empty["sample_size"] == 0

    monday_9 = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai: hour of week 9
    now = datetime.now(UTC)
    if not now - timedelta(days=7) < monday_9 < now:  # the date the suite runs on decides
        monday_9 = now - timedelta(days=1)
    tuesday = monday_9 + timedelta(days=1, hours=5)
    _report_many(client, ident, list(range(1, 11)), monday_9, [True] * 8 + [False] * 2)
    _report_many(client, ident, [30, 40, 50], tuesday, [False] * 3)

    waits = client.get(f"/v1/channels/{ident}/waits").get_json()
    overall = waits["overall"]
    assert overall["sample_size"] == overall["accounts"] == 13 and not overall["small_sample"]
    # 1..10, 30, 40, 50: rank ceil(6.5)=7 -> 7; rank ceil(11.7)=12 -> 40
    assert overall["median_minutes"] == 7 and overall["p90_minutes"] == 40
    assert overall["reached_person_share"] == round(8 / 13, 3)
    assert overall["resolved_share"] == round(8 / 13, 3)
    hours = {h["hour_of_week"]: h for h in waits["by_hour_of_week"]}
    busy = next(h for h in hours.values() if h["sample_size"] == 10)
    assert busy["median_minutes"] == 5 and busy["p90_minutes"] == 9 and busy["reached_person_share"] == 0.8
    assert busy["small_sample"] is False
    quiet = next(h for h in hours.values() if h["sample_size"] == 3)
    assert quiet["median_minutes"] == 40 and quiet["p90_minutes"] == 50 and quiet["small_sample"]
    assert quiet["reached_person_share"] == 0.0
    assert waits["timezone"] == "Asia/Shanghai"

    # the listing: the busy hour has enough reports of its own; the quiet one falls back to all
    at_busy = listing_channel(client, ident, B, at=iso(monday_9))["expected_wait"]
    assert at_busy == {"basis": "reported", "minutes": 5, "p90_minutes": 9, "sample_size": 10,
                       "small_sample": False, "hour_of_week": busy["hour_of_week"],
                       "reached_person_share": 0.8}
    at_quiet = listing_channel(client, ident, B, at=iso(tuesday))["expected_wait"]
    assert at_quiet["hour_of_week"] is None and at_quiet["sample_size"] == 13
    assert at_quiet["minutes"] == 7
    # search shows the same estimate on its main channels
    found = client.get("/v1/search", query_string={"q": "招商银行"}).get_json()["items"][0]
    assert found["channels"][0]["expected_wait"]["basis"] == "reported"


def test_a_consumer_sees_and_withdraws_their_own_reports_only(client):
    ident = channel(client, "https://work.weixin.qq.com/kfid/kfc0123456789")
    url = f"/v1/channels/{ident}/experiences"
    before = client.get(f"/v1/channels/{ident}/waits").get_json()["overall"]
    at = datetime.now(UTC) - timedelta(minutes=30)
    made = client.post(url, json={"waited_minutes": 300, "reached_person": True, "resolved": True,
                                  "at": iso(at)}, headers=auth(client, "bob")).get_json()
    assert made["counted"] is True
    mine = client.get("/v1/me/experiences", headers=auth(client, "bob")).get_json()["items"]
    assert made["id"] in [e["id"] for e in mine]
    theirs = client.get("/v1/me/experiences", headers=auth(client, "ada")).get_json()["items"]
    assert made["id"] not in [e["id"] for e in theirs]
    counted = client.get(f"/v1/channels/{ident}/waits").get_json()["overall"]
    assert counted["sample_size"] == before["sample_size"] + 1
    assert counted["accounts"] == before["accounts"] + 1
    problem(client.delete(f"/v1/me/experiences/{made['id']}", headers=auth(client, "ada")), 404)
    assert client.delete(f"/v1/me/experiences/{made['id']}", headers=auth(client, "bob")).status_code == 204
    assert client.get(f"/v1/channels/{ident}/waits").get_json()["overall"] == before
    problem(client.delete(f"/v1/me/experiences/{made['id']}", headers=auth(client, "bob")), 404)
    # the day is free again
    again = client.post(url, json={"waited_minutes": 3, "reached_person": True, "at": iso(at)},
                        headers=auth(client, "bob"))
    assert again.status_code == 201


def test_a_small_sample_says_so(client):
    ident = channel(client, "service@icbc.com.cn")
    waits = client.get(f"/v1/channels/{ident}/waits").get_json()
    assert 0 < waits["overall"]["sample_size"] < 10 and waits["overall"]["small_sample"] is True
    shown = listing_channel(client, ident)["expected_wait"]
    assert shown["basis"] == "reported" and shown["small_sample"] is True


# --- live status -----------------------------------------------------------------------------


def test_live_status_beats_reports_while_fresh(client):
    ident = channel(client, "95555", B)
    url = f"/v1/manage/channels/{ident}/status"
    expires = datetime.now(UTC) + timedelta(hours=2)
    answer = client.put(url, json={"state": "incident", "wait_minutes": 45, "message": "系统故障，正在抢修",
                                   "expires_at": iso(expires)}, headers=auth(client, "owner_b"))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["fresh"] is True
    shown = listing_channel(client, ident, B)
    assert shown["live"]["state"] == "incident" and shown["live"]["message"] == "系统故障，正在抢修"
    assert shown["expected_wait"]["basis"] == "live" and shown["expected_wait"]["minutes"] == 45
    # after it expires the reports count again
    later = listing_channel(client, ident, B, at=iso(expires + timedelta(minutes=1)))
    assert later["live"] is None and later["expected_wait"]["basis"] == "reported"
    assert client.get(url, headers=auth(client, "owner_b")).get_json()["wait_minutes"] == 45
    # another enterprise's owner cannot set it
    problem(client.put(url, json={"state": "closed", "expires_at": iso(expires)},
                       headers=auth(client, "owner_a")), 403)
    assert listing_channel(client, ident, B)["live"]["state"] == "incident"
    assert client.delete(url, headers=auth(client, "owner_b")).status_code == 204
    assert listing_channel(client, ident, B)["live"] is None
    problem(client.get(url, headers=auth(client, "owner_b")), 404)


def test_a_live_status_without_a_wait_keeps_the_reported_one(client):
    ident = channel(client, "95555", B)
    url = f"/v1/manage/channels/{ident}/status"
    expires = datetime.now(UTC) + timedelta(minutes=30)
    assert client.put(url, json={"state": "open", "expires_at": iso(expires)},
                      headers=auth(client, "owner_b")).status_code == 200
    shown = listing_channel(client, ident, B)
    assert shown["live"]["state"] == "open" and shown["expected_wait"]["basis"] == "reported"
    client.delete(url, headers=auth(client, "owner_b"))


@pytest.mark.parametrize("body, field", [
    ({"state": "busy"}, "state"),
    ({"state": "open", "expires_at": "2020-01-01T00:00:00+00:00"}, "expires_at"),
    ({"state": "open", "expires_at": "+48h"}, "expires_at"),
    ({"state": "open", "expires_at": "2026-12-02T10:00:00"}, "expires_at"),
    ({"state": "open", "wait_minutes": -3}, "wait_minutes"),
    ({"state": "open", "wait_minutes": 481}, "wait_minutes"),
    ({"state": "closed", "wait_minutes": 5}, "wait_minutes"),
    ({"state": "open", "message": "\x07bell"}, "message"),
    ({"state": "open", "message": "x" * 501}, "message"),
    ({"state": "open", "colour": "red"}, "colour"),
])
def test_bad_live_statuses_are_422(client, body, field):
    ident = channel(client, "95588")
    if field != "expires_at":
        body = {"expires_at": iso(datetime.now(UTC) + timedelta(hours=1)), **body}
    elif body["expires_at"] == "+48h":
        body["expires_at"] = iso(datetime.now(UTC) + timedelta(hours=48))
    answer = client.put(f"/v1/manage/channels/{ident}/status", json=body, headers=auth(client, "owner_a"))
    problem(answer, 422)
    assert field in fields_of(answer), answer.get_json()
    assert listing_channel(client, ident)["live"] is None


# --- contacts and handoffs -------------------------------------------------------------------


def _contact(client, value: str, who: str = "ada", **body) -> dict:
    answer = client.post(f"/v1/enterprises/{A}/contacts", headers=auth(client, who), json={
        "channel_id": channel(client, value), "topic": "信用卡账单疑问", **body})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_contact_gives_links_carrying_the_handoff(client):
    chat = _contact(client, "https://kefu.icbc.com.cn/chat",
                    details={"reference": "6222-0000", "message": "11 月账单多扣了年费。"})
    token, code = chat["handoff"]["token"], chat["handoff"]["code"]
    assert token.startswith("hof_") and len(code) == 9 and chat["carries_handoff"]
    query = parse_qs(urlsplit(chat["links"][0]["uri"]).query)
    assert query == {"q": ["信用卡账单疑问"], "c800_handoff": [token]} and chat["links"][0]["handoff"]
    mail = _contact(client, "service@icbc.com.cn")
    assert mail["handoff"]["code"] in parse_qs(urlsplit(mail["links"][0]["uri"]).query)["body"][0]
    wecom = _contact(client, "https://work.weixin.qq.com/kfid/kfc0123456789")
    assert parse_qs(urlsplit(wecom["links"][0]["uri"]).query)["scene_param"] == [wecom["handoff"]["token"]]
    call = _contact(client, "95588")
    assert call["carries_handoff"] is False and not any(link["handoff"] for link in call["links"])
    assert call["links"][0]["uri"] == "tel:95588"


def test_the_enterprise_reads_a_handoff_by_token_or_code_and_nobody_else_does(client):
    contact = _contact(client, "https://kefu.icbc.com.cn/chat", details={"name": "王女士"})
    token, code = contact["handoff"]["token"], contact["handoff"]["code"]
    read = client.get(f"/v1/manage/handoffs/{token}", headers=auth(client, "owner_a"))
    assert read.status_code == 200, read.get_json()
    body = read.get_json()
    assert body["topic"] == "信用卡账单疑问" and body["details"] == {"name": "王女士"}
    assert body["channel_id"] == channel(client, "https://kefu.icbc.com.cn/chat")
    assert "user_id" not in body and "email" not in str(body)  # only what the consumer entered
    assert body["first_read_at"] is None
    typed = code.lower().replace("-", " ")
    spoken = client.get(f"/v1/manage/handoffs/{typed}", headers=auth(client, "owner_a"))
    assert spoken.status_code == 200 and spoken.get_json()["id"] == body["id"]
    assert spoken.get_json()["first_read_at"] is not None
    for who in ("owner_b", "ada", "bob"):  # another enterprise, the consumer, someone else
        problem(client.get(f"/v1/manage/handoffs/{token}", headers=auth(client, who)), 404)
        problem(client.get(f"/v1/manage/handoffs/{code}", headers=auth(client, who)), 404)
    problem(client.get("/v1/manage/handoffs/hof_forged", headers=auth(client, "owner_a")), 404)


def test_a_handoff_expires_after_24_hours_and_its_contents_are_erased(client):
    contact = _contact(client, "https://kefu.icbc.com.cn/chat", details={"message": "私密的细节"})
    token = contact["handoff"]["token"]
    expires = datetime.fromisoformat(contact["handoff"]["expires_at"])
    created = datetime.fromisoformat(contact["created_at"])
    assert timedelta(hours=23, minutes=59) < expires - created <= timedelta(hours=24)
    with client.application.app_context(), client.sessions() as session:
        session.execute(update(Handoff).where(Handoff.id == contact["id"]).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        session.commit()
    problem(client.get(f"/v1/manage/handoffs/{token}", headers=auth(client, "owner_a")), 410)
    with client.application.app_context(), client.sessions() as session:
        assert purge_expired(session)["handoffs"] >= 1
        session.commit()
        kept = session.get(Handoff, contact["id"])
        assert kept.topic is None and kept.details is None
    problem(client.get(f"/v1/manage/handoffs/{token}", headers=auth(client, "owner_a")), 410)


def _idempotency_rows(client) -> list[dict]:
    with client.application.app_context(), client.sessions() as session:
        return [{column: getattr(row, column) for column in ("principal", "key", "fingerprint",
                                                             "status", "body", "headers")}
                for row in session.scalars(select(IdempotencyRecord))]


def test_the_idempotency_store_holds_no_handoff_token_or_code_and_still_replays(client):
    key = f"contact-{secrets.token_hex(4)}"
    body = {"channel_id": channel(client, "https://kefu.icbc.com.cn/chat"), "topic": "挂失",
            "details": {"reference": "PNR-IDEM"}}
    first = client.post(f"/v1/enterprises/{A}/contacts", json=body,
                        headers=auth(client, "ada", **{"Idempotency-Key": key}))
    assert first.status_code == 201, first.get_json()
    token, code = first.get_json()["handoff"]["token"], first.get_json()["handoff"]["code"]
    stored = repr(_idempotency_rows(client))
    for secret in (token, token.removeprefix("hof_"), code, code.replace("-", ""), key, "PNR-IDEM"):
        assert secret not in stored
    again = client.post(f"/v1/enterprises/{A}/contacts", json=body,
                        headers=auth(client, "ada", **{"Idempotency-Key": key}))
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    read = client.get(f"/v1/manage/handoffs/{again.get_json()['handoff']['token']}",
                      headers=auth(client, "owner_a"))
    assert read.status_code == 200 and read.get_json()["id"] == first.get_json()["id"]
    # the same key from another caller is another key: nothing of ada's answer reaches bob
    theirs = client.post(f"/v1/enterprises/{A}/contacts", json=body,
                         headers=auth(client, "bob", **{"Idempotency-Key": key}))
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["handoff"]["token"] != token


def test_an_idempotency_key_sealed_under_another_secret_key_is_refused_not_run_again(client):
    key = f"contact-{secrets.token_hex(4)}"
    body = {"channel_id": channel(client, "95588"), "topic": "挂失"}
    headers = auth(client, "ada", **{"Idempotency-Key": key})
    assert client.post(f"/v1/enterprises/{A}/contacts", json=body, headers=headers).status_code == 201
    with client.application.app_context(), client.sessions() as session:
        before = session.scalar(select(func.count()).select_from(Handoff))
    secret = client.application.secret_key
    client.application.secret_key = "another secret key of at least thirty-two characters"
    try:
        refused = client.post(f"/v1/enterprises/{A}/contacts", json=body, headers=headers)
    finally:
        client.application.secret_key = secret
    assert "Idempotency-Key" in str(problem(refused, 422)["errors"])
    with client.application.app_context(), client.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Handoff)) == before


@pytest.mark.parametrize("body, field", [
    ({"topic": "x"}, "channel_id"),
    ({"channel_id": "ch_0000000000000000", "topic": "x"}, "channel_id"),
    ({"channel_id": "{phone}", "topic": ""}, "topic"),
    ({"channel_id": "{phone}", "topic": "   "}, "topic"),
    ({"channel_id": "{phone}", "topic": "x" * 201}, "topic"),
    ({"channel_id": "{phone}", "topic": "x", "details": {"ssn": "1"}}, "details.ssn"),
    ({"channel_id": "{phone}", "topic": "x", "details": {"message": "a\x00b"}}, "details.message"),
    ({"channel_id": "{phone}", "topic": "x", "details": "free text"}, "details"),
    ({"channel_id": "{phone}", "topic": "x", "platform": "symbian"}, "platform"),
    ({"channel_id": "{other}", "topic": "x"}, "channel_id"),  # B's channel through A
])
def test_bad_contacts_are_422(client, body, field):
    body = {k: v.format(phone=channel(client, "95588"), other=channel(client, "95555", B))
            if isinstance(v, str) else v for k, v in body.items()}
    answer = client.post(f"/v1/enterprises/{A}/contacts", json=body, headers=auth(client, "ada"))
    problem(answer, 422)
    assert field in fields_of(answer), answer.get_json()


# --- callbacks -------------------------------------------------------------------------------


def _window(start_in: timedelta = timedelta(hours=1), length: timedelta = timedelta(hours=2)) -> dict:
    start = datetime.now(UTC) + start_in
    return {"window_start": iso(start), "window_end": iso(start + length)}


def _ask(client, who: str = "ada", value: str = "95588", ident: str = A, **body):  # noqa: ANN202
    return client.post(f"/v1/channels/{channel(client, value, ident)}/callbacks", headers=auth(client, who),
                       json={"phone": "138 0013 8000", "topic": "信用卡账单疑问", **_window(), **body})


def test_a_callback_request_from_ask_to_done(client):
    asked = _ask(client, "ada")
    assert asked.status_code == 201, asked.get_json()
    body = asked.get_json()
    assert body["status"] == "requested" and body["phone"] == "+8613800138000"
    mine = client.get(asked.headers["Location"], headers=auth(client, "ada")).get_json()
    assert mine == body
    problem(client.get(asked.headers["Location"], headers=auth(client, "bob")), 404)
    problem(_ask(client, "ada"), 409)  # one open request per channel

    queue = client.get(f"/v1/manage/enterprises/{A}/callbacks?status=requested",
                       headers=auth(client, "owner_a")).get_json()["items"]
    assert body["id"] in [c["id"] for c in queue]
    problem(client.get(f"/v1/manage/enterprises/{A}/callbacks", headers=auth(client, "owner_b")), 403)
    url = f"/v1/manage/callbacks/{body['id']}"
    problem(client.patch(url, json={"status": "completed"}, headers=auth(client, "owner_a")), 409)
    problem(client.patch(url, json={"status": "accepted"}, headers=auth(client, "owner_b")), 404)
    accepted = client.patch(url, json={"status": "accepted", "note": "我们将在 15:00 前致电。"},
                            headers=auth(client, "owner_a"))
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    seen = client.get(asked.headers["Location"], headers=auth(client, "ada")).get_json()
    assert seen["status"] == "accepted" and seen["note"] == "我们将在 15:00 前致电。"
    done = client.patch(url, json={"status": "completed"}, headers=auth(client, "owner_a")).get_json()
    assert done["status"] == "completed" and done["phone"] is None  # erased once over
    problem(client.patch(url, json={"status": "declined"}, headers=auth(client, "owner_a")), 409)
    problem(client.post(f"/v1/me/callbacks/{body['id']}/cancel", headers=auth(client, "ada")), 409)


def test_a_consumer_cancels_their_request(client):
    asked = _ask(client, "bob").get_json()
    problem(client.post(f"/v1/me/callbacks/{asked['id']}/cancel", headers=auth(client, "ada")), 404)
    cancelled = client.post(f"/v1/me/callbacks/{asked['id']}/cancel", headers=auth(client, "bob"))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["phone"] is None
    listed = client.get("/v1/me/callbacks", headers=auth(client, "bob")).get_json()["items"]
    assert listed[0]["id"] == asked["id"] and listed[0]["status"] == "cancelled"
    problem(client.patch(f"/v1/manage/callbacks/{asked['id']}", json={"status": "accepted"},
                         headers=auth(client, "owner_a")), 409)


def test_a_request_nobody_took_expires_and_its_number_is_erased(client):
    asked = _ask(client, "bob", "95555", B).get_json()
    with client.application.app_context(), client.sessions() as session:
        session.execute(update(CallbackRequest).where(CallbackRequest.id == asked["id"]).values(
            window_start=datetime.now(UTC) - timedelta(days=2),
            window_end=datetime.now(UTC) - timedelta(days=2) + timedelta(hours=1)))
        session.commit()
    seen = client.get(f"/v1/me/callbacks/{asked['id']}", headers=auth(client, "bob")).get_json()
    assert seen["status"] == "expired"
    problem(client.patch(f"/v1/manage/callbacks/{asked['id']}", json={"status": "accepted"},
                         headers=auth(client, "owner_b")), 409)
    with client.application.app_context(), client.sessions() as session:
        purge_expired(session)
        session.commit()
        assert session.get(CallbackRequest, asked["id"]).phone is None


def test_channels_that_take_no_callbacks_refuse_requests(client):
    problem(_ask(client, "ada", "95599"), 409)


@pytest.mark.parametrize("change, field", [
    ({"phone": "12345"}, "phone"),
    ({"phone": "95588"}, "phone"),  # a service number is not a person's phone
    ({"phone": "+1 202 555 01"}, "phone"),
    ({"topic": ""}, "topic"),
    (_window(timedelta(hours=-3)), "window_start"),
    (_window(timedelta(days=20)), "window_start"),
    (_window(length=timedelta(minutes=5)), "window_end"),
    (_window(length=timedelta(hours=13)), "window_end"),
    (_window(length=timedelta(hours=-1)), "window_end"),
    ({"window_start": "tomorrow"}, "window_start"),
    ({"callme": "now"}, "callme"),
])
def test_bad_callback_requests_are_422(client, change, field):
    answer = _ask(client, "bob", **change)
    problem(answer, 422)
    assert field in fields_of(answer), answer.get_json()


def test_a_consumer_has_at_most_3_requests_open_across_channels(client):
    who = add_person(client, f"opener{secrets.token_hex(3)}")
    asked = [_ask(client, who, value, C) for value in ("95583", "4008100999", "4006100666")]
    assert [answer.status_code for answer in asked] == [201, 201, 201]
    fourth = problem(_ask(client, who, "95555", B), 409)
    assert "3 callback requests open" in fourth["detail"]
    cancelled = client.post(f"/v1/me/callbacks/{asked[0].get_json()['id']}/cancel", headers=auth(client, who))
    assert cancelled.status_code == 200
    assert _ask(client, who, "95555", B).status_code == 201  # a place is free again
    problem(_ask(client, who, "95583", C), 409)


def test_cancelled_requests_count_in_the_day_so_cycles_stop_at_5(client):
    """Ten cycles of ask-and-cancel on one channel: five go through, then 429 with Retry-After."""
    who = add_person(client, f"cycler{secrets.token_hex(3)}")
    answers = []
    for _ in range(10):
        asked = _ask(client, who, "95583", C)
        answers.append(asked.status_code)
        if asked.status_code == 201:
            client.post(f"/v1/me/callbacks/{asked.get_json()['id']}/cancel", headers=auth(client, who))
    assert answers == [201] * 5 + [429] * 5
    refused = _ask(client, who, "4008100999", C)  # another channel: the same day's count
    problem(refused, 429)
    assert 23 * 3600 < int(refused.headers["Retry-After"]) <= 24 * 3600
    assert "5 callback requests in the last 24 hours" in refused.get_json()["detail"]
    assert all(f"RateLimit-{name}" in refused.headers for name in ("Limit", "Remaining", "Reset"))
    with client.application.app_context(), client.sessions() as session:
        mine = session.scalars(select(CallbackRequest).where(
            CallbackRequest.user_id == client.user_ids[who])).all()
        assert len(mine) == 5
        session.execute(update(CallbackRequest).where(CallbackRequest.user_id == client.user_ids[who])
                        .values(created_at=datetime.now(UTC) - timedelta(hours=25)))
        session.commit()
    assert _ask(client, who, "95583", C).status_code == 201  # a day later


def test_concurrent_requests_of_one_consumer_keep_to_the_limit(client):
    """Five requests of one consumer on five channels at the same moment: three are open."""
    user_id = client.user_ids[add_person(client, f"racer{secrets.token_hex(3)}")]
    targets = [channel(client, "95588"), channel(client, "95555", B),
               *(channel(client, value, C) for value in ("95583", "4008100999", "4006100666"))]
    start = datetime.now(UTC) + timedelta(hours=1)
    barrier = threading.Barrier(len(targets))
    outcomes: list[object] = []

    def ask(channel_id: str) -> None:
        try:
            with client.application.app_context(), client.sessions() as session:
                found = session.get(Channel, channel_id)
                barrier.wait(timeout=10)
                request_callback(session, found, user_id, phone="+8613800138000", topic="账单",
                                 details=None, window_start=start, window_end=start + timedelta(hours=1))
                session.commit()
                outcomes.append(201)
        except DomainError as exc:
            outcomes.append(status_of(exc))
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcomes.append(exc)

    threads = [threading.Thread(target=ask, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == [201, 201, 201, 409, 409], outcomes


def test_an_international_number_is_accepted(client):
    asked = _ask(client, "bob", phone="+44 20 7946 0958")
    assert asked.status_code == 201 and asked.get_json()["phone"] == "+442079460958"
    client.post(f"/v1/me/callbacks/{asked.get_json()['id']}/cancel", headers=auth(client, "bob"))


# --- insights --------------------------------------------------------------------------------


def test_insights_count_opens_reports_and_callbacks_per_channel_and_day(client):
    url = f"/v1/manage/enterprises/{A}/insights"
    before = client.get(url, headers=auth(client, "owner_a")).get_json()["totals"]
    _contact(client, "95588", "bob")
    _contact(client, "95588", "bob")
    _contact(client, "service@icbc.com.cn", "bob")
    with client.application.app_context(), client.sessions() as session:
        reported = session.scalar(select(Experience).where(
            Experience.user_id == client.user_ids["ada"],
            Experience.channel_id == channel(client, "95588")))
    assert reported is None
    report = {"waited_minutes": 4, "reached_person": True, "resolved": True}
    assert client.post(f"/v1/channels/{channel(client, '95588')}/experiences", json=report,
                       headers=auth(client, "ada")).status_code == 201
    after = client.get(url, headers=auth(client, "owner_a")).get_json()
    assert after["totals"]["opens"] == before["opens"] + 3
    assert after["totals"]["handoffs"] == before["handoffs"] + 3
    assert after["totals"]["experiences"] == before["experiences"] + 1
    assert after["totals"]["reached_person"] == before["reached_person"] + 1
    assert after["totals"]["resolved"] == before["resolved"] + 1
    phone_days = [d for d in after["items"] if d["channel_id"] == channel(client, "95588")]
    assert phone_days and phone_days[-1]["kind"] == "phone" and phone_days[-1]["opens"] >= 2
    assert set(after["items"][0]) == {"channel_id", "kind", "day", "opens", "handoffs", "experiences",
                                      "reached_person", "resolved", "callbacks"}  # counts only
    problem(client.get(url, headers=auth(client, "owner_b")), 403)
    problem(client.get(url, headers=auth(client, "ada")), 403)
    problem(client.get(url, query_string={"from": "2026-12-02", "to": "2026-11-01"},
                       headers=auth(client, "owner_a")), 422)
    problem(client.get(url, query_string={"from": "2026-01-01", "to": "2026-12-01"},
                       headers=auth(client, "owner_a")), 422)
    old = client.get(url, query_string={"from": "2025-01-01", "to": "2025-01-31"},
                     headers=auth(client, "owner_a")).get_json()
    assert old["items"] == [] and old["totals"]["opens"] == 0


# --- webhooks: what this app (no WEBHOOK_ALLOWED_NETWORKS) refuses; deliveries: test_webhooks.py


@pytest.mark.parametrize("url", ["https://localhost/hook", "http://hooks.example.com/hook",
                                 "https://10.0.0.1/hook", "https://intranet/hook"])
def test_a_webhook_to_loopback_private_or_plain_http_is_refused(client, url):
    answer = client.post(f"/v1/manage/enterprises/{A}/webhooks", json={"url": url},
                         headers=auth(client, "owner_a"))
    problem(answer, 422)
    assert "url" in fields_of(answer)
    assert client.get(f"/v1/manage/enterprises/{A}/webhooks",
                      headers=auth(client, "owner_a")).get_json()["items"] == []


# --- instants out of range: 422 naming the field, never a 500 ---------------------------------


@pytest.mark.parametrize("at", EXTREME_INSTANTS)
def test_extreme_instants_are_422_naming_the_field_in_queries_and_bodies(client, at):
    phone = channel(client, "95588")
    problem_fields = {
        "at": client.get(f"/v1/channels/{phone}/waits", query_string={"at": at}),
        "at ": client.post(f"/v1/channels/{phone}/experiences", headers=auth(client, "bob"),
                           json={"waited_minutes": 5, "reached_person": True, "at": at}),
        "window_start": _ask(client, "bob", window_start=at),
        "window_end": _ask(client, "bob", window_end=at),
        "expires_at": client.put(f"/v1/manage/channels/{phone}/status", headers=auth(client, "owner_a"),
                                 json={"state": "open", "expires_at": at}),
    }
    for name in ("valid_from", "valid_until"):
        manage = client.get(f"/v1/manage/enterprises/{A}", headers=auth(client, "owner_a"))
        problem_fields[name] = client.post(
            f"/v1/enterprises/{A}/notices", json={"title": "t", "body": "b", name: at},
            headers=auth(client, "owner_a", **{"If-Match": manage.headers["ETag"]}))
    for field, answer in problem_fields.items():
        problem(answer, 422)
        assert field.strip() in fields_of(answer), (field, answer.get_json())


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1900-01-01", "2100-01-01"])
def test_insight_days_out_of_range_are_422(client, day):
    url = f"/v1/manage/enterprises/{A}/insights"
    for name in ("from", "to"):
        answer = client.get(url, query_string={name: day}, headers=auth(client, "owner_a"))
        problem(answer, 422)
        assert name in fields_of(answer)


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59",
                                   "2026-12-01T10:00:00", "9999-12-31T23:59:59+00:00"])
def test_a_forged_cursor_with_an_extreme_instant_is_422(client, stamp):
    cursor = base64.urlsafe_b64encode(f"{stamp}|cbk_0".encode()).decode().rstrip("=")
    answer = client.get("/v1/me/callbacks", query_string={"cursor": cursor}, headers=auth(client, "ada"))
    problem(answer, 422)
    assert "cursor" in fields_of(answer)
