"""What a command says when the database is not c800's yet: one line, not a traceback.

Every ``flask`` command of c800 runs through :func:`explain_database_errors`: a database
error becomes a one-line ``Error:`` (exit status 1) saying what is wrong and what to do — the
database is not migrated (often DATA_DIR or DATABASE_URL points elsewhere than intended), is
at another schema revision than the code, or cannot be reached.
"""

from __future__ import annotations

import functools
from typing import Any

import click
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from directory.db import database_unavailable


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    return (str(original).strip().splitlines() or [type(original).__name__])[0]


def _revisions(database_url: str) -> tuple[str | None, str]:
    """The database's schema revision (None: not migrated) and this code's head."""
    from alembic.script import ScriptDirectory

    from api.cli.database import alembic_config
    from directory.archive import current_revision

    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return current_revision(connection), head
    finally:
        engine.dispose()


def database_problem(error: SQLAlchemyError, database_url: str, data_dir: Any) -> str:
    """One line saying what is wrong with the database behind *error* and what to do."""
    shown = make_url(database_url).render_as_string(hide_password=True)
    if database_unavailable(error):
        return f"cannot reach the database {shown}: {_first_line(error)}"
    try:
        current, head = _revisions(database_url)
    except SQLAlchemyError as again:
        return f"cannot read the database {shown}: {_first_line(again)}"
    if current is None:
        return (f"the database {shown} is not migrated (no c800 schema in it): run `flask db "
                f"upgrade` (`make migrate`), or set DATA_DIR (now {data_dir}) or DATABASE_URL "
                "to where c800's data is")
    if current != head:
        return (f"the database {shown} is at schema revision {current}, this code needs {head}: "
                "run `flask db upgrade`")
    return f"database error: {_first_line(error)}"


def explain_database_errors(command: click.Command, *, migrating: bool = False) -> None:
    """Make *command* (and every command of a group) answer database errors in one line; a
    *migrating* command (``flask db``) only an unreachable database (a failing migration keeps
    its traceback: it is a bug to report)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            explain_database_errors(sub, migrating=migrating)
        return
    callback = command.callback
    if callback is None or getattr(callback, "_c800_explained", False):
        return

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except SQLAlchemyError as error:
            from api.state import app_state

            if migrating and not database_unavailable(error):
                raise
            config = app_state().config
            raise click.ClickException(database_problem(error, config.database_url,
                                                        config.data_dir)) from None

    run._c800_explained = True  # type: ignore[attr-defined]
    command.callback = run
