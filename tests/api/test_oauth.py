"""The OAuth2 server through the Flask test client: PKCE (S256 only), refresh rotation and
family revocation, revocation by public clients, introspection, metadata, lifetimes, what is
stored, sign-in throttling and passwords.
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select

from directory.accounts import User, authenticate, create_user
from directory.credentials import OAuthClient, OAuthToken, digest
from tests.conftest import BACKEND_PARAMS
from tests.helpers.oauth import (
    PASSWORD,
    REDIRECT,
    authorize_query,
    code_tokens,
    csrf_of,
    make_oauth_app,
    me,
    pkce,
    refresh,
    sign_in_and_consent,
)


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def oauth_app(request, tmp_path_factory):
    app, state, generator = make_oauth_app(request, tmp_path_factory)
    yield app
    state.engine.dispose()
    next(generator, None)


def test_code_flow_gives_a_15_minute_token_and_a_refresh_token(oauth_app):
    client = oauth_app.test_client()
    verifier, challenge = pkce()
    tokens = code_tokens(client, verifier, challenge)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    assert tokens["scope"] == "directory:read me" and tokens["refresh_token"]
    assert me(client, tokens["access_token"]).get_json()["email"] == "ada@example.com"


def test_admin_scope_is_withheld_from_a_user_who_is_not_an_administrator(oauth_app):
    client = oauth_app.test_client()
    verifier, challenge = pkce()
    tokens = code_tokens(client, verifier, challenge, scope="directory:read me admin")
    assert tokens["scope"] == "directory:read me"
    response = client.get("/v1/admin/claims", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 403


@pytest.mark.parametrize("method", ["plain", None])
def test_plain_or_missing_pkce_is_refused_without_a_code(oauth_app, method):
    client = oauth_app.test_client()
    verifier, _ = pkce()
    query = {"response_type": "code", "client_id": "cl_app", "redirect_uri": REDIRECT, "state": "s",
             "scope": "me"}
    if method:
        query.update(code_challenge=verifier, code_challenge_method=method)
    response = client.get("/oauth/authorize?" + urlencode(query))
    assert response.status_code == 302
    result = parse_qs(urlsplit(response.headers["Location"]).query)
    assert result["error"] == ["invalid_request"] and "code" not in result and result["state"] == ["s"]


def test_an_unknown_redirect_uri_gets_an_error_page_not_a_redirect(oauth_app):
    _, challenge = pkce()
    response = oauth_app.test_client().get(authorize_query(challenge, redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "Location" not in response.headers


def test_deny_redirects_with_access_denied(oauth_app):
    _, challenge = pkce()
    result = sign_in_and_consent(oauth_app.test_client(), authorize_query(challenge), decision="deny")
    assert result["error"] == "access_denied" and "code" not in result


def test_a_code_works_once_and_only_with_its_verifier(oauth_app):
    client = oauth_app.test_client()
    verifier, challenge = pkce()
    result = sign_in_and_consent(client, authorize_query(challenge))
    form = {"grant_type": "authorization_code", "code": result["code"], "redirect_uri": REDIRECT,
            "client_id": "cl_app"}
    wrong = client.post("/oauth/token", data={**form, "code_verifier": pkce()[0]})
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"
    first = client.post("/oauth/token", data={**form, "code_verifier": verifier})
    assert first.status_code == 200
    assert me(client, first.get_json()["access_token"]).status_code == 200
    again = client.post("/oauth/token", data={**form, "code_verifier": verifier})
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    # a code presented twice was stolen: what the first exchange gave is revoked (RFC 6749 4.1.2)
    assert me(client, first.get_json()["access_token"]).status_code == 401
    assert refresh(client, first.get_json()["refresh_token"]).status_code == 400


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_family(oauth_app):
    client = oauth_app.test_client()
    first = code_tokens(client, *pkce())
    second = refresh(client, first["refresh_token"]).get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert me(client, first["access_token"]).status_code == 200  # valid until it expires
    assert me(client, second["access_token"]).status_code == 200
    third = refresh(client, second["refresh_token"]).get_json()  # the second pair arrived
    replay = refresh(client, first["refresh_token"])
    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"
    # the thief's replay ended the whole family, the legitimate tokens included
    for tokens in (first, second, third):
        assert me(client, tokens["access_token"]).status_code == 401
    assert refresh(client, third["refresh_token"]).status_code == 400


def _rotated_back(app, refresh_token: str, seconds: int) -> None:
    """Date the rotation of *refresh_token* *seconds* earlier (instead of waiting)."""
    with app.extensions["c800"].sessions() as session:
        row = session.scalar(select(OAuthToken).where(OAuthToken.refresh_token_hash == digest(refresh_token)))
        row.rotated_at -= seconds
        session.commit()


def test_a_lost_refresh_answer_is_given_again_within_the_grace_window(oauth_app):
    """The app refreshes, the answer is lost on the way, the app retries with the same refresh
    token: it gets the same pair (sealed, not stored in clear), and nobody is signed out."""
    client = oauth_app.test_client()
    first = code_tokens(client, *pkce())
    lost = refresh(client, first["refresh_token"]).get_json()
    retried = refresh(client, first["refresh_token"])
    assert retried.status_code == 200 and retried.headers["Cache-Control"] == "no-store"
    again = retried.get_json()
    assert (again["access_token"], again["refresh_token"]) == (lost["access_token"], lost["refresh_token"])
    assert 0 < again["expires_in"] <= lost["expires_in"] and again["scope"] == lost["scope"]
    with oauth_app.extensions["c800"].sessions() as session:
        stored = " ".join(str(v) for row in session.scalars(select(OAuthToken)) for v in vars(row).values())
    assert lost["refresh_token"] not in stored and lost["access_token"] not in stored
    for tokens in (first, again):
        assert me(client, tokens["access_token"]).status_code == 200
    later = refresh(client, again["refresh_token"]).get_json()
    assert me(client, later["access_token"]).status_code == 200
    # the retried pair was used, so the first token coming back now is a copy: replay
    assert refresh(client, first["refresh_token"]).status_code == 400
    assert me(client, later["access_token"]).status_code == 401


def test_a_retry_after_the_grace_window_is_a_replay(oauth_app):
    client = oauth_app.test_client()
    first = code_tokens(client, *pkce())
    second = refresh(client, first["refresh_token"]).get_json()
    _rotated_back(oauth_app, first["refresh_token"], 61)
    assert refresh(client, first["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert me(client, second["access_token"]).status_code == 401
    assert refresh(client, second["refresh_token"]).status_code == 400


def test_a_revoked_grant_is_not_given_back_by_a_retry(oauth_app):
    client = oauth_app.test_client()
    first = code_tokens(client, *pkce())
    second = refresh(client, first["refresh_token"]).get_json()
    assert client.post("/oauth/revoke", data={"token": second["refresh_token"], "client_id": "cl_app"}
                       ).status_code == 200
    assert refresh(client, first["refresh_token"]).status_code == 400
    assert me(client, second["access_token"]).status_code == 401


def test_a_public_client_revokes_its_refresh_token_and_the_grant_ends(oauth_app):
    client = oauth_app.test_client()
    tokens = code_tokens(client, *pkce())
    answer = client.post("/oauth/revoke", data={"token": tokens["refresh_token"], "client_id": "cl_app",
                                                "token_type_hint": "refresh_token"})
    assert answer.status_code == 200
    assert me(client, tokens["access_token"]).status_code == 401
    assert refresh(client, tokens["refresh_token"]).status_code == 400


def _basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_client_credentials_introspection_and_revocation(oauth_app):
    client = oauth_app.test_client()
    answer = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                         headers=_basic("cl_partner", "partner-secret"))
    token = answer.get_json()
    assert answer.status_code == 200 and token["scope"] == "directory:read" and "refresh_token" not in token
    assert client.post("/oauth/token", data={"grant_type": "client_credentials"},
                       headers=_basic("cl_partner", "wrong")).status_code == 401
    own = client.post("/oauth/introspect", data={"token": token["access_token"]},
                      headers=_basic("cl_partner", "partner-secret")).get_json()
    assert own["active"] is True and own["client_id"] == "cl_partner" and own["exp"] - own["iat"] == 900
    other = client.post("/oauth/introspect", data={"token": token["access_token"]},
                        headers=_basic("cl_other", "other-secret")).get_json()
    assert other == {"active": False}  # not its token
    public = client.post("/oauth/introspect", data={"token": token["access_token"], "client_id": "cl_app"})
    assert public.status_code == 401  # public clients may not introspect
    assert client.get("/v1/industries", headers={"Authorization": f"Bearer {token['access_token']}"}
                      ).status_code == 200
    client.post("/oauth/revoke", data={"token": token["access_token"]},
                headers=_basic("cl_partner", "partner-secret"))
    assert client.post("/oauth/introspect", data={"token": token["access_token"]},
                       headers=_basic("cl_partner", "partner-secret")).get_json() == {"active": False}
    refused = client.get("/v1/industries", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_a_token_without_directory_read_is_refused_on_public_reads(oauth_app):
    client = oauth_app.test_client()
    tokens = code_tokens(client, *pkce(), scope="me")
    answer = client.get("/v1/industries", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert answer.status_code == 403 and "insufficient_scope" in answer.headers["WWW-Authenticate"]
    assert client.get("/v1/industries").status_code == 200  # without a token: by address


def test_only_digests_are_stored(oauth_app):
    client = oauth_app.test_client()
    tokens = code_tokens(client, *pkce())
    with oauth_app.extensions["c800"].sessions() as session:
        rows = session.scalars(select(OAuthToken)).all()
        stored = " ".join(str(value) for row in rows for value in vars(row).values())
        secrets_stored = " ".join(c.secret_hash or "" for c in session.scalars(select(OAuthClient)))
        user = session.scalar(select(User).where(User.email == "ada@example.com"))
        assert user.password_hash.startswith("$argon2id$") and "m=65536" in user.password_hash
    assert tokens["access_token"] not in stored and tokens["refresh_token"] not in stored
    assert digest(tokens["access_token"]) in stored
    assert "partner-secret" not in secrets_stored and digest("partner-secret") in secrets_stored


def test_metadata(oauth_app):
    document = oauth_app.test_client().get("/.well-known/oauth-authorization-server").get_json()
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert set(document["grant_types_supported"]) == {"authorization_code", "refresh_token",
                                                       "client_credentials"}
    assert document["token_endpoint"].endswith("/oauth/token")
    assert "none" in document["revocation_endpoint_auth_methods_supported"]
    assert set(document["scopes_supported"]) == {"directory:read", "listings:write", "me", "admin"}


@pytest.fixture(params=BACKEND_PARAMS[:1])
def throttled(request, tmp_path_factory):
    app, state, generator = make_oauth_app(request, tmp_path_factory, auth_failures_free=4)
    yield app
    state.engine.dispose()
    next(generator, None)


def test_wrong_passwords_are_throttled_per_account_and_address(throttled):
    """More in tests/api/test_signin_throttle.py."""
    client = throttled.test_client()
    _, challenge = pkce()
    url = authorize_query(challenge)
    statuses = []
    for attempt in range(7):
        page = client.get(url, environ_base={"REMOTE_ADDR": "10.9.9.9"})
        answer = client.post(url, data={"csrf": csrf_of(page.get_data(as_text=True)), "step": "signin",
                                        "email": "nobody@example.com", "password": f"wrong-{attempt}"},
                             environ_base={"REMOTE_ADDR": "10.9.9.9"})
        statuses.append(answer.status_code)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]  # the 5th closes it
    assert int(answer.headers["Retry-After"]) > 0
    # another address trying the same e-mail address is not locked out by these
    page = client.get(url, environ_base={"REMOTE_ADDR": "10.9.9.10"})
    other = client.post(url, data={"csrf": csrf_of(page.get_data(as_text=True)), "step": "signin",
                                   "email": "nobody@example.com", "password": "x"},
                        environ_base={"REMOTE_ADDR": "10.9.9.10"})
    assert other.status_code == 401


def test_a_form_without_its_csrf_token_is_refused(oauth_app):
    client = oauth_app.test_client()
    _, challenge = pkce()
    url = authorize_query(challenge)
    client.get(url)
    answer = client.post(url, data={"csrf": "forged", "step": "signin", "email": "ada@example.com",
                                    "password": PASSWORD})
    assert answer.status_code == 400 and 'id="consent"' not in answer.get_data(as_text=True)


def test_pages_speak_english_and_chinese(oauth_app):
    _, challenge = pkce()
    client = oauth_app.test_client()
    assert "登录" in client.get(authorize_query(challenge), headers={"Accept-Language": "zh-CN"}
                              ).get_data(as_text=True)
    assert "Sign in" in client.get(authorize_query(challenge, lang="en")).get_data(as_text=True)


@pytest.fixture(params=BACKEND_PARAMS[:1])
def short_lived(request, tmp_path_factory):
    app, state, generator = make_oauth_app(request, tmp_path_factory, access_token_lifetime=60)
    yield app
    state.engine.dispose()
    next(generator, None)


def test_the_access_token_lifetime_is_configurable(short_lived):
    answer = short_lived.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                            headers=_basic("cl_partner", "partner-secret"))
    assert answer.get_json()["expires_in"] == 60


def test_passwords_are_checked_by_argon2_and_rules(oauth_app):
    from directory.accounts import AccountError
    from directory.errors import Conflict

    with oauth_app.extensions["c800"].sessions() as session:
        assert authenticate(session, "ADA@example.com", PASSWORD) is not None
        assert authenticate(session, "ada@example.com", PASSWORD + "x") is None
        assert authenticate(session, "nobody@example.com", PASSWORD) is None
        with pytest.raises(AccountError):
            create_user(session, "short@example.com", "short")
        with pytest.raises(Conflict):
            create_user(session, "ada@example.com", PASSWORD)
