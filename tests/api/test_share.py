"""The share page ``GET /e/{id}``: what a chat app's preview and a person's browser get — Open
Graph from PUBLIC_BASE_URL (never the Host header), the contact channels as tel:/mailto:/https:
buttons and no outbound-only sender, unchecked facts marked, the JSON-LD, a strict CSP, a
hostile name kept as text, languages, ETag and 304, the 404 page, and the API's ``url``."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from directory.models import Channel
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise

ID, HOSTILE = "ent_000000000001", "ent_000000000002"
BASE = "https://c800.example"
EVIL = '</script><script>alert(1)</script><img src=x onerror=alert(2)>"\'&'
ALWAYS = {"timezone": "Asia/Shanghai", "always_open": True}
RECORDS = [
    enterprise(ID, channels=[
        {"kind": "phone", "value": "95588", "label": "客服热线", "hours": ALWAYS, "source": "t"},
        {"kind": "email", "value": "service@icbc.com.cn", "label": "客服邮箱", "source": "t"},
        {"kind": "webchat", "value": "https://www.icbc.com.cn/chat", "label": "在线客服",
         "source": "t"},
        {"kind": "sms", "value": "1069095588", "label": "通知短信", "direction": "outbound_only",
         "source": "t"},
        {"kind": "phone", "value": "4008200588", "label": "企业客服", "source": "t"},
    ]),
    enterprise(HOSTILE, names={"zh-Hans": EVIL, "zh-Hant": EVIL, "en": EVIL}, aliases=[],
               website="https://evil.example/", domains=["evil.example"],
               channels=[{"kind": "phone", "value": "95599", "label": EVIL, "source": "t"}]),
]


class Page(HTMLParser):
    """The parts of a page the tests read: meta tags, links' hrefs, scripts and the text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.hrefs: list[str] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.tags: list[str] = []
        self._script: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if tag == "meta" and (values.get("property") or values.get("name")):
            self.meta[values.get("property") or values["name"]] = values.get("content") or ""
        if tag == "a":
            self.hrefs.append(values.get("href") or "")
        if tag == "script":
            self._script = values.get("type")
            self.scripts.append((self._script, ""))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def http(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS, public_base_url=BASE):
        state = client.application.extensions["c800"]
        with client.application.app_context(), state.sessions() as session:
            pending = session.query(Channel).filter_by(value="4008200588").one()
            pending.review = "pending"
            session.commit()
        yield client


def page(http, path: str = f"/e/{ID}", **headers: str):
    response = http.get(path, headers=headers)
    return response, Page(response.get_data(as_text=True))


def test_the_page_previews_from_public_base_url_never_the_host_header(http) -> None:
    response, parsed = page(http, Host="attacker.example", **{"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert parsed.meta["og:url"] == f"{BASE}/e/{ID}"
    assert parsed.meta["og:title"] == "Industrial and Commercial Bank of China"
    assert "95588" in parsed.meta["og:description"]
    assert parsed.meta["twitter:card"] == "summary"
    assert "attacker.example" not in response.get_data(as_text=True)


def test_contact_channels_are_buttons_and_senders_are_not_shown(http) -> None:
    response, parsed = page(http)
    assert "tel:95588" in parsed.hrefs
    assert "mailto:service@icbc.com.cn" in parsed.hrefs
    assert "https://www.icbc.com.cn/chat" in parsed.hrefs
    assert all(h.startswith(("tel:", "mailto:", "https:", "?lang=")) for h in parsed.hrefs)
    text = response.get_data(as_text=True)
    assert "1069095588" not in text and "通知短信" not in text
    assert "现在可联系" in text  # the always-open hotline, in zh-Hans by default
    # the enterprise's own, unreviewed number is shown as the API shows it: marked unchecked
    assert text.count("c800 尚未核实") == 1


def test_json_ld_is_the_only_script_and_the_csp_is_strict(http) -> None:
    response, parsed = page(http)
    assert [kind for kind, _ in parsed.scripts] == ["application/ld+json"]
    data = json.loads(parsed.scripts[0][1])
    assert data["@type"] == "Organization" and data["@id"] == f"{BASE}/v1/enterprises/{ID}"
    assert "4008200588" not in json.dumps(data)  # JSON-LD states only checked facts
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "'unsafe-inline'" not in csp and "style-src 'sha256-" in csp


def test_a_hostile_name_stays_text(http) -> None:
    response, parsed = page(http, f"/e/{HOSTILE}")
    assert response.status_code == 200
    assert parsed.tags.count("script") == 1 and "img" not in parsed.tags
    assert parsed.meta["og:title"] == EVIL
    assert json.loads(parsed.scripts[0][1])["name"] == EVIL
    assert "<script>alert" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("headers", "query", "language", "words"), [
    ({}, "", "zh-Hans", "联系方式"),
    ({"Accept-Language": "zh-TW"}, "", "zh-Hant", "聯繫方式"),
    ({"Accept-Language": "zh-TW"}, "?lang=en", "en", "Ways to reach them"),
])
def test_languages(http, headers, query, language, words) -> None:
    response = http.get(f"/e/{ID}{query}", headers=headers)
    assert response.headers["Content-Language"] == language
    assert f'<html lang="{language}">' in response.get_data(as_text=True)
    assert words in response.get_data(as_text=True)


def test_etag_cache_and_unknown_ids(http) -> None:
    response = http.get(f"/e/{ID}")
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert "Accept-Language" in response.headers["Vary"]
    again = http.get(f"/e/{ID}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    missing = http.get("/e/ent_ffffffffffff", headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "Not found" in missing.get_data(as_text=True)
    assert http.get(f"/e/{ID}?lang=fr").status_code == 422


def test_the_api_carries_the_share_link(http) -> None:
    assert http.get(f"/v1/enterprises/{ID}").get_json()["url"] == f"{BASE}/e/{ID}"
    items = http.get("/v1/enterprises").get_json()["items"]
    assert {item["url"] for item in items} == {f"{BASE}/e/{ID}", f"{BASE}/e/{HOSTILE}"}
