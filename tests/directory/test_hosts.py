"""Host names that can pass for another are refused (UTS #39 mixed scripts, whole-script
confusables, look-alike letters; IDNA 2008), and legitimate internationalised names pass."""

from __future__ import annotations

import pytest

from directory.hosts import HostNameError, check_host_name, host_name_problem
from directory.urls import UnsafeURLError, check_web_url, is_valid_hostname
from directory.validation import ChannelRecordSchema


@pytest.mark.parametrize("host", [
    "www.сmbchina.com",        # Latin with a Cyrillic с
    "xn--www-mbchina-voj.com",  # www-сmbchina.com, as punycode
    "xn--mbchina-3ng.com",
    "gооgle.com",              # two Cyrillic о
    "pαypal.com",              # Latin with a Greek α
    "icbcβank.cn",             # Latin with a Greek β
    "аррӏе.com",               # whole-script Cyrillic that reads "apple"
    "xn--80ak6aa92e.com",      # the same, as punycode
    "ѕсоре.cn",                # whole-script Cyrillic "scope"
    "ορο.gr",                  # whole-script Greek "opo"
    "paypaı.com",              # Latin dotless ı for i
    "ɑpple.com",               # Latin alpha for a
    "例子аbc.com",              # Han and Cyrillic
    "ab\u200dc.com",           # an invisible joiner
    "a..b.com", "-a.com",      # not valid names at all
])
def test_names_that_pass_for_another_are_refused(host):
    assert host_name_problem(host) is not None
    with pytest.raises(HostNameError):
        check_host_name(host)
    with pytest.raises(UnsafeURLError):
        check_web_url(f"https://{host}/")


@pytest.mark.parametrize("host", [
    "www.icbc.com.cn", "cmbchina.com", "中文.中国", "例子.公司", "xn--fsqu00a.xn--55qx5d",
    "bücher.de", "пример.рф", "παράδειγμα.gr", "日本語.jp", "ひらがな.jp", "한국.kr", "例子abc.com",
    "招商银行.中国", "ｗｗｗ.icbc.com.cn",
])
def test_legitimate_names_pass(host):
    assert host_name_problem(host) is None
    assert check_web_url(f"https://{host}/") == f"https://{host}/"


def test_domains_and_addresses_are_checked_in_their_ascii_form():
    assert is_valid_hostname("xn--fsqu00a.xn--55qx5d")
    assert not is_valid_hostname("xn--mbchina-3ng.com")
    errors = ChannelRecordSchema().validate({"kind": "email", "value": "help@xn--mbchina-3ng.com",
                                             "source": "test"})
    assert "value" in errors
    assert not ChannelRecordSchema().validate({"kind": "email", "value": "help@cmbchina.com",
                                               "source": "test"})
