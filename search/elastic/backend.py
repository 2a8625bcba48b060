"""The Elasticsearch adapter of the search port, for a stock cluster (Elastic Cloud included).

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
  own order is verified, then popularity, then the shortest key;
- filters and facets on keyword fields, ``verified`` boolean, ``popularity`` long.

Ranking (see :mod:`search.base`) is exact rather than packed into one float ``_score``. The
tiers (exact key, key prefix, names only, other fields) are disjoint filters. One search finds
every match with the total, the facets and each tier's size (a ``filters`` aggregation); its
tier clauses are also named queries, so each hit says its tier. With at most
``RANK_IN_PYTHON`` matches they all come back in that one search and are ordered here by
(tier, verified, popularity, ``_score``, id). Otherwise one ``_msearch`` fetches the page from
the tiers it spans, each search filtered to one tier and sorted by ``verified``,
``popularity``, ``_score`` (BM25 of the matching clauses, names boosted) and ``id``.

The index is versioned behind an alias (``c800-listings`` -> ``c800-listings-<version>``):
:meth:`ElasticBackend.rebuild` fills a new index while searches keep reading the old one,
then swaps the alias in one atomic ``update_aliases`` call and deletes the old index.
Writes go through ``helpers.streaming_bulk`` with retries and exponential backoff on 429,
and are refreshed before ``index()``/``delete()`` return (read-your-writes for editors).
Every failure of the cluster surfaces as :class:`search.base.SearchUnavailable` naming the
cluster's URL (credentials hidden).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from search.base import MAX_WINDOW, SearchBackend, SearchQuery, SearchResults, SearchUnavailable
from search.text import analyze_query, cjk_bigrams

MAX_GRAM = 64  # longest prefix answered by the edge_ngram subfields (longer: a prefix query)
# Longest term compared whole: keyword ignore_above (far under Lucene's 32766-byte terms) and
# Elasticsearch's limit on a prefix query (index.max_regex_length, 1000 by default). Longer
# keys and terms are not indexed as keywords, so longer query words and keys match nothing.
KEYWORD_LIMIT = 1000
MAX_QUERY_TERMS = 128  # distinct grams + words; any query the API accepts (100 chars) fits
NAME_BOOST = 2.0  # names weigh above other fields in the text score
FACET_SIZE = 1000  # buckets per facet: more than there are industries or channel kinds
RANK_IN_PYTHON = 100  # up to this many matches: one search, ranked here; more: a search per tier
BULK_CHUNK = 500
BULK_RETRIES = 5  # per chunk, on 429 (and 502-504), backoff 0.5 s doubling up to 30 s
ADMIN_TIMEOUT = 30.0  # creating, swapping and deleting indices
BULK_TIMEOUT = 60.0
COUNT_TIMEOUT = 2.0
# Completion weights: verified (bit 23), popularity (15 bits), 255 - key length (8 bits); kept
# below 2**24 so the float `_score` a suggestion carries is the exact weight.
_POPULARITY_CAP = (1 << 15) - 1
_COMPLETION_RESERVED = ("\x00", "\x1e", "\x1f")
_DOC_FIELDS = ("id", "keys", "name_han", "name_terms", "other_han", "other_terms", "industry",
               "industries", "channels", "regions", "verified", "popularity")


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
        "popularity": {"type": "long"},
        "suggest": {"type": "completion", "analyzer": "keyword", "max_input_length": MAX_GRAM,
                    "preserve_separators": False, "preserve_position_increments": False},
    },
}

_TIER_SORT = [{"verified": "desc"}, {"popularity": "desc"}, {"_score": "desc"}, {"id": "asc"}]
_MATCH_NONE: dict[str, Any] = {"match_none": {}}


def redact(url: str) -> str:
    """*url* with any password replaced, for messages."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
    except ValueError:
        return "<unparsable url>"


