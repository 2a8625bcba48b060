"""The Elasticsearch backend: see :mod:`search.elastic.backend`."""

from search.elastic.backend import RANK_IN_PYTHON, ElasticBackend, IndexingFailed

__all__ = ["RANK_IN_PYTHON", "ElasticBackend", "IndexingFailed"]
