"""OAuth 2.0 authorization code flow with PKCE (RFC 6749, RFC 7636), end to end in a browser.

A real gunicorn server over a fresh, migrated SQLite database; a user and a public client
made beforehand with the project's CLI (``flask users create``, ``flask clients create``);
headless Chromium (tests/browser.py) signs in on the server-rendered pages and answers the
consent page; the redirect URI is a loopback callback served by this module, which records
what it receives. The code is then exchanged at the token endpoint (no client secret: the
PKCE code_verifier proves possession) and the access token used on ``/v1/me``.

The page contract: ``GET /oauth/authorize`` renders ``<form id="signin">`` (inputs
``email`` and ``password``, submit button ``#signin-submit``); once signed in, ``<form
id="consent">`` naming the client and the requested scopes, with buttons ``#allow`` and
``#deny`` (a scope is shown by name or as an element with ``data-scope="<scope>"``).
A failed sign-in renders the sign-in form again with an ``.error`` element.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from api.cli import upgrade_database
from tests.browser import WAIT_TIMEOUT, PageHandler, chromium, gone, http_server, wait_for
from tests.live import ROOT, gunicorn

pytestmark = [pytest.mark.live, pytest.mark.slow]

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"
CLIENT_NAME = "c800 app"
SCOPE = "directory:read me"
ACCESS_TOKEN_LIFETIME = 900  # seconds

Query = dict[str, list[str]]


# --- PKCE ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str


def s256(verifier: str) -> str:
    """The S256 code_challenge: base64url(sha256(ASCII(verifier))) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pkce() -> Pkce:
    verifier = secrets.token_urlsafe(48)  # 48 bytes -> 64 characters of [A-Za-z0-9_-]
    assert len(verifier) == 64
    return Pkce(verifier, s256(verifier))


def test_s256_matches_the_rfc_7636_example() -> None:
    # RFC 7636, Appendix B
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    pkce = new_pkce()
    assert len(pkce.challenge) == 43 and "=" not in pkce.challenge


# --- the loopback redirect URI --------------------------------------------------------------


