"""Authorization of every protected endpoint, over real tokens, on SQLite and PostgreSQL.

Two listings (A and B, plus C for the administrators' positive controls) are imported; users
and OAuth clients are made directly through the domain and the ORM (an owner of A, an editor
of B, a consumer who keeps nothing, an administrator), and every token comes from the real
token endpoint (client credentials, HTTP Basic). Then, for each protected operation:

- no token → 401 problem+json with a bare ``Bearer`` challenge; an unknown, forged or
  malformed token → 401 ``invalid_token``; a token without the scope → 403
  ``insufficient_scope``;
- BOLA: a user's valid token on a listing (or claim) that is not theirs is refused, and the
  listing is unchanged;
- BFLA: the administrators' operations refuse every non-administrator, even one whose client
  was registered with the ``admin`` scope;
- mass assignment: read-only fields in a body are refused with 422 naming the field, and
  nothing is changed;
- expired and revoked tokens are refused, and introspection says they are not active;
- positive controls: the rightful caller succeeds, so that the refusals are not vacuous.

All of it runs on SQLite; on PostgreSQL only the rows where the database matters
(``on_postgresql`` below; tests/api/conftest.py deselects the other PostgreSQL rows):

- every test that writes and reads back what was stored: the positive controls (edits with
  If-Match and versions, serving consumers, members, decisions, suspensions), mass assignment
  and expired or revoked tokens (rows changed, compared with the clock in SQL);
- the refusals that must leave things unchanged (BOLA, BFLA, editors on owners' operations),
  for the operations that write (not GET): a refused write that had begun is rolled back by the
  database, and the dialects differ in what they had locked or flushed;
- the authentication matrices (no token, forged or malformed tokens, HTTP Basic, a token in
  the query string, HEAD, missing scope, a token for no user) are decided in api/ before any
  query but the one token lookup, the same lookup for every operation: on PostgreSQL they run
  for one representative operation per method and scope (``REPRESENTATIVES``).

That keeps every kind of check on both databases while the second database runs about a
third of the rows (443 of 1,248).
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from directory.accounts import Membership, add_member, create_user
from directory.contacts import CallbackRequest, Handoff
from directory.credentials import OAuthClient, OAuthToken, digest
from directory.experiences import Experience, LiveStatus
from directory.members import Invitation
from directory.webhooks import EVENTS, Webhook
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise

A = "ent_authz_alpha"
B = "ent_authz_beta"
C = "ent_authz_gamma"
PROBLEM = "application/problem+json"
PASSWORD = "correct horse battery staple"
USER_SCOPES = "directory:read listings:write me"


def _channel(kind: str, value: str, label: str) -> dict:
    return {"kind": kind, "value": value, "label": label, "source": "test:authz"}


def _listing(ident: str, en: str, zh: str, domain: str, phone: str) -> dict:
    return enterprise(
        ident, names={"zh-Hans": zh, "zh-Hant": zh, "en": en}, aliases=[en.split()[0]],
        website=f"https://www.{domain}/", domains=[domain], source=["test:authz"],
        channels=[_channel("phone", phone, "客服热线"), _channel("email", f"service@{domain}", "客服邮箱")])


RECORDS = [
    _listing(A, "Alpha Bank", "阿尔法银行", "alphabank.cn", "95501"),
    _listing(B, "Beta Telecom", "贝塔电信", "betatel.cn", "10010"),
    _listing(C, "Gamma Air", "伽马航空", "gammaair.cn", "95539"),
]

# name: (e-mail, administrator?)
USERS = {
    "owner_a": ("owner@alphabank.cn", False),
    "editor_b": ("editor@betatel.cn", False),
    "consumer": ("someone@example.org", False),
    "admin": ("admin@c800.example", True),
    # editors of A and B (no clients): whom member operations aim at
    "member_a": ("member@alphabank.cn", False),
    "member_b": ("member@betatel.cn", False),
}
# name: (the user the client acts for, its registered scope, its grant types)
CLIENTS = {
    "owner_a": ("owner_a", USER_SCOPES, ["client_credentials"]),
    # A non-administrator's client that was registered with `admin` anyway (the CLI refuses
    # this, the ORM does not; a demoted administrator's client looks the same).
    "owner_a_admin": ("owner_a", f"{USER_SCOPES} admin", ["client_credentials"]),
    "editor_b": ("editor_b", USER_SCOPES, ["client_credentials"]),
    "consumer": ("consumer", USER_SCOPES, ["client_credentials"]),
    "admin": ("admin", f"{USER_SCOPES} admin", ["client_credentials"]),
    "reader": ("owner_a", "directory:read", ["client_credentials"]),
    "userless": (None, USER_SCOPES, ["client_credentials"]),
    # A confidential authorization-code app that may ask for `admin` (for administrators who
    # sign in to it): what `flask clients create --grant authorization_code --confidential
    # --scope "... admin"` makes, with no user of its own.
    "consent_app": (None, f"{USER_SCOPES} admin", ["authorization_code"]),
}


@dataclass(frozen=True)
class Registered:
    client_id: str
    secret: str
    user_id: str | None

    @property
    def basic(self) -> str:
        pair = f"{self.client_id}:{self.secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()


@dataclass
class World:
    http: FlaskClient
    users: dict[str, str]
    clients: dict[str, Registered]
    tokens: dict[str, dict] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def token(self, name: str) -> str:
        return self.tokens[name]["access_token"]

    def session(self):  # noqa: ANN201 - a SQLAlchemy session of the app's factory
        return self.http.application.extensions["c800"].sessions()


# --- helpers ------------------------------------------------------------------------------


def issue(http: FlaskClient, client: Registered, scope: str | None = None) -> dict:
    """A token from the real token endpoint (client credentials, HTTP Basic)."""
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    response = http.post("/oauth/token", data=data, headers={"Authorization": client.basic})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def call(http: FlaskClient, method: str, path: str, *, token: str | None = None,
         authorization: str | None = None, body: dict | None = None,
         if_match: str | None = None):  # noqa: ANN201 - a test response
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if authorization is not None:
        headers["Authorization"] = authorization
    if if_match is not None:
        headers["If-Match"] = if_match
    kwargs = {"json": body} if body is not None else {}
    return http.open(path, method=method, headers=headers, **kwargs)


def public_version(http: FlaskClient, enterprise_id: str) -> int:
    response = http.get(f"/v1/enterprises/{enterprise_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["version"]


def guessed_etag(http: FlaskClient, enterprise_id: str) -> str:
    """The If-Match anyone can work out from the public listing (what an attacker sends)."""
    return f'"v{public_version(http, enterprise_id)}"'


def managed(world: World, who: str, enterprise_id: str) -> tuple[dict, str]:
    response = call(world.http, "GET", f"/v1/manage/enterprises/{enterprise_id}", token=world.token(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json(), response.headers["ETag"]


def introspect(world: World, client: str, token: str) -> dict:
    response = world.http.post("/oauth/introspect", data={"token": token},
                               headers={"Authorization": world.clients[client].basic})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def claim_of(world: World, claim_id: str):  # noqa: ANN201 - a directory.claims.Claim
    from directory.claims import Claim

    with world.session() as session:
        return session.get(Claim, claim_id)


def report_of(world: World, report_id: str):  # noqa: ANN201 - a directory.claims.Report
    from directory.claims import Report

    with world.session() as session:
        return session.get(Report, report_id)


def _location_id(response) -> str:  # noqa: ANN001 - a test response
    return response.headers["Location"].rstrip("/").rpartition("/")[2]


# --- the world ----------------------------------------------------------------------------


def _build(http: FlaskClient) -> World:
    app = http.application
    users: dict[str, str] = {}
    clients: dict[str, Registered] = {}
    with app.app_context(), app.extensions["c800"].sessions() as session:
        for name, (email, admin) in USERS.items():
            users[name] = create_user(session, email, PASSWORD, admin=admin).id
        add_member(session, A, USERS["owner_a"][0], "owner")
        add_member(session, B, USERS["editor_b"][0], "editor")
        add_member(session, A, USERS["member_a"][0], "editor")
        add_member(session, B, USERS["member_b"][0], "editor")
        for name, (user, scope, grants) in CLIENTS.items():
            secret = secrets.token_urlsafe(32)
            registered = Registered(f"cl_{secrets.token_hex(8)}", secret, users[user] if user else None)
            session.add(OAuthClient(
                client_id=registered.client_id, secret_hash=digest(secret), name=f"authz {name}",
                grant_types=grants, redirect_uris=["https://app.example.org/callback"]
                if "authorization_code" in grants else [], scope=scope,
                auth_method="client_secret_basic", user_id=registered.user_id))
            clients[name] = registered
        session.commit()
    world = World(http, users, clients)
    for name, (_user, _scope, grants) in CLIENTS.items():
        if "client_credentials" in grants:
            world.tokens[name] = issue(http, clients[name])

    # Something of each kind to aim at: channels, notices (made by the rightful keepers), a
    # consumer's pending claim on A and an anonymous report on A.
    for who, listing, key in (("owner_a", A, "a"), ("editor_b", B, "b")):
        body, etag = managed(world, who, listing)
        world.ids[f"channel_{key}"] = body["channels"][0]["id"]
        response = call(http, "POST", f"/v1/enterprises/{listing}/notices", token=world.token(who),
                        if_match=etag, body={"title": "系统维护", "body": "今晚网银暂停服务。"})
        assert response.status_code == 201, response.get_json()
        world.ids[f"notice_{key}"] = _location_id(response)
    response = call(http, "POST", f"/v1/enterprises/{A}/claims", token=world.token("consumer"),
                    body={"method": "admin", "note": "我是这家银行的员工。"})
    assert response.status_code == 202, response.get_json()
    world.ids["claim"] = response.get_json()["id"]
    world.ids["fact"] = _pending_fact(world, "95502")
    response = call(http, "POST", f"/v1/enterprises/{A}/reports",
                    body={"topic": "wrong_number", "message": "这个号码已停用。"})
    assert response.status_code == 201, response.get_json()
    world.ids["report"] = response.get_json()["id"]
    _consumers_world(world)
    _members_world(world)
    response = call(http, "POST", "/v1/me/clients", token=world.token("consumer"),
                    body={"name": "Consumer's reader"})
    assert response.status_code == 201, response.get_json()
    world.ids["my_client"] = response.get_json()["client_id"]
    _tips_world(world)
    return world


NEW_LINES = {"a": "4006695501", "b": "4006695502"}


def _tips_world(world: World) -> None:
    """The consumer's tip on A's and on B's phone line, and a suggested new line for each."""
    for key, listing in (("a", A), ("b", B)):
        response = call(world.http, "POST", f"/v1/channels/{world.ids[f'channel_{key}']}/tips",
                        token=world.token("consumer"), body={"keys": ["0"]})
        assert response.status_code == 201, response.get_json()
        world.ids[f"tip_{key}"] = response.get_json()["id"]
        response = call(world.http, "POST", f"/v1/enterprises/{listing}/suggestions",
                        token=world.token("consumer"),
                        body={"kind": "add_channel", "changes": {"kind": "phone", "value": NEW_LINES[key]}})
        assert response.status_code == 201, response.get_json()
        world.ids[f"suggestion_{key}"] = response.get_json()["id"]


