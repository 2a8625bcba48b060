"""The Elasticsearch engine, optional (``ELASTICSEARCH_URL``), for a stock cluster.

- :mod:`~search.elastic.mapping` — index settings and mapping (built-in analyzers only), a
  search document as it is indexed;
- :mod:`~search.elastic.query` — a :class:`search.base.SearchQuery` as query DSL: filters,
  matching clauses, ranking tiers, the order of hits;
- :mod:`~search.elastic.suggest` — as-you-type suggestions in the port's order (a completion
  field, and a search for a tie the suggester cuts);
- :mod:`~search.elastic.backend` — :class:`ElasticBackend`: the versioned index behind an
  alias swapped atomically on rebuild, bulk writes with backoff, errors as
  :class:`search.base.SearchUnavailable`.
"""

from search.elastic.backend import RANK_IN_PYTHON, ElasticBackend, IndexingFailed

__all__ = ["RANK_IN_PYTHON", "ElasticBackend", "IndexingFailed"]
