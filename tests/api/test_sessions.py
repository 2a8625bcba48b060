"""Browser sessions of the sign-in pages end on the server: a cookie copied before signing out,
before a password change or before `flask users sign-out` signs nobody in afterwards, and a
password change or sign-out everywhere also revokes the user's OAuth tokens."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from directory.accounts import User, find_user, session_user, start_session
from directory.credentials import OAuthToken
from tests.conftest import BACKEND_PARAMS
from tests.helpers.oauth import (
    PASSWORD,
    authorize_query,
    code_tokens,
    csrf_of,
    make_oauth_app,
    me,
    pkce,
    refresh,
)

COOKIE = "c800_session"
NEW_PASSWORD = "a brand new passphrase 2026"


@pytest.fixture(params=BACKEND_PARAMS)
def app(request, tmp_path_factory):
    app, state, generator = make_oauth_app(request, tmp_path_factory)
    yield app
    state.engine.dispose()
    next(generator, None)


def _signed_in(client, url: str, password: str = PASSWORD) -> str:
    """Sign in as ada on the authorization page; the consent page's HTML."""
    page = client.get(url)
    answer = client.post(url, data={"csrf": csrf_of(page.get_data(as_text=True)), "step": "signin",
                                    "email": "ada@example.com", "password": password})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="consent"' in html, html
    return html


def _page_for(app, cookie: str, url: str) -> str:
    """What a browser holding *cookie* (and nothing else) is shown at *url*."""
    replay = app.test_client()
    replay.set_cookie(COOKIE, cookie)
    answer = replay.get(url)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert ('id="consent"' in html) != ('id="signin"' in html)
    return "consent" if 'id="consent"' in html else "signin"


def test_a_cookie_copied_before_sign_out_signs_nobody_in_after_it(app):
    client = app.test_client()
    url = authorize_query(pkce()[1])
    html = _signed_in(client, url)
    copied = client.get_cookie(COOKIE).value
    assert _page_for(app, copied, url) == "consent"  # the copy works while the session lasts
    signed_out = client.post(url, data={"csrf": csrf_of(html), "step": "signout"})
    assert 'id="signin"' in signed_out.get_data(as_text=True)
    assert _page_for(app, copied, url) == "signin"


def _set_password(app, password: str) -> dict:
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "--email", "ada@example.com", "--password-stdin"],
        input=f"{password}\n")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_password_change_ends_every_session_and_revokes_the_users_tokens(app):
    client = app.test_client()
    url = authorize_query(pkce()[1])
    _signed_in(client, url)
    copied = client.get_cookie(COOKIE).value
    verifier, challenge = pkce()
    tokens = code_tokens(app.test_client(), verifier, challenge)
    assert me(client, tokens["access_token"]).status_code == 200

    printed = _set_password(app, NEW_PASSWORD)
    assert printed["tokens_revoked"] >= 1

    assert _page_for(app, copied, url) == "signin"
    assert me(client, tokens["access_token"]).status_code == 401
    refused = refresh(client, tokens["refresh_token"])
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_grant"
    # the new password signs in again
    _signed_in(app.test_client(), url, password=NEW_PASSWORD)
    _set_password(app, PASSWORD)


def test_sign_out_everywhere_ends_sessions_and_tokens_but_keeps_the_password(app):
    client = app.test_client()
    url = authorize_query(pkce()[1])
    _signed_in(client, url)
    copied = client.get_cookie(COOKIE).value
    verifier, challenge = pkce()
    tokens = code_tokens(app.test_client(), verifier, challenge)
    result = app.test_cli_runner().invoke(args=["users", "sign-out", "--email", "ada@example.com"])
    assert result.exit_code == 0 and json.loads(result.output)["tokens_revoked"] >= 1
    assert _page_for(app, copied, url) == "signin"
    assert me(client, tokens["access_token"]).status_code == 401
    with app.extensions["c800"].sessions() as session:
        user = find_user(session, "ada@example.com")
        assert not session.query(OAuthToken).filter(
            OAuthToken.user_id == user.id, OAuthToken.access_revoked.is_(False)).count()
    _signed_in(app.test_client(), url)  # the same password still signs in
    unknown = app.test_cli_runner().invoke(args=["users", "sign-out", "--email", "nobody@example.com"])
    assert unknown.exit_code != 0 and "no user" in unknown.output


def test_a_session_counts_only_with_its_id_and_generation_until_it_expires(app):
    with app.extensions["c800"].sessions() as session:
        user = find_user(session, "ada@example.com")
        session_id = start_session(session, user)
        expired = start_session(session, user, lifetime=timedelta(seconds=-1))
        session.commit()
        generation = user.session_generation
        assert isinstance(session_user(session, session_id, generation), User)
        assert session_user(session, session_id, generation + 1) is None
        assert session_user(session, session_id, str(generation)) is None
        assert session_user(session, session_id + "x", generation) is None
        assert session_user(session, expired, generation) is None
        assert session_user(session, None, generation) is None
        user.disabled = True
        assert session_user(session, session_id, generation) is None
        session.rollback()


def test_a_cookie_of_the_old_kind_naming_only_a_user_signs_nobody_in(app):
    client = app.test_client()
    url = authorize_query(pkce()[1])
    with app.extensions["c800"].sessions() as session:
        user_id = find_user(session, "ada@example.com").id
    with client.session_transaction() as cookie:
        cookie["uid"] = user_id
    assert 'id="signin"' in client.get(url).get_data(as_text=True)
