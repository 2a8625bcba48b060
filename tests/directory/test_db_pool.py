"""PostgreSQL connections the server ended are not handed out (directory/db.py): the pool reads
the connection's socket at checkout instead of a ``SELECT 1`` round trip, so a connection the
server terminated (a restart, an administrator) is replaced without an error, and a sound one is
kept."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from directory.db import make_engine

pytestmark = pytest.mark.parametrize("fresh_database", ["postgresql"], indirect=True)
PID = text("SELECT pg_backend_pid()")


def _end(url: str, pid: int) -> None:
    """Terminate the backend *pid* and wait until it has gone."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(200):
            if not connection.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                     {"pid": pid}):
                break
            time.sleep(0.025)
        else:
            pytest.fail(f"backend {pid} still there")
    admin.dispose()


def test_a_sound_connection_is_kept_and_an_ended_one_replaced_without_an_error(fresh_database):
    engine = make_engine(fresh_database, statement_timeout_ms=5000)
    with engine.connect() as connection:
        first = connection.scalar(PID)
    for _ in range(5):  # the same connection again and again: no false alarm
        with engine.connect() as connection:
            assert connection.scalar(PID) == first
    _end(fresh_database, first)
    with engine.connect() as connection:  # without the check, this statement fails
        second = connection.scalar(PID)
        assert connection.scalar(text("SHOW statement_timeout")) == "5s"  # set up as new
    assert second != first
    engine.dispose()


def test_every_connection_pooled_before_an_ending_is_replaced(fresh_database):
    engine = make_engine(fresh_database)
    held = [engine.connect() for _ in range(3)]
    pids = [connection.scalar(PID) for connection in held]
    for connection in held:
        connection.close()
    _end(fresh_database, pids[0])  # a restart ends them all; one is seen, all are dropped
    for pid in pids[1:]:
        _end(fresh_database, pid)
    again = [engine.connect() for _ in range(3)]
    assert not {connection.scalar(PID) for connection in again} & set(pids)
    for connection in again:
        connection.close()
    engine.dispose()
