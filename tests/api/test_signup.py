"""People make their own accounts on the hosted pages: sign-up verified through a mailed link
and back into the same authorization, forgotten passwords, first-party consent remembered."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from directory.credentials import OAuthClient
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
)

NEW_PASSWORD = "tangerine lighthouse 7 quietly"
SQUATTER = "squatter's own 9 words here"


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def app(request, tmp_path_factory):
    app, state, generator = make_oauth_app(request, tmp_path_factory)
    yield app
    state.engine.dispose()
    next(generator, None)


def _mails(app) -> list[Path]:
    return list((app.extensions["c800"].config.data_dir / "mail").glob("*.eml"))


def _mail_to(app, address: str, before: list[Path]) -> str:
    new = [p for p in _mails(app) if p not in before]
    bodies = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in new]
    found = [m for m in bodies if m["To"] == address]
    assert len(found) == 1, [m["To"] for m in bodies]
    return found[0].get_content()


def _link(body: str) -> str:
    url = urlsplit(re.search(r"https?://\S+", body).group(0))
    return f"{url.path}?{url.query}"


def _post_form(client, url: str, address: str = "10.9.0.1", **fields):  # noqa: ANN001, ANN202
    env = {"REMOTE_ADDR": address}
    page = client.get(url, environ_base=env)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(url, data={"csrf": csrf_of(page.get_data(as_text=True)), **fields}, environ_base=env)


def test_sign_up_verifies_the_address_and_returns_to_the_same_authorization(app):
    client = app.test_client()
    verifier, challenge = pkce()
    authorize = authorize_query(challenge)
    signin = client.get(authorize).get_data(as_text=True)
    signup_url = re.search(r'id="signup-link" href="([^"]+)"', signin).group(1).replace("&amp;", "&")
    assert signup_url == "/oauth/signup?" + authorize.partition("?")[2]
    weak = _post_form(client, signup_url, email="grace@example.com", password="password1234")
    assert weak.status_code == 422 and "too easy to guess" in weak.get_data(as_text=True)
    before = _mails(app)
    answer = _post_form(client, signup_url, email="grace@example.com", password=NEW_PASSWORD)
    assert answer.status_code == 200 and 'id="message"' in answer.get_data(as_text=True)
    link = _link(_mail_to(app, "grace@example.com", before))
    # not verified yet: the password does not sign in
    page = client.get(authorize)
    refused = client.post(authorize, data={"csrf": csrf_of(page.get_data(as_text=True)), "step": "signin",
                                           "email": "grace@example.com", "password": NEW_PASSWORD})
    assert refused.status_code == 401
    confirm = client.get(link)  # a GET (a mail scanner) changes nothing
    assert confirm.status_code == 200 and 'id="verify"' in confirm.get_data(as_text=True)
    assert client.post(link, data={"password": NEW_PASSWORD}).status_code == 400  # no CSRF token
    wrong = client.post(link, data={"csrf": csrf_of(confirm.get_data(as_text=True)), "password": PASSWORD})
    assert wrong.status_code == 403  # not the password of this sign-up: the link stays usable
    back = client.post(link, data={"csrf": csrf_of(confirm.get_data(as_text=True)), "password": NEW_PASSWORD})
    assert back.status_code == 303 and back.headers["Location"].endswith(authorize)
    consent = client.get(back.headers["Location"]).get_data(as_text=True)
    assert 'id="consent"' in consent and "grace@example.com" in consent
    answer = client.post(authorize, data={"csrf": csrf_of(consent), "step": "consent", "decision": "allow"})
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                               "redirect_uri": REDIRECT, "client_id": "cl_app",
                                               "code_verifier": verifier}).get_json()
    assert me(client, tokens["access_token"]).get_json()["email"] == "grace@example.com"
    confirm = client.get(link)  # single use
    again = client.post(link, data={"csrf": csrf_of(confirm.get_data(as_text=True)),
                                    "password": NEW_PASSWORD})
    assert again.status_code == 422 and "not valid" in again.get_data(as_text=True)


def test_someone_elses_sign_up_of_the_address_cannot_choose_its_password(app):
    """A squatter signs the address up first; its owner signs up too. The owner's link sets the
    owner's password; the squatter's link (in the owner's mailbox) needs the squatter's."""
    client = app.test_client()
    url = "/oauth/signup?" + authorize_query(pkce()[1]).partition("?")[2]
    before = _mails(app)
    _post_form(client, url, address="10.9.0.5", email="owner@example.net", password=SQUATTER)
    squatter = _link(_mail_to(app, "owner@example.net", before))
    before = _mails(app)
    _post_form(client, url, address="10.9.0.6", email="owner@example.net", password=NEW_PASSWORD)
    owners = _link(_mail_to(app, "owner@example.net", before))
    page = client.get(squatter)
    refused = client.post(squatter, data={"csrf": csrf_of(page.get_data(as_text=True)),
                                          "password": NEW_PASSWORD})
    assert refused.status_code == 403
    page = client.get(owners)
    done = client.post(owners, data={"csrf": csrf_of(page.get_data(as_text=True)), "password": NEW_PASSWORD})
    assert done.status_code == 303  # back to the authorization, signed in
    page = client.get(squatter)  # the owner's verification ended the other sign-ups' links
    assert client.post(squatter, data={"csrf": csrf_of(page.get_data(as_text=True)),
                                       "password": SQUATTER}).status_code == 422
    signin = client.get(authorize_query(pkce()[1]))
    for password, status in ((SQUATTER, 401), (NEW_PASSWORD, 200)):
        page = client.post(authorize_query(pkce()[1]), data={
            "csrf": csrf_of(signin.get_data(as_text=True)), "step": "signin",
            "email": "owner@example.net", "password": password})
        assert page.status_code == status


def test_signing_up_with_a_taken_address_answers_the_same_and_mails_a_notice(app):
    client = app.test_client()
    url = "/oauth/signup?" + authorize_query(pkce()[1]).partition("?")[2]
    before = _mails(app)
    answer = _post_form(client, url, address="10.9.0.2", email="ada@example.com", password=NEW_PASSWORD)
    assert answer.status_code == 200 and 'id="message"' in answer.get_data(as_text=True)
    body = _mail_to(app, "ada@example.com", before)
    assert "already have an account" in body and "http" not in body


def test_a_forgotten_password_is_reset_once_and_every_session_ends(app):
    client = app.test_client()
    tokens = code_tokens(client, *pkce())
    url = "/oauth/forgot?" + authorize_query(pkce()[1]).partition("?")[2]
    before = _mails(app)
    unknown = _post_form(client, url, address="10.9.0.3", email="nobody@example.com")
    known = _post_form(client, url, address="10.9.0.3", email="ada@example.com")
    assert unknown.get_data() == known.get_data() and unknown.status_code == known.status_code == 200
    link = _link(_mail_to(app, "ada@example.com", before))
    assert "/oauth/reset?" in link
    weak = _post_form(client, link, password="qwerty123456")
    assert weak.status_code == 422
    done = _post_form(client, link, password=NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["Location"].startswith("/oauth/authorize?")
    assert client.get(link).status_code == 400  # used
    assert me(client, tokens["access_token"]).status_code == 401
    assert refresh(client, tokens["refresh_token"]).status_code == 400
    page = client.get(authorize_query(pkce()[1]))
    old = client.post(authorize_query(pkce()[1]), data={
        "csrf": csrf_of(page.get_data(as_text=True)), "step": "signin", "email": "ada@example.com",
        "password": PASSWORD})
    assert old.status_code == 401
    with app.extensions["c800"].sessions() as session:  # give ada her password back
        from directory.accounts import set_password
        set_password(session, "ada@example.com", PASSWORD)
        session.commit()


def test_mailed_links_are_limited_per_address(app):
    client = app.test_client()
    url = "/oauth/forgot?" + authorize_query(pkce()[1]).partition("?")[2]
    answers = [_post_form(client, url, address="10.9.0.4", email="flood@example.com").status_code
               for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_the_first_party_app_asks_no_consent(app):
    with app.extensions["c800"].sessions() as session:
        session.execute(update(OAuthClient).where(OAuthClient.client_id == "cl_app").values(first_party=True))
        session.commit()
    try:
        client = app.test_client()
        url = authorize_query(pkce()[1])
        page = client.get(url)
        answer = client.post(url, data={"csrf": csrf_of(page.get_data(as_text=True)), "step": "signin",
                                        "email": "ada@example.com", "password": PASSWORD})
        assert answer.status_code == 302 and "code=" in answer.headers["Location"]  # no consent page
        again = client.get(url)
        assert again.status_code == 302 and "code=" in again.headers["Location"]
    finally:
        with app.extensions["c800"].sessions() as session:
            session.execute(update(OAuthClient).where(OAuthClient.client_id == "cl_app")
                            .values(first_party=False))
            session.commit()


def on_postgresql(item) -> bool:  # noqa: ANN001 - a pytest item
    """On PostgreSQL, the sign-up flow and the reset (the others decide nothing in SQL)."""
    return item.originalname in ("test_sign_up_verifies_the_address_and_returns_to_the_same_authorization",
                                 "test_a_forgotten_password_is_reset_once_and_every_session_ends")
