"""Smoke test of the browser tooling: headless Chromium loads a page, runs its script and
submits its form (tests/browser.py; the browser comes from tools/install_browser.sh)."""

from __future__ import annotations

import threading
import urllib.parse

import pytest
from selenium.webdriver.common.by import By

from tests.browser import PageHandler, chromium, http_server, wait_for

pytestmark = [pytest.mark.live, pytest.mark.slow]

PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>smoke</title></head>
<body>
  <p id="status">waiting</p>
  <button id="js" type="button"
          onclick="document.getElementById('status').textContent = 'clicked'">JS</button>
  <form id="form" method="post" action="/submitted">
    <input name="word" value="">
    <button id="submit" type="submit">Send</button>
  </form>
</body></html>
"""


class SmokeHandler(PageHandler):
    """``GET /`` is the page; ``POST /submitted`` records the form and echoes it."""

    received: list[dict[str, list[str]]] = []
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path != "/":
            self._answer(404, b"<p>not found</p>")
            return
        self._answer(200, PAGE)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        with self.lock:
            self.received.append(form)
        word = form.get("word", [""])[0]
        self._answer(200, f'<p id="result">got {word}</p>'.encode())


def test_chromium_runs_script_and_submits_form() -> None:
    SmokeHandler.received = []
    with http_server(SmokeHandler) as base, chromium() as browser:
        browser.get(f"{base}/")
        assert browser.title == "smoke"
        assert browser.find_element(By.ID, "status").text == "waiting"

        browser.find_element(By.ID, "js").click()
        wait_for(browser, lambda b: b.find_element(By.ID, "status").text == "clicked",
                 "the button's script to change the page")

        browser.find_element(By.NAME, "word").send_keys("hello")
        browser.find_element(By.ID, "submit").click()
        result = wait_for(browser, lambda b: b.find_elements(By.ID, "result"), "the form's answer")
        assert result[0].text == "got hello"
        assert browser.current_url == f"{base}/submitted"
    assert SmokeHandler.received == [{"word": ["hello"]}]
