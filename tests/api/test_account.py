"""The account a person owns: export (PIPL), deletion (注销) with a fresh proof, the last owner
of a listing, and a change of address through a mailed link."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import String, func, select, update

from directory.accounts import User, add_member, create_user
from directory.credentials import AuthorizationCode, OAuthClient, OAuthToken, digest
from directory.db import Base
from directory.experiences import VoiceCount
from directory.importer import import_directory
from directory.models import Channel
from tests.conftest import BACKEND_PARAMS
from tests.factories import enterprise, write_data
from tests.helpers.oauth import (
    PASSWORD,
    REDIRECT,
    authorize_query,
    csrf_of,
    make_oauth_app,
    me,
    pkce,
    refresh,
    sign_in_and_consent,
)

LISTING = "ent_0000000acc01"


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def app(request, tmp_path_factory):
    app, state, generator = make_oauth_app(request, tmp_path_factory)
    with state.sessions() as session:
        import_directory(session, write_data(tmp_path_factory.mktemp("data"), [enterprise(LISTING)]))
        session.commit()
    yield app
    state.engine.dispose()
    next(generator, None)


def _person(app, address: str) -> dict:
    """A new account signed in through the app (a user grant): its tokens."""
    with app.extensions["c800"].sessions() as session:
        create_user(session, address, PASSWORD)
        session.commit()
    client = app.test_client()
    verifier, challenge = pkce()
    code = sign_in_and_consent(client, authorize_query(challenge, scope="directory:read me"),
                               email=address)["code"]
    return client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                             "redirect_uri": REDIRECT, "client_id": "cl_app",
                                             "code_verifier": verifier}).get_json()


def _bearer(tokens: dict) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _channel(app) -> str:
    with app.extensions["c800"].sessions() as session:
        return session.scalar(select(Channel.id).where(Channel.enterprise_id == LISTING,
                                                       Channel.kind == "phone"))


def _leave_traces(client, tokens: dict, channel: str) -> None:
    assert client.put(f"/v1/me/following/{LISTING}", headers=_bearer(tokens)).status_code in (200, 201)
    contact = client.post(f"/v1/enterprises/{LISTING}/contacts", headers=_bearer(tokens),
                          json={"channel_id": channel, "topic": "挂失"})
    assert contact.status_code == 201, contact.get_json()
    experience = client.post(f"/v1/channels/{channel}/experiences", headers=_bearer(tokens),
                             json={"waited_minutes": 3, "reached_person": True})
    assert experience.status_code == 201, experience.get_json()


def _rows_of(app, user_id: str) -> dict[str, int]:
    """How many rows of each table refer to *user_id* (any column holding it)."""
    found = {}
    with app.extensions["c800"].sessions() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String):
                    count = session.scalar(select(func.count()).select_from(table).where(column == user_id))
                    if count:
                        found[f"{table.name}.{column.name}"] = count
    return found


def test_the_export_holds_the_persons_rows_and_no_secret(app):
    client = app.test_client()
    tokens = _person(app, "export@example.com")
    _leave_traces(client, tokens, _channel(app))
    answer = client.get("/v1/me/export", headers=_bearer(tokens))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    data = answer.get_json()
    assert data["profile"]["email"] == "export@example.com"
    assert [f["enterprise_id"] for f in data["follows"]] == [LISTING]
    assert data["handoffs"][0]["topic"] == "挂失" and len(data["experiences"]) == 1
    assert data["oauth_tokens"] and data["user_sessions"]
    text = json.dumps(data)
    assert "_hash" not in text and "rotated_answer" not in text and "$argon2" not in text
    assert tokens["access_token"] not in text and tokens["refresh_token"] not in text


def test_deleting_the_account_leaves_nothing_of_the_person(app):
    client = app.test_client()
    tokens = _person(app, "leaving@example.com")
    user_id = me(client, tokens["access_token"]).get_json()["id"]
    channel = _channel(app)
    _leave_traces(client, tokens, channel)
    assert client.post("/v1/me/email", headers=_bearer(tokens), json={
        "email": "leaving2@example.com", "password": PASSWORD}).status_code == 202  # a mailed link
    with app.extensions["c800"].sessions() as session:
        voices = session.scalar(select(func.sum(VoiceCount.accounts)).where(VoiceCount.channel_id == channel))
    assert client.delete("/v1/me", headers=_bearer(tokens)).status_code == 204  # signed in just now
    assert me(client, tokens["access_token"]).status_code == 401
    assert refresh(client, tokens["refresh_token"]).status_code == 400
    assert _rows_of(app, user_id) == {}
    with app.extensions["c800"].sessions() as session:  # the anonymous counts stay
        assert session.scalar(select(func.sum(VoiceCount.accounts))
                              .where(VoiceCount.channel_id == channel)) == voices >= 1
    page = client.get(authorize_query(pkce()[1]))
    again = client.post(authorize_query(pkce()[1]), data={
        "csrf": csrf_of(page.get_data(as_text=True)), "step": "signin",
        "email": "leaving@example.com", "password": PASSWORD})
    assert again.status_code == 401


def test_an_old_sign_in_needs_the_password(app):
    client = app.test_client()
    tokens = _person(app, "stale@example.com")
    with app.extensions["c800"].sessions() as session:
        family = session.scalar(select(OAuthToken.family).where(OAuthToken.user_id == select(User.id).where(
            User.email == "stale@example.com").scalar_subquery()))
        session.execute(update(AuthorizationCode).where(AuthorizationCode.family == family)
                        .values(auth_time=AuthorizationCode.auth_time - 3600))
        session.commit()
    refused = client.delete("/v1/me", headers=_bearer(tokens))
    assert refused.status_code == 403 and "password" in refused.get_json()["detail"]
    wrong = client.delete("/v1/me", headers=_bearer(tokens), json={"password": "not the password at all"})
    assert wrong.status_code == 403
    assert me(client, tokens["access_token"]).status_code == 200
    assert client.delete("/v1/me", headers=_bearer(tokens), json={"password": PASSWORD}).status_code == 204


def test_the_last_owner_of_a_listing_is_refused_until_another_owner_exists(app):
    client = app.test_client()
    tokens = _person(app, "owner@example.com")
    with app.extensions["c800"].sessions() as session:
        add_member(session, LISTING, "owner@example.com", "owner")
        session.commit()
    refused = client.delete("/v1/me", headers=_bearer(tokens))
    assert refused.status_code == 409 and LISTING in refused.get_json()["detail"]
    with app.extensions["c800"].sessions() as session:
        add_member(session, LISTING, "root@example.com", "owner")
        session.commit()
    assert client.delete("/v1/me", headers=_bearer(tokens)).status_code == 204


def test_a_client_acting_for_the_account_cannot_delete_it(app):
    client = app.test_client()
    tokens = _person(app, "integrated@example.com")
    with app.extensions["c800"].sessions() as session:
        user = session.scalar(select(User).where(User.email == "integrated@example.com"))
        session.add(OAuthClient(client_id="cl_integration", secret_hash=digest("integration-secret"),
                                name="Integration", grant_types=["client_credentials"],
                                scope="directory:read me", user_id=user.id))
        session.commit()
    basic = base64.b64encode(b"cl_integration:integration-secret").decode()
    granted = client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "me"},
                          headers={"Authorization": f"Basic {basic}"}).get_json()
    refused = client.delete("/v1/me", headers=_bearer(granted), json={"password": PASSWORD})
    assert refused.status_code == 403 and "Only the person" in refused.get_json()["detail"]
    assert me(client, tokens["access_token"]).status_code == 200


def test_a_new_address_is_verified_by_a_link_and_the_old_one_told(app):
    client = app.test_client()
    tokens = _person(app, "mover@example.com")
    mail_dir = app.extensions["c800"].config.data_dir / "mail"
    before = set(mail_dir.glob("*.eml"))
    assert client.post("/v1/me/email", headers=_bearer(tokens), json={
        "email": "mover@example.com", "password": PASSWORD}).status_code == 422
    assert client.post("/v1/me/email", headers=_bearer(tokens), json={
        "email": "moved@example.org", "password": "wrong password here"}).status_code == 403
    answer = client.post("/v1/me/email", headers=_bearer(tokens), json={
        "email": "moved@example.org", "password": PASSWORD})
    assert answer.status_code == 202 and answer.get_json() == {"status": "mailed"}
    mails = {m["To"]: m.get_content() for m in (
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in set(mail_dir.glob("*.eml")) - before)}
    assert set(mails) == {"moved@example.org", "mover@example.com"}
    url = urlsplit(re.search(r"https?://\S+", mails["moved@example.org"]).group(0))
    link = f"{url.path}?{url.query}"
    page = client.get(link)
    done = client.post(link, data={"csrf": csrf_of(page.get_data(as_text=True))})
    assert done.status_code == 200
    assert me(client, tokens["access_token"]).get_json()["email"] == "moved@example.org"


def test_my_contacts_are_listed_newest_first_and_forgotten(app):
    client = app.test_client()
    tokens = _person(app, "opener@example.com")
    other = _person(app, "someone@example.com")
    channel = _channel(app)
    made = [client.post(f"/v1/enterprises/{LISTING}/contacts", headers=_bearer(tokens),
                        json={"channel_id": channel, "topic": topic}).get_json()["id"]
            for topic in ("挂失", "转账", "开户")]
    theirs = client.post(f"/v1/enterprises/{LISTING}/contacts", headers=_bearer(other),
                         json={"channel_id": channel, "topic": "别人的"}).get_json()["id"]
    first = client.get("/v1/me/contacts?limit=2", headers=_bearer(tokens))
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    page = first.get_json()
    assert [c["topic"] for c in page["items"]] == ["开户", "转账"] and page["next"]
    rest = client.get(urlsplit(page["next"]).path + "?" + urlsplit(page["next"]).query,
                      headers=_bearer(tokens)).get_json()
    assert [c["id"] for c in rest["items"]] == [made[0]] and rest["next"] is None
    assert client.delete(f"/v1/me/contacts/{theirs}", headers=_bearer(tokens)).status_code == 404
    assert client.delete(f"/v1/me/contacts/{made[1]}", headers=_bearer(tokens)).status_code == 204
    assert client.delete(f"/v1/me/contacts/{made[1]}", headers=_bearer(tokens)).status_code == 404
    listed = client.get("/v1/me/contacts", headers=_bearer(tokens)).get_json()["items"]
    assert [c["id"] for c in listed] == [made[2], made[0]]
    assert client.delete("/v1/me/contacts", headers=_bearer(tokens)).status_code == 204
    assert client.get("/v1/me/contacts", headers=_bearer(tokens)).get_json()["items"] == []
    kept = client.get("/v1/me/contacts", headers=_bearer(other)).get_json()["items"]
    assert [c["id"] for c in kept] == [theirs]


def on_postgresql(item) -> bool:  # noqa: ANN001 - a pytest item
    """On PostgreSQL, the deletion that must leave nothing and the last owner's refusal."""
    return item.originalname in ("test_deleting_the_account_leaves_nothing_of_the_person",
                                 "test_the_last_owner_of_a_listing_is_refused_until_another_owner_exists")
