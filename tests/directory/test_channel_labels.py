"""directory/channel_labels.py: the purpose a vCards label says, and the bundle carries it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from directory.channel_labels import (
    PURPOSES,
    SECONDARY_PURPOSES,
    channel_purpose,
    purpose_for_label,
    purpose_tier,
)

DATA = Path(__file__).resolve().parents[2] / "directory" / "data" / "enterprises.jsonl"

# Labels as they occur in metowolf/vCards (the frequent ones and every kind of purpose).
LABELS = [
    ("信用卡客服热线", "credit_card"),
    ("信用卡服务热线", "credit_card"),
    ("单位公务卡专线", "credit_card"),
    ("信用卡白金贵宾专线", "credit_card"),
    ("信用卡境外拨打", "abroad"),
    ("信用卡境外服务热线", "abroad"),
    ("香港以外地区客户服务热线", "abroad"),
    ("境外热线", "abroad"),
    ("客服热线", "customer_service"),
    ("客户服务热线", "customer_service"),
    ("乘客客服热线", "customer_service"),
    ("中文客服", "customer_service"),
    ("客服热线、征信异议受理热线", "customer_service"),
    ("宽带服务", "broadband"),
    ("积分商城", "points_shop"),
    ("沃留言", "voicemail"),
    ("彩铃服务", "ring_back_tone"),
    ("沃助理", "value_added"),
    ("移动来电管家", "value_added"),
    ("和多号-副号1", "value_added"),
    ("贵宾专线", "vip"),
    ("金葵花专线", "vip"),
    ("私人银行服务", "wealth_management"),
    ("卓越理财客户服务热线", "wealth_management"),
    ("报失信用卡", "lost_card"),
    ("反诈中心", "anti_fraud"),
    ("证券买卖专线", "securities"),
    ("售前售后", "sales"),
    ("公司总机", "switchboard"),
    ("信用卡外呼电话", "marketing"),
    ("营销专线", "marketing"),
    ("客户回访", "follow_up"),
    ("派件提醒", "notification"),
    ("官方提醒短信", "notification"),
    ("Customer Service Hotline", "customer_service"),
    # labels that name a place or nothing: no purpose
    ("香港", None), ("澳门", None), ("上海中国移动", None), ("美国直拨", None), ("其他客户", None),
    ("", None), ("  ", None), (None, None),
]


@pytest.mark.parametrize(("label", "purpose"), LABELS)
def test_purpose_for_label(label, purpose):
    assert purpose_for_label(label) == purpose
    assert purpose is None or purpose in PURPOSES


def test_tiers_and_a_set_purpose_winning_over_the_label():
    assert purpose_tier("customer_service") == 0
    assert purpose_tier(None) == purpose_tier("credit_card") == purpose_tier("vip") == 1
    assert {purpose_tier(p) for p in SECONDARY_PURPOSES} == {2}
    assert {"voicemail", "points_shop", "ring_back_tone", "value_added", "abroad"} <= SECONDARY_PURPOSES
    assert channel_purpose("credit_card", "境外拨打") == "credit_card"
    assert channel_purpose(None, "境外拨打") == "abroad"


def bundled(name: str) -> dict[str, dict]:
    with DATA.open(encoding="utf-8") as handle:
        record = next(e for e in map(json.loads, handle) if e["names"]["zh-Hans"] == name)
    return {c["value"]: c for c in record["channels"]}


def test_the_bundle_keeps_labels_and_their_purposes():
    cmcc, ccb, unicom, telecom = (bundled(n) for n in ("中国移动", "中国建设银行", "中国联通", "中国电信"))
    assert (cmcc["12530"]["label"], cmcc["12530"]["purpose"]) == ("彩铃服务", "ring_back_tone")
    assert cmcc["+861065883001"]["purpose"] == "ring_back_tone"
    assert cmcc["10050"]["purpose"] == "broadband"
    assert (ccb["02138690588"]["label"], ccb["02138690588"]["purpose"]) == ("信用卡境外拨打", "abroad")
    assert ccb["02138695188"]["purpose"] == "credit_card"
    assert unicom["10165"]["purpose"] == "voicemail"
    assert telecom["10001688"]["purpose"] == "points_shop"
    assert cmcc["10086"]["label"] is None and cmcc["10086"]["purpose"] is None
