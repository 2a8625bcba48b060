"""Fixtures shared by the search tests: the bundled directory as search documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.cli import BUNDLED_DATA, upgrade_database
from directory.db import make_engine
from directory.importer import import_directory
from directory.indexing.documents import iter_documents
from directory.sessions import make_session_factory
from search.local import LocalBackend


@pytest.fixture(scope="session")
def bundled_documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Every public listing of the bundled directory, as search documents."""
    url = f"sqlite:///{tmp_path_factory.mktemp('search-db') / 'c800.sqlite3'}"
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            import_directory(session, BUNDLED_DATA)
            session.commit()
            return [doc for _, doc in iter_documents(session) if doc is not None]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def local_bundled(bundled_documents: list[dict],
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    """The embedded engine holding the bundled directory."""
    backend = LocalBackend(tmp_path_factory.mktemp("local-bundled") / "search.sqlite3")
    assert backend.index(bundled_documents) == len(bundled_documents)
    yield backend
    backend.close()
