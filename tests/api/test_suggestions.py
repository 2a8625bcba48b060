"""Suggested edits over the HTTP API (SQLite and PostgreSQL): a consumer proposes, the
listing's keepers (or c800 for a listing without an owner) decide, the proposer reads the
outcome; what a suggestion may not do."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from directory.accounts import User
from directory.claims import Report
from directory.credentials import OAuthClient
from directory.dead_numbers import OutOfServiceReport
from directory.models import Channel
from directory.suggestions import DAILY_SUGGESTIONS, Suggestion
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import CONSUMER_RECORDS as RECORDS
from tests.factories import A, B, C
from tests.helpers.api import add_person, auth, channel, problem, token_of, with_people

NEW_LINE = {"kind": "phone", "value": "4006695588", "label": "信用卡中心"}



def on_postgresql(item: pytest.Item) -> bool:
    """The PostgreSQL rows that run (tests/api/conftest.py asks): not the tables of invalid
    input, refused before anything is written."""
    return "is_not_valid" not in item.originalname

@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS):
        with_people(client)
        add_person(client, "root")
        with client.application.app_context(), client.sessions() as session:
            session.execute(update(User).where(User.id == client.user_ids["root"]).values(is_admin=True))
            session.execute(update(OAuthClient).where(OAuthClient.client_id == "cl_root")
                            .values(scope="directory:read me listings:write admin"))
            session.commit()
        client.tokens["root"] = token_of(client, "root")
        yield client


@pytest.fixture(autouse=True)
def _no_suggestions(client):
    """Each test begins with no suggestion nor report, every channel shown."""
    yield
    with client.application.app_context(), client.sessions() as session:
        for model in (Suggestion, OutOfServiceReport, Report):
            session.execute(delete(model))
        session.execute(update(Channel).values(hidden=False, value_confirmed_at=None))
        session.commit()


def suggest(client, who: str, ident: str = A, **body):  # noqa: ANN001, ANN201
    return client.post(f"/v1/enterprises/{ident}/suggestions", json=body, headers=auth(client, who))


def listed(client, ident: str, value: str) -> dict | None:  # noqa: ANN001
    body = client.get(f"/v1/enterprises/{ident}").get_json()
    return next((c for c in body["channels"] if c["value"] == value), None)


def test_an_owner_accepts_a_missing_channel_and_the_proposer_reads_the_outcome(client):
    made = suggest(client, "ada", kind="add_channel", changes=NEW_LINE,
                   note="官网列出了这个号码 4006695588。")
    assert made.status_code == 201, made.get_json()
    ident = made.get_json()["id"]
    queue = client.get(f"/v1/manage/enterprises/{A}/suggestions?status=pending",
                       headers=auth(client, "owner_a")).get_json()["items"]
    assert [s["id"] for s in queue] == [ident]
    assert "user_id" not in queue[0] and client.user_ids["ada"] not in str(queue)
    problem(client.get(f"/v1/manage/enterprises/{A}/suggestions", headers=auth(client, "owner_b")), 403)
    problem(client.post(f"/v1/manage/suggestions/{ident}/decision", json={"decision": "accept"},
                        headers=auth(client, "owner_b")), 404)
    decided = client.post(f"/v1/manage/suggestions/{ident}/decision",
                          json={"decision": "accept", "reason": "已核实，谢谢。"},
                          headers=auth(client, "owner_a"))
    assert decided.status_code == 200, decided.get_json()
    outcome = decided.get_json()
    assert (outcome["status"], outcome["decided_by"]) == ("accepted", "keeper")
    shown = listed(client, A, "4006695588")
    assert shown["source"] == "community" and shown["id"] == outcome["channel_id"]
    # an owner's acceptance of a number lookup would trust waits for c800, as its own edit would
    assert shown["review"]["status"] == "pending"
    versions = client.get(f"/v1/enterprises/{A}/versions", headers=auth(client, "owner_a")).get_json()
    assert any(v["number"] == outcome["version"] and v["action"] == "community:add_channel"
               for v in versions["items"])
    mine = client.get("/v1/me/suggestions", headers=auth(client, "ada")).get_json()["items"]
    assert (mine[0]["status"], mine[0]["reason"]) == ("accepted", "已核实，谢谢。")
    assert client.get("/v1/me/suggestions", headers=auth(client, "bob")).get_json()["items"] == []
    problem(client.post(f"/v1/manage/suggestions/{ident}/decision", json={"decision": "reject"},
                        headers=auth(client, "owner_a")), 409)


@pytest.mark.parametrize("body", [
    {"kind": "add_channel", "changes": {"kind": "fax", "value": "12345"}},
    {"kind": "add_channel", "changes": {**NEW_LINE, "hours": {"timezone": "Mars/Olympus"}}},
    {"kind": "add_channel", "changes": {**NEW_LINE, "accepts_callbacks": True}},
    {"kind": "add_channel", "changes": {**NEW_LINE, "direction": "outbound_only"}},
    {"kind": "add_channel", "changes": {**NEW_LINE, "source": "vcards:official"}},
    {"kind": "add_channel", "changes": {**NEW_LINE, "to_person": "call 138"}},
    {"kind": "add_channel", "changes": {"kind": "phone", "value": "95555"}},  # B's number
    {"kind": "add_channel", "changes": {"kind": "webchat", "value": "javascript:alert(1)"}},
    {"kind": "add_channel", "changes": {}},
    {"kind": "add_channel", "channel_id": "ch_x", "changes": NEW_LINE},
    {"kind": "change_channel", "changes": {"label": "客服"}},
    {"kind": "change_channel", "channel_id": "ch_nosuchchannel", "changes": {"label": "客服"}},
    {"kind": "out_of_service", "channel_id": "{95599}", "changes": {"label": "x"}},
    {"kind": "rename", "changes": {}},
    {"kind": "add_channel", "changes": {"kind": ["phone"], "value": "4006695588"}},
    {"kind": "add_channel", "changes": {**NEW_LINE, "hours": "always"}},
    {"kind": "add_channel", "changes": {**NEW_LINE, "regions": "CN"}},
    {"kind": "add_channel", "changes": {**NEW_LINE, "menu": [{"intent": 1, "keys": {}}]}},
    {"kind": "add_channel", "changes": {"kind": "phone", "value": None}},
    {"kind": "add_channel", "changes": {"kind": "phone", "value": "4006695588", "hidden": False}},
    {"kind": "add_channel", "changes": "phone"},
    {"kind": "add_channel", "changes": NEW_LINE, "note": "按\x00"},
])
def test_a_suggestion_that_is_not_valid_is_422_and_not_kept(client, body):
    if body.get("channel_id") == "{95599}":
        body = {**body, "channel_id": channel(client, "95599")}
    problem(suggest(client, "ada", **body), 422)
    assert client.get("/v1/me/suggestions", headers=auth(client, "ada")).get_json()["items"] == []


def test_a_channel_the_listing_has_is_a_conflict(client):
    problem(suggest(client, "ada", kind="add_channel", changes={"kind": "phone", "value": "95588"}), 409)


def test_a_change_and_a_dead_channel_accepted_edit_the_channel(client):
    hours = {"timezone": "Asia/Shanghai", "always_open": True}
    change = suggest(client, "ada", kind="change_channel", channel_id=channel(client, "95599"),
                     changes={"hours": hours, "to_person": "0"}).get_json()
    dead = suggest(client, "bob", kind="out_of_service", channel_id=channel(client, "95599")).get_json()
    for ident in (change["id"], dead["id"]):
        answer = client.post(f"/v1/manage/suggestions/{ident}/decision", json={"decision": "accept"},
                             headers=auth(client, "owner_a"))
        assert answer.status_code == 200, answer.get_json()
    assert listed(client, A, "95599") is None  # hidden
    managed = client.get(f"/v1/manage/enterprises/{A}", headers=auth(client, "owner_a")).get_json()
    line = next(c for c in managed["channels"] if c["value"] == "95599")
    assert line["hours"] == hours and line["to_person"] == "0" and line["hidden"] is True


def test_listings_without_an_owner_go_to_c800(client):
    on_c = suggest(client, "ada", C, kind="add_channel",
                   changes={"kind": "phone", "value": "4008100888"}).get_json()
    on_b = suggest(client, "ada", B, kind="add_channel",
                   changes={"kind": "phone", "value": "4008205555"}).get_json()
    queue = client.get("/v1/admin/suggestions", headers=auth(client, "root"))
    assert [s["id"] for s in queue.get_json()["items"]] == [on_c["id"]]
    problem(client.get("/v1/admin/suggestions", headers=auth(client, "ada")), 403)
    problem(client.post(f"/v1/admin/suggestions/{on_c['id']}/decision", json={"decision": "accept"},
                        headers=auth(client, "owner_b")), 403)
    decided = client.post(f"/v1/admin/suggestions/{on_c['id']}/decision", json={"decision": "accept"},
                          headers=auth(client, "root"))
    assert decided.status_code == 200 and decided.get_json()["decided_by"] == "admin"
    assert listed(client, C, "4008100888")["review"]["status"] == "checked"
    rejected = client.post(f"/v1/manage/suggestions/{on_b['id']}/decision",
                           json={"decision": "reject", "reason": "这不是我们的号码。"},
                           headers=auth(client, "owner_b")).get_json()
    assert rejected["status"] == "rejected" and listed(client, B, "4008205555") is None


def test_an_account_cannot_flood_a_listing_or_the_queues(client):
    for number in ("4001", "4002", "4003"):
        assert suggest(client, "bob", kind="add_channel",
                       changes={"kind": "phone", "value": f"{number}000000"}).status_code == 201
    problem(suggest(client, "bob", kind="add_channel", changes={"kind": "phone", "value": "4004000000"}), 409)
    now = datetime.now(UTC)
    with client.application.app_context(), client.sessions() as session:
        session.add_all([Suggestion(id=f"sug_{secrets.token_hex(8)}", enterprise_id=B,
                                    user_id=client.user_ids["ada"], kind="add_channel", changes={},
                                    status="rejected", created_at=now)
                         for _ in range(DAILY_SUGGESTIONS)])
        session.commit()
    answer = suggest(client, "ada", C, kind="add_channel", changes={"kind": "phone", "value": "4005000000"})
    assert problem(answer, 429)["detail"].startswith("At most 10 suggestions a day")
    assert int(answer.headers["Retry-After"]) > 0


# --- numbers reported dead -------------------------------------------------------------------


def hint_codes(client, value: str) -> list[str]:  # noqa: ANN001
    return [hint["code"] for hint in listed(client, A, value)["phone"]["hints"]]


def report_dead(client, who: str | None, value: str, topic: str = "wrong_number") -> None:  # noqa: ANN001
    answer = client.post(f"/v1/enterprises/{A}/reports", headers=auth(client, who) if who else {},
                         json={"topic": topic, "channel_id": channel(client, value), "message": "打不通了"})
    assert answer.status_code == 201, answer.get_json()


def test_a_number_several_accounts_report_dead_may_be_out_of_service(client):
    report_dead(client, None, "95599")  # anonymous: no account, no voice
    report_dead(client, "ada", "95599")
    report_dead(client, "ada", "95599", "closed_channel")  # the same account again
    assert "may_be_out_of_service" not in hint_codes(client, "95599")
    suggest(client, "bob", kind="out_of_service", channel_id=channel(client, "95599"))
    assert "may_be_out_of_service" not in hint_codes(client, "95599")
    report_dead(client, "owner_b", "95599")
    assert "may_be_out_of_service" in hint_codes(client, "95599")
    assert "may_be_out_of_service" not in hint_codes(client, "95588")
    # the reports age out
    with client.application.app_context(), client.sessions() as session:
        session.execute(update(OutOfServiceReport).where(OutOfServiceReport.user_id == client.user_ids["ada"])
                        .values(reported_at=datetime.now(UTC) - timedelta(days=31)))
        session.commit()
    assert "may_be_out_of_service" not in hint_codes(client, "95599")
    report_dead(client, "root", "95599")
    assert "may_be_out_of_service" in hint_codes(client, "95599")
    # the enterprise re-confirms the number by saving it
    managed = client.get(f"/v1/manage/enterprises/{A}", headers=auth(client, "owner_a"))
    saved = client.patch(f"/v1/enterprises/{A}/channels/{channel(client, '95599')}", json={"value": "95599"},
                         headers=auth(client, "owner_a", **{"If-Match": managed.headers["ETag"]}))
    assert saved.status_code == 200, saved.get_json()
    assert "may_be_out_of_service" not in hint_codes(client, "95599")
