"""Fixtures of the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from directory.accounts import add_member, create_user
from directory.credentials import OAuthClient, digest
from directory.db import make_engine
from directory.importer import import_directory
from directory.sessions import make_session_factory
from tests.conftest import BACKENDS, BUNDLED_DATA, _fresh
from tests.factories import EVERY_SCOPE, SPEC_ICBC, seed_the_spec_examples


def _own_database(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    for url in _fresh(request, request.param, folder):
        engine = make_engine(url)
        with make_session_factory(engine)() as session:
            import_directory(session, BUNDLED_DATA)
            user = create_user(session, "fuzz@icbc.com.cn", "a long enough password", admin=True)
            session.flush()
            add_member(session, SPEC_ICBC, "fuzz@icbc.com.cn", "owner")
            session.add(OAuthClient(client_id="cl_fuzz", secret_hash=digest("fuzz-secret"),
                                    name="fuzz", grant_types=["client_credentials"],
                                    scope=EVERY_SCOPE, user_id=user.id))
            seed_the_spec_examples(session, user.id)
            session.commit()
        engine.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def own_database(request, tmp_path):
    """A database of its own (each backend) holding the bundled directory, an administrator
    ``fuzz@icbc.com.cn`` who owns ICBC with the client ``cl_fuzz`` (secret ``fuzz-secret``,
    every scope), and the rows the spec's examples name: what the signed-in fuzzers write to."""
    yield from _own_database(request, tmp_path / "db")


@pytest.fixture(scope="module", params=BACKENDS)
def module_own_database(request, tmp_path_factory):
    """``own_database``, shared by one module's tests: for tests that each check they changed
    nothing stored (a seeded database takes seconds to make)."""
    yield from _own_database(request, tmp_path_factory.mktemp("db"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test module that defines ``on_postgresql(item) -> bool`` keeps only the PostgreSQL rows
    of its tests for which it answers True; the others are deselected (and reported so)."""
    kept, dropped = [], []
    for item in items:
        rule = getattr(getattr(item, "module", None), "on_postgresql", None)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if rule is not None and "postgresql" in params.values() and not rule(item):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    """A test certificate authority (trustme) and, as ``ca.path``, its certificate's file: what
    HTTPS receivers on loopback (webhooks, push services) are issued certificates by."""
    authority = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    authority.path = str(path)
    return authority
