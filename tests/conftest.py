"""Shared fixtures: real SQLite and PostgreSQL databases, migrated, with the bundled directory.

PostgreSQL is the machine's own server (127.0.0.1:5432, trust auth, database ``test``, or
``TEST_POSTGRES_URL``). If it is down the fixture starts it with pg_ctlcluster; if it still
cannot connect, the tests that need it fail loudly rather than being skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api import create_app
from api.cli import BUNDLED_DATA, upgrade_database
from api.config import Config
from directory.db import make_engine
from directory.importer import import_directory
from directory.sessions import make_session_factory
from tests.factories import write_data

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")
REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
               "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
               "--logfile", "/var/log/redis/ci.log"]


def _postgres_answers(url: str) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False
    finally:
        engine.dispose()


def _start_postgres() -> str:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions:
        return "no PostgreSQL cluster under /etc/postgresql"
    result = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
        capture_output=True, text=True, timeout=60, check=False)
    return (result.stdout + result.stderr).strip()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of a PostgreSQL server that answers; started if it was down."""
    if _postgres_answers(POSTGRES_URL):
        return POSTGRES_URL
    output = _start_postgres()
    for _ in range(30):
        if _postgres_answers(POSTGRES_URL):
            return POSTGRES_URL
        time.sleep(1)
    pytest.fail(f"PostgreSQL at {POSTGRES_URL} is down and could not be started: {output}")


def _postgres_schema_url(server_url: str) -> tuple[str, str]:
    schema = f"c800_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def _drop_schema(server_url: str, schema: str) -> None:
    engine = create_engine(server_url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database of the backend given by the test's parameter."""
    backend = getattr(request, "param", "sqlite")
    yield from _fresh(request, backend, tmp_path)


def _fresh(request: pytest.FixtureRequest, backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'c800.sqlite3'}"
        upgrade_database(url)
        yield url
        return
    server = request.getfixturevalue("postgres_server")
    url, schema = _postgres_schema_url(server)
    try:
        upgrade_database(url)
        yield url
    finally:
        _drop_schema(server, schema)


@pytest.fixture(scope="session")
def _kept_per_backend() -> Iterator[dict]:
    """What the session fixtures below made, kept for the whole session, with the cleanups to
    run at its end. A parametrized session fixture is torn down and made again each time the
    next test wants the other parameter; under pytest-xdist a worker switches backends between
    groups, and the bundled directory takes about 20 s to load and index."""
    kept: dict = {"cleanups": []}
    yield kept
    for cleanup in reversed(kept["cleanups"]):
        cleanup()


@pytest.fixture(scope="session", params=BACKENDS)
def loaded_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                    _kept_per_backend: dict) -> str:
    """A migrated database of each backend holding the bundled directory (read-only tests)."""
    key = ("database", request.param)
    if key not in _kept_per_backend:
        directory = tmp_path_factory.mktemp(f"loaded-{request.param}")
        generator = _fresh(request, request.param, directory)
        url = next(generator)
        _kept_per_backend["cleanups"].append(lambda: next(generator, None))
        engine = make_engine(url)
        with make_session_factory(engine)() as session:
            import_directory(session, BUNDLED_DATA)
            session.commit()
        engine.dispose()
        _kept_per_backend[key] = url
    return _kept_per_backend[key]


@pytest.fixture(scope="session")
def app(loaded_database: str, tmp_path_factory: pytest.TempPathFactory, _kept_per_backend: dict):
    """The app over the bundled directory, once per database backend."""
    key = ("app", loaded_database)
    if key not in _kept_per_backend:
        data_dir = tmp_path_factory.mktemp("data")
        application = create_app(Config.from_env(database_url=loaded_database, data_dir=data_dir,
                                                 testing=True))
        with application.app_context():
            application.extensions["c800"].indexer.sync()  # an empty index is built from the database
        _kept_per_backend["cleanups"].append(application.extensions["c800"].engine.dispose)
        _kept_per_backend[key] = application
    return _kept_per_backend[key]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session_factory(fresh_database: str):
    engine = make_engine(fresh_database)
    yield make_session_factory(engine)
    engine.dispose()


# Module-scoped fixtures over listings a test module imports for itself, on each backend.
BACKEND_PARAMS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def client_over_records(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                        records: list[dict], **settings: object) -> Iterator:
    """A test client of an app over a fresh database (``request.param``) holding *records*,
    imported through the importer, with Config *settings*; ``client.application`` is the app."""
    folder = tmp_path_factory.mktemp("records")
    generator = _fresh(request, request.param, folder)
    url = next(generator)
    app = create_app(Config.from_env(database_url=url, data_dir=folder / "var", testing=True,
                                     **settings))
    state = app.extensions["c800"]
    with app.app_context(), state.sessions() as session:
        import_directory(session, write_data(folder / "data", records))
        session.commit()
    client = app.test_client()
    client.application = app
    yield client
    state.engine.dispose()
    next(generator, None)


# --- Redis: the machine's own; each app under test counts under a key prefix of its own ---------

def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_server() -> str:
    """The URL of the machine's Redis; started if it was down."""
    if redis_answers(REDIS_URL):
        return REDIS_URL
    result = subprocess.run(REDIS_START, capture_output=True, text=True, timeout=30, check=False)
    for _ in range(30):
        if redis_answers(REDIS_URL):
            return REDIS_URL
        time.sleep(0.3)
    pytest.fail(f"Redis at {REDIS_URL} is down and could not be started: "
                f"{result.stdout}{result.stderr}")


# --- tiers, and how a parallel run orders and groups the tests ---------------------------------

# Module-level pytestmark puts each module in its tier: `fuzz`, `slow` (over about 5 s), `live`
# (starts a real server process). `make check` runs what is in none of them.
LONGEST_FIRST = ("fuzz", "slow", "live")


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_longest_first(items: list[pytest.Item]) -> None:
    """Modules holding fuzz, then slow, then live tests run first (each module's tests in the
    order pytest chose, after its grouping by fixture parameters), so that under pytest-xdist a
    long test does not end the run alone while the other workers wait."""
    rank: dict[str, int] = {}
    for item in items:
        tiers = [LONGEST_FIRST.index(m.name) for m in item.iter_markers() if m.name in LONGEST_FIRST]
        module = item.nodeid.split("::")[0]
        rank[module] = min([rank.get(module, len(LONGEST_FIRST)), *tiers])
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])


# Modules whose every test is a scope of its own under `--dist loadscope`: each runs for
# minutes (the schemathesis runs), and side by side they end sooner.
ONE_SCOPE_A_TEST = ("tests/api/test_schemathesis.py",)
_POSTGRESQL_PARAMETER = re.compile(r"[\[-]postgresql[\]-]")


def scope_of(nodeid: str) -> str:
    """A test's scope under ``--dist loadscope`` (one worker runs a scope through, in order):
    its module and database backend, so that a module's fixtures are built once per backend
    and the tests that build on those before them see what they made; in ONE_SCOPE_A_TEST
    the test itself."""
    module = nodeid.split("::")[0]
    if module in ONE_SCOPE_A_TEST:
        return nodeid
    return f"{module}:{'postgresql' if _POSTGRESQL_PARAMETER.search(nodeid) else 'sqlite'}"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN001, ANN201
    """``--dist loadscope`` with the scopes of scope_of (make test and make check use it)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleAndBackend(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return ModuleAndBackend(config, log)
