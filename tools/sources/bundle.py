"""The new sources' part of the build: enrich the listings the build made from vCards and
twofactorauth with name-suggestion-index and JustDeleteMe, date every channel's source, and
keep only listings one can reach (at least one contact channel)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sources import justdeleteme, nsi
from sources.common import Reporter, finish_channels, has_contact_channel, source_date

# The data sets whose channels the build dates, by the prefix of their ``source``.
DATED_FOLDERS = {"vcards": "vcards", "twofactorauth": "twofactorauth",
                 "justdeleteme": justdeleteme.FOLDER}


def extend(enterprises: list[dict[str, Any]], source: Path, shared: Iterable[str],
           leaves: set[str], report: Reporter) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept, dropped): the listings with a contact channel, and those without one."""
    shared = frozenset(shared)
    index = nsi.load(source / nsi.FOLDER)
    enterprises = nsi.enrich(enterprises, index, shared, leaves, report)
    sites, sites_date = justdeleteme.load(source / justdeleteme.FOLDER)
    justdeleteme.enrich(enterprises, sites, sites_date, shared, report)
    dates = {prefix: source_date(source / folder) for prefix, folder in DATED_FOLDERS.items()}
    dates["name-suggestion-index"] = index.retrieved
    finish_channels(enterprises, dates)
    kept = [e for e in enterprises if has_contact_channel(e)]
    dropped = [e for e in enterprises if not has_contact_channel(e)]
    report.note(f"dropped {len(dropped)} listings without a contact channel from any source")
    return kept, dropped
