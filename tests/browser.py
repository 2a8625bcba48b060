"""Headless Chromium for tests that drive pages in a real browser.

``chromium()`` starts Debian's Chromium (/usr/bin/chromium) through Debian's ChromeDriver
(/usr/bin/chromedriver), both installed by ``tools/install_browser.sh`` (which the test
install step of the Makefile runs). Selenium is handed both paths, so Selenium Manager never
runs and nothing is downloaded; it is also told to stay offline, and refused outright while
the driver starts. The browser gets a fresh, empty profile that is removed afterwards, and
the flags it needs on a machine with a closed network. A missing browser FAILS the test with
instructions; browser tests are never skipped.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from unittest import mock

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = "run tools/install_browser.sh (as root, or with passwordless sudo) to install them"

# Without the background-networking flags Chromium dials out at start-up, and on a closed
# network those connections are refused (and slow everything down).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--window-size=1280,900",
)
PAGE_LOAD_TIMEOUT = 30  # seconds for one navigation
WAIT_TIMEOUT = 20  # seconds, the longest explicit wait a browser test should need

T = TypeVar("T")


def require_browser() -> None:
    """Fail (never skip) the calling test when Chromium, ChromeDriver or selenium is missing."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(f"browser test: {', '.join(missing)} not found; {INSTALL_HINT}", pytrace=False)
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("browser test: selenium is not installed; run `make install-test`", pytrace=False)


def _refuse_selenium_manager(*args: object, **kwargs: object) -> dict:
    raise RuntimeError("Selenium Manager must not run: the driver and browser paths are given")


@contextmanager
def chromium(page_load_timeout: float = PAGE_LOAD_TIMEOUT) -> Iterator[WebDriver]:
    """A headless ``webdriver.Chrome`` on a temporary profile; quit and cleaned up on exit."""
    require_browser()
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.selenium_manager import SeleniumManager

    with tempfile.TemporaryDirectory(prefix="c800-chromium-", ignore_cleanup_errors=True) as folder:
        profile = Path(folder) / "profile"
        profile.mkdir()
        driver_log = Path(folder) / "chromedriver.log"
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        # No speculative preconnections: gunicorn's sync workers (as `make run` serves) each
        # wait on an idle socket a browser opens "just in case".
        options.add_experimental_option("prefs", {"net.network_prediction_options": 2})
        # The console's messages, for tests that check a page logs no error (get_log("browser")).
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(str(CHROMEDRIVER), log_output=str(driver_log))
        try:
            with mock.patch.object(SeleniumManager, "binary_paths", _refuse_selenium_manager):
                driver = webdriver.Chrome(service=service, options=options)
        except WebDriverException as error:
            log = driver_log.read_text(errors="replace")[-4000:] if driver_log.exists() else ""
            pytest.fail(f"Chromium did not start: {error.msg}\n{log}\n(if it is not installed, "
                        f"{INSTALL_HINT})", pytrace=False)
        try:
            driver.set_page_load_timeout(page_load_timeout)
            yield driver
        finally:
            driver.quit()


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], T], message: str = "",
             timeout: float = WAIT_TIMEOUT) -> T:
    """Poll *condition* until it returns something truthy (bounded by *timeout* seconds).

    On timeout the failure names *message*, the URL the browser is on and the start of the
    page text, which is usually enough to see what went wrong.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)
    except TimeoutException:
        try:
            body = driver.find_element("tag name", "body").text[:1500]
        except Exception:  # noqa: BLE001 - only for the failure message
            body = "<no body>"
        pytest.fail(f"waited {timeout:g}s for {message or condition!r}; browser at "
                    f"{driver.current_url}\npage text:\n{body}", pytrace=False)


class PageHandler(BaseHTTPRequestHandler):
    """A quiet request handler that answers small HTML pages (``_answer``)."""

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve *handler* from a thread on a free loopback port; yields ``http://127.0.0.1:PORT``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name=f"http-{server.server_address[1]}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def gone(element: WebElement) -> Callable[[WebDriver], bool]:
    """A wait condition: *element* has left the page (the browser navigated away).

    selenium's ``staleness_of`` waits for StaleElementReferenceException only; while a page is
    being replaced chromedriver may instead answer "Node ... does not belong to the document",
    which ``staleness_of`` lets escape (seen once as a failure). Both mean the same here.
    """
    from selenium.common.exceptions import WebDriverException

    def condition(_driver: WebDriver) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:  # stale, or detached while the next page loads
            return True
        return False
    return condition

