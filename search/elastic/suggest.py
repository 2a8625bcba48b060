"""As-you-type suggestions from Elasticsearch, in the order of :meth:`search.base.SearchBackend.suggest`
(the embedded engine's): the documents with the key itself first, then those with a key that
begins with it; each part by prominence (higher first), then the shortest such key, then id.

The exact part is one search sorted by ``prominence`` and ``id``. The prefix part reads the
``suggest`` completion field, whose weight is (prominence, 255 - key length)
(:func:`search.elastic.mapping.suggest_weight`) and which names each document once, at its best
weight: every document it returns above the weight of its last option is in the right place
once sorted by (weight, id). The documents at that last weight are a tie the suggester cuts
in its own order (not by id), so when it may have left some out, they are read by a search —
that prominence, a key of that length beginning with the prefix and none shorter — sorted by
id. Nothing that belongs in the answer is dropped, whatever the tie's size.
"""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from search.elastic.mapping import weight_parts

_SORT = [{"prominence": "desc"}, {"id": "asc"}]


def escape_regexp(text: str) -> str:
    """*text* as a literal in a Lucene regular expression (letters and digits as they are)."""
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in text)


def tie_query(key: str, prominence: int, length: int) -> dict[str, Any]:
    """Documents of *prominence* whose shortest key beginning with *key* is *length* long
    (255: 255 or longer), other than those with the key itself."""
    extra = length - len(key)
    literal = escape_regexp(key)
    exact_length = f"{literal}.{{{extra},}}" if length >= 255 else f"{literal}.{{{extra}}}"
    return {"bool": {"filter": [{"term": {"prominence": prominence}},
                                {"regexp": {"keys": {"value": exact_length, "flags": "NONE"}}}],
                     "must_not": [{"regexp": {"keys": {"value": f"{literal}.{{0,{extra - 1}}}",
                                                       "flags": "NONE"}}}]}}


def suggest(client: Elasticsearch, index: str, key: str, limit: int) -> list[str]:
    """Ids of the first *limit* documents with the key *key* or a key beginning with it."""
    response = client.search(
        index=index, size=limit, source=False, query={"bool": {"filter": [{"term": {"keys": key}}]}},
        sort=_SORT, track_total_hits=False,
        suggest={"keys": {"prefix": key, "completion": {
            "field": "suggest", "size": 2 * limit + 1, "skip_duplicates": False}}})
    exact = [hit["_id"] for hit in response["hits"]["hits"]]
    need = limit - len(exact)
    if need <= 0:
        return exact[:limit]
    options = [(int(option.get("_score") or 0), option["_id"])
               for entry in response.get("suggest", {}).get("keys", []) for option in entry["options"]]
    # Documents with the key itself also complete it (at a weight of their own): dropped here.
    # The suggester asked for 2 * limit + 1 options: at most limit are exact, so a full answer
    # still holds more than *need* others.
    asked = 2 * limit + 1
    complete = len(options) < asked
    excluded = set(exact)
    ranked = sorted((-weight, ident) for weight, ident in options if ident not in excluded)
    if complete or not ranked:
        return exact + [ident for _, ident in ranked[:need]]
    last = -ranked[-1][0]
    above = [ident for weight, ident in ranked if -weight > last]
    if len(above) >= need:
        return exact + above[:need]
    prominence, length = weight_parts(last)
    # Exact-key documents never match the tie query (a key of the prefix's own length is one
    # the must_not excludes), so *excluded* needs no filter of its own.
    tie = client.search(index=index, size=need - len(above), source=False, track_total_hits=False,
                        query=tie_query(key, prominence, length), sort=[{"id": "asc"}])
    return exact + above + [hit["_id"] for hit in tie["hits"]["hits"]]
