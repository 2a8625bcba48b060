"""Notifications: what followed listings publish, answers to callback requests and followed
channels' live status reach the inbox of those concerned (in the reader's language), with one
pending push per device written in the same transaction; read marks, unread counts, pages; a
listing cannot flood its followers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from directory.notifications import EVENTS_A_DAY, NotificationEvent, PushDelivery
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import CONSUMER_RECORDS as RECORDS
from tests.factories import A, B
from tests.helpers.api import auth, channel, iso, post_notice, problem, with_people

APNS = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS):
        with_people(client)
        for who in ("ada", "bob"):
            assert client.put(f"/v1/me/following/{A}", headers=auth(client, who)).status_code == 201
        assert client.put("/v1/me/devices/ada-phone", json={"platform": "ios", "token": APNS},
                          headers=auth(client, "ada")).status_code == 201
        yield client


def inbox(client, who: str, query: str = "", language: str = "zh-Hans") -> list[dict]:  # noqa: ANN001
    answer = client.get(f"/v1/me/notifications{query}",
                        headers=auth(client, who, **{"Accept-Language": language}))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    return answer.get_json()["items"]


def unread(client, who: str) -> int:  # noqa: ANN001
    return client.get("/v1/me/notifications/unread", headers=auth(client, who)).get_json()["unread"]


def pushes(client, user: str) -> list[PushDelivery]:  # noqa: ANN001
    with client.application.app_context(), client.sessions() as session:
        return list(session.scalars(select(PushDelivery).where(
            PushDelivery.user_id == client.user_ids[user]).order_by(PushDelivery.created_at)))


def test_a_notice_reaches_the_followers_inboxes_and_their_devices(client):
    notice = post_notice(client, A, "owner_a", title="系统维护", severity="info")
    mine = inbox(client, "ada")
    assert [(n["kind"], n["subject_id"], n["body"], n["read"]) for n in mine[:1]] == [
        ("notice.published", notice, "系统维护", False)]
    name = client.get(f"/v1/enterprises/{A}", headers={"Accept-Language": "en"}).get_json()["name"]
    assert inbox(client, "ada", language="en")[0]["title"] == name
    assert inbox(client, "bob")[0]["id"] == mine[0]["id"]  # bob follows A too
    assert not any(n["subject_id"] == notice for n in inbox(client, "owner_b"))
    queued = [p for p in pushes(client, "ada") if p.event_id == mine[0]["id"]]
    assert [(p.device_id, p.status) for p in queued] == [("ada-phone", "pending")]
    assert pushes(client, "bob") == []  # bob has no device


def test_a_callback_answered_reaches_the_one_who_asked(client):
    start = datetime.now(UTC) + timedelta(hours=1)
    asked = client.post(f"/v1/channels/{channel(client, '95555', B)}/callbacks", headers=auth(client, "bob"),
                        json={"phone": "138 0013 8000", "topic": "账单", "window_start": iso(start),
                              "window_end": iso(start + timedelta(hours=1))}).get_json()
    assert client.patch(f"/v1/manage/callbacks/{asked['id']}", json={"status": "accepted"},
                        headers=auth(client, "owner_b")).status_code == 200
    got = inbox(client, "bob", language="en")[0]
    assert got["kind"] == "callback.answered" and got["subject_id"] == asked["id"]
    assert got["body"].startswith("accepted your callback request")
    assert not any(n["subject_id"] == asked["id"] for n in inbox(client, "ada"))


def test_live_status_notifies_when_its_state_changes(client):
    phone = channel(client, "95588")
    expires = iso(datetime.now(UTC) + timedelta(hours=2))

    def live(state: str) -> None:
        answer = client.put(f"/v1/manage/channels/{phone}/status", headers=auth(client, "owner_a"),
                            json={"state": state, "expires_at": expires})
        assert answer.status_code == 200, answer.get_json()

    def changes() -> list[str]:
        return [n["body"] for n in inbox(client, "ada") if n["kind"] == "live_status.changed"]

    before = len(changes())
    live("incident")
    live("incident")  # the same state again: nobody is told twice
    live("open")
    assert changes()[:2] == ["电话现已开放", "电话出现故障"] and len(changes()) == before + 2


def test_read_marks_unread_counts_and_pages(client):
    for n in range(3):
        post_notice(client, A, "owner_a", title=f"通知 {n}")
    everything = inbox(client, "ada", "?limit=100")
    assert unread(client, "ada") == len(everything) >= 4
    first = client.get("/v1/me/notifications?limit=2&unread=true", headers=auth(client, "ada")).get_json()
    assert "unread=true" in first["next"] and len(first["items"]) == 2
    rest = client.get(first["next"], headers=auth(client, "ada")).get_json()["items"]
    assert [n["id"] for n in first["items"] + rest] == [n["id"] for n in everything[:4]]
    marked = client.post("/v1/me/notifications/read", json={"ids": [everything[0]["id"]]},
                         headers=auth(client, "ada"))
    assert marked.get_json() == {"unread": len(everything) - 1}
    assert everything[0]["id"] not in [n["id"] for n in inbox(client, "ada", "?unread=true&limit=100")]
    assert unread(client, "bob") == len(inbox(client, "bob", "?limit=100"))  # bob's are his own
    client.post("/v1/me/notifications/read", json={"up_to": everything[2]["id"]}, headers=auth(client, "ada"))
    marks = [n["read"] for n in inbox(client, "ada", "?limit=100")]
    assert marks == [True, False] + [True] * (len(everything) - 2)
    assert client.post("/v1/me/notifications/read", json={"up_to": everything[1]["id"]},
                       headers=auth(client, "ada")).get_json() == {"unread": 0}
    problem(client.post("/v1/me/notifications/read", json={"up_to": everything[1]["id"]},
                        headers=auth(client, "owner_b")), 404)  # not theirs
    problem(client.post("/v1/me/notifications/read", json={}, headers=auth(client, "ada")), 422)
    problem(client.post("/v1/me/notifications/read", json={"ids": ["x"], "up_to": "ntf_0"},
                        headers=auth(client, "ada")), 422)
    problem(client.get("/v1/me/notifications?unread=maybe", headers=auth(client, "ada")), 422)


def test_a_listing_cannot_flood_its_followers(client):
    with client.application.app_context(), client.sessions() as session:
        since = datetime.now(UTC) - timedelta(hours=24)
        made = session.scalar(select(func.count()).select_from(NotificationEvent).where(
            NotificationEvent.enterprise_id == A, NotificationEvent.created_at > since))
    for n in range(EVENTS_A_DAY - made + 2):
        post_notice(client, A, "owner_a", title=f"刷屏 {n}")
    bodies = [n["body"] for n in inbox(client, "ada", "?limit=100")]
    assert f"刷屏 {EVENTS_A_DAY - made - 1}" in bodies and f"刷屏 {EVENTS_A_DAY - made}" not in bodies
