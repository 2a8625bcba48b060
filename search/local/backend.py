"""The embedded backend of the search port: :class:`LocalBackend`, over the files of
:mod:`search.local.files`, written by :mod:`search.local.writing`, read by
:mod:`search.local.query`, :mod:`search.local.counting` and :mod:`search.local.ranking`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from search.base import SearchBackend, SearchQuery, SearchResults, SearchUnavailable
from search.documents import SearchDocument
from search.local.bulk import BuildTimes, fill_generation
from search.local.counting import facets
from search.local.files import IndexFiles
from search.local.query import QueryPlan, expansions
from search.local.ranking import ids_of, rank, suggestions
from search.local.writing import (
    BATCH,
    batched,
    delete_documents,
    delete_everything,
    replace_documents,
)
from search.parallel import DocumentSource
from search.text import compact

log = logging.getLogger("c800.search")


class LocalBackend(SearchBackend):
    """SQLite FTS5 search in ``path`` (a pointer file) and its generation files."""

    name = "local"

    def __init__(self, path: str | Path) -> None:
        self.files = IndexFiles(path)
        self.last_build: BuildTimes | None = None  # where the last rebuild's time went

    @property
    def path(self) -> Path:
        return self.files.path

    def close(self) -> None:
        self.files.close()

    # --- writing ------------------------------------------------------------------------------
    def index(self, documents: Iterable[SearchDocument]) -> int:
        written = 0
        for batch in batched(documents, BATCH):
            latest = {str(doc["id"]): doc for doc in batch}  # the last version of an id wins
            written += self.files.write(
                lambda conn, latest=latest: replace_documents(conn, latest))
        return written

    def delete(self, ids: Iterable[str]) -> None:
        wanted = list(dict.fromkeys(str(ident) for ident in ids))
        if wanted:
            self.files.write(lambda conn: delete_documents(conn, wanted))

    def reset(self) -> None:
        self.files.write(delete_everything)

    def rebuild(self, documents: Iterable[SearchDocument] | DocumentSource) -> int:
        """Build the next generation in a new file, then swap the pointer to it (searches
        keep reading the live generation meanwhile; see :mod:`search.local.bulk`). A
        :class:`DocumentSource`'s workers also turn the documents into rows."""
        generation, conn = self.files.create_next()
        try:
            written, times = fill_generation(conn, documents)
            conn.close()
        except BaseException:
            conn.close()
            self.files.unlink_generation(generation)
            raise
        self.files.swap(generation)
        self.last_build = times
        log.info("search index %s: %d documents loaded in %.1f s (SQLite inserts %.1f s, waiting "
                 "for documents %.1f s), indexed in %.1f s, FTS optimized in %.1f s", generation,
                 written, times.load, times.writing, times.waiting, times.indexes, times.optimize)
        return written

    # --- reading ------------------------------------------------------------------------------
    def count(self) -> int:
        try:
            row = self.files.conn().execute("SELECT value FROM meta WHERE name = 'count'").fetchone()
        except sqlite3.Error as error:
            raise SearchUnavailable(f"search index {self.path}: {error}") from error
        return int(row[0]) if row else 0

    def search(self, query: SearchQuery) -> SearchResults:
        empty = SearchResults(ids=[], total=0, facets={"industry": {}, "channel": {}})
        if query.analyzed.empty:
            return empty

        def work(conn: sqlite3.Connection) -> SearchResults:
            codes = self.files.codes(conn)
            plan = QueryPlan(query, codes, lambda word: expansions(conn, word))
            if not plan.possible:
                return empty
            total, counts, exact = facets(conn, plan.full, codes)
            if not total:
                return empty
            offset = max(query.offset, 0)
            need = offset + max(query.limit, 0)
            if need <= offset:
                return SearchResults(ids=[], total=total, facets=counts, exact=exact)
            ranked = rank(conn, plan, need, self.files.local)[offset:need]
            return SearchResults(ids=ids_of(conn, ranked), total=total, facets=counts, exact=exact)

        return self.files.read(work)

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        key = compact(prefix)
        if not key or limit <= 0:
            return []
        return self.files.read(lambda conn: suggestions(conn, key, limit))
