"""Database faults: a locked SQLite file, a PostgreSQL lock wait, a PostgreSQL server restarted
under load, a database that was never migrated.

An outage is a 503 ``application/problem+json`` with ``Retry-After``, answered within the
configured waits (never a 500, never a hung worker); once the database is back the same server
processes answer again, and every write that got a 2xx is in the database. A wrong statement
(here: a database without the tables) stays a 500.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from api import create_app
from api.cli import upgrade_database
from api.config import Config
from directory.claims import Report
from directory.db import make_engine
from directory.importer import import_directory
from directory.sessions import make_session_factory
from tests.conftest import _drop_schema, _postgres_schema_url
from tests.factories import enterprise, write_data
from tests.live import MASTERS, free_port, gunicorn, worker_pids

pytestmark = [pytest.mark.live, pytest.mark.slow]

LISTING = "ent_000000000001"
REPORTS = f"/v1/enterprises/{LISTING}/reports"


def _import_listing(url: str, folder: Path) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        import_directory(session, write_data(folder, [enterprise(LISTING)]))
        session.commit()
    engine.dispose()


def _stored_messages(url: str) -> set[str]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        messages = set(session.scalars(select(Report.message)))
    engine.dispose()
    return messages


def _assert_unavailable(status: int, headers, body: bytes) -> None:  # noqa: ANN001
    assert status == 503
    assert headers["Content-Type"] == "application/problem+json"
    assert int(headers["Retry-After"]) >= 1
    problem = json.loads(body)
    assert problem["status"] == 503 and problem["title"] == "Service Unavailable"
    assert "database" in problem["detail"]


# --- with the test client -------------------------------------------------------------------

def _client(url: str, folder: Path, **settings: object):  # noqa: ANN202
    app = create_app(Config.from_env(database_url=url, data_dir=folder / "var", testing=True,
                                     **settings))
    return app, app.test_client()


def _post_report(client, message: str):  # noqa: ANN001, ANN202
    return client.post(REPORTS, json={"topic": "other", "message": message})


def test_a_locked_sqlite_file_is_a_503_for_writes_reads_go_on_and_writes_resume(fresh_database,
                                                                                tmp_path):
    _import_listing(fresh_database, tmp_path / "data")
    app, client = _client(fresh_database, tmp_path, sqlite_busy_timeout_ms=300)
    assert _post_report(client, "锁之前").status_code == 201
    holder = sqlite3.connect(make_url(fresh_database).database, isolation_level=None, timeout=1)
    holder.execute("BEGIN EXCLUSIVE")  # in WAL mode: the write lock; readers go on
    try:
        started = time.monotonic()
        answer = _post_report(client, "锁住时")
        waited = time.monotonic() - started
        _assert_unavailable(answer.status_code, answer.headers, answer.data)
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.json["instance"] == REPORTS
        assert 0.25 <= waited < 3, waited  # the busy timeout, not gunicorn's 30 s
        assert client.get(f"/v1/enterprises/{LISTING}").status_code == 200
    finally:
        holder.rollback()
        holder.close()
    assert _post_report(client, "锁之后").status_code == 201  # same app, no restart
    app.extensions["c800"].engine.dispose()
    assert _stored_messages(fresh_database) == {"锁之前", "锁之后"}


@pytest.mark.postgres
@pytest.mark.parametrize("fresh_database", ["postgresql"], indirect=True)
def test_a_postgresql_lock_wait_ends_at_the_statement_timeout_with_a_503(fresh_database, tmp_path):
    _import_listing(fresh_database, tmp_path / "data")
    app, client = _client(fresh_database, tmp_path, database_statement_timeout_ms=500)
    assert _post_report(client, "锁之前").status_code == 201
    holder = create_engine(fresh_database).connect()
    holder.execute(text("LOCK TABLE reports IN ACCESS EXCLUSIVE MODE"))
    try:
        started = time.monotonic()
        answer = _post_report(client, "锁住时")
        waited = time.monotonic() - started
        _assert_unavailable(answer.status_code, answer.headers, answer.data)
        assert 0.4 <= waited < 5, waited
        assert client.get(f"/v1/enterprises/{LISTING}").status_code == 200
    finally:
        holder.rollback()
        holder.close()
        holder.engine.dispose()
    assert _post_report(client, "锁之后").status_code == 201
    app.extensions["c800"].engine.dispose()
    assert _stored_messages(fresh_database) == {"锁之前", "锁之后"}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_database_without_the_tables_is_a_500_not_an_outage(backend, request, tmp_path):
    """"no such table" is a SQLite OperationalError, an undefined table a PostgreSQL
    ProgrammingError: neither is the database being unavailable."""
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url, schema = _postgres_schema_url(server)
    try:
        app, client = _client(url, tmp_path)
        answer = client.get("/v1/industries")
        assert answer.status_code == 500
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert "Retry-After" not in answer.headers
        assert client.get("/v1/industries").status_code == 500  # still answering
        app.extensions["c800"].engine.dispose()
    finally:
        if schema is not None:
            _drop_schema(server, schema)


# --- under gunicorn ---------------------------------------------------------------------------

class Load:
    """Threads that POST reports and GET the listing until stopped, recording every answer as
    (started, seconds, method, status, headers, body, message)."""

    def __init__(self, base: str, writers: int = 3, readers: int = 1) -> None:
        self.base = base
        self.answers: list[tuple] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._write, args=(n, writers)) for n in range(writers)]
        self.threads += [threading.Thread(target=self._read) for _ in range(readers)]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _call(self, method: str, path: str, message: str | None = None) -> None:
        data = None if message is None else json.dumps({"topic": "other", "message": message}).encode()
        call = urllib.request.Request(f"{self.base}{path}", data=data, method=method,
                                      headers={"Content-Type": "application/json"})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(call, timeout=15) as answer:
                status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            status, headers, body = 0, {}, repr(error).encode()  # no answer at all
        self.answers.append((started, time.monotonic() - started, method, status, headers, body,
                             message))

    def _write(self, offset: int, step: int) -> None:
        number = offset
        while not self.stop.is_set():
            self._call("POST", REPORTS, f"负载中的报告 {number}")
            number += step

    def _read(self) -> None:
        while not self.stop.is_set():
            self._call("GET", f"/v1/enterprises/{LISTING}")

    def between(self, start: float, end: float, method: str | None = None) -> list[tuple]:
        return [a for a in self.answers if start <= a[0] and a[0] + a[1] <= end
                and (method is None or a[2] == method)]

    def check(self, stored: set[str], slowest: float) -> None:
        """Every answer a 2xx or a 503 problem, in time; every accepted write stored."""
        for _started, seconds, method, status, headers, body, _message in self.answers:
            assert status in (200, 201, 503), (method, status, body[:300])
            if status == 503:
                _assert_unavailable(status, headers, body)
            assert seconds < slowest, (method, status, seconds)
        accepted = {a[6] for a in self.answers if a[3] == 201}
        assert accepted <= stored, accepted - stored


@pytest.mark.parametrize("fresh_database", ["sqlite"], indirect=True)
def test_sqlite_locked_under_load_answers_503_then_recovers_without_restart(fresh_database, tmp_path,
                                                                            monkeypatch):
    _import_listing(fresh_database, tmp_path / "data")
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "500")
    with gunicorn(fresh_database, tmp_path / "var", workers=2) as base:
        master = MASTERS[base]
        workers = worker_pids(master)
        with Load(base) as load:
            time.sleep(1.0)
            holder = sqlite3.connect(make_url(fresh_database).database, isolation_level=None,
                                     timeout=5)
            holder.execute("BEGIN EXCLUSIVE")
            locked_at = time.monotonic()
            time.sleep(3.0)  # six busy timeouts
            holder.rollback()
            holder.close()
            released_at = time.monotonic()
            time.sleep(1.5)
        assert worker_pids(master) == workers  # no worker killed or restarted
    stored = _stored_messages(fresh_database)
    load.check(stored, slowest=3.0)
    during = load.between(locked_at, released_at)
    writes = [a for a in during if a[2] == "POST"]
    reads = [a for a in during if a[2] == "GET"]
    assert writes and all(a[3] == 503 for a in writes), [a[3] for a in writes]
    assert reads and all(a[3] == 200 for a in reads), [a[3] for a in reads]  # WAL: readers go on
    after = load.between(released_at + 0.6, float("inf"), "POST")  # once the waits are over
    assert after and all(a[3] == 201 for a in after), [a[3] for a in after]
    # SQLite commits nothing of a write that failed: exactly the 201s are stored.
    assert stored == {a[6] for a in load.answers if a[3] == 201}


# --- PostgreSQL restarted under load, on a throw-away cluster ---------------------------------

def _postgres_version() -> str | None:
    if shutil.which("pg_createcluster") is None or not Path("/etc/postgresql").is_dir():
        return None
    versions = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else 0)
    return versions[-1].name if versions else None


def _pg(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True, text=True, timeout=60)


@pytest.mark.postgres
@pytest.mark.skipif(_postgres_version() is None, reason="needs Debian's postgresql-common "
                    "(pg_createcluster) to make a throw-away PostgreSQL cluster")
def test_postgresql_restarted_under_load_answers_503_then_recovers_without_restart(tmp_path):
    version = _postgres_version()
    name = f"c800fault_{uuid.uuid4().hex[:8]}"
    port = free_port()
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/c800"
    try:
        _pg("pg_createcluster", version, name, "-p", str(port), "--", "--auth=trust")
        _pg("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start")
        admin = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE c800"))
        admin.dispose()
        upgrade_database(url)
        _import_listing(url, tmp_path / "data")
        with gunicorn(url, tmp_path / "var", workers=2) as base:
            master = MASTERS[base]
            workers = worker_pids(master)
            assert len(workers) == 2
            with Load(base) as load:
                time.sleep(1.5)
                down_at = time.monotonic()
                _pg("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "stop", "-m", "fast")
                stopped_at = time.monotonic()
                time.sleep(3.0)
                starting_at = time.monotonic()  # it accepts connections before the command ends
                _pg("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start")
                up_at = time.monotonic()
                time.sleep(2.5)
                restart_at = time.monotonic()  # and the quick kind: a restart in fast mode
                _pg("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "-m", "fast")
                restarted_at = time.monotonic()
                time.sleep(2.5)
            assert MASTERS[base] == master and worker_pids(master) == workers  # no restart
        stored = _stored_messages(url)
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True, timeout=60,
                       check=False)
    load.check(stored, slowest=10.0)
    writes = load.between(stopped_at, starting_at, "POST")
    assert len(writes) > 5 and all(a[3] == 503 for a in writes), [a[3] for a in writes]
    # A read is a 503 too, unless a worker's response cache (api/cache.py) still holds it.
    reads = load.between(stopped_at, starting_at, "GET")
    assert reads and all(a[3] in (200, 503) for a in reads), [a[3] for a in reads]
    assert len(load.between(0, down_at, "POST")) > 5
    for start, end in ((up_at + 1.0, restart_at), (restarted_at + 1.0, float("inf"))):
        after = load.between(start, end)
        assert len(after) > 5 and all(a[3] in (200, 201) for a in after), [a[3] for a in after]


def test_an_unexpected_error_shows_no_debug_page_or_stack_trace(tmp_path, monkeypatch):
    """As `make run` configures the app (testing off), even with FLASK_DEBUG set in the
    environment: a 500 is a problem+json that says nothing of the code."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(Config.from_env(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
                                     data_dir=tmp_path / "var"))
    assert app.debug is False and app.testing is False
    answer = app.test_client().get("/v1/industries")
    assert answer.status_code == 500
    assert answer.headers["Content-Type"] == "application/problem+json"
    text = answer.get_data(as_text=True)
    for leak in ("Traceback", ".py", "sqlite3", "no such table", "OperationalError", "<html"):
        assert leak not in text, (leak, text)
    app.extensions["c800"].engine.dispose()
