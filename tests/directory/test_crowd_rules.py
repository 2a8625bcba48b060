"""The crowd's rules: key steps, what a tip's words may not carry, the Wilson lower bound and
what a vote weighs (directory/crowd_rules.py, directory/tips.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from directory.crowd_rules import CrowdInputError, clean_keys, clean_text, key_steps, wilson_lower_bound
from directory.tips import PROMOTE_CONFIDENCE, confidence_of, vote_weight

# (worked, total) -> the 95 % Wilson lower bound, to 4 places (published values: 5/10 is
# [0.2366, 0.7634], 9/10 [0.5958, 0.9821], 1/1 [0.2065, 1]).
WILSON = [
    (0, 0, 0.0),
    (0, 5, 0.0),
    (1, 1, 0.2065),
    (5, 10, 0.2366),
    (9, 10, 0.5958),
    (3, 3, 0.4385),
    (4, 4, 0.5101),
    (40, 45, 0.7650),
]


@pytest.mark.parametrize(("worked", "total", "bound"), WILSON)
def test_wilson_lower_bound_table(worked, total, bound):
    assert wilson_lower_bound(worked, total) == pytest.approx(bound, abs=5e-5)


def test_the_score_is_not_the_raw_share():
    # 1 of 1 is a raw 100 %, 40 of 45 a raw 89 %: the larger sample ranks first.
    assert wilson_lower_bound(1, 1) < wilson_lower_bound(40, 45)
    # more agreement, same share: more confidence
    assert wilson_lower_bound(2, 2) < wilson_lower_bound(20, 20)


@pytest.mark.parametrize(("worked", "failed", "confirmed"), [
    # weights: 4 an established account, 1 a new one
    (3 * 4, 0, False),       # three established accounts: 0.4385 < 0.5
    (4 * 4, 0, True),        # four: 0.5101
    (16 * 1, 0, True),       # sixteen new accounts weigh four established ones
    (15 * 1, 0, False),
    (5 * 4, 1 * 4, False),   # five for, one against
    (8 * 4, 1 * 4, True),
])
def test_confidence_in_millionths_over_weighted_votes(worked, failed, confirmed):
    assert (confidence_of(worked, failed) >= PROMOTE_CONFIDENCE) is confirmed


def test_a_new_account_weighs_a_quarter():
    now = datetime(2026, 12, 7, tzinfo=UTC)
    assert vote_weight(now - timedelta(days=6), now) == 1
    assert vote_weight(now - timedelta(days=8), now) == 4
    assert vote_weight(None, now) == 1


@pytest.mark.parametrize(("steps", "stored"), [
    (["0"], "0"), (["2", "1", "0"], "2,1,0"), (["1", "#"], "1,#"), (["*", "0"], "*,0"),
    (["9", "1234"], "9,1234"), (["1"] * 8, ",".join(["1"] * 8)),
])
def test_key_steps_kept(steps, stored):
    assert clean_keys(steps) == stored
    assert key_steps(stored) == steps


@pytest.mark.parametrize("steps", [
    [], ["1"] * 9, [""], ["12345"], ["13800138000"], ["a"], ["1,2"], ["p"], ["w"], [" 1"], ["１"],
    [1], None, "0", [["1"]],
])
def test_key_steps_refused(steps):
    with pytest.raises(CrowdInputError):
        clean_keys(steps)


@pytest.mark.parametrize("text", [
    "请拨打 138 0013 8000 找客服",          # a mobile number with spaces
    "打这个：010-6666-8888",                 # a landline with dashes
    "１３８００１３８０００",                 # full-width digits
    "拨幺三八零零一三八零零零",               # Chinese numerals
    "(0755) 8888",                           # brackets
    "95588转人工太慢，打95555",              # another company's number
    "点这里 http://icbc-kefu.top/help",
    "hxxps://evil",                          # any scheme
    "www.icbc-help.cn 在线客服",
    "访问 icbc-kefu.com 办理",
    "加 kefu.icbc.xn--fiqs8s",               # punycode top-level domain
    "发邮件到 help@icbc-service.cn",
    "加微信 @icbc_kefu",
    "ｗｗｗ．ｅｖｉｌ．ｃｏｍ",              # full-width link
])
def test_texts_that_carry_a_way_to_reach_someone_are_refused(text):
    with pytest.raises(CrowdInputError, match="may not carry"):
        clean_text(text, field="text", limit=280)


@pytest.mark.parametrize(("text", "kept"), [
    ("  按0后  再按#  ", "按0后 再按#"),
    ("工作日上午9:00-10:00人少", "工作日上午9:00-10:00人少"),
    ("等待约3分钟，说“人工”也行", "等待约3分钟，说“人工”也行"),
    ("Press 0 twice, e.g. after the 2nd prompt", "Press 0 twice, e.g. after the 2nd prompt"),
    ("   ", None),
    (None, None),
])
def test_ordinary_texts_are_trimmed_and_kept(text, kept):
    assert clean_text(text, field="text", limit=280) == kept


@pytest.mark.parametrize("text", ["x" * 281, "按0\u202e", "按\x000", "a\u200bb"])
def test_long_or_invisible_texts_are_refused(text):
    with pytest.raises(CrowdInputError):
        clean_text(text, field="text", limit=280)
