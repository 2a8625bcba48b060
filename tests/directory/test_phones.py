"""Phone numbers: China's kinds of number, what they cost and where they can be called from,
their other canonical forms, and reading whatever a person pasted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from directory.phones import (
    PHONE_HINTS,
    callback_number,
    classify_phone,
    equivalent_forms,
    kind_hint,
    parse_phone_input,
    searched_number,
)


@pytest.mark.parametrize(("value", "kind", "display"), [
    ("13912345678", "mobile", "139 1234 5678"),
    ("01012345678", "landline", "010 1234 5678"),
    ("075583765566", "landline", "0755 8376 5566"),
    ("4008208820", "business_400", "400 820 8820"),
    ("8008208888", "toll_free_800", "800 820 8888"),
    ("95588", "service_95", "95588"),
    ("955880", "service_95", "955880"),
    ("96511", "service_96", "96511"),
    ("10086", "service_1x", "10086"),
    ("12315", "service_1x", "12315"),
    ("110", "emergency", "110"),
    ("120", "emergency", "120"),
    ("1069095588", "sms_106", "1069095588"),
    ("+18774484824", "international", "+1 877-448-4824"),
    ("+85295588000", "international", "+852 9558 8000"),
    ("+8613800138000", "mobile", "+86 138 0013 8000"),
    ("12", "unknown", "12"),
])
def test_kinds_and_display_forms(value, kind, display):
    info = classify_phone(value)
    assert (info.kind, info.display) == (kind, display)


def test_reachability_hints():
    toll_free = classify_phone("8008208888")
    assert toll_free.toll_free and not toll_free.callable_from_mobile and not toll_free.callable_from_abroad
    assert toll_free.hints == ("free", "not_from_mobile", "not_from_abroad")
    business = classify_phone("4008208820")
    assert not business.toll_free and business.callable_from_mobile
    assert business.hints == ("local_rate", "not_from_abroad") and business.international is None
    short = classify_phone("95588")
    assert not short.callable_from_abroad and short.hints == ("not_from_abroad",)
    assert "local_area_only" in classify_phone("96511").hints
    sender = classify_phone("1069095588")
    assert sender.hints == ("sms_only",) and not sender.callable_from_mobile
    mobile = classify_phone("13912345678")
    assert mobile.callable_from_abroad and mobile.international == "+8613912345678" and mobile.hints == ()
    landline = classify_phone("02160876100")
    assert landline.international == "+862160876100"
    abroad = classify_phone("+18774484824")
    assert abroad.hints == ("international_rate",) and not abroad.toll_free


# Real numbers of the bundled data (directory/data/enterprises.jsonl) and what they are.
@pytest.mark.parametrize(("value", "kind", "hints", "owner"), [
    ("10107888", "service_10", ("not_from_abroad",), "美团"),  # not a 400 number, no "local rate"
    ("10109777", "service_10", ("not_from_abroad",), "美团外卖"),
    ("10105757", "service_10", ("not_from_abroad",), "饿了么"),
    ("10100011", "service_10", ("not_from_abroad",), "大众点评"),
    ("10109559", "service_10", ("not_from_abroad",), "中国农业银行"),
    ("95066", "service_95", ("not_from_abroad",), "滴滴出行"),
    ("950616", "service_95", ("not_from_abroad",), "京东物流"),
    ("9510211", "service_95", ("not_from_abroad",), "淘宝"),
    ("95163234", "service_95", ("not_from_abroad",), "网易"),
    ("95071666", "service_95", ("not_from_abroad",), "福州航空"),
    ("955581101", "service_95", ("not_from_abroad",), "中信银行"),  # 95558 and its menu keys
    ("96169", "service_96", ("local_area_only", "not_from_abroad"), "中国联通"),
    ("966888", "service_96", ("local_area_only", "not_from_abroad"), "广西农商联合银行"),
    ("01096066", "service_96", ("not_from_abroad",), "北京一卡通"),  # with its area code
    ("053296588", "service_96", ("not_from_abroad",), "青岛银行"),
    ("021962319", "service_96", ("not_from_abroad",), "上海交通卡"),
    ("10165", "service_1x", ("not_from_abroad",), "中国联通"),
    ("10001688", "service_1x", ("not_from_abroad",), "中国电信"),
    ("1008611", "service_1x", ("not_from_abroad",), "中国移动"),
    ("12583110086", "service_1x", ("not_from_abroad",), "中国移动"),  # not a mobile number
    ("121231100", "service_1x", ("not_from_abroad",), "交通管理局"),
    ("4008200588", "business_400", ("local_rate", "not_from_abroad"), "中国建设银行"),
])
def test_types_of_bundled_numbers(value, kind, hints, owner):
    info = classify_phone(value)
    assert (info.kind, info.hints) == (kind, hints), owner
    assert not info.toll_free and info.callable_from_mobile and info.international is None
    assert kind_hint(kind, "zh-Hans") != kind_hint("unknown", "zh-Hans")


def test_a_96_number_behind_an_area_code_is_that_citys_own():
    assert equivalent_forms("053296588") == {"+8653296588"}  # not the short 96588 of every city


def test_hint_texts_exist_in_every_language():
    for code in PHONE_HINTS:
        texts = {language: classify_phone("95588").hint_text(code, language)
                 for language in ("zh-Hans", "zh-Hant", "en")}
        assert all(texts.values()) and texts["en"] != texts["zh-Hans"]
    assert kind_hint("business_400", "en").startswith("This is a 400 business number")
    assert kind_hint("no-such-kind", "en") == kind_hint("unknown", "en")


@pytest.mark.parametrize(("value", "forms"), [
    ("02160876100", {"+862160876100"}), ("+862160876100", {"02160876100"}),
    ("13800138000", {"+8613800138000"}), ("+8613800138000", {"13800138000"}),
    ("4008208820", {"+864008208820"}), ("95588", set()), ("1069095588", set()),
    ("+861095588", {"01095588", "95588"}), ("01095588", {"+861095588", "95588"}),
    ("075595588", {"+8675595588", "95588"}), ("02160876100", {"+862160876100"}),
    ("+18774484824", set()),
])
def test_equivalent_forms(value, forms):
    assert equivalent_forms(value) == forms


@pytest.mark.parametrize(("pasted", "canonical"), [
    ("95588", "95588"), ("tel:95588", "95588"), ("TEL:+86-10-95588", "+861095588"),
    ("sms:1069095588?body=hi", "1069095588"), ("+86 21 6087 6100", "+862160876100"),
    ("0086 21 6087 6100", "+862160876100"), ("(021) 6087-6100", "02160876100"),
    ("400.820.8820", "4008208820"), ("139\u00a01234\u30005678", "13912345678"),
    ("+1 (877) 448-4824", "+18774484824"),
])
def test_pasted_numbers(pasted, canonical):
    assert parse_phone_input(pasted) == canonical


@pytest.mark.parametrize("pasted", ["12", "hello", "95588abc", "icbc.com.cn", "+", "+86 abc", "", "1-2"])
def test_text_that_is_not_a_number(pasted):
    assert parse_phone_input(pasted) is None


@pytest.mark.parametrize(("typed", "e164"), [
    ("13912345678", "+8613912345678"), ("+86 139 1234 5678", "+8613912345678"),
    ("021 6087 6100", "+862160876100"), ("+1 877 448 4824", None), ("+44 20 7946 0018", "+442079460018"),
    ("95588", None), ("4008208820", None), ("110", None), ("hello", None), ("", None),
])
def test_numbers_one_can_be_called_back_on(typed, e164):
    """Mobiles and landlines only, as E.164 (what the callback endpoint takes)."""
    assert callback_number(typed) == e164


def test_every_mainland_number_of_the_bundle_has_a_type():
    """Only foreign short codes (dialled in their own region) stay of unknown type."""
    data = Path(__file__).resolve().parents[2] / "directory" / "data" / "enterprises.jsonl"
    with data.open(encoding="utf-8") as handle:
        numbers = [c for e in map(json.loads, handle) for c in e["channels"]
                   if c["kind"] in ("phone", "sms")]
    untyped = [c["value"] for c in numbers
               if classify_phone(c["value"]).kind == "unknown" and not c["regions"]]
    assert numbers and untyped == []
    assert not [c["value"] for c in numbers if c["value"].startswith(("1010", "1011"))
                and classify_phone(c["value"]).kind != "service_10"]


@pytest.mark.parametrize(("typed", "searched"), [
    ("010-95588", "95588"), ("+86 10 95588", "95588"), ("0755-95555", "95555"),
    ("0086 10 95588", "95588"), ("+86 21 6087 6100", "02160876100"), ("+86 400 820 8820", "4008208820"),
    ("955 88", "95588"), ("9556", "9556"), ("+1 877 448 4824", "+18774484824"), ("招行", None),
    ("icbc.com.cn", None),
])
def test_search_reads_a_number_as_lookup_does(typed, searched):
    assert searched_number(typed) == searched
