"""Search: the port every backend implements (``search/base.py``).

The embedded SQLite FTS5 backend, the Elasticsearch backend, the Chinese text handling and
the outbox indexer arrive with the search issue; until then the API only browses.
"""
