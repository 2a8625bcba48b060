"""The search port: one interface that the embedded and Elasticsearch backends implement.

Search returns enterprise ids in rank order; the API hydrates them from the database, so
answers are identical whichever backend served them.

Every backend implements the same behaviour over documents from :mod:`search.documents`
and queries analysed by :func:`search.text.analyze_query`. Nothing here knows the directory:
the caller turns its listings into documents and gives a query its filters ready to compare
(a region already expanded to the regions containing it).

Matching — a document matches when every Han run of the query has all its bigrams (a
one-character run: that character) among the ``name_han`` runs' grams, or all among the
``other_han`` runs' grams, and every word of the query is a prefix of a term in
``keys``/``name_terms``/``other_terms``; then the filters: industry (in ``industries``),
channel kind (in ``channels``), regions (any of the query's ``regions``, or ``*``).

Ranking — by tier, best first:
  4. the query's key equals one of the document's ``keys`` (exact name, alias, pinyin,
     initials or phone number);
  3. the query's key is a prefix of one of the ``keys`` (name prefix);
  2. the query matched in the names alone (``name_han`` / ``name_terms``);
  1. it needed other fields;
then prominence (higher first: the document's ``prominence``, which the caller computes — the
directory folds verification, Wikidata, a Chinese name, contact channels and popularity into
it), then the engine's text score (BM25 with names weighted above other fields), only to
break ties of equal prominence, then id.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from search.documents import ANY_REGION, SearchDocument
from search.text import AnalyzedQuery, analyze_query

MAX_WINDOW = 5000  # deepest result a page may reach (offset + limit)


class SearchUnavailable(RuntimeError):
    """The search engine cannot be reached or refused the request."""


@dataclass(frozen=True)
class SearchQuery:
    """One search: the text as typed, the filters, the page.

    *industry*: a document's ``industries`` must hold it; *channel*: its ``channels``;
    *regions*: the region a result must serve and every region containing it, expanded by
    the caller (``()``: any region) — a document matches when it serves one of them or
    everywhere.
    """

    text: str
    industry: str | None = None
    channel: str | None = None
    regions: tuple[str, ...] = ()
    limit: int = 20
    offset: int = 0

    @cached_property
    def analyzed(self) -> AnalyzedQuery:
        return analyze_query(self.text)

    @property
    def region_filter(self) -> list[str]:
        """Region codes a matching document may list: the query's regions and ``*``; empty
        when the query names no region (no filter)."""
        return [*self.regions, ANY_REGION] if self.regions else []


@dataclass
class SearchResults:
    ids: list[str]
    total: int
    # {"industry": {industry id: count}, "channel": {kind: count}} over every match
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # False when total and facets are estimates (the local backend samples above 5,000 matches)
    exact: bool = True


class SearchBackend(ABC):
    """What the API needs of a search engine."""

    name: str = "search"

    @abstractmethod
    def index(self, documents: Iterable[SearchDocument]) -> int:
        """Add or replace documents; returns how many were written."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by enterprise id (missing ids are ignored)."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Ids in rank order, with the total and facet counts."""

    @abstractmethod
    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """As-you-type completions: enterprise ids whose keys start with *prefix*'s key.

        Ordered: an exact key first, then prominence (higher first), then the shortest
        matching key, then id — every matching document is considered, none dropped.
        """

    @abstractmethod
    def reset(self) -> None:
        """Drop and recreate the index, empty."""

    @abstractmethod
    def count(self) -> int:
        """How many documents the index holds (raises SearchUnavailable when unreachable)."""

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Replace the whole index with *documents*; searches keep working meanwhile.

        The default resets and refills; backends that can build aside and swap do so.
        """
        self.reset()
        return self.index(documents)

    def close(self) -> None:  # noqa: B027 - optional: most backends hold nothing to release
        """Release connections (a worker is shutting down)."""