def _pending_fact(world: World, number: str) -> str:
    """The review of a number owner_a adds to A (it waits for an administrator)."""
    from directory.reviews import FactReview

    _body, etag = managed(world, "owner_a", A)
    response = call(world.http, "POST", f"/v1/enterprises/{A}/channels", token=world.token("owner_a"),
                    if_match=etag, body={"kind": "phone", "value": number})
    assert response.status_code == 201, response.get_json()
    with world.session() as session:
        return session.scalar(select(FactReview.id).where(
            FactReview.channel_id == _location_id(response), FactReview.status == "pending"))


def _members_world(world: World) -> None:
    """A pending invitation on A and on B (stored directly: B has no owner to send one)."""
    now = datetime.now(UTC)
    with world.session() as session:
        for key, listing in (("a", A), ("b", B)):
            invitation = Invitation(id=f"inv_{secrets.token_hex(8)}", enterprise_id=listing,
                                    email=f"invited-{key}@example.org", role="editor",
                                    token_hash=digest(secrets.token_urlsafe(32)), status="pending",
                                    created_at=now, expires_at=now + timedelta(days=7))
            session.add(invitation)
            world.ids[f"invitation_{key}"] = invitation.id
        session.commit()
    world.ids.update(member_a=world.users["member_a"], member_b=world.users["member_b"])


def _consumers_world(world: World) -> None:
    """On A and B: a phone line taking callbacks, the consumer's callback request and handoff,
    a webhook and a live status (webhooks are stored directly: registering one needs a
    receiver with public addresses, which this machine has not)."""
    http = world.http
    response = call(http, "POST", f"/v1/channels/{world.ids['channel_b']}/experiences",
                    token=world.token("consumer"), body={"waited_minutes": 4, "reached_person": True})
    assert response.status_code == 201, response.get_json()
    world.ids["experience"] = response.get_json()["id"]
    for who, listing, key in (("owner_a", A, "a"), ("editor_b", B, "b")):
        _body, etag = managed(world, who, listing)
        response = call(http, "PATCH", f"/v1/enterprises/{listing}/channels/{world.ids[f'channel_{key}']}",
                        token=world.token(who), if_match=etag, body={"accepts_callbacks": True})
        assert response.status_code == 200, response.get_json()
        response = call(http, "POST", f"/v1/channels/{world.ids[f'channel_{key}']}/callbacks",
                        token=world.token("consumer"), body={"phone": "13800138000", "topic": "账单",
                                                             **WINDOW})
        assert response.status_code == 201, response.get_json()
        world.ids[f"callback_{key}"] = response.get_json()["id"]
        response = call(http, "POST", f"/v1/enterprises/{listing}/contacts", token=world.token("consumer"),
                        body={"channel_id": world.ids[f"channel_{key}"], "topic": "挂失",
                              "details": {"reference": f"ref-{key}"}})
        assert response.status_code == 201, response.get_json()
        world.ids[f"handoff_{key}"] = response.get_json()["handoff"]["token"]
        response = call(http, "PUT", f"/v1/manage/channels/{world.ids[f'channel_{key}']}/status",
                        token=world.token(who), body=LIVE)
        assert response.status_code == 200, response.get_json()
        with world.session() as session:
            hook = Webhook(id=f"whk_{secrets.token_hex(8)}", enterprise_id=listing,
                           url=f"https://hooks.{listing}.example.com/c800", events=list(EVENTS),
                           secret="whsec_test", active=True, created_by=world.users[who])
            session.add(hook)
            session.commit()
            world.ids[f"webhook_{key}"] = hook.id


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def world(request, tmp_path_factory):
    for http in client_over_records(request, tmp_path_factory, RECORDS):
        yield _build(http)


