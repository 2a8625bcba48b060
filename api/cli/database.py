"""``flask db``: the database schema (Alembic migrations)."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask.cli import AppGroup

from api.state import app_state

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade_database(app_state().config.database_url, revision)


@db_cli.command("current")
def db_current() -> None:
    """Show the schema revision the database is at."""
    command.current(alembic_config(app_state().config.database_url))


def schema_revision(connection) -> str:  # noqa: ANN001 - a SQLAlchemy Connection
    """The database's schema revision, which must be this code's head."""
    from alembic.script import ScriptDirectory

    from directory.archive import current_revision

    head = ScriptDirectory.from_config(alembic_config(app_state().config.database_url)).get_current_head()
    current = current_revision(connection)
    if current != head:
        raise click.ClickException(f"the database is at schema revision {current}, this code at "
                                   f"{head}: run `flask db upgrade` first")
    return current
