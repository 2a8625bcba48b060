"""The embedded search engine: SQLite FTS5 in its own files under ``DATA_DIR``, the default.

- :mod:`~search.local.schema` — what a generation holds: tables, the FTS rowid layout (a
  static quality order carrying the facet bits), codes of filter values, FTS5 quoting;
- :mod:`~search.local.files` — the pointer file and its generations, per-thread and
  per-process connections, the swap after a rebuild, read and write transactions;
- :mod:`~search.local.writing` — a document into its rows; in-place writes and the bulk
  load of a rebuild;
- :mod:`~search.local.query` — a :class:`search.base.SearchQuery` as FTS5 expressions;
- :mod:`~search.local.counting` — totals and facets, exact or sampled;
- :mod:`~search.local.ranking` — matches in rank order (tiers, ties, BM25), suggestions;
- :mod:`~search.local.backend` — :class:`LocalBackend`, the port's implementation.
"""

from search.local.backend import LocalBackend

__all__ = ["LocalBackend"]
