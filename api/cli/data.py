"""``flask directory``: the directory's data — import the bundled data (or a data folder or
file), export the whole database to an archive and restore one, audit its coverage."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from api.cli.database import schema_revision
from api.state import app_state, db_session
from directory.importer import DirectoryImportError, import_directory
from search.base import SearchUnavailable

BUNDLED_DATA = Path(__file__).resolve().parents[2] / "directory" / "data"

directory_cli = AppGroup("directory", help="The directory's data.")


@directory_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path), default=BUNDLED_DATA)
def directory_import(path: Path) -> None:
    """Validate and import PATH (a data folder or file): all records or none.

    PATH may also be an archive written by `flask directory export` (recognised by its
    header): it is then restored whole into this database, which must be empty and at the
    archive's schema revision, in one transaction; the search index is rebuilt after it.
    """
    from directory.archive import is_archive

    if is_archive(str(path)):
        _import_archive(path)
        return
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


@directory_cli.command("export")
@click.option("--output", "-o", default="-", show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True, path_type=str),
              help="The archive file to write (replaced only once complete); - for standard output.")
def directory_export(output: str) -> None:
    """Write everything the database holds to one archive (JSON Lines).

    Industries, listings with their regions, channels, notices and versions; users and
    memberships, OAuth clients, claims, reports, follows, experiences and their counters, live
    statuses, handoffs, callback requests, webhooks and their deliveries -- from one consistent
    snapshot, so it may run while the service serves. Secrets are left out (password hashes,
    client secrets, tokens, webhook secrets; the header's "excluded" says what and why).
    `flask directory import FILE` restores it into an empty database.
    """
    from directory.archive import ArchiveError
    from directory.archive_export import export_archive

    state = app_state()
    with state.engine.connect() as connection:
        schema_revision(connection)
    try:
        if output == "-":
            report = export_archive(state.engine, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            partial = Path(f"{output}.partial")
            try:
                with partial.open("wb") as out:
                    report = export_archive(state.engine, out)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(partial, output)
            finally:
                partial.unlink(missing_ok=True)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps({"revision": report.revision, "rows": report.total, "tables": report.rows}),
               err=True)


def _import_archive(path: Path) -> None:
    from directory.archive import ArchiveError
    from directory.archive_import import import_archive

    session = db_session()
    try:
        connection = session.connection()
        revision = schema_revision(connection)
        with path.open("rb") as lines:
            report = import_archive(connection, lines, database_revision=revision)
    except (ArchiveError, click.ClickException) as exc:
        session.rollback()
        raise click.ClickException(f"{path}: {getattr(exc, 'message', exc)}; nothing was imported") from exc
    session.commit()
    click.echo(json.dumps({"revision": report.revision, "rows": report.total, "tables": report.rows}))
    for table, advice in (("users", "users have no password: `flask users set-password`"),
                          ("oauth_clients", "OAuth clients came back without secrets: "
                                            "`flask clients new-secret` for confidential ones"),
                          ("webhooks", "webhooks sign with new secrets: their enterprises "
                                       "re-register them")):
        if report.rows.get(table):
            click.echo(f"{report.rows[table]} {advice}", err=True)
    try:
        written = app_state().indexer.reindex()
    except SearchUnavailable as exc:
        click.echo(f"search index not rebuilt ({exc}): run `flask search reindex`", err=True)
    else:
        click.echo(f"search index rebuilt: {written} documents", err=True)


def coverage_table(rows: list) -> str:
    """The audit's rows as a Markdown table (the README shows the bundle's)."""
    lines = ["| | listings | channels | |", "|---|---:|---:|---|"]
    for row in rows:
        channels = "" if row.channels is None else f"{row.channels:,}"
        lines.append(f"| {row.what} | {row.listings:,} | {channels} | {row.detail} |")
    return "\n".join(lines)


@directory_cli.command("audit")
@click.option("--data", "data", default=None, type=click.Path(exists=True, path_type=Path),
              help="Audit this data folder or JSON Lines file (e.g. directory/data) instead of "
                   "the database's listings.")
def directory_audit(data: Path | None) -> None:
    """Print the directory's coverage: listings, those with a contact channel, channels per
    kind and platform, hours, menus, ways to a person, Chinese names, sources, suspected
    senders and duplicates (by Wikidata id, domain and contact number)."""
    from directory.audit import audit_data, audit_database

    table = audit_data(data) if data is not None else audit_database(db_session())
    click.echo(coverage_table(table.rows))