# --- the protected operations -------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # formatted with the world's ids and A, B, C
    scope: str
    body: dict | None = None
    if_match: str | None = None  # the listing whose ETag the write sends

    def url(self, world: World, **override: str) -> str:
        return self.path.format(**{"A": A, "B": B, "C": C, **world.ids, **override})

    def payload(self, world: World, **override: str) -> dict | None:
        if self.body is None:
            return None
        names = {"A": A, "B": B, "C": C, **world.ids, **override}
        return {k: v.format(**names) if isinstance(v, str) and "{" in v else v
                for k, v in self.body.items()}

    def send(self, world: World, **kwargs: object):  # noqa: ANN201 - a test response
        if_match = guessed_etag(world.http, self.if_match) if self.if_match else None
        return call(world.http, self.method, self.url(world), body=self.payload(world),
                    if_match=if_match, **kwargs)


NOTICE = {"title": "暴雨影响", "body": "部分网点暂停营业。", "severity": "warning"}
_SOON = datetime.now(UTC) + timedelta(hours=1)
WINDOW = {"window_start": _SOON.isoformat(), "window_end": (_SOON + timedelta(hours=2)).isoformat()}
LIVE = {"state": "open", "wait_minutes": 5, "expires_at": (_SOON + timedelta(hours=11)).isoformat()}
# Every operation guarded by require_scope, aimed at what its rightful caller may touch.
OPERATIONS = {
    "patch-listing": Operation("PATCH", "/v1/enterprises/{A}", "listings:write",
                               {"description": "个人及企业银行服务"}, A),
    "add-channel": Operation("POST", "/v1/enterprises/{A}/channels", "listings:write",
                             {"kind": "email", "value": "help@alphabank.cn"}, A),
    "patch-channel": Operation("PATCH", "/v1/enterprises/{A}/channels/{channel_a}", "listings:write",
                               {"label": "热线"}, A),
    "add-notice": Operation("POST", "/v1/enterprises/{A}/notices", "listings:write", NOTICE, A),
    "patch-notice": Operation("PATCH", "/v1/enterprises/{A}/notices/{notice_a}", "listings:write",
                              {"hidden": True}, A),
    "restore-version": Operation("POST", "/v1/enterprises/{A}/versions/1/restore", "listings:write",
                                 None, A),
    "manage-listing": Operation("GET", "/v1/manage/enterprises/{A}", "listings:write"),
    "versions": Operation("GET", "/v1/enterprises/{A}/versions", "listings:write"),
    "claim": Operation("POST", "/v1/enterprises/{A}/claims", "me", {"method": "admin"}),
    "me": Operation("GET", "/v1/me", "me"),
    "my-claim": Operation("GET", "/v1/me/claims/{claim}", "me"),
    "admin-claims": Operation("GET", "/v1/admin/claims", "admin"),
    "admin-decision": Operation("POST", "/v1/admin/claims/{claim}/decision", "admin",
                                {"decision": "approve"}),
    "admin-reports": Operation("GET", "/v1/admin/reports", "admin"),
    "admin-report": Operation("PATCH", "/v1/admin/reports/{report}", "admin",
                              {"status": "dismissed", "resolution": "无需处理。"}),
    "admin-status": Operation("PUT", "/v1/admin/enterprises/{B}/status", "admin",
                              {"status": "suspended", "reason": "核实中"}),
    "admin-facts": Operation("GET", "/v1/admin/facts", "admin"),
    "admin-fact-decision": Operation("POST", "/v1/admin/facts/{fact}/decision", "admin",
                                     {"decision": "approve"}),
    # consumers (issue 6)
    "following": Operation("GET", "/v1/me/following", "me"),
    "follow-read": Operation("GET", "/v1/me/following/{A}", "me"),
    "follow": Operation("PUT", "/v1/me/following/{A}", "me"),
    "unfollow": Operation("DELETE", "/v1/me/following/{A}", "me"),
    "my-notices": Operation("GET", "/v1/me/notices", "me"),
    "devices": Operation("GET", "/v1/me/devices", "me"),
    "device-put": Operation("PUT", "/v1/me/devices/phone-1", "me",
                            {"platform": "ios", "token": "ab" * 32, "language": "en"}),
    "device-read": Operation("GET", "/v1/me/devices/phone-1", "me"),
    "device-remove": Operation("DELETE", "/v1/me/devices/phone-1", "me"),
    "notifications": Operation("GET", "/v1/me/notifications", "me"),
    "notifications-unread": Operation("GET", "/v1/me/notifications/unread", "me"),
    "notifications-read": Operation("POST", "/v1/me/notifications/read", "me",
                                    {"ids": ["ntf_0123456789abcdef"]}),
    "experience": Operation("POST", "/v1/channels/{channel_a}/experiences", "me",
                            {"waited_minutes": 3, "reached_person": True}),
    "contact": Operation("POST", "/v1/enterprises/{A}/contacts", "me",
                         {"channel_id": "{channel_a}", "topic": "挂失"}),
    "callback": Operation("POST", "/v1/channels/{channel_a}/callbacks", "me",
                          {"phone": "13900139000", "topic": "账单", **WINDOW}),
    "my-experiences": Operation("GET", "/v1/me/experiences", "me"),
    "withdraw-experience": Operation("DELETE", "/v1/me/experiences/{experience}", "me"),
    "my-callbacks": Operation("GET", "/v1/me/callbacks", "me"),
    # the crowd's tips (issue 17)
    "tip-add": Operation("POST", "/v1/channels/{channel_a}/tips", "me", {"keys": ["2", "0"]}),
    "tip-vote": Operation("PUT", "/v1/tips/{tip_b}/vote", "me", {"worked": True}),
    "tip-unvote": Operation("DELETE", "/v1/tips/{tip_b}/vote", "me"),
    "tip-report": Operation("POST", "/v1/tips/{tip_b}/reports", "me", {"reason": "wrong"}),
    "my-tips": Operation("GET", "/v1/me/tips", "me"),
    "withdraw-tip": Operation("DELETE", "/v1/me/tips/{tip_a}", "me"),
    "tip-moderate": Operation("PATCH", "/v1/manage/tips/{tip_a}", "listings:write", {"hidden": True}),
    "admin-tip": Operation("PATCH", "/v1/admin/tips/{tip_b}", "admin", {"hidden": True}),
    "suggest": Operation("POST", "/v1/enterprises/{A}/suggestions", "me",
                         {"kind": "add_channel", "changes": {"kind": "phone", "value": "4006695509"}}),
    "my-suggestions": Operation("GET", "/v1/me/suggestions", "me"),
    "suggestions": Operation("GET", "/v1/manage/enterprises/{A}/suggestions", "listings:write"),
    "suggestion-decide": Operation("POST", "/v1/manage/suggestions/{suggestion_a}/decision",
                                   "listings:write", {"decision": "reject"}),
    "admin-suggestions": Operation("GET", "/v1/admin/suggestions", "admin"),
    "admin-suggestion-decide": Operation("POST", "/v1/admin/suggestions/{suggestion_b}/decision", "admin",
                                         {"decision": "reject"}),
    "my-callback": Operation("GET", "/v1/me/callbacks/{callback_a}", "me"),
    "cancel-callback": Operation("POST", "/v1/me/callbacks/{callback_a}/cancel", "me"),
    # enterprises serving them
    "live-read": Operation("GET", "/v1/manage/channels/{channel_a}/status", "listings:write"),
    "live-set": Operation("PUT", "/v1/manage/channels/{channel_a}/status", "listings:write",
                          {**LIVE, "state": "closed", "wait_minutes": None}),
    "live-clear": Operation("DELETE", "/v1/manage/channels/{channel_a}/status", "listings:write"),
    "handoff": Operation("GET", "/v1/manage/handoffs/{handoff_a}", "listings:write"),
    "callback-queue": Operation("GET", "/v1/manage/enterprises/{A}/callbacks", "listings:write"),
    "callback-read": Operation("GET", "/v1/manage/callbacks/{callback_a}", "listings:write"),
    "callback-handle": Operation("PATCH", "/v1/manage/callbacks/{callback_a}", "listings:write",
                                 {"status": "declined"}),
    "webhooks": Operation("GET", "/v1/manage/enterprises/{A}/webhooks", "listings:write"),
    "webhook-add": Operation("POST", "/v1/manage/enterprises/{A}/webhooks", "listings:write",
                             {"url": "https://hooks.example.com/c800"}),
    "deliveries": Operation("GET", "/v1/manage/webhooks/{webhook_a}/deliveries", "listings:write"),
    "webhook-remove": Operation("DELETE", "/v1/manage/webhooks/{webhook_a}", "listings:write"),
    "insights": Operation("GET", "/v1/manage/enterprises/{A}/insights", "listings:write"),
    # who keeps a listing (issue 16): owners only
    "members": Operation("GET", "/v1/manage/enterprises/{A}/members", "listings:write"),
    "member-role": Operation("PATCH", "/v1/manage/enterprises/{A}/members/{member_a}", "listings:write",
                             {"role": "owner"}),
    "member-remove": Operation("DELETE", "/v1/manage/enterprises/{A}/members/{member_a}", "listings:write"),
    "invitations": Operation("GET", "/v1/manage/enterprises/{A}/invitations", "listings:write"),
    "invite": Operation("POST", "/v1/manage/enterprises/{A}/invitations", "listings:write",
                        {"email": "newcomer@example.org", "role": "owner"}),
    "invitation": Operation("GET", "/v1/manage/enterprises/{A}/invitations/{invitation_a}",
                            "listings:write"),
    "invitation-revoke": Operation("DELETE", "/v1/manage/enterprises/{A}/invitations/{invitation_a}",
                                   "listings:write"),
    "accept-invitation": Operation("POST", "/v1/me/invitations/accept", "me", {"token": "not-a-code"}),
    "admin-members": Operation("GET", "/v1/admin/enterprises/{B}/members", "admin"),
    "admin-member-add": Operation("POST", "/v1/admin/enterprises/{B}/members", "admin",
                                  {"email": "someone@example.org", "role": "owner"}),
    "admin-member-role": Operation("PATCH", "/v1/admin/enterprises/{B}/members/{member_b}", "admin",
                                   {"role": "owner"}),
    "admin-member-remove": Operation("DELETE", "/v1/admin/enterprises/{B}/members/{member_b}", "admin"),
    # API clients people register themselves (issue 18)
    "my-clients": Operation("GET", "/v1/me/clients", "me"),
    "client-register": Operation("POST", "/v1/me/clients", "me", {"name": "Authz reader"}),
    "my-client": Operation("GET", "/v1/me/clients/{my_client}", "me"),
    "client-rotate": Operation("POST", "/v1/me/clients/{my_client}/secret", "me"),
    "client-delete": Operation("DELETE", "/v1/me/clients/{my_client}", "me"),
    # the account a person owns (issue 18); positive controls in tests/api/test_account.py
    "delete-me": Operation("DELETE", "/v1/me", "me", {"password": "not the password"}),
    "export": Operation("GET", "/v1/me/export", "me"),
    "email-change": Operation("POST", "/v1/me/email", "me",
                              {"email": "elsewhere@example.org", "password": "not the password"}),
    "my-contacts": Operation("GET", "/v1/me/contacts", "me"),
    "forget-contact": Operation("DELETE", "/v1/me/contacts/hof_0000000000000000", "me"),
    "forget-contacts": Operation("DELETE", "/v1/me/contacts", "me"),
}
# What only a listing's owners may do; its editors are refused like strangers.
OWNER_ONLY = ["webhooks", "webhook-add", "deliveries", "webhook-remove", "members", "member-role",
              "member-remove", "invitations", "invite", "invitation", "invitation-revoke"]