class Callbacks:
    """The query strings the callback endpoint has received, in order."""

    def __init__(self) -> None:
        self._queries: list[Query] = []
        self._changed = threading.Condition()

    def record(self, query: Query) -> None:
        with self._changed:
            self._queries.append(query)
            self._changed.notify_all()

    def with_state(self, state: str) -> list[Query]:
        with self._changed:
            return [query for query in self._queries if query.get("state") == [state]]

    def count(self) -> int:
        with self._changed:
            return len(self._queries)

    def wait_for_state(self, state: str, timeout: float = WAIT_TIMEOUT) -> dict[str, str]:
        """The (single-valued) parameters of the callback that carries *state*."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.with_state(state), timeout=timeout):
                pytest.fail(f"no request reached the redirect URI with state={state} within "
                            f"{timeout:g}s; it received: {self._queries}", pytrace=False)
        (query,) = self.with_state(state)
        return single_values(query)


def single_values(query: Query) -> dict[str, str]:
    repeated = [name for name, values in query.items() if len(values) != 1]
    assert not repeated, f"parameters given more than once: {query}"
    return {name: values[0] for name, values in query.items()}


def callback_handler(callbacks: Callbacks) -> type[BaseHTTPRequestHandler]:
    class CallbackHandler(PageHandler):
        """``GET /callback?...`` is recorded and answered with a small page; all else is 404."""

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/callback":
                self._answer(404, b"<!doctype html><title>not found</title>")
                return
            callbacks.record(urllib.parse.parse_qs(url.query, keep_blank_values=True))
            self._answer(200, b'<!doctype html><title>callback</title>'
                              b'<p id="callback-received">You can close this window.</p>')

    return CallbackHandler


# --- the server -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    base: str
    client_id: str
    redirect_uri: str
    callbacks: Callbacks
    data_dir: Path


def flask_cli(database_url: str, data_dir: Path, *args: str, stdin: str | None = None) -> str:
    """Run ``flask --app wsgi ARGS`` as `make` would; its stdout, or fail with its output."""
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir)}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                            env=env, input=stdin, capture_output=True, text=True, timeout=120,
                            check=False)
    if result.returncode != 0:
        pytest.fail(f"`flask {' '.join(args)}` exited {result.returncode}:\n"
                    f"{result.stdout}{result.stderr}", pytrace=False)
    return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn over a fresh SQLite database holding ada and the public client "c800 app"."""
    folder = tmp_path_factory.mktemp("oauth")
    database_url = f"sqlite:///{folder / 'c800.sqlite3'}"
    upgrade_database(database_url)
    data_dir = folder / "var"
    data_dir.mkdir()
    callbacks = Callbacks()
    with http_server(callback_handler(callbacks)) as callback_base:
        redirect_uri = f"{callback_base}/callback"
        flask_cli(database_url, data_dir, "users", "create", "--email", EMAIL, "--password-stdin",
                  stdin=PASSWORD)
        output = flask_cli(database_url, data_dir, "clients", "create", "--name", CLIENT_NAME,
                           "--grant", "authorization_code", "--scope", SCOPE,
                           "--redirect-uri", redirect_uri)
        try:
            client = json.loads(output)
        except ValueError:
            pytest.fail(f"`flask clients create` did not print JSON: {output!r}", pytrace=False)
        assert isinstance(client.get("client_id"), str) and client["client_id"], client
        assert client.get("client_secret") is None, f"a public client has no secret: {client}"
        with gunicorn(database_url, data_dir, workers=3) as base:
            yield Server(base, client["client_id"], redirect_uri, callbacks, data_dir)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """A fresh headless Chromium (empty profile, so no session cookie) per test."""
    with chromium(page_load_timeout=WAIT_TIMEOUT) as driver:
        yield driver


# --- steps ----------------------------------------------------------------------------------


def authorize_url(server: Server, state: str, challenge: str, method: str = "S256") -> str:
    query = urllib.parse.urlencode({
        "response_type": "code",
        "client_id": server.client_id,
        "redirect_uri": server.redirect_uri,
        "scope": SCOPE,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": method,
    }, quote_via=urllib.parse.quote)
    return f"{server.base}/oauth/authorize?{query}"


def present(selector: str) -> Callable[[WebDriver], WebElement | None]:
    """A wait condition: the first element matching the CSS *selector*, if any."""
    def condition(driver: WebDriver) -> WebElement | None:
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        return found[0] if found else None
    return condition


def page_text(browser: WebDriver) -> str:
    return browser.find_element(By.TAG_NAME, "body").text


def submit_sign_in(browser: WebDriver, email: str, password: str) -> None:
    """Fill the sign-in form and submit it; returns once the browser has left that page."""
    form = wait_for(browser, present("form#signin"), "the sign-in form <form id=signin>")
    for name, value in (("email", email), ("password", password)):
        field = form.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    browser.find_element(By.ID, "signin-submit").click()
    wait_for(browser, gone(form), "the sign-in form to be submitted")


def consent_form(browser: WebDriver) -> WebElement:
    return wait_for(browser, present("form#consent"), "the consent form <form id=consent>")


def sign_in_and_allow(browser: WebDriver, server: Server, pkce: Pkce, state: str) -> str:
    """Run the browser part of the flow; the code the redirect URI received."""
    browser.get(authorize_url(server, state, pkce.challenge))
    submit_sign_in(browser, EMAIL, PASSWORD)
    consent_form(browser)
    browser.find_element(By.ID, "allow").click()
    callback = server.callbacks.wait_for_state(state)
    assert "error" not in callback, callback
    assert callback.get("code"), callback
    return callback["code"]


