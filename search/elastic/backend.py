"""The Elasticsearch backend of the search port, for a stock cluster (Elastic Cloud included):
the index's settings and mapping are in :mod:`search.elastic.mapping`, the query DSL in
:mod:`search.elastic.query`; here, the cluster.

The index is versioned behind an alias (``c800-listings`` -> ``c800-listings-<version>``):
:meth:`ElasticBackend.rebuild` fills a new index while searches keep reading the old one,
then swaps the alias in one atomic ``update_aliases`` call and deletes the old index.
Writes go through ``helpers.streaming_bulk`` with retries and exponential backoff on 429,
and are refreshed before ``index()``/``delete()`` return (read-your-writes for editors).
Every failure of the cluster surfaces as :class:`search.base.SearchUnavailable` naming the
cluster's URL (credentials hidden); the outbox indexer logs it and retries later.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from search.base import MAX_WINDOW, SearchBackend, SearchQuery, SearchResults, SearchUnavailable
from search.documents import SearchDocument
from search.elastic.mapping import KEYWORD_LIMIT, MAPPINGS, MAX_GRAM, SETTINGS, to_source
from search.elastic.query import MAX_QUERY_TERMS, QueryPlan, grams_of, page_windows, prefixed, rank_key
from search.elastic.suggest import suggest
from search.text import analyze_query

RANK_IN_PYTHON = 100  # up to this many matches: one search, ranked here; more: a search per tier
BULK_CHUNK = 500
BULK_RETRIES = 5  # per chunk, on 429 (and 502-504), backoff 0.5 s doubling up to 30 s
ADMIN_TIMEOUT = 30.0  # creating, swapping and deleting indices
BULK_TIMEOUT = 60.0
COUNT_TIMEOUT = 2.0


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
            else:
                # An index made before a field was added takes it (adding is all a mapping
                # may do in place); its documents get it when reindexed.
                admin.indices.put_mapping(index=self.alias, properties=MAPPINGS["properties"])
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
    def index(self, documents: Iterable[SearchDocument]) -> int:
        return self._write(({"_id": doc["id"], "_source": to_source(doc)} for doc in documents),
                           "index documents")

    def delete(self, ids: Iterable[str]) -> None:
        wanted = list(dict.fromkeys(ids))
        if wanted:
            self._write(({"_op_type": "delete", "_id": ident} for ident in wanted), "delete documents")

    def search(self, query: SearchQuery) -> SearchResults:
        analyzed = query.analyzed
        if analyzed.empty or len(grams_of(analyzed.han)) + len(analyzed.words) > MAX_QUERY_TERMS:
            return SearchResults(ids=[], total=0, facets={"industry": {}, "channel": {}})
        start = max(query.offset, 0)
        end = min(start + max(query.limit, 0), MAX_WINDOW)
        plan = QueryPlan(query)
        self._ensure()
        with self._errors("search"):
            overview = self._msearch([plan.overview(self.rank_in_python)])[0]
            total = overview["hits"]["total"]["value"]
            if total <= self.rank_in_python:
                # Every match is here: rank them exactly as the tier searches would.
                ids = [hit["_id"] for hit in sorted(overview["hits"]["hits"], key=rank_key)[start:end]]
            else:
                tiers = overview["aggregations"]["tiers"]["buckets"]
                counts = [tiers[str(tier)]["doc_count"] for tier in (4, 3, 2)]
                counts.append(total - sum(counts))
                windows = page_windows(counts, start, end)
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
            return suggest(self._client, self.alias, key, limit)

    def _suggest_by_query(self, key: str, limit: int) -> list[str]:
        """Keys longer than the completion inputs: exact keys first, then prefixes (rare)."""
        response = self._client.search(
            index=self.alias, size=limit, source=False,
            query={"bool": {"filter": [prefixed("keys", key)],
                            "should": [{"constant_score": {"filter": {"term": {"keys": key}}}}]}},
            sort=[{"_score": "desc"}, {"prominence": "desc"}, {"id": "asc"}])
        return [hit["_id"] for hit in response["hits"]["hits"]]

    def reset(self) -> None:
        with self._errors(f"reset the index {self.alias!r}"):
            name = self._new_index_name()
            self._create_index(name)
            self._swap_alias(name)

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
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
