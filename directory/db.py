"""Database engines for SQLite (embedded default) and PostgreSQL, the declarative base of every
table and the facts each table declares about itself (:func:`table_facts`, :func:`withheld`).

Engines are created per process: gunicorn runs without ``--preload`` so every worker opens
its own connections after the fork.

Nothing waits on the database for long: SQLite writers wait ``busy_timeout`` for a lock, a
PostgreSQL connection attempt gives up after ``connect_timeout``, a statement after
``statement_timeout`` and a checkout from a full pool after ``pool_timeout`` -- all well under
gunicorn's 30 s worker timeout. :func:`database_unavailable` tells those outages (the API
answers 503, see api/problems.py) from programming errors (500).
"""

from __future__ import annotations

import select
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, TypeDecorator, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every c800 table (``directory/registry.py`` imports them all)."""


# --- what each table is to the code that treats every table alike ----------------------------
# The response cache, the archive and the migrations read these through directory/registry.py;
# tests/directory/test_registry.py fails for a table that does not say them.

KEPT, EXCLUDED, DERIVED = "kept", "excluded", "derived"
ARCHIVE_TREATMENTS = (KEPT, EXCLUDED, DERIVED)


def table_facts(*, public: bool, archive: str = KEPT, why: str | None = None,
                rebuild: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """The ``info`` of a table, as ``__table_args__`` (or its last item):

    - *public*: whether a public read shows its rows. A commit that writes only tables no
      public read shows keeps the response cache's answers (``api/cache.py``).
    - *archive*: what ``flask directory export`` does with it: ``kept`` (every row, without
      the columns marked :func:`withheld`), ``excluded`` (left out: secrets, short-lived state;
      *why* says why in the archive's header) or ``derived`` (left out, *why*, and made again
      from the kept tables by *rebuild(connection)* once an import has written them).
    """
    return {"info": {"public": public, "archive": archive, "why": why, "rebuild": rebuild}}


def withheld(why: str, *, restore: Callable[[], Any] | None = None) -> dict[str, Any]:
    """The ``info`` of a column a kept table's archive leaves out (a secret, or what cannot
    outlive one): *why* is said in the archive's header; an import gives the column
    ``restore()`` (NULL without it)."""
    return {"withheld": why, "restore": restore}


def redacted(why: dict[str, str], *, when: str) -> dict[str, Any]:
    """The ``info`` of a JSON column whose archived values have parts withheld: *why* maps each
    path inside the value (``data.code``) to the reason; the archive writes them as null in the
    values where the path *when* holds something."""
    return {"redacted": why, "redacted_when": when}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect) -> datetime | None:  # noqa: ANN001
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, _dialect) -> datetime | None:  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection, _record, *, busy_timeout_ms: int) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _postgres_statement_timeout(dbapi_connection, _record, *, milliseconds: int) -> None:  # noqa: ANN001
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a SET outside any transaction: it lasts the session
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(milliseconds)}")
    dbapi_connection.autocommit = autocommit


def _postgres_gone(dbapi_connection, _record, _proxy) -> None:  # noqa: ANN001
    """Refuse a pooled PostgreSQL connection the server has ended (restarted, terminated it):
    the server says so (a FATAL notice, then end of stream) on the socket of an idle
    connection, so that socket is readable. Read locally, in place of a ``SELECT 1`` round trip
    per checkout (``pool_pre_ping``: ~0.2 ms a request, docs/benchmarks.md); like a failed
    ping, it drops every connection of the pool made before (a restart ended them all)."""
    if dbapi_connection.closed or dbapi_connection.broken:
        raise sa_exc.InvalidatePoolError("the connection was closed")
    idle = select.poll()
    idle.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    if idle.poll(0):  # an idle connection hears nothing unasked but that it is ending (or,
        # rarely, a setting reloaded: then a sound connection is made again, no error)
        raise sa_exc.InvalidatePoolError("the server ended the connection")


def make_engine(database_url: str, *, sqlite_busy_timeout_ms: int = 5000, connect_timeout: int = 5,
                pool_timeout: int = 10, statement_timeout_ms: int = 0) -> Engine:
    """Create an engine for *database_url*; SQLite files get WAL, foreign keys and a busy timeout.

    *sqlite_busy_timeout_ms*: how long a SQLite writer waits for another's lock before "database
    is locked". PostgreSQL: *connect_timeout* seconds per connection attempt, *pool_timeout*
    seconds to wait for a free pooled connection, *statement_timeout_ms* per statement (0: none;
    the app sets one, migrations and scripts that call this directly do not).
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        pool = {}
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_timeout": pool_timeout}  # a file's QueuePool (memory: one connection)
        engine = create_engine(url, connect_args={"timeout": sqlite_busy_timeout_ms / 1000}, **pool)
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_timeout_ms=sqlite_busy_timeout_ms))
        return engine
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url, pool_size=5, max_overflow=10, pool_timeout=pool_timeout,
                           connect_args={"connect_timeout": connect_timeout})
    if url.get_backend_name() == "postgresql":
        event.listen(engine, "checkout", _postgres_gone)
        if statement_timeout_ms > 0:
            event.listen(engine, "connect", partial(_postgres_statement_timeout,
                                                    milliseconds=statement_timeout_ms))
    return engine


# SQLite primary result codes of a database that is busy or failing, not of a wrong statement
# ("no such table" and syntax errors are SQLITE_ERROR, a 500).
_SQLITE_OUTAGES = {5, 6, 7, 10, 13, 14, 15}  # BUSY LOCKED NOMEM IOERR FULL CANTOPEN PROTOCOL
# PostgreSQL SQLSTATE classes of outages: connection exception, transaction rollback
# (serialization failure, deadlock: retry), insufficient resources (too many connections, disk
# full), operator intervention (shutdown, starting up, statement timeout), system error.
_POSTGRES_OUTAGE_CLASSES = {"08", "40", "53", "57", "58"}
_POSTGRES_OUTAGE_STATES = {"55P03"}  # lock_not_available


def database_unavailable(error: BaseException) -> bool:
    """Whether *error* means the database cannot serve right now (locked, down, restarting,
    overloaded) rather than that the statement or the data is wrong."""
    if isinstance(error, sa_exc.TimeoutError):  # no free connection in the pool in time
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False  # IntegrityError, ProgrammingError, DataError...: the request's fault or ours
    original = error.orig
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        if code is None:
            return "locked" in str(original)
        return code & 0xFF in _SQLITE_OUTAGES
    state = getattr(original, "sqlstate", None)
    if state is None:  # no answer from the server: refused, reset, closed
        return True
    return state[:2] in _POSTGRES_OUTAGE_CLASSES or state in _POSTGRES_OUTAGE_STATES


def connection_still_good(error: BaseException) -> bool:
    """Whether the connection that raised *error* may be reused after a rollback: a SQLite
    file that another writer holds locked (busy, locked); any other outage may have broken it."""
    original = getattr(error, "orig", None)
    code = getattr(original, "sqlite_errorcode", None) if isinstance(original, sqlite3.Error) else None
    return code is not None and code & 0xFF in (5, 6)