ALL = pytest.mark.parametrize("name", list(OPERATIONS))
LISTING_OPERATIONS = [n for n, op in OPERATIONS.items() if op.scope == "listings:write"]
ADMIN_OPERATIONS = [n for n, op in OPERATIONS.items() if op.scope == "admin"]
USER_OPERATIONS = [n for n, op in OPERATIONS.items() if op.scope != "admin"]


# On PostgreSQL (see the module's docstring): writes, and one operation per method and scope.
WRITES = {n for n, op in OPERATIONS.items() if op.method != "GET"}
REPRESENTATIVES = set({(op.method, op.scope): n for n, op in reversed(OPERATIONS.items())}.values())
AUTHENTICATION_MATRICES = {
    "test_no_token_is_401_with_a_bearer_challenge",
    "test_without_a_token_nothing_else_of_the_request_is_looked_at",
    "test_head_of_a_protected_read_needs_a_token_too",
    "test_unknown_or_forged_token_is_401_invalid_token",
    "test_a_header_that_is_not_a_bearer_token_is_401",
    "test_client_credentials_as_http_basic_are_not_a_token",
    "test_a_token_in_the_query_string_is_not_accepted",
    "test_a_token_without_the_scope_is_403_insufficient_scope",
    "test_a_token_that_acts_for_no_user_is_403",
}
REFUSALS_LEAVING_THINGS_UNCHANGED = {
    "test_a_listing_you_do_not_keep_is_refused_and_unchanged",
    "test_administrators_operations_refuse_everyone_else",
    "test_an_admin_scoped_token_asked_for_explicitly_does_not_help_a_non_admin",
    "test_an_editor_may_not_manage_members_or_webhooks",
}


def on_postgresql(item: pytest.Item) -> bool:
    """Whether this PostgreSQL row of a test runs (tests/api/conftest.py asks)."""
    name = item.callspec.params.get("name")
    if item.originalname in AUTHENTICATION_MATRICES:
        return name in REPRESENTATIVES
    if item.originalname in REFUSALS_LEAVING_THINGS_UNCHANGED:
        return name in WRITES
    return True


