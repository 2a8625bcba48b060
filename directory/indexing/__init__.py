"""The directory's side of search: what a listing becomes in the index and how the index
keeps up with the database.

- :mod:`directory.indexing.documents` — a listing -> its search document (the engine-neutral
  form :mod:`search.documents` defines), loaded in batches;
- :mod:`directory.indexing.indexer` — the outbox drain after commit, the full rebuild, the
  background loop of a served worker;
- :mod:`directory.indexing.queries` — a search as the directory asks it: the region a result
  must serve expanded to its ancestors, as the search port expects.

Arrows point one way: this package imports :mod:`search`, never the reverse.
"""
