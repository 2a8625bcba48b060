"""Highlighting (search.text.highlight_spans): what of a shown name a query matched."""

from __future__ import annotations

import pytest

from search.text import analyze_query, highlight_spans, pinyin_terms


@pytest.mark.parametrize(("display", "typed", "spans"), [
    ("中国银行银行卡", "银行", [(2, 6)]),  # every occurrence, adjacent ones merged
    ("银行行银行", "银行", [(0, 2), (3, 5)]),  # none overlapping the one before
    ("中國銀行", "银行", [(2, 4)]),  # a traditional name for a simplified query
    ("China Mobile Mobil", "mobil", [(6, 11), (13, 18)]),  # case folded, at a word's start
    ("Bababa ba", "ba", [(0, 2), (7, 9)]),  # not inside a word
    ("ICBC 中国工商银行", "工商 icbc", [(0, 4), (7, 9)]),
    ("招商银行", "zhaoshang", []),  # pinyin is not in the shown name
])
def test_the_spans_are_where_the_query_matched(display, typed, spans):
    assert highlight_spans(display, analyze_query(typed)) == spans


def test_pinyin_terms_start_at_every_syllable_and_are_kept_unchanged():
    terms = pinyin_terms("招商银行")
    assert terms == ("zhaoshangyinhang", "shangyinhang", "yinhang", "hang", "zsyh", "syh", "yh", "h")
    assert pinyin_terms("招商银行") is terms  # kept: a tuple no caller can change
    assert pinyin_terms("icbc") == ()