def _describe(exc: Exception) -> str:
    """A one-line reason from an elasticsearch-py exception (no traceback, no request body)."""
    if isinstance(exc, ApiError):
        error = exc.body.get("error") if isinstance(exc.body, dict) else None
        if isinstance(error, dict):
            causes = error.get("root_cause") or [error]
            cause = causes[0] if isinstance(causes[0], dict) else error
            return f"HTTP {exc.status_code} {cause.get('type', '')}: {cause.get('reason', '')}"[:500]
        detail = exc.body if isinstance(exc.body, str) and exc.body else "no details (is it Elasticsearch?)"
        return f"HTTP {exc.status_code}: {detail}"[:500]
    return (getattr(exc, "message", None) or str(exc) or type(exc).__name__)[:500]


def _suggest_weight(doc: Mapping[str, Any], key: str) -> int:
    popularity = min(max(int(doc.get("popularity") or 0), 0), _POPULARITY_CAP)
    return (bool(doc.get("verified")) << 23) | (popularity << 8) | (255 - min(len(key), 255))


def to_source(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed form of a search document: its fields plus the completion inputs."""
    source = {name: doc.get(name) for name in _DOC_FIELDS}
    source["popularity"] = min(max(int(doc.get("popularity") or 0), -(1 << 63)), (1 << 63) - 1)
    source["suggest"] = [
        {"input": [key], "weight": _suggest_weight(doc, key)}
        for key in doc.get("keys") or ()
        if key and not any(ch in key for ch in _COMPLETION_RESERVED)
    ]
    return source


# --- query building ------------------------------------------------------------------------
def _prefix(field: str, value: str, boost: float = 1.0) -> dict[str, Any]:
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


def _grams_of(analyzed_han: Iterable[str]) -> set[str]:
    return {gram for run in analyzed_han for gram in cjk_bigrams(run)}


class _Plan:
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
            {"bool": {"should": [_prefix("name_terms", word, NAME_BOOST), _prefix("keys", word, NAME_BOOST),
                                 _prefix("other_terms", word)],
                      "minimum_should_match": 1}}
            for word in analyzed.words
        ]
        names = [_all_grams("name_han", run) for run in analyzed.han]
        names += [_prefix("name_terms", word) for word in analyzed.words]
        key = analyzed.key
        self.exact = {"term": {"keys": key}} if len(key) <= KEYWORD_LIMIT else _MATCH_NONE
        self.key_prefix = _prefix("keys", key)
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
            "docvalue_fields": ["verified", "popularity"],
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


def _rank_key(hit: Mapping[str, Any]) -> tuple[Any, ...]:
    """The order of the tier searches (tier, verified, popularity, text score, id), in Python."""
    named = hit.get("matched_queries") or ()
    tier = next((tier for tier in (4, 3, 2) if f"tier{tier}" in named), 1)
    fields = hit.get("fields") or {}
    verified = bool((fields.get("verified") or [False])[0])
    popularity = int((fields.get("popularity") or [0])[0])
    return (-tier, not verified, -popularity, -float(hit.get("_score") or 0.0), hit["_id"])


def _page_windows(counts: list[int], start: int, end: int) -> list[tuple[int, int, int]]:
    """``(tier, from, to)`` of each tier's hits that fall in the global page [start, end)."""
    windows, before = [], 0
    for tier, count in enumerate(counts):
        low, high = max(start - before, 0), min(end - before, count)
        if low < high:
            windows.append((tier, low, high))
        before += count
    return windows


class IndexingFailed(SearchUnavailable):
    """Elasticsearch refused some of the documents of a write."""


class ElasticBackend(SearchBackend):
    """Search in an Elasticsearch index behind the alias *index*."""

    name = "elasticsearch"

    def __init__(self, url: str, index: str = "c800-listings", *, request_timeout: float = 5.0,
                 client: Elasticsearch | None = None) -> None:
        self.url = redact(url)
        self.alias = index
        self.request_timeout = request_timeout
        self._owns_client = client is None
        # 429 is left to streaming_bulk's backoff (the transport would retry it at once);
        # timeouts are not retried, so an unreachable cluster fails within one timeout.
        self._client = client if client is not None else Elasticsearch(
            url, request_timeout=request_timeout, max_retries=2, retry_on_timeout=False,
            retry_on_status=(502, 503, 504))
        self._ready = False
        self.rank_in_python = RANK_IN_PYTHON

    # --- plumbing ---------------------------------------------------------------------------
    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except SearchUnavailable:
            raise
        except NotFoundError as exc:
            self._ready = False  # the alias or index vanished: recreate on next use
            raise SearchUnavailable(f"Elasticsearch at {self.url} could not {action}: "
                                    f"{_describe(exc)}") from exc
        except ApiError as exc:
            raise SearchUnavailable(f"Elasticsearch at {self.url} refused to {action}: "
                                    f"{_describe(exc)}") from exc
        except TransportError as exc:
            raise SearchUnavailable(f"Elasticsearch at {self.url} is unreachable (could not {action}): "
                                    f"{_describe(exc)}") from exc

    def _admin(self) -> Elasticsearch:
        return self._client.options(request_timeout=max(self.request_timeout, ADMIN_TIMEOUT))

    def _new_index_name(self) -> str:
        return f"{self.alias}-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"

    def _create_index(self, name: str, *, with_alias: bool = False, building: bool = False) -> None:
        settings = {**SETTINGS, "refresh_interval": "-1"} if building else SETTINGS
        self._admin().indices.create(index=name, settings=settings, mappings=MAPPINGS,
                                     aliases={self.alias: {}} if with_alias else None)

    def _indices_behind_alias(self) -> list[str]:
        try:
            return sorted(self._admin().indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    def _ensure(self) -> None:
        """Create the first versioned index and the alias when the alias does not exist."""
        if self._ready:
            return
        with self._errors(f"open the index {self.alias!r}"):
            admin = self._admin()
            if not admin.indices.exists_alias(name=self.alias):
                if admin.indices.exists(index=self.alias):
                    raise SearchUnavailable(
                        f"Elasticsearch at {self.url}: {self.alias!r} is an index, not an alias; "
                        "move it aside (reindex into a versioned index) before using it")
                # A fixed first name: workers starting together create one index, not several.
                try:
                    self._create_index(f"{self.alias}-initial", with_alias=True)
                except ApiError as exc:
                    if exc.error != "resource_already_exists_exception":
                        raise
                    admin.indices.put_alias(index=f"{self.alias}-initial", name=self.alias)
        self._ready = True

    def _swap_alias(self, new_index: str) -> None:
        """Point the alias at *new_index* alone in one atomic call, then delete the old ones."""
        old = self._point_alias(new_index)
        for name in old:
            self._admin().options(ignore_status=404).indices.delete(index=name)

    def _point_alias(self, new_index: str) -> list[str]:
        """One ``update_aliases`` call: remove the alias from its indices, add it to *new_index*."""
        old = [name for name in self._indices_behind_alias() if name != new_index]
        actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": new_index, "alias": self.alias}})
        self._admin().indices.update_aliases(actions=actions)
        self._ready = True
        return old

    def _bulk(self, target: str, actions: Iterable[dict[str, Any]]) -> int:
        """Send *actions* in chunks with backoff on 429; the number applied, or IndexingFailed."""
        applied, failures = 0, []
        for ok, item in helpers.streaming_bulk(
                self._client.options(request_timeout=max(self.request_timeout, BULK_TIMEOUT)),
                ({**action, "_index": target} for action in actions),
                chunk_size=BULK_CHUNK, max_chunk_bytes=20 * 1024 * 1024, max_retries=BULK_RETRIES,
                initial_backoff=0.5, max_backoff=30, retry_on_status=(429, 502, 503, 504),
                raise_on_error=False, raise_on_exception=True):
            op, result = next(iter(item.items()))
            if ok or (op == "delete" and result.get("status") == 404):
                applied += ok
                continue
            error = result.get("error")
            reason = (f"{error.get('type')}: {error.get('reason')}" if isinstance(error, dict)
                      else str(error or result.get("status")))
            failures.append(f"{op} {result.get('_id')!r}: {reason}")
        if failures:
            shown = "; ".join(failures[:5]) + (f"; and {len(failures) - 5} more" if len(failures) > 5 else "")
            raise IndexingFailed(f"Elasticsearch at {self.url} refused {len(failures)} of "
                                 f"{applied + len(failures)} writes to {target!r}: {shown}")
        return applied

    def _write(self, actions: Iterable[dict[str, Any]], action: str) -> int:
        """Apply *actions* through the alias, then refresh once.

        An explicit refresh per call rather than ``refresh=wait_for`` per bulk request: the
        outbox indexer writes a batch per drain, and an editor searching right after saving
        must find the change, so the call returns only once it is searchable, without each
        chunk waiting up to a refresh interval (or longer on a search-idle shard). Writes
        are batched, so this is one refresh per batch, not per document; ``rebuild`` builds
        with refreshes off and refreshes once.
        """
        self._ensure()
        with self._errors(action):
            try:
                applied = self._bulk(self.alias, actions)
            except IndexingFailed:
                self._admin().indices.refresh(index=self.alias)  # what was applied is visible
                raise
            self._admin().indices.refresh(index=self.alias)
        return applied

    def _msearch(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        searches: list[dict[str, Any]] = []
        for body in bodies:
            searches += [{}, body]
        responses = self._client.msearch(index=self.alias, searches=searches)["responses"]
        for response in responses:
            if "error" in response:
                error = response["error"]
                if isinstance(error, dict):
                    cause = (error.get("root_cause") or [error])[0]
                    reason = f"{cause.get('type')}: {cause.get('reason')}"
                else:
                    reason = str(error)
                raise SearchUnavailable(f"Elasticsearch at {self.url} refused a search: {reason}"[:600])
        return responses

    # --- the port ---------------------------------------------------------------------------
    def index(self, documents: Iterable[Mapping[str, Any]]) -> int:
        return self._write(({"_id": doc["id"], "_source": to_source(doc)} for doc in documents),
                           "index documents")

    def delete(self, ids: Iterable[str]) -> None:
        wanted = list(dict.fromkeys(ids))
        if wanted:
            self._write(({"_op_type": "delete", "_id": ident} for ident in wanted), "delete documents")

    def search(self, query: SearchQuery) -> SearchResults:
        analyzed = query.analyzed
        if analyzed.empty or len(_grams_of(analyzed.han)) + len(analyzed.words) > MAX_QUERY_TERMS:
            return SearchResults(ids=[], total=0, facets={"industry": {}, "channel": {}})
        start = max(query.offset, 0)
        end = min(start + max(query.limit, 0), MAX_WINDOW)
        plan = _Plan(query)
        self._ensure()
        with self._errors("search"):
            overview = self._msearch([plan.overview(self.rank_in_python)])[0]
            total = overview["hits"]["total"]["value"]
            if total <= self.rank_in_python:
                # Every match is here: rank them exactly as the tier searches would.
                ids = [hit["_id"] for hit in sorted(overview["hits"]["hits"], key=_rank_key)[start:end]]
            else:
                tiers = overview["aggregations"]["tiers"]["buckets"]
                counts = [tiers[str(tier)]["doc_count"] for tier in (4, 3, 2)]
                counts.append(total - sum(counts))
                windows = _page_windows(counts, start, end)
                pages = self._msearch([plan.page(4 - tier, low, high - low)
                                       for tier, low, high in windows]) if windows else []
                ids = [hit["_id"] for page in pages for hit in page["hits"]["hits"]]
        aggregations = overview["aggregations"]
        return SearchResults(ids=ids, total=total, facets={
            "industry": {b["key"]: b["doc_count"] for b in aggregations["industry"]["buckets"]},
            "channel": {b["key"]: b["doc_count"] for b in aggregations["channel"]["buckets"]},
        })

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        key = analyze_query(prefix).key
        limit = min(limit, MAX_WINDOW)
        if not key or limit <= 0 or len(key) > KEYWORD_LIMIT:
            return []
        self._ensure()
        with self._errors("suggest"):
            if len(key) > MAX_GRAM:
                return self._suggest_by_query(key, limit)
            response = self._client.search(
                index=self.alias, size=limit, source=["verified", "popularity"],
                query={"bool": {"filter": [{"term": {"keys": key}}]}},
                sort=[{"verified": "desc"}, {"popularity": "desc"}, {"id": "asc"}],
                suggest={"keys": {"prefix": key, "completion": {
                    "field": "suggest", "size": limit * 3 + 10, "skip_duplicates": False}}})
        exact = [hit["_id"] for hit in response["hits"]["hits"]]
        options = [option for entry in response.get("suggest", {}).get("keys", [])
                   for option in entry["options"]]

        def order(option: Mapping[str, Any]) -> tuple[Any, ...]:
            source = option.get("_source") or {}
            shortness = int(option.get("_score") or 0) & 0xFF  # 255 - key length, from the weight
            return (not source.get("verified"), -int(source.get("popularity") or 0), -shortness,
                    option["_id"])

        found = dict.fromkeys(exact)
        for option in sorted(options, key=order):
            found.setdefault(option["_id"], None)
        return list(found)[:limit]

    def _suggest_by_query(self, key: str, limit: int) -> list[str]:
        """Keys longer than the completion inputs: exact keys first, then prefixes (rare)."""
        response = self._client.search(
            index=self.alias, size=limit, source=False,
            query={"bool": {"filter": [_prefix("keys", key)],
                            "should": [{"constant_score": {"filter": {"term": {"keys": key}}}}]}},
            sort=[{"_score": "desc"}, {"verified": "desc"}, {"popularity": "desc"}, {"id": "asc"}])
        return [hit["_id"] for hit in response["hits"]["hits"]]

    def reset(self) -> None:
        with self._errors(f"reset the index {self.alias!r}"):
            name = self._new_index_name()
            self._create_index(name)
            self._swap_alias(name)

    def rebuild(self, documents: Iterable[Mapping[str, Any]]) -> int:
        """Fill a new versioned index aside, then swap the alias to it and drop the old one.

        Searches (and writes) keep going to the old index until the swap; writes made
        meanwhile are not in the new index, so drain the outbox again after a rebuild.
        """
        name = self._new_index_name()
        with self._errors(f"rebuild the index {self.alias!r}"):
            self._create_index(name, building=True)
            try:
                written = self._bulk(name, ({"_id": doc["id"], "_source": to_source(doc)}
                                            for doc in documents))
                self._admin().indices.put_settings(index=name, settings={"index": {"refresh_interval": None}})
                self._admin().indices.refresh(index=name)
                old = self._point_alias(name)
            except BaseException:
                self._discard(name)  # the alias still points at the old index
                raise
            for previous in old:
                self._admin().options(ignore_status=404).indices.delete(index=previous)
        return written

    def _discard(self, name: str) -> None:
        """Delete a half-built index, best effort (the cluster may be why it failed)."""
        with suppress(ApiError, TransportError):
            self._admin().options(ignore_status=404, max_retries=0).indices.delete(index=name)

    def count(self) -> int:
        fast = self._client.options(request_timeout=min(self.request_timeout, COUNT_TIMEOUT), max_retries=0)
        with self._errors("count documents"):
            try:
                return fast.count(index=self.alias)["count"]
            except NotFoundError:
                pass
        self._ready = False
        self._ensure()
        return 0

    def drop(self) -> None:
        """Delete the alias and every index behind it (tests, decommissioning)."""
        with self._errors(f"drop the index {self.alias!r}"):
            for name in self._indices_behind_alias():
                self._admin().options(ignore_status=404).indices.delete(index=name)
        self._ready = False

    def close(self) -> None:
        if self._owns_client:
            self._client.close()
