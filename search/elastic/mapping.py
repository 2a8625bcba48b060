"""What the Elasticsearch index looks like: its settings (built-in analyzers only), its
mapping, and a search document in the form it is indexed.

Documents arrive already analysed by :mod:`search.text` (folded, pinyin, phone digits), so the
index needs built-in analysis only:

- ``name_han`` / ``other_han``: Han runs, indexed with ``cjk_bigram`` + ``output_unigrams``
  (a one-character query finds its unigram, a longer run its bigrams); the search analyzer
  emits bigrams only, and the backend asks for every bigram of each query run (the grams of
  :func:`search.text.cjk_bigrams`, as term queries, so both backends compare the same grams);
- ``keys`` / ``name_terms`` / ``other_terms``: keywords, each with a ``prefix`` subfield
  indexed with ``edge_ngram`` (words typed so far are prefixes of terms; a term query on the
  subfield is a prefix match, nothing is n-grammed at search time);
- ``suggest``: a ``completion`` field whose inputs are the keys, weighted so the suggester's
  own order is prominence, then the shortest key (each document once, at its best weight);
- filters and facets on keyword fields, ``verified`` boolean, ``prominence`` long (the order
  within a ranking tier).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search.documents import MAX_PROMINENCE

MAX_GRAM = 64  # longest prefix answered by the edge_ngram subfields (longer: a prefix query)
# Longest term compared whole: keyword ignore_above (far under Lucene's 32766-byte terms) and
# Elasticsearch's limit on a prefix query (index.max_regex_length, 1000 by default). Longer
# keys and terms are not indexed as keywords, so longer query words and keys match nothing.
KEYWORD_LIMIT = 1000
# Completion weights: prominence (15 bits), 255 - key length (8 bits); kept below 2**24 so the
# float `_score` a suggestion carries is the exact weight.
PROMINENCE_CAP = MAX_PROMINENCE  # documents hold no more: the weight keeps it whole
_COMPLETION_RESERVED = ("\x00", "\x1e", "\x1f")
_DOC_FIELDS = ("id", "keys", "name_han", "name_terms", "other_han", "other_terms", "industry",
               "industries", "channels", "regions", "verified", "prominence")


def _prefixed_keyword() -> dict[str, Any]:
    return {"type": "keyword", "ignore_above": KEYWORD_LIMIT, "fields": {"prefix": {
        "type": "text", "analyzer": "c800_prefix", "search_analyzer": "keyword",
        "index_options": "freqs"}}}


SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,  # ~1M small documents; one shard keeps BM25 and facets exact
    "analysis": {
        "filter": {
            "c800_bigrams_unigrams": {"type": "cjk_bigram", "output_unigrams": True},
            "c800_bigrams": {"type": "cjk_bigram", "output_unigrams": False},
            "c800_edge": {"type": "edge_ngram", "min_gram": 1, "max_gram": MAX_GRAM},
        },
        "analyzer": {
            "c800_han": {"type": "custom", "tokenizer": "standard",
                         "filter": ["cjk_width", "lowercase", "c800_bigrams_unigrams"]},
            "c800_han_search": {"type": "custom", "tokenizer": "standard",
                                "filter": ["cjk_width", "lowercase", "c800_bigrams"]},
            "c800_prefix": {"type": "custom", "tokenizer": "keyword", "filter": ["c800_edge"]},
        },
    },
}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "keys": _prefixed_keyword(),
        "name_han": {"type": "text", "analyzer": "c800_han", "search_analyzer": "c800_han_search"},
        "name_terms": _prefixed_keyword(),
        "other_han": {"type": "text", "analyzer": "c800_han", "search_analyzer": "c800_han_search"},
        "other_terms": _prefixed_keyword(),
        "industry": {"type": "keyword", "ignore_above": KEYWORD_LIMIT},
        "industries": {"type": "keyword", "ignore_above": KEYWORD_LIMIT},
        "channels": {"type": "keyword", "ignore_above": KEYWORD_LIMIT},
        "regions": {"type": "keyword", "ignore_above": KEYWORD_LIMIT},
        "verified": {"type": "boolean"},
        "prominence": {"type": "long"},
        "suggest": {"type": "completion", "analyzer": "keyword", "max_input_length": MAX_GRAM,
                    "preserve_separators": False, "preserve_position_increments": False},
    },
}


def suggest_weight(prominence: int, key_length: int) -> int:
    """A completion input's weight: higher prominence first, then the shorter key."""
    return (min(max(prominence, 0), PROMINENCE_CAP) << 8) | (255 - min(key_length, 255))


def weight_parts(weight: int) -> tuple[int, int]:
    """(prominence, key length) of a completion weight (255 stands for 255 or longer)."""
    return weight >> 8, 255 - (weight & 0xFF)


def to_source(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed form of a search document: its fields plus the completion inputs."""
    source = {name: doc.get(name) for name in _DOC_FIELDS}
    prominence = min(max(int(doc.get("prominence") or 0), 0), MAX_PROMINENCE)
    source["prominence"] = prominence
    source["suggest"] = [
        {"input": [key], "weight": suggest_weight(prominence, len(key))}
        for key in doc.get("keys") or ()
        if key and not any(ch in key for ch in _COMPLETION_RESERVED)
    ]
    return source