def test_every_scoped_view_is_in_this_module(world):
    """A new protected operation must be added to OPERATIONS (and so to every test here)."""
    app = world.http.application
    guarded = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        target = getattr(view, "view_class", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            function = getattr(target, method.lower(), None) if target is not None else view
            if getattr(function, "_c800_scopes", None):
                guarded.add((method, rule.endpoint))
    adapter = app.url_map.bind("localhost")
    covered = {(op.method, adapter.match(op.url(world), method=op.method)[0])
               for op in OPERATIONS.values()}
    assert guarded == covered


# --- no token, bad tokens, wrong scope ----------------------------------------------------


def assert_problem(response, status: int) -> str:  # noqa: ANN001 - a test response
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == PROBLEM
    assert response.get_json()["status"] == status
    return response.headers.get("WWW-Authenticate", "")


@ALL
def test_no_token_is_401_with_a_bearer_challenge(world, name):
    challenge = assert_problem(OPERATIONS[name].send(world), 401)
    assert challenge.startswith("Bearer")
    assert 'realm="c800"' in challenge
    assert "error=" not in challenge  # RFC 6750 3.1: no error code when no credentials were sent


@ALL
def test_without_a_token_nothing_else_of_the_request_is_looked_at(world, name):
    """401 before any 422: an unauthenticated caller learns nothing of the parameters."""
    op = OPERATIONS[name]
    response = call(world.http, op.method, f"{op.url(world)}?limit=0&from=9999-99-99&junk=%00",
                    body={"unknown": "\x00"} if op.method != "GET" else None)
    assert assert_problem(response, 401).startswith("Bearer")


@pytest.mark.parametrize("name", [n for n, op in OPERATIONS.items() if op.method == "GET"])
def test_head_of_a_protected_read_needs_a_token_too(world, name):
    response = world.http.head(OPERATIONS[name].url(world))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = world.http.head(OPERATIONS[name].url(world),
                               headers={"Authorization": f"Bearer {world.token('reader')}"})
    assert response.status_code == 403


BAD_TOKENS = {
    "random": lambda world: secrets.token_urlsafe(32),
    "oversized": lambda world: "A" * 600,
    "jwt-looking": lambda world: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsInNjb3BlIjoiYWRtaW4ifQ.",
    "the stored digest": lambda world: digest(world.token("admin")),
    "a client secret": lambda world: world.clients["admin"].secret,
    "truncated": lambda world: world.token("admin")[:-1],
    "with junk after": lambda world: world.token("admin") + " junk",
}


@ALL
@pytest.mark.parametrize("bad", list(BAD_TOKENS))
def test_unknown_or_forged_token_is_401_invalid_token(world, name, bad):
    challenge = assert_problem(OPERATIONS[name].send(world, token=BAD_TOKENS[bad](world)), 401)
    assert challenge.startswith("Bearer")
    assert 'error="invalid_token"' in challenge


@ALL
@pytest.mark.parametrize("authorization", ["Bearer", "Bearer ", "Token abc", "Basic"])
def test_a_header_that_is_not_a_bearer_token_is_401(world, name, authorization):
    challenge = assert_problem(OPERATIONS[name].send(world, authorization=authorization), 401)
    assert challenge.startswith("Bearer")


@ALL
def test_client_credentials_as_http_basic_are_not_a_token(world, name):
    response = OPERATIONS[name].send(world, authorization=world.clients["admin"].basic)
    assert assert_problem(response, 401).startswith("Bearer")


@pytest.mark.parametrize("name", [n for n, op in OPERATIONS.items() if op.method != "GET"])
def test_a_token_in_the_query_string_is_not_accepted(world, name):
    op = OPERATIONS[name]
    who = "admin" if op.scope == "admin" else "owner_a"
    if_match = guessed_etag(world.http, op.if_match) if op.if_match else None
    response = call(world.http, op.method, f"{op.url(world)}?access_token={world.token(who)}",
                    body=op.payload(world), if_match=if_match)
    assert assert_problem(response, 401).startswith("Bearer")


@ALL
@pytest.mark.parametrize("source", ["directory:read client", "down-scoped token"])
def test_a_token_without_the_scope_is_403_insufficient_scope(world, name, source):
    op = OPERATIONS[name]
    if source == "directory:read client":
        token = world.token("reader")
    else:  # the admin's own client, asking the token endpoint for less than it may have
        granted = issue(world.http, world.clients["admin"], "directory:read")
        assert granted["scope"] == "directory:read"
        token = granted["access_token"]
    challenge = assert_problem(op.send(world, token=token), 403)
    assert challenge.startswith("Bearer")
    assert 'error="insufficient_scope"' in challenge
    assert f'scope="{op.scope}"' in challenge


@pytest.mark.parametrize("name", USER_OPERATIONS)
def test_a_token_that_acts_for_no_user_is_403(world, name):
    assert world.tokens["userless"]["scope"] == USER_SCOPES
    assert_problem(OPERATIONS[name].send(world, token=world.token("userless")), 403)


# --- BOLA: someone else's listing ---------------------------------------------------------

# (who, a listing they do not keep): the other listing's keeper, a consumer, an administrator
TRESPASSERS = [("owner_a", B), ("editor_b", A), ("consumer", A), ("admin", B)]


def _state(world: World, enterprise_id: str) -> tuple:
    keeper = "owner_a" if enterprise_id == A else "editor_b"
    body, _etag = managed(world, keeper, enterprise_id)
    with world.session() as session:
        channels = [c["id"] for c in body["channels"]]
        service = (
            sorted((c.id, c.status, c.phone, c.note) for c in session.scalars(select(
                CallbackRequest).where(CallbackRequest.enterprise_id == enterprise_id))),
            sorted((h.id, h.first_read_at) for h in session.scalars(select(Handoff).where(
                Handoff.enterprise_id == enterprise_id))),
            sorted((w.id, w.url) for w in session.scalars(select(Webhook).where(
                Webhook.enterprise_id == enterprise_id))),
            sorted((s.channel_id, s.state, s.wait_minutes, s.updated_at) for s in session.scalars(
                select(LiveStatus).where(LiveStatus.channel_id.in_(channels)))),
            sorted((m.user_id, m.role) for m in session.scalars(select(Membership).where(
                Membership.enterprise_id == enterprise_id))),
            sorted((i.id, i.email, i.role, i.status) for i in session.scalars(select(Invitation).where(
                Invitation.enterprise_id == enterprise_id))),
        )
    return public_version(world.http, enterprise_id), body, service


@pytest.mark.parametrize("name", LISTING_OPERATIONS)
@pytest.mark.parametrize(("who", "target"), TRESPASSERS)
def test_a_listing_you_do_not_keep_is_refused_and_unchanged(world, name, who, target):
    key = "a" if target == A else "b"
    op = OPERATIONS[name]
    # the target's own channel, notice, callback, handoff, webhook in place of A's
    aimed = {f"{k[:-2]}_a": v for k, v in world.ids.items() if k.endswith(f"_{key}")}
    url = op.url(world, A=target, **aimed)
    before = _state(world, target)
    if_match = guessed_etag(world.http, target) if op.if_match else None
    response = call(world.http, op.method, url, token=world.token(who), body=op.payload(world, **aimed),
                    if_match=if_match)
    assert response.status_code in (403, 404), (response.status_code, response.get_json())
    assert response.mimetype == PROBLEM
    assert _state(world, target) == before


@pytest.mark.parametrize("what", ["channel", "notice"])
def test_another_listings_channel_or_notice_through_your_own_listing_is_404(world, what):
    """owner_a keeps A: B's channel or notice id under A's path must not reach B."""
    before = _state(world, B)
    mine = _state(world, A)
    body = {"label": "被改了"} if what == "channel" else {"hidden": True}
    response = call(world.http, "PATCH", f"/v1/enterprises/{A}/{what}s/{world.ids[f'{what}_b']}",
                    token=world.token("owner_a"), body=body, if_match=guessed_etag(world.http, A))
    assert_problem(response, 404)
    assert _state(world, B) == before
    assert _state(world, A) == mine


def test_another_users_claim_is_not_yours_to_read(world):
    response = call(world.http, "GET", f"/v1/me/claims/{world.ids['claim']}", token=world.token("owner_a"))
    assert_problem(response, 404)
    response = call(world.http, "GET", f"/v1/me/claims/{world.ids['claim']}", token=world.token("consumer"))
    assert response.status_code == 200
    assert response.get_json()["user_id"] == world.users["consumer"]


@pytest.mark.parametrize("who", ["owner_a", "editor_b", "admin"])
def test_another_consumers_callback_or_report_is_not_yours(world, who):
    """The keeper of the listing it was asked of included: they handle it under /v1/manage."""
    with world.session() as session:
        before = session.get(CallbackRequest, world.ids["callback_a"]).status
    for method, path in (("GET", "/v1/me/callbacks/{callback_a}"),
                         ("POST", "/v1/me/callbacks/{callback_a}/cancel"),
                         ("DELETE", "/v1/me/experiences/{experience}")):
        response = call(world.http, method, path.format(**world.ids), token=world.token(who))
        assert_problem(response, 404)
    listed = call(world.http, "GET", "/v1/me/callbacks", token=world.token(who)).get_json()["items"]
    assert world.ids["callback_a"] not in [c["id"] for c in listed]
    with world.session() as session:
        assert session.get(CallbackRequest, world.ids["callback_a"]).status == before
        assert session.get(Experience, world.ids["experience"]) is not None


def test_me_is_the_tokens_own_user(world):
    for who in ("owner_a", "editor_b", "consumer", "admin"):
        response = call(world.http, "GET", "/v1/me", token=world.token(who))
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["id"] == world.users[who]


# --- BFLA: the administrators' operations -------------------------------------------------


def _admin_state(world: World) -> tuple:
    from directory.reviews import FactReview

    claim, report = claim_of(world, world.ids["claim"]), report_of(world, world.ids["report"])
    version, body, service = _state(world, B)
    with world.session() as session:
        fact = session.get(FactReview, world.ids["fact"]).status
    return claim.status, report.status, report.resolution, version, body["status"], service, fact, \
        public_version(world.http, A)


@pytest.mark.parametrize("name", ADMIN_OPERATIONS)
@pytest.mark.parametrize("who", ["owner_a", "owner_a_admin", "editor_b", "consumer"])
def test_administrators_operations_refuse_everyone_else(world, name, who):
    granted = world.tokens[who]["scope"].split()
    before = _admin_state(world)
    response = OPERATIONS[name].send(world, token=world.token(who))
    challenge = assert_problem(response, 403)
    if "admin" not in granted:
        assert 'error="insufficient_scope"' in challenge
    assert _admin_state(world) == before


@pytest.mark.parametrize("name", ADMIN_OPERATIONS)
def test_an_admin_scoped_token_asked_for_explicitly_does_not_help_a_non_admin(world, name):
    asked = world.http.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "admin"},
                            headers={"Authorization": world.clients["owner_a_admin"].basic})
    assert asked.status_code == 400 and asked.get_json()["error"] == "invalid_scope"
    granted = issue(world.http, world.clients["owner_a_admin"], f"{USER_SCOPES} admin")
    before = _admin_state(world)
    assert_problem(OPERATIONS[name].send(world, token=granted["access_token"]), 403)
    assert _admin_state(world) == before


