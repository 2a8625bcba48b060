"""Tips over the HTTP API (SQLite and PostgreSQL): adding, reading, voting, reporting, hiding,
the way to a person they confirm, and the abuse a few accounts could try."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from directory.accounts import User
from directory.models import Channel
from directory.tips import DAILY_CAPS, Tip, TipVote
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import CONSUMER_RECORDS as RECORDS
from tests.factories import A, B
from tests.helpers.api import add_person, auth, channel, problem, with_people

ESTABLISHED = ("old1", "old2", "old3", "old4", "old5")
NEW = ("new1", "new2", "new3", "new4")



def on_postgresql(item: pytest.Item) -> bool:
    """The PostgreSQL rows that run (tests/api/conftest.py asks): not the tables of invalid
    input, refused before anything is written."""
    return "is_not_valid" not in item.originalname

@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS):
        with_people(client)
        for name in ESTABLISHED + NEW:
            add_person(client, name)
        with client.application.app_context(), client.sessions() as session:
            session.execute(update(User).where(User.id.in_([client.user_ids[n] for n in ESTABLISHED]))
                            .values(created_at=datetime.now(UTC) - timedelta(days=30)))
            session.commit()
        yield client


def add_tip(client, who: str, value: str, keys: list[str], ident: str = A, **body) -> dict:  # noqa: ANN001
    answer = client.post(f"/v1/channels/{channel(client, value, ident)}/tips", json={"keys": keys, **body},
                         headers=auth(client, who))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def vote(client, who: str, tip_id: str, worked: bool = True):  # noqa: ANN001, ANN201
    return client.put(f"/v1/tips/{tip_id}/vote", json={"worked": worked}, headers=auth(client, who))


def shown(client, value: str, ident: str = A) -> list[dict]:  # noqa: ANN001
    answer = client.get(f"/v1/channels/{channel(client, value, ident)}/tips")
    assert answer.status_code == 200
    return answer.get_json()["items"]


def listed_channel(client, value: str, ident: str = A) -> dict:  # noqa: ANN001
    body = client.get(f"/v1/enterprises/{ident}").get_json()
    return next(c for c in body["channels"] if c["value"] == value)


def drop_tips(client) -> None:  # noqa: ANN001
    with client.application.app_context(), client.sessions() as session:
        for tip in session.scalars(select(Tip)):
            session.delete(tip)
        session.execute(update(Channel).values(to_person=None, to_person_source=None))
        session.commit()


@pytest.fixture(autouse=True)
def _fresh_tips(request):
    """Each test that uses the module's client begins with no tip."""
    yield
    if "client" in request.fixturenames:
        drop_tips(request.getfixturevalue("client"))


def test_a_tip_is_added_and_shown_without_its_author(client):
    tip = add_tip(client, "ada", "95588", ["2", "1", "0"], best_time=" 工作日上午9点前 ",
                  text="听到提示音后按0，不用输入卡号。")
    assert tip["keys"] == ["2", "1", "0"] and tip["best_time"] == "工作日上午9点前"
    assert (tip["worked"], tip["failed"], tip["confidence"], tip["confirmed"]) == (0, 0, 0.0, False)
    items = shown(client, "95588")
    assert [t["id"] for t in items] == [tip["id"]]
    assert "user_id" not in items[0] and client.user_ids["ada"] not in str(items)
    assert listed_channel(client, "95588")["tips"] == 1
    assert listed_channel(client, "95599")["tips"] == 0
    assert listed_channel(client, "service@icbc.com.cn")["tips"] is None
    mine = client.get("/v1/me/tips", headers=auth(client, "ada")).get_json()["items"]
    assert [t["id"] for t in mine] == [tip["id"]]
    assert client.get("/v1/me/tips", headers=auth(client, "bob")).get_json()["items"] == []


@pytest.mark.parametrize("body", [
    {"keys": []}, {"keys": ["13800138000"]}, {"keys": ["a"]}, {"keys": ["1"] * 9}, {"keys": [1]},
    {"keys": "0"}, {},
    {"keys": ["0"], "text": "别打这个，打 138 0013 8000"},
    {"keys": ["0"], "text": "官方客服：https://icbc-kefu.top"},
    {"keys": ["0"], "text": "去 icbc-help.cn 办理"},
    {"keys": ["0"], "best_time": "加微信 @icbc_kefu"},
    {"keys": ["0"], "text": "x" * 281},
    {"keys": ["0"], "text": "按0\u202e"},
    {"keys": ["0"], "user_id": "usr_someone"},
    {"keys": ["0"], "confidence": 1},
])
def test_a_tip_that_is_not_valid_is_422_and_not_kept(client, body):
    answer = client.post(f"/v1/channels/{channel(client, '95588')}/tips", json=body,
                         headers=auth(client, "ada"))
    problem(answer, 422)
    assert shown(client, "95588") == []


