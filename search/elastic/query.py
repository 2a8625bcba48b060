"""A search as Elasticsearch query DSL: the filters, the matching clauses, the four
ranking tiers of :mod:`search.base`, and the order of their hits.

Ranking is exact rather than packed into one float ``_score``. The tiers (exact key, key
prefix, names only, other fields) are disjoint filters. One search (:meth:`QueryPlan.overview`)
finds every match with the total, the facets and each tier's size (a ``filters``
aggregation); its tier clauses are also named queries, so each hit says its tier and
:func:`rank_key` can order a small result in Python. A larger one is read a page at a time
(:meth:`QueryPlan.page`) from the tiers the page spans (:func:`page_windows`), each search
filtered to one tier and sorted by ``prominence``, ``_score`` (BM25 of the
matching clauses, names boosted) and ``id``.

User input is data: every token goes into a ``term`` or ``prefix`` query, never into query
syntax.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from search.base import SearchQuery
from search.elastic.mapping import KEYWORD_LIMIT, MAX_GRAM
from search.text import cjk_bigrams

MAX_QUERY_TERMS = 128  # distinct grams + words; any query the API accepts (100 chars) fits
NAME_BOOST = 2.0  # names weigh above other fields in the text score
FACET_SIZE = 1000  # buckets per facet: more than there are industries or channel kinds

_TIER_SORT = [{"prominence": "desc"}, {"_score": "desc"}, {"id": "asc"}]
_MATCH_NONE: dict[str, Any] = {"match_none": {}}


def prefixed(field: str, value: str, boost: float = 1.0) -> dict[str, Any]:
    """*value* is a prefix of a term of *field* (a term on the edge_ngram subfield)."""
    if len(value) <= MAX_GRAM:
        return {"term": {f"{field}.prefix": {"value": value, "boost": boost}}}
    if len(value) > KEYWORD_LIMIT:
        return _MATCH_NONE
    # Longer than any indexed gram: the longest gram narrows, a prefix query decides.
    return {"bool": {"must": [{"term": {f"{field}.prefix": {"value": value[:MAX_GRAM], "boost": boost}}}],
                     "filter": [{"prefix": {field: value}}]}}


def _all_grams(field: str, run: str, boost: float = 1.0) -> dict[str, Any]:
    """Every bigram of the Han *run* (a one-character run: that character) is in *field*."""
    grams = dict.fromkeys(cjk_bigrams(run))
    return {"bool": {"must": [{"term": {field: gram}} for gram in grams], "boost": boost}}


def grams_of(analyzed_han: Iterable[str]) -> set[str]:
    return {gram for run in analyzed_han for gram in cjk_bigrams(run)}


class QueryPlan:
    """The clauses of one analysed query: filters, matching, and the four ranking tiers."""

    def __init__(self, query: SearchQuery) -> None:
        analyzed = query.analyzed
        self.filters: list[dict[str, Any]] = []
        if query.industry:
            self.filters.append({"term": {"industries": query.industry}})
        if query.channel:
            self.filters.append({"term": {"channels": query.channel}})
        if query.regions:
            self.filters.append({"terms": {"regions": query.region_filter}})
        # Each Han run: all its grams among the names, or all among the other fields; each
        # word: a prefix of a key, a name term or another term. These clauses alone score.
        self.match = [
            {"bool": {"should": [_all_grams("name_han", run, NAME_BOOST), _all_grams("other_han", run)],
                      "minimum_should_match": 1}}
            for run in analyzed.han
        ] + [
            {"bool": {"should": [prefixed("name_terms", word, NAME_BOOST), prefixed("keys", word, NAME_BOOST),
                                 prefixed("other_terms", word)],
                      "minimum_should_match": 1}}
            for word in analyzed.words
        ]
        names = [_all_grams("name_han", run) for run in analyzed.han]
        names += [prefixed("name_terms", word) for word in analyzed.words]
        key = analyzed.key
        self.exact = {"term": {"keys": key}} if len(key) <= KEYWORD_LIMIT else _MATCH_NONE
        self.key_prefix = prefixed("keys", key)
        self.in_names = {"bool": {"filter": names}}

    def tier_clauses(self, tier: int) -> dict[str, Any]:
        """Tier 4, 3, 2 or 1 alone (the tiers are disjoint and cover every match)."""
        return {
            4: {"bool": {"filter": [self.exact]}},
            3: {"bool": {"filter": [self.key_prefix], "must_not": [self.exact]}},
            2: {"bool": {"filter": [self.in_names], "must_not": [self.key_prefix]}},
            1: {"bool": {"must_not": [self.key_prefix, self.in_names]}},
        }[tier]

    def overview(self, size: int) -> dict[str, Any]:
        """Every match: total, facets, tier sizes, and the first *size* hits with their tiers."""
        probes = [{"bool": {"filter": [clause], "_name": f"tier{tier}"}}
                  for tier, clause in ((4, self.exact), (3, self.key_prefix), (2, self.in_names))]
        return {
            "query": {"bool": {"filter": [*self.filters, {"bool": {"should": [*probes, {"match_all": {}}]}}],
                               "must": self.match}},
            "size": size,
            "_source": False,
            "docvalue_fields": ["prominence"],
            "track_total_hits": True,
            "aggs": {
                "industry": {"terms": {"field": "industry", "size": FACET_SIZE}},
                "channel": {"terms": {"field": "channels", "size": FACET_SIZE}},
                "tiers": {"filters": {"filters": {str(tier): self.tier_clauses(tier) for tier in (4, 3, 2)}}},
            },
        }

    def page(self, tier: int, start: int, size: int) -> dict[str, Any]:
        """Hits [start, start + size) of one tier, in rank order."""
        return {
            "query": {"bool": {"filter": [*self.filters, self.tier_clauses(tier)], "must": self.match}},
            "sort": _TIER_SORT,
            "from": start,
            "size": size,
            "_source": False,
            "track_total_hits": False,
        }


def rank_key(hit: Mapping[str, Any]) -> tuple[Any, ...]:
    """The order of the tier searches (tier, prominence, text score, id), in Python."""
    named = hit.get("matched_queries") or ()
    tier = next((tier for tier in (4, 3, 2) if f"tier{tier}" in named), 1)
    fields = hit.get("fields") or {}
    prominence = int((fields.get("prominence") or [0])[0])
    return (-tier, -prominence, -float(hit.get("_score") or 0.0), hit["_id"])


def page_windows(counts: list[int], start: int, end: int) -> list[tuple[int, int, int]]:
    """``(tier, from, to)`` of each tier's hits that fall in the global page [start, end)."""
    windows, before = [], 0
    for tier, count in enumerate(counts):
        low, high = max(start - before, 0), min(end - before, count)
        if low < high:
            windows.append((tier, low, high))
        before += count
    return windows
