"""``flask search``: the search index, a projection of the database (sync, reindex, status)."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from tqdm import tqdm

from api.state import app_state
from search.base import SearchUnavailable

search_cli = AppGroup("search", help="The search index (a projection of the database).")


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