def test_tips_are_for_listed_phone_channels(client):
    problem(client.post(f"/v1/channels/{channel(client, 'service@icbc.com.cn')}/tips",
                        json={"keys": ["0"]}, headers=auth(client, "ada")), 422)
    problem(client.post("/v1/channels/ch_nosuchchannel/tips", json={"keys": ["0"]},
                        headers=auth(client, "ada")), 404)
    problem(client.get("/v1/channels/ch_nosuchchannel/tips"), 404)


def test_the_same_keys_twice_is_a_conflict_naming_the_tip(client):
    tip = add_tip(client, "ada", "95588", ["0"])
    answer = problem(client.post(f"/v1/channels/{channel(client, '95588')}/tips", json={"keys": ["0"]},
                                 headers=auth(client, "bob")), 409)
    assert tip["id"] in answer["detail"]


def test_one_vote_per_account_changeable_and_never_on_ones_own_tip(client):
    tip = add_tip(client, "ada", "95588", ["0"])
    problem(vote(client, "ada", tip["id"]), 403)
    assert vote(client, "bob", tip["id"]).get_json()["worked"] == 1
    again = vote(client, "bob", tip["id"]).get_json()
    assert (again["worked"], again["failed"]) == (1, 0)  # the same account counts once
    changed = vote(client, "bob", tip["id"], worked=False).get_json()
    assert (changed["worked"], changed["failed"]) == (0, 1)
    assert client.delete(f"/v1/tips/{tip['id']}/vote", headers=auth(client, "bob")).status_code == 204
    problem(client.delete(f"/v1/tips/{tip['id']}/vote", headers=auth(client, "bob")), 404)
    assert shown(client, "95588")[0]["failed"] == 0
    problem(vote(client, "bob", "tip_nosuchtip"), 404)
    problem(client.put(f"/v1/tips/{tip['id']}/vote", json={"worked": "yes"},
                       headers=auth(client, "bob")), 422)


def test_tips_are_ranked_by_the_wilson_lower_bound_not_the_raw_share(client):
    lucky = add_tip(client, "ada", "95588", ["9"])  # 1 of 1
    steady = add_tip(client, "bob", "95588", ["0"])  # 4 of 5
    vote(client, "old1", lucky["id"])
    for name in ("old1", "old2", "old3", "old4"):
        vote(client, name, steady["id"])
    vote(client, "old5", steady["id"], worked=False)
    items = shown(client, "95588")
    assert [t["id"] for t in items] == [steady["id"], lucky["id"]]
    assert items[0]["confidence"] > items[1]["confidence"] > 0


def test_enough_established_accounts_make_the_keys_the_way_to_a_person(client):
    tip = add_tip(client, "ada", "95599", ["3", "0"])
    for name in ("old1", "old2", "old3"):
        assert vote(client, name, tip["id"]).get_json()["confirmed"] is False
    assert listed_channel(client, "95599")["to_person"] is None
    assert vote(client, "old4", tip["id"]).get_json()["confirmed"] is True
    person = listed_channel(client, "95599")["to_person"]
    assert (person["keys"], person["source"]) == ("3,0", "community")
    assert person["link"]["uri"].startswith("tel:95599")
    # one account changing its mind takes it back
    vote(client, "old4", tip["id"], worked=False)
    assert listed_channel(client, "95599")["to_person"] is None


def test_the_enterprises_own_way_to_a_person_replaces_the_communitys_for_good(client):
    tip = add_tip(client, "ada", "95599", ["0"])
    for name in ("old1", "old2", "old3", "old4"):
        vote(client, name, tip["id"])
    assert listed_channel(client, "95599")["to_person"]["source"] == "community"
    managed = client.get(f"/v1/manage/enterprises/{A}", headers=auth(client, "owner_a"))
    saved = client.patch(f"/v1/enterprises/{A}/channels/{channel(client, '95599')}",
                         json={"to_person": "9,0"},
                         headers=auth(client, "owner_a", **{"If-Match": managed.headers["ETag"]}))
    assert saved.status_code == 200, saved.get_json()
    vote(client, "old5", tip["id"])
    person = listed_channel(client, "95599")["to_person"]
    assert (person["keys"], person["source"]) == ("9,0", None)


def test_new_accounts_weigh_a_quarter_and_cannot_confirm_a_tip_among_a_few(client):
    tip = add_tip(client, "ada", "95599", ["0"])
    for name in NEW + ("bob",):
        vote(client, name, tip["id"])
    body = shown(client, "95599")[0]
    assert body["worked"] == 5 and body["confirmed"] is False
    assert listed_channel(client, "95599")["to_person"] is None


def test_the_way_to_a_person_the_source_or_enterprise_gave_is_kept(client):
    with client.application.app_context(), client.sessions() as session:
        session.execute(update(Channel).where(Channel.id == channel(client, "95555", B))
                        .values(to_person="9"))
        session.commit()
    tip = add_tip(client, "ada", "95555", ["0"], B)
    for name in ("old1", "old2", "old3", "old4"):
        vote(client, name, tip["id"])
    assert shown(client, "95555", B)[0]["confirmed"] is True
    person = listed_channel(client, "95555", B)["to_person"]
    assert (person["keys"], person["source"]) == ("9", None)


