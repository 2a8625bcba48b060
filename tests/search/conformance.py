"""The one search conformance suite, subclassed per backend (tests/search/test_*.py).

A subclass provides two fixtures:
- ``empty_backend``: a fresh, empty backend (function scope);
- ``bundled_backend``: a backend holding the bundled directory (may be session-scoped).
"""

from __future__ import annotations

import pytest

from directory.indexing.queries import listing_query
from search.base import SearchBackend, SearchQuery
from search.documents import make_document
from tests.search.relevance import BROAD_CASES, BROAD_TOP, CASES

# A small hand-made directory that pins each behaviour down.
SAMPLE = [
    dict(id="ent_cmb", names=["招商银行", "招商銀行", "China Merchants Bank"], aliases=["招行", "CMB"],
         industries=["banking", "finance"], industry_names=["银行", "Banking"],
         phones=["95555", "4008205555"],
         channels=["phone", "app"], verified=True, prominence=100, domains=["cmbchina.com"]),
    dict(id="ent_cms", names=["招商证券", "招商證券", "China Merchants Securities"], aliases=[],
         industries=["securities", "finance"], industry_names=["证券", "Securities"], phones=["95565"],
         channels=["phone"]),
    dict(id="ent_icbc", names=["中国工商银行", "中國工商銀行", "Industrial and Commercial Bank of China"],
         aliases=["工行", "ICBC"], industries=["banking", "finance"], industry_names=["银行", "Banking"],
         phones=["95588"], channels=["phone", "webchat"], verified=True, prominence=100, regions=["CN"]),
    dict(id="ent_cmcc", names=["中国移动", "中國移動", "China Mobile"], aliases=["移动"],
         industries=["telecom"], industry_names=["电信", "Telecom"], phones=["10086", "02128283888"],
         channels=["phone", "sms"], verified=True, prominence=100),
    dict(id="ent_jd", names=["京东", "京東", "JD.com"], aliases=["京东商城"], industries=["ecommerce"],
         industry_names=["电商"], phones=["95118", "4006562211"], channels=["phone", "email"]),
    dict(id="ent_jdl", names=["京东物流", "京東物流", "JD Logistics"], aliases=[], industries=["delivery"],
         industry_names=["快递"], phones=["950616"], channels=["phone"], verified=True, prominence=100),
    dict(id="ent_cqb", names=["重庆银行", "重慶銀行", "Bank of Chongqing"], industries=["banking", "finance"],
         industry_names=["银行"], phones=["956023"], channels=["phone"], regions=["500000"]),
    dict(id="ent_csb", names=["长沙银行", "長沙銀行", "Bank of Changsha"], industries=["banking", "finance"],
         industry_names=["银行"], phones=["96511"], channels=["phone"], regions=["430100"]),
    dict(id="ent_hsbc", names=["汇丰银行", "匯豐銀行", "HSBC"], aliases=["汇丰"],
         industries=["banking", "finance"], industry_names=["银行"],
         phones=["4008208828", "+85222333000"], channels=["phone"]),
    dict(id="ent_sf", names=["顺丰速运", "順豐速運", "SF Express"], aliases=["顺丰"], industries=["delivery"],
         industry_names=["快递"], phones=["95338"], channels=["phone", "wechat"]),
    dict(id="ent_air", names=["中国南方航空", "中國南方航空", "China Southern Airlines"], aliases=["南航"],
         industries=["airline"], industry_names=["航空"], phones=["95539", "4008695539"], channels=["phone"],
         description="广州白云机场 客服"),
    dict(id="ent_boc", names=["中国银行", "中國銀行", "Bank of China"], aliases=["中行", "BOC"],
         industries=["banking", "finance"], industry_names=["银行"], phones=["95566"], channels=["phone"]),
    dict(id="ent_nci", names=["新华保险", "新華保險", "New China Life"], industries=["insurance", "finance"],
         industry_names=["保险"], phones=["95567"], channels=["phone"],
         description="中国大陆地区全国客服热线"),
    dict(id="ent_spdb", names=["浦发银行", "浦發銀行", "SPD Bank"], industries=["banking", "finance"],
         industry_names=["银行"], phones=["95528", "02161618888"], channels=["phone"], regions=["310000"]),
]


def sample_documents() -> list[dict]:
    return [make_document(**record) for record in SAMPLE]


def ids(backend: SearchBackend, text: str, **filters) -> list[str]:
    return backend.search(SearchQuery(text=text, **filters)).ids


