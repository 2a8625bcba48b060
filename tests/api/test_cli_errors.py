"""The `flask` commands say in one line what is wrong when the database is not c800's yet or
DATA_DIR cannot be used — not a 100-line traceback. Run as people run them (a subprocess)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from sqlalchemy.exc import OperationalError

from api.cli.errors import database_problem, explain_database_errors
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def flask(*args: str, **env: str) -> subprocess.CompletedProcess:
    settings = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "C800_ENV")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env={**settings, "LOG_FORMAT": "text", **env}, capture_output=True,
                          text=True, timeout=120)


def assert_one_line(done: subprocess.CompletedProcess, status: int, *words: str) -> str:
    assert done.returncode == status, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


@pytest.mark.slow  # a flask process starts (about 5 s here)
def test_a_database_that_is_not_migrated(tmp_path):
    line = assert_one_line(flask("search", "sync", DATA_DIR=str(tmp_path)), 1,
                           "is not migrated", "flask db upgrade", f"DATA_DIR (now {tmp_path})")
    assert str(tmp_path / "c800.sqlite3") in line


@pytest.mark.slow
def test_a_data_dir_that_cannot_be_used(tmp_path):
    (tmp_path / "a-file").write_text("")
    assert_one_line(flask("search", "sync", DATA_DIR=str(tmp_path / "a-file")), 2,
                    "DATA_DIR", "not a directory")


@pytest.mark.slow
@pytest.mark.postgres
def test_a_database_that_cannot_be_reached(tmp_path):
    url = f"postgresql+psycopg://nobody:secret@127.0.0.1:{free_port()}/c800"
    line = assert_one_line(flask("search", "sync", DATA_DIR=str(tmp_path), DATABASE_URL=url), 1,
                           "cannot reach the database")
    assert "secret" not in line  # the password is never shown


def test_a_database_behind_the_code_and_other_errors(fresh_database, tmp_path):
    from api.cli.database import upgrade_database

    older = f"sqlite:///{tmp_path / 'older.sqlite3'}"
    upgrade_database(older, "0001")
    error = OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: follows"))
    assert "is at schema revision 0001, this code needs" in database_problem(error, older, tmp_path)
    # migrated to head: the error itself, in one line
    assert database_problem(error, fresh_database, tmp_path) == "database error: no such table: follows"


def test_migrations_keep_their_traceback_unless_the_database_is_unreachable():
    @click.command()
    def failing() -> None:
        raise OperationalError("ALTER", {}, sqlite3.OperationalError("near x: syntax error"))

    explain_database_errors(failing, migrating=True)
    with pytest.raises(OperationalError):
        failing.callback()
