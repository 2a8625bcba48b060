"""The search port: one interface that the embedded and Elasticsearch backends implement.

Search returns enterprise ids in rank order; the API hydrates them from the database, so
answers are identical whichever backend served them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SearchQuery:
    text: str
    industry: str | None = None
    channel: str | None = None
    region: str | None = None
    limit: int = 20
    offset: int = 0


@dataclass
class SearchResults:
    ids: list[str]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    highlights: dict[str, Any] = field(default_factory=dict)


class SearchBackend(ABC):
    """What the API needs of a search engine."""

    @abstractmethod
    def index(self, documents: Iterable[Mapping[str, Any]]) -> int:
        """Add or replace documents; returns how many were written."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by enterprise id (missing ids are ignored)."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Ids in rank order, with the total and facet counts."""

    @abstractmethod
    def suggest(self, prefix: str, limit: int = 10) -> list[tuple[str, str]]:
        """As-you-type completions as ``(enterprise id, text)`` pairs."""

    @abstractmethod
    def reset(self) -> None:
        """Drop and recreate the index, empty."""

    @abstractmethod
    def count(self) -> int:
        """How many documents the index holds."""