class BackendConformance:
    """Behaviour every SearchBackend must have."""

    @pytest.fixture
    def backend(self, empty_backend: SearchBackend) -> SearchBackend:
        empty_backend.index(sample_documents())
        return empty_backend

    # --- indexing -------------------------------------------------------------------------
    def test_count_index_replace_delete(self, empty_backend: SearchBackend) -> None:
        assert empty_backend.count() == 0
        assert empty_backend.index(sample_documents()) == len(SAMPLE)
        assert empty_backend.count() == len(SAMPLE)
        changed = make_document(**{**SAMPLE[0], "names": ["招商银行信用卡"], "aliases": []})
        assert empty_backend.index([changed]) == 1
        assert empty_backend.count() == len(SAMPLE)
        assert "ent_cmb" not in ids(empty_backend, "招行")
        assert "ent_cmb" in ids(empty_backend, "信用卡")
        empty_backend.delete(["ent_cmb", "ent_never_indexed"])
        assert empty_backend.count() == len(SAMPLE) - 1
        assert "ent_cmb" not in ids(empty_backend, "招商")
        empty_backend.delete([])

    def test_reset_and_rebuild(self, backend: SearchBackend) -> None:
        backend.reset()
        assert backend.count() == 0
        assert ids(backend, "招商") == []
        assert backend.rebuild(sample_documents()[:3]) == 3
        assert backend.count() == 3
        assert backend.rebuild(sample_documents()) == len(SAMPLE)
        assert ids(backend, "招行")[0] == "ent_cmb"

    # --- what a query may be ---------------------------------------------------------------
    @pytest.mark.parametrize("text, expected", [
        ("招行", "ent_cmb"), ("工行", "ent_icbc"), ("南航", "ent_air"), ("移动", "ent_cmcc"),
        ("顺丰", "ent_sf"), ("汇丰", "ent_hsbc"), ("招商银行", "ent_cmb"), ("中国移动", "ent_cmcc"),
    ])
    def test_chinese_words_and_aliases(self, backend, text, expected) -> None:
        assert ids(backend, text)[0] == expected

    def test_one_character_and_name_parts(self, backend) -> None:
        found = ids(backend, "银")
        assert {"ent_cmb", "ent_icbc", "ent_cqb", "ent_csb", "ent_hsbc", "ent_boc", "ent_spdb"} <= set(found)
        assert "ent_cmcc" not in found
        assert "ent_icbc" in ids(backend, "工商")
        assert ids(backend, "南方航空")[0] == "ent_air"
        assert ids(backend, "丰") and set(ids(backend, "丰")) == {"ent_hsbc", "ent_sf"}

    @pytest.mark.parametrize("text, expected", [
        ("中國移動", "ent_cmcc"), ("招商銀行", "ent_cmb"), ("匯豐", "ent_hsbc"), ("順豐", "ent_sf"),
        ("重慶", "ent_cqb"),
    ])
    def test_traditional_characters(self, backend, text, expected) -> None:
        assert ids(backend, text)[0] == expected

    @pytest.mark.parametrize("text, expected", [
        ("zhaoshangyinhang", "ent_cmb"), ("zsyh", "ent_cmb"), ("ZSYH", "ent_cmb"),
        ("chongqing", "ent_cqb"), ("cqyh", "ent_cqb"), ("changsha", "ent_csb"), ("csyh", "ent_csb"),
        ("zhongguoyidong", "ent_cmcc"), ("zgyd", "ent_cmcc"), ("nanhang", "ent_air"),
        ("zhao shang yin hang", "ent_cmb"),
    ])
    def test_pinyin(self, backend, text, expected) -> None:
        assert ids(backend, text)[0] == expected

    def test_pinyin_prefixes(self, backend) -> None:
        assert set(ids(backend, "zhaosh")[:2]) == {"ent_cmb", "ent_cms"}
        assert ids(backend, "zhaoshangy")[0] == "ent_cmb"
        assert ids(backend, "chongq")[0] == "ent_cqb"
        assert "ent_cmb" in ids(backend, "yinhang")
        assert ids(backend, "zhongguoyid")[0] == "ent_cmcc"

    @pytest.mark.parametrize("text, expected", [
        ("China Mobile", "ent_cmcc"), ("china mobil", "ent_cmcc"), ("CHINA MOBILE", "ent_cmcc"),
        ("ICBC", "ent_icbc"), ("icbc", "ent_icbc"), ("hsbc", "ent_hsbc"), ("sf express", "ent_sf"),
        ("China Merchants B", "ent_cmb"), ("jd.com", "ent_jd"), ("merchants securities", "ent_cms"),
    ])
    def test_english(self, backend, text, expected) -> None:
        assert ids(backend, text)[0] == expected

    @pytest.mark.parametrize("text, expected", [
        ("95588", "ent_icbc"), ("955 88", "ent_icbc"), ("+86 95588", "ent_icbc"),
        ("400-820-5555", "ent_cmb"), ("4008205555", "ent_cmb"), ("400 656 2211", "ent_jd"),
        ("021-6161-8888", "ent_spdb"), ("(021) 61618888", "ent_spdb"), ("61618888", "ent_spdb"),
        ("+86 21 2828 3888", "ent_cmcc"), ("021 2828 3888", "ent_cmcc"), ("+852 2233 3000", "ent_hsbc"),
    ])
    def test_phone_numbers(self, backend, text, expected) -> None:
        assert ids(backend, text)[0] == expected

    @pytest.mark.parametrize("text, expected", [
        ("010-95588", "ent_icbc"), ("+86 10 95588", "ent_icbc"), ("0086 10 95588", "ent_icbc"),
        ("0755-95555", "ent_cmb"), ("tel:+86-21-6161-8888", "ent_spdb"), ("+86 400 820 5555", "ent_cmb"),
    ])
    def test_numbers_as_lookup_reads_them(self, backend, text, expected) -> None:
        # the directory's query (directory.indexing.queries) reads the number as lookup does
        assert backend.search(listing_query(text)).ids[0] == expected

    def test_phone_prefix_as_typed(self, backend) -> None:
        assert set(ids(backend, "9556")) == {"ent_cms", "ent_boc", "ent_nci"}
        assert ids(backend, "95555") == ["ent_cmb"]

    @pytest.mark.parametrize("text, expected", [
        ("招商 银行", "ent_cmb"), ("（中国移动）", "ent_cmcc"), ("China-Mobile", "ent_cmcc"),
        ("招商银行!!!", "ent_cmb"), ("  icbc  ", "ent_icbc"), ("京东 商城", "ent_jd"),
    ])
    def test_spaces_and_punctuation(self, backend, text, expected) -> None:
        assert ids(backend, text)[0] == expected

    def test_all_words_must_match(self, backend) -> None:
        assert ids(backend, "招商 移动") == []
        assert ids(backend, "china zzzz") == []
        assert ids(backend, "qqqqqq") == []

    # --- ranking ---------------------------------------------------------------------------
    def test_exact_name_beats_longer_names(self, backend) -> None:
        found = ids(backend, "招商银行")
        assert found[0] == "ent_cmb"
        assert ids(backend, "招商")[:2] in (["ent_cmb", "ent_cms"],)  # prominence wins the prefix tie
        found = ids(backend, "京东")
        assert found[:2] == ["ent_jd", "ent_jdl"]  # exact beats a prominent prefix

    def test_name_prefix_beats_name_part(self, backend) -> None:
        found = ids(backend, "中国")
        # 中国工商银行, 中国移动, 中国南方航空, 中国银行 start with 中国: all before 新华保险,
        # which has 中国 only in its description (and New China Life is English)
        assert set(found[:4]) == {"ent_icbc", "ent_cmcc", "ent_air", "ent_boc"}
        assert found[4:] == ["ent_nci"]

    def test_names_beat_other_fields(self, backend) -> None:
        # 白云 appears only in 南航's description: found, but only through other fields
        assert ids(backend, "白云") == ["ent_air"]
        # the industry name 快递 finds both delivery listings
        assert set(ids(backend, "快递")) == {"ent_sf", "ent_jdl"}

    def test_prominence_wins_ties(self, backend) -> None:
        banks = ids(backend, "银行")
        prominent = [i for i in banks if i in {"ent_cmb", "ent_icbc"}]
        assert banks[:len(prominent)] == prominent

    # --- filters, facets, pagination -------------------------------------------------------
    def test_filters(self, backend) -> None:
        assert set(ids(backend, "银行", industry="banking")) == {
            "ent_cmb", "ent_icbc", "ent_cqb", "ent_csb", "ent_hsbc", "ent_boc", "ent_spdb"}
        assert "ent_cms" in ids(backend, "招商", industry="finance")
        assert ids(backend, "招商", industry="telecom") == []
        assert ids(backend, "中国", channel="webchat") == ["ent_icbc"]
        # regions come expanded by the caller (directory.indexing.queries.listing_query)
        shanghai = set(ids(backend, "银行", regions=("310101", "310000", "CN")))
        assert "ent_spdb" in shanghai and "ent_icbc" in shanghai and "ent_cmb" in shanghai
        assert "ent_cqb" not in shanghai and "ent_csb" not in shanghai
        assert "ent_csb" in ids(backend, "银行", regions=("430102", "430100", "430000", "CN"))

    def test_facets_count_every_match(self, backend) -> None:
        results = backend.search(SearchQuery(text="中国", limit=1))
        assert results.total == 5 and len(results.ids) == 1
        assert results.facets["industry"] == {"banking": 2, "telecom": 1, "airline": 1, "insurance": 1}
        assert results.facets["channel"] == {"phone": 5, "sms": 1, "webchat": 1}
        filtered = backend.search(SearchQuery(text="中国", channel="webchat"))
        assert filtered.total == 1 and filtered.facets["industry"] == {"banking": 1}

    def test_pages_are_stable_and_disjoint(self, backend) -> None:
        everything = ids(backend, "银行", limit=50)
        pages = [ids(backend, "银行", limit=2, offset=o) for o in range(0, len(everything), 2)]
        assert [i for page in pages for i in page] == everything
        assert ids(backend, "银行", offset=len(everything)) == []
        assert backend.search(SearchQuery(text="银行", limit=2)).total == len(everything)

    # --- hostile input ---------------------------------------------------------------------
    @pytest.mark.parametrize("text", [
        '"', '""', "'", "*", "招商*", "AND", "a AND b", "NOT", "OR", "-", "-招商", "NEAR(招商 银行)",
        "\\", "\\\\", "{}", "[", "(", ")", ":", "names:招商", "^", "~", "+", "+-", "a\x00b", "\x01\x1f",
        "%", "_", "'; DROP TABLE x; --", "<em>", "\u200b", "🙂", "ｚｓｙｈ", "x" * 10_000, "招" * 5000,
    ])
    def test_user_input_is_data(self, backend, text) -> None:
        results = backend.search(SearchQuery(text=text))
        assert results.total >= len(results.ids)
        backend.suggest(text)

    def test_query_syntax_is_literal(self, backend) -> None:
        assert ids(backend, '"招行"')[0] == "ent_cmb"
        assert ids(backend, "招商 AND 证券") == []  # AND is a word, and nothing has it
        assert ids(backend, "ICBC*")[0] == "ent_icbc"

    # --- suggestions -----------------------------------------------------------------------
    def test_suggest(self, backend) -> None:
        assert backend.suggest("招商")[:2] == ["ent_cmb", "ent_cms"]
        assert backend.suggest("招商銀")[0] == "ent_cmb"
        assert backend.suggest("zhaosh")[:2] == ["ent_cmb", "ent_cms"]
        assert backend.suggest("china m")[0] == "ent_cmcc"
        assert backend.suggest("zg")[:3] and set(backend.suggest("zg")) >= {"ent_icbc", "ent_cmcc"}
        found = backend.suggest("中", limit=3)
        assert len(found) == 3 and len(set(found)) == 3
        assert backend.suggest("qqqq") == []

    def test_suggest_orders_exact_then_prominence_then_shortest(self, backend) -> None:
        assert backend.suggest("京东")[:2] == ["ent_jd", "ent_jdl"]  # exact first
        assert backend.suggest("京")[:2] == ["ent_jdl", "ent_jd"]  # then prominence first
        assert backend.suggest("zhongguo")[:2] == ["ent_cmcc", "ent_icbc"]  # prominence, shortest key

    def test_suggest_keeps_every_tie_in_id_order(self, empty_backend) -> None:
        # 40 listings of one prominence whose keys are all as long: the order is by id, however
        # many tie and in whatever order they were written; more prominent ones come first.
        idents = [f"ent_tie{n:02d}" for n in range(40)]
        empty_backend.index([
            make_document(id=ident, names=[f"平局{ident[-2:]}"], phones=[f"9559{ident[-2:]}"])
            for ident in reversed(idents)])
        empty_backend.index([make_document(id="ent_top", names=["平局99"], phones=["955999"], prominence=7)])
        assert empty_backend.suggest("平局", limit=6) == ["ent_top", *idents[:5]]
        assert empty_backend.suggest("955", limit=12) == ["ent_top", *idents[:11]]
        assert empty_backend.suggest("pingju", limit=41) == ["ent_top", *idents]

    # --- the bundled directory -------------------------------------------------------------
    @pytest.mark.parametrize("case", CASES, ids=[f"{c.category}:{c.query}" for c in CASES])
    def test_relevance(self, bundled_backend, case) -> None:
        found = ids(bundled_backend, case.query, limit=max(case.within, 5))
        assert case.expected in found[:case.within], (case, found)

    @pytest.mark.parametrize("case", [
        pytest.param(c, id=c.query,
                     marks=[pytest.mark.xfail(strict=True, reason=c.known_gap)] if c.known_gap else [])
        for c in BROAD_CASES])
    def test_broad_words_find_the_companies_people_mean(self, bundled_backend, case) -> None:
        found = ids(bundled_backend, case.query, limit=BROAD_TOP)
        assert set(case.expected) <= set(found), (case, found)