def read_json(url: str, status: int, body: bytes) -> dict:
    try:
        return json.loads(body)
    except ValueError:
        pytest.fail(f"{url} answered {status} with a body that is not JSON: {body[:500]!r}",
                    pytrace=False)


def call(request: urllib.request.Request) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, read_json(request.full_url, response.status, response.read())
    except urllib.error.HTTPError as error:
        return error.code, read_json(request.full_url, error.code, error.read())


def exchange(server: Server, code: str, verifier: str) -> tuple[int, dict]:
    """POST the code to the token endpoint, as a public client (no secret)."""
    form = urllib.parse.urlencode({
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": server.redirect_uri,
        "client_id": server.client_id,
        "code_verifier": verifier,
    }).encode()
    return call(urllib.request.Request(
        f"{server.base}/oauth/token", data=form, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}))


# --- tests ----------------------------------------------------------------------------------


def test_code_flow_with_pkce_issues_a_token_that_reads_me(server: Server, browser: WebDriver) -> None:
    pkce, state = new_pkce(), secrets.token_urlsafe(16)

    browser.get(authorize_url(server, state, pkce.challenge))
    submit_sign_in(browser, EMAIL, PASSWORD)
    consent_form(browser)
    text = page_text(browser)
    assert CLIENT_NAME in text, f"the consent page does not name the client:\n{text}"
    for scope in SCOPE.split():  # by name, or as a described item marked data-scope="..."
        shown = scope in text or browser.find_elements(By.CSS_SELECTOR, f'[data-scope="{scope}"]')
        assert shown, f"the consent page does not show the scope {scope!r}:\n{text}"
    browser.find_element(By.ID, "allow").click()

    callback = server.callbacks.wait_for_state(state)
    assert callback["state"] == state
    assert callback.get("code") and "error" not in callback, callback
    wait_for(browser, lambda b: b.current_url.startswith(server.redirect_uri + "?"),
             "the browser to land on the redirect URI")

    status, token = exchange(server, callback["code"], pkce.verifier)
    assert status == 200, token
    assert isinstance(token.get("access_token"), str) and token["access_token"], token
    assert token.get("token_type") == "Bearer", token
    assert token.get("expires_in") == ACCESS_TOKEN_LIFETIME, token
    assert isinstance(token.get("refresh_token"), str) and token["refresh_token"], token
    assert token.get("scope") == SCOPE, token

    status, me = call(urllib.request.Request(
        f"{server.base}/v1/me",
        headers={"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"}))
    assert status == 200, me
    assert me.get("email") == EMAIL, me

    # a code is good for one exchange only
    status, again = exchange(server, callback["code"], pkce.verifier)
    assert status == 400, again
    assert again.get("error") == "invalid_grant", again


def test_a_wrong_code_verifier_is_invalid_grant(server: Server, browser: WebDriver) -> None:
    pkce, state = new_pkce(), secrets.token_urlsafe(16)
    code = sign_in_and_allow(browser, server, pkce, state)

    status, body = exchange(server, code, new_pkce().verifier)
    assert status == 400, body
    assert body.get("error") == "invalid_grant", body
    assert "access_token" not in body, body


def test_the_plain_challenge_method_is_refused(server: Server, browser: WebDriver) -> None:
    pkce, state = new_pkce(), secrets.token_urlsafe(16)
    before = server.callbacks.count()

    browser.get(authorize_url(server, state, pkce.verifier, method="plain"))

    def outcome(driver: WebDriver) -> str | None:
        if server.callbacks.count() > before:
            return "callback"
        if not driver.current_url.startswith(server.base + "/"):
            return None
        if driver.execute_script("return document.readyState") != "complete":
            return None
        return "sign-in form" if driver.find_elements(By.CSS_SELECTOR, "form#signin") else "page"

    result = wait_for(browser, outcome, "the authorize endpoint to answer code_challenge_method=plain")
    if result == "callback":
        callback = server.callbacks.wait_for_state(state)
        assert callback.get("error") == "invalid_request", callback
        assert "code" not in callback, callback
    else:
        assert result != "sign-in form", \
            "code_challenge_method=plain was accepted: the authorize page offers the sign-in form"
        text = page_text(browser)
        assert not browser.find_elements(By.CSS_SELECTOR, "form#consent"), text
        assert (browser.find_elements(By.CSS_SELECTOR, ".error") or "error" in text.lower()
                or "invalid" in text.lower()), f"the authorize page shows no error:\n{text}"
    assert all("code" not in query for query in server.callbacks.with_state(state))


