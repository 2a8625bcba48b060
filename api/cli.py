"""Command-line tools: ``flask db``, ``flask directory``, ``flask search`` and ``flask openapi``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup
from tqdm import tqdm

from api.state import app_state, db_session
from directory.importer import DirectoryImportError, import_directory
from search.base import SearchUnavailable

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
OPENAPI_FILE = ROOT / "openapi" / "openapi.json"
BUNDLED_DATA = ROOT / "directory" / "data"

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
directory_cli = AppGroup("directory", help="The directory's data.")
openapi_cli = AppGroup("openapi", help="The OpenAPI document.")
search_cli = AppGroup("search", help="The search index (a projection of the database).")


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


@directory_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path), default=BUNDLED_DATA)
def directory_import(path: Path) -> None:
    """Validate and import PATH (a data folder or file): all records or none."""
    session = db_session()
    try:
        report = import_directory(session, path)
    except DirectoryImportError as exc:
        session.rollback()
        for error in exc.errors[:200]:
            click.echo(str(error), err=True)
        if len(exc.errors) > 200:
            click.echo(f"... and {len(exc.errors) - 200} more", err=True)
        raise click.ClickException(str(exc)) from exc
    session.commit()  # the indexer applies the listing changes right after this commit
    click.echo(f"industries: {report.industries}; enterprises: {report.enterprises}")
    pending = app_state().indexer.pending()
    if pending:
        click.echo(f"search index: {pending} changes pending ({app_state().indexer.last_error}); "
                   "`flask search sync` applies them", err=True)


def _search_failure(exc: Exception) -> click.ClickException:
    return click.ClickException(f"search index unavailable: {exc}")


@search_cli.command("sync")
def search_sync() -> None:
    """Apply pending listing changes (rebuilds the index when it is empty)."""
    try:
        report = app_state().indexer.sync()
    except SearchUnavailable as exc:
        raise _search_failure(exc) from exc
    if report.error:
        raise _search_failure(report.error)  # type: ignore[arg-type]
    click.echo(f"search index: {report.indexed} indexed, {report.deleted} removed, "
               f"{report.pending} pending")


@search_cli.command("reindex")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def search_reindex(quiet: bool) -> None:
    """Rebuild the whole index from the database; searches keep answering meanwhile."""
    indexer = app_state().indexer
    total = indexer.listing_count()
    with tqdm(total=total, unit="listing", disable=quiet, file=sys.stderr) as bar:
        try:
            written = indexer.reindex(progress=bar.update)
        except SearchUnavailable as exc:
            raise _search_failure(exc) from exc
    click.echo(f"search index rebuilt: {written} documents")


@search_cli.command("status")
def search_status() -> None:
    """Print the index state as JSON (what /readyz reports)."""
    click.echo(json.dumps(app_state().indexer.status(), ensure_ascii=False))


def served_spec(app: Flask) -> str:
    """The OpenAPI document exactly as the app serves it at /openapi.json."""
    with app.test_client() as client:
        response = client.get("/openapi.json")
    document = json.loads(response.get_data(as_text=True))
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@openapi_cli.command("export")
@click.option("--check", is_flag=True, help="Fail if openapi/openapi.json is stale.")
def openapi_export(check: bool) -> None:
    """Write openapi/openapi.json from the running code (or --check it)."""
    text = served_spec(current_app._get_current_object())  # type: ignore[attr-defined]
    if check:
        current = OPENAPI_FILE.read_text(encoding="utf-8") if OPENAPI_FILE.exists() else ""
        if current != text:
            click.echo("openapi/openapi.json is stale: run `make openapi`", err=True)
            sys.exit(1)
        click.echo("openapi/openapi.json is up to date")
        return
    OPENAPI_FILE.parent.mkdir(parents=True, exist_ok=True)
    OPENAPI_FILE.write_text(text, encoding="utf-8")
    click.echo(f"wrote {OPENAPI_FILE.relative_to(ROOT)}")


def register_commands(app: Flask) -> None:
    for group in (db_cli, directory_cli, search_cli, openapi_cli):
        app.cli.add_command(group)