def test_reports_from_three_accounts_hide_a_tip_and_its_keepers_may_show_it_again(client):
    tip = add_tip(client, "ada", "95599", ["0"])
    for name in ("old1", "old2", "old3", "old4"):
        vote(client, name, tip["id"])
    url = f"/v1/tips/{tip['id']}/reports"

    def report(who: str, reason: str = "scam") -> bool:
        answer = client.post(url, json={"reason": reason}, headers=auth(client, who))
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["hidden"]

    problem(client.post(url, json={"reason": "scam"}, headers=auth(client, "ada")), 403)
    assert report("bob", "scam") is False
    problem(client.post(url, json={"reason": "scam"}, headers=auth(client, "bob")), 409)
    problem(client.post(url, json={"reason": "maybe"}, headers=auth(client, "new1")), 422)
    assert report("new1", "wrong") is False
    assert [t["id"] for t in shown(client, "95599")] == [tip["id"]]  # two accounts cannot hide it
    assert report("new2", "other") is True
    assert shown(client, "95599") == []
    assert listed_channel(client, "95599")["to_person"] is None  # a hidden tip confirms nothing
    problem(vote(client, "old5", tip["id"]), 404)
    problem(client.post(url, json={"reason": "scam"}, headers=auth(client, "new3")), 404)
    # its author still sees it, hidden
    mine = client.get("/v1/me/tips", headers=auth(client, "ada")).get_json()["items"]
    assert mine[0]["hidden"] is True
    manage = f"/v1/manage/tips/{tip['id']}"
    problem(client.patch(manage, json={"hidden": False}, headers=auth(client, "owner_b")), 404)
    problem(client.patch(manage, json={"hidden": False}, headers=auth(client, "bob")), 404)
    shown_again = client.patch(manage, json={"hidden": False}, headers=auth(client, "owner_a"))
    assert shown_again.status_code == 200 and shown_again.get_json()["hidden"] is False
    assert listed_channel(client, "95599")["to_person"]["keys"] == "0"
    # the reports made before do not hide it again; an owner may hide it
    assert report("new3", "scam") is False
    hidden = client.patch(manage, json={"hidden": True}, headers=auth(client, "owner_a")).get_json()
    assert hidden["hidden"] is True and shown(client, "95599") == []


def test_withdrawing_a_tip_takes_its_way_to_a_person_with_it(client):
    tip = add_tip(client, "ada", "95599", ["0"])
    for name in ("old1", "old2", "old3", "old4"):
        vote(client, name, tip["id"])
    problem(client.delete(f"/v1/me/tips/{tip['id']}", headers=auth(client, "bob")), 404)
    assert client.delete(f"/v1/me/tips/{tip['id']}", headers=auth(client, "ada")).status_code == 204
    assert shown(client, "95599") == [] and listed_channel(client, "95599")["to_person"] is None


def test_an_account_cannot_flood_tips(client):
    for key in range(DAILY_CAPS["tips"]):
        add_tip(client, "bob", "95588", [str(key)])
    refused = problem(client.post(f"/v1/channels/{channel(client, '95588')}/tips",
                                  json={"keys": ["9"]}, headers=auth(client, "bob")), 429)
    assert "5 tips a day" in refused["detail"]
    assert len(shown(client, "95588")) == DAILY_CAPS["tips"]


def test_an_account_cannot_flood_votes(client):
    tip = add_tip(client, "ada", "95588", ["0"])
    now = datetime.now(UTC)
    with client.application.app_context(), client.sessions() as session:
        for _ in range(DAILY_CAPS["votes"]):
            other = Tip(id=f"tip_{secrets.token_hex(8)}", channel_id=channel(client, "95599"),
                        enterprise_id=A, user_id=client.user_ids["ada"], keys="1", created_at=now,
                        worked_weight=0, failed_weight=0, worked_accounts=0, failed_accounts=0,
                        confidence=0, hidden=True)
            session.add(other)
            session.add(TipVote(tip_id=other.id, user_id=client.user_ids["bob"], worked=True,
                                weight=1, created_at=now, updated_at=now))
        session.commit()
    answer = vote(client, "bob", tip["id"])
    problem(answer, 429)
    assert int(answer.headers["Retry-After"]) > 0
    assert vote(client, "new1", tip["id"]).status_code == 200  # others still may



@pytest.fixture(scope="module", params=["sqlite"])
def limited(request, tmp_path_factory):
    """An app whose crowd limit is 3 writes a minute per account (RATE_LIMIT_CROWD)."""
    for client in client_over_records(request, tmp_path_factory, RECORDS, rate_limit_crowd="3/minute"):
        yield with_people(client)


def test_the_crowd_limit_counts_per_account(limited):
    tip = add_tip(limited, "bob", "95588", ["0"])
    answers = [vote(limited, "ada", tip["id"], worked=bool(n % 2)) for n in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].headers["Retry-After"] and answers[-1].mimetype == "application/problem+json"
    assert vote(limited, "owner_b", tip["id"]).status_code == 200  # another account is not held
