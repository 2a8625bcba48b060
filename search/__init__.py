"""Search: one port (``base.py``: SearchBackend, SearchQuery, SearchResults), the document
every engine indexes (``documents.py``), the shared Chinese text handling (``text.py``) and
two engines: ``local`` (embedded, SQLite FTS5) and ``elastic`` (Elasticsearch).

Nothing here imports the directory: listings become documents, and the outbox is drained,
in :mod:`directory.indexing`.
"""

from __future__ import annotations

from pathlib import Path

from search.base import SearchBackend

LOCAL_INDEX_FILE = "search.sqlite3"


def open_backend(data_dir: Path, elasticsearch_url: str | None = None,
                 elasticsearch_index: str = "c800-listings") -> SearchBackend:
    """Elasticsearch when a URL is configured, else the embedded index under *data_dir*."""
    if elasticsearch_url:
        from search.elastic import ElasticBackend

        return ElasticBackend(elasticsearch_url, elasticsearch_index)
    from search.local import LocalBackend

    data_dir.mkdir(parents=True, exist_ok=True)
    return LocalBackend(data_dir / LOCAL_INDEX_FILE)
