"""The share page in headless Chromium at a phone's size (390×844): it fits the width (no
horizontal scrolling, screenshots kept under a temporary folder), its buttons carry the right
tel:, mailto: and https: links, the console shows no error (a CSP violation would be one), and
axe-core (tests/browser_deps, installed by `make install-test`) finds no serious or critical
accessibility violation, in each of the page's languages and on the 404 page."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from werkzeug.serving import make_server

from tests.browser import chromium
from tests.conftest import client_over_records
from tests.factories import enterprise

pytestmark = [pytest.mark.live, pytest.mark.slow]

AXE = Path(__file__).resolve().parents[1] / "browser_deps" / "node_modules" / "axe-core" / "axe.min.js"
ID = "ent_000000000001"
LONG = "中国工商银行股份有限公司" * 4
RECORDS = [enterprise(ID, names={"zh-Hans": LONG, "zh-Hant": "中國工商銀行",
                                 "en": "Industrial and Commercial Bank of China " * 3},
                      channels=[
    {"kind": "phone", "value": "95588", "label": "客服热线", "source": "t",
     "hours": {"timezone": "Asia/Shanghai", "always_open": True}},
    {"kind": "email", "value": "a-very-long-customer-service-mailbox-name@icbc.com.cn",
     "source": "t"},
    {"kind": "webchat", "value": "https://www.icbc.com.cn/chat/with/a/rather/long/path/to/wrap",
     "label": "在线客服", "source": "t"},
    {"kind": "wechat", "value": "icbc_service", "label": "微信公众号", "source": "t"},
])]


@pytest.fixture(scope="module", params=["sqlite"])
def base(request, tmp_path_factory) -> Iterator[str]:
    for client in client_over_records(request, tmp_path_factory, RECORDS):
        server = make_server("127.0.0.1", 0, client.application, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}"
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    assert AXE.is_file(), f"{AXE} is missing: run `make install-test` (npm ci in tests/browser_deps)"
    with chromium() as driver:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
        yield driver


def serious_violations(browser) -> list[str]:
    browser.execute_script(AXE.read_text("utf-8"))
    violations = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done([{id: 'axe failed: ' + e, impact: 'critical',"
        " nodes: []}]));")
    return [f"{v['id']} ({v['impact']}): {[n.get('html') for n in v['nodes']][:3]}"
            for v in violations if v["impact"] in ("serious", "critical")]


def console_errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_the_page_at_phone_width(base, browser, lang) -> None:
    browser.get_log("browser")  # forget what earlier pages logged
    browser.get(f"{base}/e/{ID}?lang={lang}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    shots = Path(tempfile.gettempdir()) / "c800-share-screenshots"
    shots.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(shots / f"share-{lang}-390.png"))
    widths = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways at 390 px: {widths}"
    hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.button")]
    # the API's order: labelled customer-service lines before unlabelled ones (directory/reach.py)
    assert hrefs[:3] == ["tel:95588",
                         "https://www.icbc.com.cn/chat/with/a/rather/long/path/to/wrap",
                         "mailto:a-very-long-customer-service-mailbox-name@icbc.com.cn"]
    assert "icbc_service" in browser.find_element(By.ID, "ways").text  # the id shown on its button
    assert console_errors(browser) == []
    assert serious_violations(browser) == []


def test_the_404_page(base, browser) -> None:
    browser.get_log("browser")
    browser.get(f"{base}/e/ent_ffffffffffff?lang=en")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"
    # the 404 answer itself is logged as a failed load; anything else would be an error
    assert [m for m in console_errors(browser) if "404" not in m] == []
    assert serious_violations(browser) == []
    # and axe does see a violation when there is one: an image without a text alternative
    browser.execute_script("document.body.appendChild(document.createElement('img'))")
    assert any(v.startswith("image-alt") for v in serious_violations(browser))
