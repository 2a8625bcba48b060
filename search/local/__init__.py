"""The embedded search backend (SQLite FTS5): see :mod:`search.local.backend`."""

from search.local.backend import LocalBackend

__all__ = ["LocalBackend"]