def test_deny_redirects_with_access_denied(server: Server, browser: WebDriver) -> None:
    pkce, state = new_pkce(), secrets.token_urlsafe(16)

    browser.get(authorize_url(server, state, pkce.challenge))
    submit_sign_in(browser, EMAIL, PASSWORD)
    consent_form(browser)
    browser.find_element(By.ID, "deny").click()

    callback = server.callbacks.wait_for_state(state)
    assert callback.get("error") == "access_denied", callback
    assert callback["state"] == state
    assert "code" not in callback, callback


def test_a_wrong_password_shows_the_sign_in_form_again(server: Server, browser: WebDriver) -> None:
    pkce, state = new_pkce(), secrets.token_urlsafe(16)
    wrong = "wrong horse battery staple"

    browser.get(authorize_url(server, state, pkce.challenge))
    submit_sign_in(browser, EMAIL, wrong)

    wait_for(browser, present("form#signin"), "the sign-in form to be shown again")
    error = wait_for(browser, present(".error"), "an error message (class=error)")
    assert error.text.strip(), "the error element is empty"
    assert browser.current_url.startswith(server.base + "/"), browser.current_url
    assert not browser.find_elements(By.CSS_SELECTOR, "form#consent")
    assert wrong not in browser.page_source, "the wrong password is echoed back in the page"
    assert server.callbacks.with_state(state) == [], "a failed sign-in redirected to the client"


def test_a_new_person_signs_up_verifies_and_lands_in_the_same_authorization(
        server: Server, browser: WebDriver) -> None:
    """Sign up from the sign-in page, open the mailed link, confirm: the browser is back in the
    authorization it started, signed in, and the app gets its code."""
    import email as email_lib
    import email.policy
    import re

    pkce, state = new_pkce(), secrets.token_urlsafe(16)
    address = f"new-{secrets.token_hex(4)}@example.com"
    browser.get(authorize_url(server, state, pkce.challenge))
    wait_for(browser, present("a#signup-link"), "the sign-up link").click()
    form = wait_for(browser, present("form#signup"), "the sign-up form <form id=signup>")
    form.find_element(By.NAME, "email").send_keys(address)
    form.find_element(By.NAME, "password").send_keys("tangerine lighthouse 7 quietly")
    browser.find_element(By.ID, "signup-submit").click()
    wait_for(browser, present("#message"), "the check-your-mail page")

    def mailed(_driver: WebDriver) -> str | None:
        for path in (server.data_dir / "mail").glob("*.eml"):
            message = email_lib.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == address:
                return re.search(r"https?://\S+", message.get_content()).group(0)
        return None

    link = wait_for(browser, mailed, "the verification mail")
    assert link.startswith(f"{server.base}/oauth/verify?"), link
    browser.get(link)
    form = wait_for(browser, present("form#verify"), "the confirmation form <form id=verify>")
    form.find_element(By.NAME, "password").send_keys("tangerine lighthouse 7 quietly")
    browser.find_element(By.ID, "verify-submit").click()
    consent_form(browser)
    assert address in page_text(browser)
    browser.find_element(By.ID, "allow").click()
    callback = server.callbacks.wait_for_state(state)
    status, token = exchange(server, callback["code"], pkce.verifier)
    assert status == 200, token
    status, me = call(urllib.request.Request(
        f"{server.base}/v1/me",
        headers={"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"}))
    assert status == 200 and me.get("email") == address, me
