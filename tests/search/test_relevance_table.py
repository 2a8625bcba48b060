"""The relevance table itself is sound (no search involved: plain reads of the bundled data)."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

from tests.search.relevance import CASES, CATEGORIES

ENTERPRISES = Path(__file__).resolve().parents[2] / "directory" / "data" / "enterprises.jsonl"

# Every query the search issue names must be in the table.
ISSUE_QUERIES = (
    "银行", "移动", "顺丰", "工行", "招行", "南航", "中國移動", "招商銀行", "匯豐", "zhaoshangyinhang",
    "zsyh", "zhaosh", "chongqing", "changsha", "china mobil", "ICBC", "95588", "955 88",
    "400-820-0588", "4008200588", "021-95561", "+86 21 2828 3888", "招商 银行", "China-Mobile",
    "（中国移动）", "jd.com",
)


@cache
def statuses() -> dict[str, str]:
    with ENTERPRISES.open(encoding="utf-8") as lines:
        return {record["id"]: record["status"] for record in map(json.loads, lines)}


def test_every_expected_listing_exists_and_is_active():
    known = statuses()
    missing = [case for case in CASES if case.expected not in known]
    inactive = [case for case in CASES if known.get(case.expected, "active") != "active"]
    assert not missing, missing
    assert not inactive, inactive


def test_every_category_has_at_least_five_cases():
    counts = Counter(case.category for case in CASES)
    assert not [case for case in CASES if case.category not in CATEGORIES]
    assert {category: counts[category] for category in CATEGORIES if counts[category] < 5} == {}


def test_at_least_eighty_cases():
    assert len(CASES) >= 80


def test_no_query_is_duplicated():
    counts = Counter(case.query for case in CASES)
    assert [query for query, count in counts.items() if count > 1] == []


def test_cases_are_well_formed():
    for case in CASES:
        assert case.query.strip() and len(case.query) <= 100, case
        assert 1 <= case.within <= 100, case
        assert case.within == 1 or case.note, f"a case with within > 1 says why: {case}"


def test_the_issue_queries_are_all_present():
    queries = {case.query for case in CASES}
    assert [query for query in ISSUE_QUERIES if query not in queries] == []
