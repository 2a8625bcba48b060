"""/docs' "Authorize" in a real browser: Swagger UI signs in with PKCE as the docs client.

gunicorn over a fresh SQLite database; ``flask users create`` and ``flask clients docs`` (as
``make run`` registers it, at this server's PUBLIC_BASE_URL); headless Chromium opens /docs,
clicks Authorize on the authorization code flow, signs in and allows in the window Swagger UI
opens, and Swagger UI's redirect page (served by c800) hands the code back; Swagger UI then
exchanges it with its PKCE verifier, and the token it holds reads /v1/me.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from api.cli import upgrade_database
from api.docs import DOCS_CLIENT_ID
from tests.browser import chromium, wait_for
from tests.live import ROOT, gunicorn

pytestmark = [pytest.mark.live, pytest.mark.slow]

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"
AUTHORIZED = ("return (window.ui.authSelectors.authorized().toJS().oauth2 || {}).token || null")


def flask(base: str, database_url: str, data_dir, *args: str, stdin: str | None = None) -> str:  # noqa: ANN001
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir),
           "PUBLIC_BASE_URL": base}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, input=stdin, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_authorize_on_the_docs_page_signs_in_with_pkce(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'c800.sqlite3'}"
    upgrade_database(database_url)
    data_dir = tmp_path / "var"
    with gunicorn(database_url, data_dir, workers=2) as base, chromium() as browser:
        flask(base, database_url, data_dir, "users", "create", "--email", EMAIL,
              "--password-stdin", stdin=PASSWORD)
        client = json.loads(flask(base, database_url, data_dir, "clients", "docs"))
        assert client["redirect_uris"] == [f"{base}/docs/oauth2-redirect.html"]
        browser.get(f"{base}/docs")
        wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "button.authorize"),
                 "the Authorize button")[0].click()
        flow = wait_for(browser, lambda d: [c for c in d.find_elements(By.CSS_SELECTOR, ".auth-container")
                                            if "authorizationCode" in c.text], "the code flow")[0]
        client_id = flow.find_element(By.CSS_SELECTOR, "input[id^='client_id']")
        assert client_id.get_attribute("value") == DOCS_CLIENT_ID  # from initOAuth
        docs_window = browser.current_window_handle
        flow.find_element(By.CSS_SELECTOR, "button.authorize").click()
        popup = wait_for(browser, lambda d: [h for h in d.window_handles if h != docs_window],
                         "the sign-in window")[0]
        browser.switch_to.window(popup)
        form = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "form#signin"),
                        "the sign-in form")[0]
        assert "code_challenge_method=S256" in browser.current_url
        form.find_element(By.NAME, "email").send_keys(EMAIL)
        form.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.ID, "signin-submit").click()
        wait_for(browser, lambda d: d.find_elements(By.ID, "allow"), "the consent form")[0].click()
        wait_for(browser, lambda d: len(d.window_handles) == 1, "the sign-in window to close")
        browser.switch_to.window(docs_window)
        token = wait_for(browser, lambda d: d.execute_script(AUTHORIZED), "Swagger UI's token")
        request = urllib.request.Request(f"{base}/v1/me", headers={
            "Authorization": f"Bearer {token['access_token']}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.loads(answer.read())["email"] == EMAIL
