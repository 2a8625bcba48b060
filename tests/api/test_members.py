"""Members of a listing end to end (SQLite and PostgreSQL): owners list, invite, change and
remove members; invitations are mailed, single-use, expiring and bound to their address; a
listing never loses its last owner to its members, even when two owners demote each other at
once; a removed member's tokens stop at the next request; administrators remove anyone, the
owner a takeover installed included.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, update

from directory.accounts import Membership, User, add_member, create_user
from directory.credentials import OAuthClient, digest
from directory.errors import DomainError
from directory.experiences import LiveStatus
from directory.members import Asker, Invitation, change_role
from directory.models import Enterprise, utcnow
from directory.webhooks import EVENTS, Webhook
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise

PROBLEM = "application/problem+json"
PEOPLE = ("ann", "bob", "cat", "dan", "eve", "root")
LISTINGS = {name: f"ent_members_{name}" for name in (
    "list", "invite", "expiry", "hostile", "bound", "roles", "removal", "race", "takeover", "refused",
    "mailfail")}


def _record(number: int, ident: str) -> dict:
    domain = f"m{number}bank.cn"
    return enterprise(ident, names={"zh-Hans": f"成员测试银行{number}", "en": f"Members Bank {number}"},
                      aliases=[f"成员{number}"], website=f"https://www.{domain}/", domains=[domain],
                      source=["test:members"], channels=[
                          {"kind": "phone", "value": f"9556{number:02d}", "source": "test:members"}])


RECORDS = [_record(number, ident) for number, ident in enumerate(LISTINGS.values())]


def _token(client, name: str) -> str:  # noqa: ANN001
    basic = base64.b64encode(f"cl_{name}:{name}-secret".encode()).decode()
    answer = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                         headers={"Authorization": f"Basic {basic}"})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["access_token"]


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS):
        state = client.application.extensions["c800"]
        with client.application.app_context(), state.sessions() as session:
            users = {name: create_user(session, f"{name}@example.com", "a long enough password",
                                       admin=name == "root") for name in PEOPLE}
            for name, user in users.items():
                scope = "directory:read me listings:write" + (" admin" if name == "root" else "")
                session.add(OAuthClient(client_id=f"cl_{name}", secret_hash=digest(f"{name}-secret"),
                                        name=name, grant_types=["client_credentials"], scope=scope,
                                        user_id=user.id))
            session.commit()
            client.ids = {name: user.id for name, user in users.items()}
        client.tokens = {name: _token(client, name) for name in PEOPLE}
        client.sessions = state.sessions
        client.data_dir = state.config.data_dir
        yield client


def team(client, listing: str, **roles: str) -> str:  # noqa: ANN001
    """Make the named people members of the listing (``ann="owner"``); its id."""
    ident = LISTINGS[listing]
    with client.application.app_context(), client.sessions() as session:
        for name, role in roles.items():
            add_member(session, ident, f"{name}@example.com", role)
        session.commit()
    return ident


def auth(client, name: str) -> dict:  # noqa: ANN001
    return {"Authorization": f"Bearer {client.tokens[name]}"}


def call(client, method: str, path: str, who: str, body: dict | None = None, **headers: str):  # noqa: ANN001, ANN201
    kwargs = {"json": body} if body is not None else {}
    return client.open(path, method=method, headers={**auth(client, who), **headers}, **kwargs)


def problem(answer, status: int) -> dict:  # noqa: ANN001
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True))
    assert answer.mimetype == PROBLEM
    return answer.get_json()


def mails(client) -> list[Path]:  # noqa: ANN001
    return sorted((client.data_dir / "mail").glob("*.eml"))


def read_mail(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def code_of(message: email.message.EmailMessage) -> str:
    """The invitation code: the paragraph of the mail that is one word."""
    return next(part.strip() for part in message.get_content().split("\n\n")
                if part.strip() and " " not in part.strip() and "\n" not in part.strip())


def invite(client, ident: str, address: str, role: str = "editor", who: str = "ann"):  # noqa: ANN001, ANN201
    return call(client, "POST", f"/v1/manage/enterprises/{ident}/invitations", who,
                {"email": address, "role": role})


def invited(client, ident: str, address: str, role: str = "editor", who: str = "ann") -> tuple[dict, str]:  # noqa: ANN001
    """An invitation made through the API and the code its mail carries."""
    seen = set(mails(client))
    answer = invite(client, ident, address, role, who)
    assert answer.status_code == 201, answer.get_json()
    new = set(mails(client)) - seen
    assert len(new) == 1
    return answer.get_json(), code_of(read_mail(new.pop()))


def accept(client, code: str, who: str):  # noqa: ANN001, ANN201
    return call(client, "POST", "/v1/me/invitations/accept", who, {"token": code})


def roles_of(client, ident: str) -> dict[str, str]:  # noqa: ANN001
    with client.sessions() as session:
        rows = session.execute(select(User.email, Membership.role).join(User, User.id == Membership.user_id)
                               .where(Membership.enterprise_id == ident))
        return {address.split("@")[0]: role for address, role in rows}


# --- owners read and invite ------------------------------------------------------------------


def test_owners_list_the_members_editors_and_strangers_may_not(client):
    ident = team(client, "list", ann="owner", bob="editor")
    answer = call(client, "GET", f"/v1/manage/enterprises/{ident}/members", "ann")
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "no-store"
    items = answer.get_json()["items"]
    assert {(m["email"], m["role"]) for m in items} == {("ann@example.com", "owner"),
                                                        ("bob@example.com", "editor")}
    assert {m["user_id"] for m in items} == {client.ids["ann"], client.ids["bob"]}
    assert all(m["since"] and "invited_by" in m for m in items)
    for who in ("bob", "eve"):
        problem(call(client, "GET", f"/v1/manage/enterprises/{ident}/members", who), 403)
        problem(invite(client, ident, "dan@example.com", who=who), 403)
    problem(call(client, "GET", "/v1/manage/enterprises/ent_members_nosuch/members", "ann"), 404)


def test_an_invitation_is_mailed_once_and_only_its_address_accepts_it(client):
    ident = team(client, "invite", ann="owner")
    body, code = invited(client, ident, "Dan@Example.com", "editor")
    assert body["status"] == "pending" and body["email"] == "Dan@example.com"
    assert code not in str(body) and "token" not in body
    message = next(m for m in map(read_mail, mails(client)) if code in m.get_content())
    assert message["To"] == "Dan@example.com" and message.get_all("Cc") is None
    assert "成员测试银行" in message["Subject"]
    with client.sessions() as session:  # only the digest is kept
        stored = session.get(Invitation, body["id"])
        assert stored.token_hash == hashlib.sha256(code.encode()).hexdigest()
        assert code not in str([getattr(stored, c.key) for c in inspect(Invitation).columns])
    listed = call(client, "GET", f"/v1/manage/enterprises/{ident}/invitations", "ann").get_json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]

    refused = problem(accept(client, code, "eve"), 403)  # a forwarded or stolen code
    assert "another e-mail address" in refused["detail"]
    assert roles_of(client, ident) == {"ann": "owner"}
    problem(accept(client, code + "x", "dan"), 404)
    accepted = accept(client, code, "dan")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json() == {"enterprise_id": ident, "role": "editor", "invitation_id": body["id"]}
    me = call(client, "GET", "/v1/me", "dan").get_json()
    assert {"enterprise_id": ident, "role": "editor"} in me["memberships"]
    problem(accept(client, code, "dan"), 404)  # single use
    member = next(m for m in call(client, "GET", f"/v1/manage/enterprises/{ident}/members", "ann")
                  .get_json()["items"] if m["user_id"] == client.ids["dan"])
    assert member["invited_by"] == client.ids["ann"] and member["role"] == "editor"
    one = call(client, "GET", f"/v1/manage/enterprises/{ident}/invitations/{body['id']}", "ann")
    assert one.get_json()["status"] == "accepted"
    problem(call(client, "DELETE", f"/v1/manage/enterprises/{ident}/invitations/{body['id']}",
                 "ann"), 409)
    problem(invite(client, ident, "dan@example.com"), 409)  # a member already


def test_invitations_expire_and_revoked_ones_stop_working(client):
    ident = team(client, "expiry", ann="owner", bob="editor")
    body, code = invited(client, ident, "dan@example.com")
    problem(invite(client, ident, "DAN@example.com"), 409)  # one pending invitation an address
    with client.sessions() as session:
        session.execute(update(Invitation).where(Invitation.id == body["id"])
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    problem(accept(client, code, "dan"), 410)
    listed = call(client, "GET", f"/v1/manage/enterprises/{ident}/invitations", "ann").get_json()
    assert [(i["id"], i["status"]) for i in listed["items"]] == [(body["id"], "expired")]
    again, fresh_code = invited(client, ident, "dan@example.com")  # expired ones do not block
    path = f"/v1/manage/enterprises/{ident}/invitations/{again['id']}"
    problem(call(client, "DELETE", path, "bob"), 403)  # editors do not manage members
    assert call(client, "DELETE", path, "ann").status_code == 204
    problem(accept(client, fresh_code, "dan"), 404)
    problem(call(client, "DELETE", path, "ann"), 404)
    problem(call(client, "GET", f"/v1/manage/enterprises/{LISTINGS['list']}/invitations/"
                                f"{again['id']}", "ann"), 404)  # not through another listing
    assert roles_of(client, ident) == {"ann": "owner", "bob": "editor"}


@pytest.mark.parametrize("address", [
    "Mallory <eve@evil.top>", "eve@evil.top, dan@example.com", "eve@evil.top;dan@example.com",
    "dan@example.com (Dan)", "(comment)dan@example.com", "team: dan@example.com;", '"dan"@example.com',
    "dan@example.com\r\nBcc: eve@evil.top", "dan@example.com\nBcc: eve@evil.top", "dan@[127.0.0.1]",
    "dan@localhost", "dan@exa mple.com", "dan", "@example.com", "dan@@example.com", "=?utf-8?q?x?=@a.cn",
    "=?utf-8?q?eve=40evil.top=2C?=@example.com", "=?utf-8?b?ZXZlQGV2aWwudG9w?=@example.com",
    "dan@example.com>", "<dan@example.com>", "dan@-example.com", "dan@example..com",
])
def test_an_invitation_goes_to_one_plain_address_or_nowhere(client, address):
    ident = team(client, "hostile", ann="owner")
    seen = len(mails(client))
    answer = problem(invite(client, ident, address), 422)
    assert [e["field"] for e in answer["errors"]] == ["email"]
    assert len(mails(client)) == seen


def test_a_listing_sends_a_bounded_number_of_invitations_a_day(client):
    ident = team(client, "bound", ann="owner")
    limit = client.application.extensions["c800"].config.member_invitations_per_day
    with client.sessions() as session:  # as many as a day allows, revoked ones included
        now = utcnow()
        session.add_all(Invitation(id=f"inv_bound{n:06d}", enterprise_id=ident, email=f"p{n}@example.com",
                                   role="editor", status="revoked", created_at=now - timedelta(hours=n),
                                   expires_at=now + timedelta(days=7)) for n in range(limit))
        session.commit()
    seen = len(mails(client))
    refused = invite(client, ident, "dan@example.com")
    problem(refused, 429)
    hours_left = int(refused.headers["Retry-After"])
    assert 24 * 3600 - limit * 3600 < hours_left <= 24 * 3600 - (limit - 1) * 3600 + 1
    assert len(mails(client)) == seen
    with client.sessions() as session:
        session.execute(update(Invitation).where(Invitation.id == f"inv_bound{0:06d}")
                        .values(created_at=utcnow() - timedelta(hours=25)))
        session.commit()
    invited(client, ident, "dan@example.com")


# --- roles, removal and the last owner -------------------------------------------------------


def test_roles_change_and_the_last_owner_stays(client):
    ident = team(client, "roles", ann="owner", bob="editor")
    members = f"/v1/manage/enterprises/{ident}/members"
    problem(call(client, "PATCH", f"{members}/{client.ids['ann']}", "bob", {"role": "editor"}), 403)
    problem(call(client, "DELETE", f"{members}/{client.ids['ann']}", "bob"), 403)
    last = problem(call(client, "PATCH", f"{members}/{client.ids['ann']}", "ann", {"role": "editor"}), 409)
    assert "last owner" in last["detail"]
    problem(call(client, "DELETE", f"{members}/{client.ids['ann']}", "ann"), 409)
    problem(call(client, "PATCH", f"{members}/{client.ids['bob']}", "ann", {"role": "admin"}), 422)
    problem(call(client, "PATCH", f"{members}/{client.ids['bob']}", "ann", {"role": "owner", "x": 1}), 422)
    problem(call(client, "PATCH", f"{members}/{client.ids['eve']}", "ann", {"role": "owner"}), 404)
    promoted = call(client, "PATCH", f"{members}/{client.ids['bob']}", "ann", {"role": "owner"})
    assert promoted.status_code == 200 and promoted.get_json()["role"] == "owner"
    demoted = call(client, "PATCH", f"{members}/{client.ids['ann']}", "ann", {"role": "editor"})
    assert demoted.status_code == 200
    problem(call(client, "PATCH", f"{members}/{client.ids['bob']}", "bob", {"role": "editor"}), 409)
    problem(call(client, "GET", members, "ann"), 403)  # an editor now
    assert call(client, "DELETE", f"{members}/{client.ids['ann']}", "ann").status_code == 204  # leaves
    assert roles_of(client, ident) == {"bob": "owner"}
    problem(call(client, "DELETE", f"{members}/{client.ids['bob']}", "bob"), 409)


def test_a_removed_member_is_out_at_the_next_request_and_what_they_did_stays(client):
    ident = team(client, "removal", ann="owner", bob="owner")
    manage = client.get(f"/v1/manage/enterprises/{ident}", headers=auth(client, "bob"))
    assert manage.status_code == 200
    with client.sessions() as session:
        channel_id = session.get(Enterprise, ident).channels[0].id
    live = call(client, "PUT", f"/v1/manage/channels/{channel_id}/status", "bob",
                {"state": "incident", "wait_minutes": 30,
                 "expires_at": (utcnow() + timedelta(hours=2)).isoformat()})
    assert live.status_code == 200, live.get_json()
    with client.sessions() as session:
        session.add(Webhook(id="whk_members_bob01", enterprise_id=ident, url="https://hooks.example.com/c800",
                            events=list(EVENTS), secret="whsec_test", active=True,
                            created_by=client.ids["bob"]))
        session.commit()
    pending, code = invited(client, ident, "cat@example.com", who="bob")
    for _ in range(2):  # answers computed before the removal, kept anywhere, must not count
        hooks = client.get(f"/v1/manage/enterprises/{ident}/webhooks", headers=auth(client, "bob"))
        assert hooks.status_code == 200
        assert client.get(f"/v1/enterprises/{ident}").status_code == 200

    assert call(client, "DELETE", f"/v1/manage/enterprises/{ident}/members/{client.ids['bob']}",
                "ann").status_code == 204
    problem(client.get(f"/v1/manage/enterprises/{ident}", headers=auth(client, "bob")), 403)
    problem(client.patch(f"/v1/enterprises/{ident}", json={"description": "still mine"},
                         headers={**auth(client, "bob"), "If-Match": manage.headers["ETag"]}), 403)
    problem(call(client, "PUT", f"/v1/manage/channels/{channel_id}/status", "bob",
                 {"state": "closed", "expires_at": (utcnow() + timedelta(hours=1)).isoformat()}), 403)
    problem(client.get(f"/v1/manage/enterprises/{ident}/webhooks", headers=auth(client, "bob")), 403)
    problem(call(client, "DELETE", "/v1/manage/webhooks/whk_members_bob01", "bob"), 404)
    problem(invite(client, ident, "eve@example.com", who="bob"), 403)
    me = call(client, "GET", "/v1/me", "bob").get_json()
    assert ident not in {m["enterprise_id"] for m in me["memberships"]}
    problem(accept(client, code, "cat"), 404)  # what bob sent as an owner went with him
    state = call(client, "GET", f"/v1/manage/enterprises/{ident}/invitations/{pending['id']}", "ann")
    assert state.get_json()["status"] == "revoked"
    with client.sessions() as session:  # the listing's webhooks and live status are the listing's
        assert session.get(Webhook, "whk_members_bob01") is not None
        assert session.get(LiveStatus, channel_id).state == "incident"
    assert roles_of(client, ident) == {"ann": "owner"}


def test_two_owners_demoting_each_other_at_once_leave_one(client):
    """The second change waits for the first (row lock on PostgreSQL, the write lock on SQLite)
    and then sees it: whatever the timing, the listing keeps an owner."""
    ident = team(client, "race", ann="owner", bob="owner")
    outcome: dict[str, object] = {}

    def bob_demotes_ann() -> None:
        with client.sessions() as other:
            try:
                change_role(other, other.get(Enterprise, ident), client.ids["ann"], "editor",
                            Asker(other.get(User, client.ids["bob"])))
                other.commit()
                outcome["bob"] = "done"
            except DomainError as exc:
                other.rollback()
                outcome["bob"] = type(exc).__name__

    with client.sessions() as first:
        change_role(first, first.get(Enterprise, ident), client.ids["bob"], "editor",
                    Asker(first.get(User, client.ids["ann"])))
        racer = threading.Thread(target=bob_demotes_ann)
        racer.start()
        racer.join(0.5)  # let it read and reach the lock while ann's change is not committed
        first.commit()
    racer.join(30)
    assert not racer.is_alive()
    assert outcome["bob"] in ("NotAllowed", "LastOwner"), outcome
    with client.sessions() as session:
        owners = session.scalar(select(func.count()).select_from(Membership).where(
            Membership.enterprise_id == ident, Membership.role == "owner"))
    assert owners == 1
    assert roles_of(client, ident) == {"ann": "owner", "bob": "editor"}


# --- administrators --------------------------------------------------------------------------


def test_an_administrator_removes_an_owner_a_takeover_installed(client):
    ident = team(client, "takeover", eve="owner")
    with client.sessions() as session:  # as an accepted claim left it
        session.execute(update(Enterprise).where(Enterprise.id == ident).values(verified=True, managed=True))
        session.commit()
    _accomplice, code = invited(client, ident, "dan@example.com", "owner", who="eve")
    admin = f"/v1/admin/enterprises/{ident}/members"
    for who in ("eve", "ann"):
        problem(call(client, "GET", admin, who), 403)
        problem(call(client, "DELETE", f"{admin}/{client.ids['eve']}", who), 403)
    listed = call(client, "GET", admin, "root").get_json()["items"]
    assert [(m["user_id"], m["role"]) for m in listed] == [(client.ids["eve"], "owner")]

    assert call(client, "DELETE", f"{admin}/{client.ids['eve']}", "root").status_code == 204
    problem(client.get(f"/v1/manage/enterprises/{ident}", headers=auth(client, "eve")), 403)
    problem(accept(client, code, "dan"), 404)
    public = client.get(f"/v1/enterprises/{ident}").get_json()
    assert public["verified"] is False
    with client.sessions() as session:
        assert session.get(Enterprise, ident).managed is False
    problem(call(client, "DELETE", f"{admin}/{client.ids['eve']}", "root"), 404)

    added = call(client, "POST", admin, "root", {"email": "ann@example.com", "role": "owner"})
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["invited_by"] == f"admin:{client.ids['root']}"
    problem(call(client, "POST", admin, "root", {"email": "ann@example.com", "role": "editor"}), 409)
    problem(call(client, "POST", admin, "root", {"email": "nobody@example.com", "role": "editor"}), 404)
    problem(call(client, "POST", "/v1/admin/enterprises/ent_members_nosuch/members", "root",
                 {"email": "ann@example.com", "role": "editor"}), 404)
    changed = call(client, "PATCH", f"{admin}/{client.ids['ann']}", "root", {"role": "editor"})
    assert changed.status_code == 200  # the last owner, made an editor by an administrator
    assert changed.get_json()["role"] == "editor"
    versions = call(client, "GET", f"/v1/enterprises/{ident}/versions", "ann").get_json()["items"]
    assert [v["action"] for v in versions[:2]] == ["unowned", "unowned"]
    assert versions[0]["actor"] == f"admin:{client.ids['root']}"


def test_a_refused_idempotent_write_answers_its_refusal_and_may_be_sent_again(client):
    """A view that wrote, then refused (a member already), used to leave its write lock held
    while the Idempotency-Key was forgotten through another session: on SQLite that waited
    out busy_timeout and answered 503."""
    ident = team(client, "refused", ann="owner")
    admin = f"/v1/admin/enterprises/{ident}/members"
    body = {"email": "ann@example.com", "role": "editor"}
    for _ in range(2):  # the refusal is not stored: the same key runs again
        problem(call(client, "POST", admin, "root", body, **{"Idempotency-Key": "again-1"}), 409)
    added = call(client, "POST", admin, "root", {"email": "bob@example.com", "role": "editor"},
                 **{"Idempotency-Key": "again-2"})
    assert added.status_code == 201, added.get_json()
    replay = call(client, "POST", admin, "root", {"email": "bob@example.com", "role": "editor"},
                  **{"Idempotency-Key": "again-2"})
    assert replay.status_code == 201 and replay.get_json() == added.get_json()
    assert roles_of(client, ident) == {"ann": "owner", "bob": "editor"}


def test_an_invitation_whose_mail_cannot_be_sent_is_not_kept(client, monkeypatch):
    ident = team(client, "mailfail", ann="owner")
    monkeypatch.setattr(client.application.extensions["c800"].config, "mail_url", "smtp://127.0.0.1:9")
    answer = invite(client, ident, "dan@example.com")
    problem(answer, 503)
    assert answer.headers["Retry-After"] == "60"
    with client.sessions() as session:
        assert not session.scalars(select(Invitation).where(Invitation.enterprise_id == ident)).all()