def test_token_endpoint_withholds_admin_from_a_non_admin_users_client(world):
    """``user_scope`` keeps ``admin`` for administrators in the code grant; client credentials
    acting for a non-administrator must not be granted it either (introspection and /v1/me
    report the token's scope to others)."""
    for scope in (None, f"{USER_SCOPES} admin"):
        granted = issue(world.http, world.clients["owner_a_admin"], scope)
        assert "admin" not in granted.get("scope", "").split(), granted
    assert "admin" in issue(world.http, world.clients["admin"], "admin")["scope"].split()


@pytest.mark.parametrize("introspector", ["owner_a_admin", "consent_app", "editor_b", "owner_a"])
def test_introspection_of_another_clients_token_says_nothing(world, introspector):
    """RFC 7662 here is for a client's own tokens; `admin` in a client's registered scope does
    not make its (non-administrator) holder an administrator."""
    victim = issue(world.http, world.clients["consumer"])["access_token"]
    assert introspect(world, "consumer", victim)["active"] is True
    assert introspect(world, introspector, victim) == {"active": False}


def test_an_administrator_may_introspect_any_token(world):
    victim = issue(world.http, world.clients["consumer"])["access_token"]
    answer = introspect(world, "admin", victim)
    assert answer["active"] is True
    assert answer["client_id"] == world.clients["consumer"].client_id


# --- mass assignment ----------------------------------------------------------------------

READ_ONLY_LISTING = {
    "id": B, "verified": True, "version": 999, "status": "suspended", "source": ["forged"],
    "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z", "managed": False,
    "web_review": {"status": "checked"}, "verification": {"method": "admin"},
    # what the data sources say of the brand: no owner can make a listing look like another's
    "wikidata": "Q37158", "dissolved": "2020-01-01",
    "logo": {"url": "https://example.com/logo.png", "source": "forged", "retrieved": "2026-01-01"},
}


def _names_field(response, name: str) -> None:  # noqa: ANN001 - a test response
    assert_problem(response, 422)
    errors = response.get_json().get("errors") or []
    assert any(e["field"] == name and e["location"] == "json" for e in errors), errors


@pytest.mark.parametrize("name", list(READ_ONLY_LISTING))
def test_read_only_listing_fields_are_refused(world, name):
    before, etag = managed(world, "owner_a", A)
    response = call(world.http, "PATCH", f"/v1/enterprises/{A}", token=world.token("owner_a"),
                    if_match=etag, body={"description": "改了", name: READ_ONLY_LISTING[name]})
    _names_field(response, name)
    after, etag_after = managed(world, "owner_a", A)
    assert (after, etag_after) == (before, etag)


READ_ONLY_CHANNEL = {"id": "ch_0000000000000000", "source": "test:forged",
                     "verified_at": "2026-01-01T00:00:00Z", "review": {"status": "checked"},
                     "platform": "weibo", "retrieved": "2026-01-01"}


@pytest.mark.parametrize("name", list(READ_ONLY_CHANNEL))
def test_read_only_channel_fields_are_refused_on_create(world, name):
    before, etag = managed(world, "owner_a", A)
    body = {"kind": "email", "value": f"ma-{secrets.token_hex(3)}@alphabank.cn",
            name: READ_ONLY_CHANNEL[name]}
    response = call(world.http, "POST", f"/v1/enterprises/{A}/channels", token=world.token("owner_a"),
                    if_match=etag, body=body)
    _names_field(response, name)
    assert managed(world, "owner_a", A) == (before, etag)


@pytest.mark.parametrize("name", list(READ_ONLY_CHANNEL))
def test_read_only_channel_fields_are_refused_on_edit(world, name):
    before, etag = managed(world, "owner_a", A)
    response = call(world.http, "PATCH", f"/v1/enterprises/{A}/channels/{world.ids['channel_a']}",
                    token=world.token("owner_a"), if_match=etag,
                    body={"label": "改了", name: READ_ONLY_CHANNEL[name]})
    _names_field(response, name)
    assert managed(world, "owner_a", A) == (before, etag)


@pytest.mark.parametrize(("name", "value"), [("id", "nt_0000000000000000"),
                                             ("created_at", "2000-01-01T00:00:00Z")])
def test_read_only_notice_fields_are_refused(world, name, value):
    before, etag = managed(world, "owner_a", A)
    response = call(world.http, "POST", f"/v1/enterprises/{A}/notices", token=world.token("owner_a"),
                    if_match=etag, body={**NOTICE, name: value})
    _names_field(response, name)
    response = call(world.http, "PATCH", f"/v1/enterprises/{A}/notices/{world.ids['notice_a']}",
                    token=world.token("owner_a"), if_match=etag, body={"title": "改了", name: value})
    _names_field(response, name)
    assert managed(world, "owner_a", A) == (before, etag)


@pytest.mark.parametrize(("name", "value"), [("status", "approved"), ("user_id", "usr_0000000000000000"),
                                             ("enterprise_id", B)])
def test_a_claim_cannot_set_what_the_system_decides(world, name, value):
    response = call(world.http, "POST", f"/v1/enterprises/{C}/claims", token=world.token("consumer"),
                    body={"method": "admin", name: value})
    _names_field(response, name)


# --- expired and revoked tokens -----------------------------------------------------------


def test_an_expired_token_is_refused(world):
    token = issue(world.http, world.clients["owner_a"])["access_token"]
    assert call(world.http, "GET", "/v1/me", token=token).status_code == 200
    with world.session() as session:
        row = session.scalar(select(OAuthToken).where(OAuthToken.access_token_hash == digest(token)))
        row.issued_at = int(time.time()) - 30 * 24 * 3600
        session.commit()
    for op in (OPERATIONS["me"], OPERATIONS["manage-listing"], OPERATIONS["patch-listing"]):
        challenge = assert_problem(op.send(world, token=token), 401)
        assert 'error="invalid_token"' in challenge
    assert introspect(world, "owner_a", token) == {"active": False}


def test_a_token_expires_at_its_lifetime(world):
    granted = issue(world.http, world.clients["owner_a"])
    with world.session() as session:
        row = session.scalar(select(OAuthToken).where(
            OAuthToken.access_token_hash == digest(granted["access_token"])))
        row.issued_at = int(time.time()) - granted["expires_in"]
        session.commit()
    assert_problem(call(world.http, "GET", "/v1/me", token=granted["access_token"]), 401)


def test_a_revoked_token_is_refused(world):
    token = issue(world.http, world.clients["owner_a"])["access_token"]
    assert call(world.http, "GET", "/v1/me", token=token).status_code == 200
    response = world.http.post("/oauth/revoke", data={"token": token, "token_type_hint": "access_token"},
                               headers={"Authorization": world.clients["owner_a"].basic})
    assert response.status_code == 200, response.get_data(as_text=True)
    for op in (OPERATIONS["me"], OPERATIONS["manage-listing"], OPERATIONS["patch-listing"]):
        challenge = assert_problem(op.send(world, token=token), 401)
        assert 'error="invalid_token"' in challenge
    assert introspect(world, "owner_a", token) == {"active": False}
    # the client's other tokens live on
    assert call(world.http, "GET", "/v1/me", token=world.token("owner_a")).status_code == 200


def test_another_client_cannot_revoke_your_token(world):
    token = issue(world.http, world.clients["owner_a"])["access_token"]
    response = world.http.post("/oauth/revoke", data={"token": token},
                               headers={"Authorization": world.clients["editor_b"].basic})
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    assert call(world.http, "GET", "/v1/me", token=token).status_code == 200
    assert introspect(world, "owner_a", token)["active"] is True


def test_the_token_endpoint_needs_the_clients_secret(world):
    client = world.clients["admin"]
    wrong = Registered(client.client_id, "not-the-secret", client.user_id)
    response = world.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                               headers={"Authorization": wrong.basic})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    response = world.http.post("/oauth/token", data={"grant_type": "client_credentials",
                                                     "client_id": client.client_id})
    assert response.status_code in (400, 401)
    assert "access_token" not in response.get_json()


def test_a_client_cannot_be_granted_a_scope_it_was_not_registered_for(world):
    granted = world.http.post("/oauth/token", data={"grant_type": "client_credentials",
                                                    "scope": "directory:read admin"},
                              headers={"Authorization": world.clients["reader"].basic})
    if granted.status_code == 200:
        assert granted.get_json()["scope"].split() == ["directory:read"]
        token = granted.get_json()["access_token"]
        assert_problem(OPERATIONS["admin-claims"].send(world, token=token), 403)
    else:
        assert granted.get_json()["error"] == "invalid_scope"


# --- positive controls --------------------------------------------------------------------


def _owner_body(name: str, target: str) -> dict | None:
    if name == "add-channel":
        domain = "alphabank.cn" if target == A else "betatel.cn"
        return {"kind": "email", "value": f"help-{secrets.token_hex(3)}@{domain}"}
    if name == "add-notice":
        return NOTICE
    return OPERATIONS[name].body


# Edits of the listing itself (they change its version) and what serves consumers (they do not).
EDIT_OPERATIONS = [n for n in LISTING_OPERATIONS
                   if OPERATIONS[n].if_match or n in ("manage-listing", "versions")]
SERVICE_OPERATIONS = [n for n in LISTING_OPERATIONS if n not in EDIT_OPERATIONS and n not in OWNER_ONLY]


@pytest.mark.parametrize("name", SERVICE_OPERATIONS)
@pytest.mark.parametrize(("who", "target"), [("owner_a", A), ("editor_b", B)])
def test_the_keeper_of_a_listing_may_serve_its_consumers(world, name, who, target):
    key = "a" if target == A else "b"
    op = OPERATIONS[name]
    aimed = {f"{k[:-2]}_a": v for k, v in world.ids.items() if k.endswith(f"_{key}")}
    version = public_version(world.http, target)
    response = call(world.http, op.method, op.url(world, A=target, **aimed), token=world.token(who),
                    body=op.payload(world, **aimed))
    assert response.status_code in (200, 201, 204), (response.status_code, response.get_json())
    assert "public" not in response.headers.get("Cache-Control", "")
    assert public_version(world.http, target) == version


def _spare_targets(world: World) -> dict[str, str]:
    """On A, what an owner's operation may use up: a webhook, an invitation, and an editor
    (member_b, added to A for the test; the world's own stay as they are)."""
    now = datetime.now(UTC)
    with world.session() as session:
        hook = Webhook(id=f"whk_{secrets.token_hex(8)}", enterprise_id=A,
                       url="https://hooks.example.com/spare", events=list(EVENTS), secret="whsec_test",
                       active=True, created_by=world.users["owner_a"])
        invitation = Invitation(id=f"inv_{secrets.token_hex(8)}", enterprise_id=A,
                                email="spare@example.org", role="editor",
                                token_hash=digest(secrets.token_urlsafe(32)), status="pending",
                                created_at=now, expires_at=now + timedelta(days=7))
        session.add_all([hook, invitation, Membership(user_id=world.users["member_b"], enterprise_id=A,
                                                      role="editor", created_at=now)])
        session.commit()
    return {"webhook_a": hook.id, "invitation_a": invitation.id, "member_a": world.users["member_b"]}


@pytest.mark.parametrize("name", OWNER_ONLY)
def test_an_owner_manages_the_listings_members_and_webhooks(world, name):
    op = OPERATIONS[name]
    spare = _spare_targets(world)
    version = public_version(world.http, A)
    try:
        response = call(world.http, op.method, op.url(world, **spare), token=world.token("owner_a"),
                        body=op.payload(world, **spare))
        if name == "webhook-add":  # past authorization; no host here has public addresses
            assert response.status_code == 422
            assert response.get_json()["errors"][0]["field"] == "url"
        else:
            assert response.status_code in (200, 201, 204), (response.status_code, response.get_json())
        assert "public" not in response.headers.get("Cache-Control", "")
        assert public_version(world.http, A) == version
    finally:
        with world.session() as session:
            session.execute(delete(Membership).where(Membership.user_id == world.users["member_b"],
                                                     Membership.enterprise_id == A))
            session.commit()


@pytest.mark.parametrize("name", OWNER_ONLY)
def test_an_editor_may_not_manage_members_or_webhooks(world, name):
    """Editors edit content and serve consumers; members and webhooks are their owners'."""
    op = OPERATIONS[name]
    aimed = {f"{k[:-2]}_a": v for k, v in world.ids.items() if k.endswith("_b")}
    before = _state(world, B)
    response = call(world.http, op.method, op.url(world, A=B, **aimed), token=world.token("editor_b"),
                    body=op.payload(world, **aimed))
    assert_problem(response, 403)
    assert _state(world, B) == before


def test_an_administrator_manages_any_listings_members(world):
    members = f"/v1/admin/enterprises/{C}/members"
    listed = call(world.http, "GET", members, token=world.token("admin"))
    assert listed.status_code == 200 and listed.get_json()["items"] == []
    added = call(world.http, "POST", members, token=world.token("admin"),
                 body={"email": USERS["member_a"][0], "role": "owner"})
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["user_id"] == world.users["member_a"]
    one = f"{members}/{world.users['member_a']}"
    changed = call(world.http, "PATCH", one, token=world.token("admin"), body={"role": "editor"})
    assert changed.status_code == 200 and changed.get_json()["role"] == "editor"
    assert call(world.http, "DELETE", one, token=world.token("admin")).status_code == 204
    assert call(world.http, "GET", members, token=world.token("admin")).get_json()["items"] == []
    assert "public" not in listed.headers.get("Cache-Control", "")


@pytest.mark.parametrize("name", EDIT_OPERATIONS)
@pytest.mark.parametrize(("who", "target"), [("owner_a", A), ("editor_b", B)])
def test_the_keeper_of_a_listing_may_do_each_thing(world, name, who, target):
    key = "a" if target == A else "b"
    op = OPERATIONS[name]
    url = op.path.replace("{A}", target).replace("{channel_a}", world.ids[f"channel_{key}"]) \
        .replace("{notice_a}", world.ids[f"notice_{key}"])
    _body, etag = managed(world, who, target)
    response = call(world.http, op.method, url, token=world.token(who), body=_owner_body(name, target),
                    if_match=etag if op.method != "GET" else None)
    assert response.status_code in (200, 201), (response.status_code, response.get_json())
    assert "public" not in response.headers.get("Cache-Control", "")
    if op.method != "GET":
        assert response.headers["ETag"] != etag
        assert public_version(world.http, target) == int(response.headers["ETag"].strip('"v'))


def test_me_shows_what_the_user_keeps(world):
    response = call(world.http, "GET", "/v1/me", token=world.token("owner_a"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["memberships"] == [{"enterprise_id": A, "role": "owner"}]
    assert body["is_admin"] is False
    assert "public" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(("name", "item"), [("admin-claims", "claim"), ("admin-reports", "report"),
                                            ("admin-facts", "fact")])
def test_an_administrator_reads_the_queues(world, name, item):
    # (a restore of A's first version may have withdrawn the world's fact: the queue shows
    # pending ones by default)
    expected = _pending_fact(world, "95504") if item == "fact" else world.ids[item]
    response = OPERATIONS[name].send(world, token=world.token("admin"))
    assert response.status_code == 200, response.get_json()
    ids = [item["id"] for item in response.get_json()["items"]]
    assert expected in ids
    assert "public" not in response.headers.get("Cache-Control", "")


def test_an_administrator_decides_a_claim(world):
    response = call(world.http, "POST", f"/v1/enterprises/{C}/claims", token=world.token("consumer"),
                    body={"method": "admin"})
    assert response.status_code == 202, response.get_json()
    claim = response.get_json()["id"]
    response = call(world.http, "POST", f"/v1/admin/claims/{claim}/decision", token=world.token("admin"),
                    body={"decision": "reject", "note": "无法核实。"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "rejected"


def test_an_administrator_decides_a_fact(world):
    review = _pending_fact(world, "95503")
    version = public_version(world.http, A)
    response = call(world.http, "POST", f"/v1/admin/facts/{review}/decision", token=world.token("admin"),
                    body={"decision": "reject", "note": "无法核实。"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "rejected"
    assert "public" not in response.headers.get("Cache-Control", "")
    assert public_version(world.http, A) == version + 1


def test_an_administrator_hides_a_tip_its_keeper_cannot_show_again(world):
    response = OPERATIONS["admin-tip"].send(world, token=world.token("admin"))
    assert response.status_code == 200 and response.get_json()["hidden"] is True
    again = call(world.http, "PATCH", f"/v1/manage/tips/{world.ids['tip_b']}", token=world.token("editor_b"),
                 body={"hidden": False})
    assert_problem(again, 403)
    shown = call(world.http, "PATCH", f"/v1/admin/tips/{world.ids['tip_b']}", token=world.token("admin"),
                 body={"hidden": False})
    assert shown.status_code == 200 and shown.get_json()["hidden"] is False


def test_an_administrator_handles_a_report(world):
    response = call(world.http, "POST", f"/v1/enterprises/{C}/reports",
                    body={"topic": "wrong_hours", "message": "周末不营业。"})
    assert response.status_code == 201, response.get_json()
    report = response.get_json()["id"]
    response = call(world.http, "PATCH", f"/v1/admin/reports/{report}", token=world.token("admin"),
                    body={"status": "resolved", "resolution": "已更正。"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "resolved"


def test_an_administrator_suspends_and_restores_a_listing(world):
    version = public_version(world.http, C)
    for status in ("suspended", "active"):
        response = call(world.http, "PUT", f"/v1/admin/enterprises/{C}/status", token=world.token("admin"),
                        body={"status": status, "reason": "核实中"})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == status
    assert public_version(world.http, C) == version + 2
