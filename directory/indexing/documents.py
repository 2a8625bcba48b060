"""Listing -> search document: the directory's listings in the engine-neutral form that
:func:`search.documents.make_document` builds (see there for its fields).

Which listings are searchable (active ones), which channels count (visible ones; the kinds a
person can use), an industry's path and names, the regions served, the listing's prominence
(:mod:`directory.prominence`): directory facts, decided here, so the search engines never read
the directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import Enterprise, Industry
from directory.phones import PHONE_KINDS
from directory.prominence import prominence_of, report_counts
from search.documents import SearchDocument, make_document


@dataclass(frozen=True)
class IndustryInfo:
    path: tuple[str, ...]  # the industry first, then its ancestors
    names: tuple[str, ...]  # every name of every industry on the path


def industry_table(session: Session) -> dict[str, IndustryInfo]:
    """Path and names of every industry, for building many documents."""
    rows = {row.id: row for row in session.scalars(select(Industry))}
    table: dict[str, IndustryInfo] = {}
    for ident in rows:
        path, names, current = [], [], rows.get(ident)
        while current is not None and current.id not in path:
            path.append(current.id)
            names.extend([current.name_zh_hans, current.name_zh_hant, current.name_en])
            current = rows.get(current.parent_id) if current.parent_id else None
        table[ident] = IndustryInfo(tuple(path), tuple(names))
    return table


def document_for(enterprise: Enterprise, industries: dict[str, IndustryInfo],
                 reports: int = 0) -> SearchDocument | None:
    """The search document of a listing, or None when it must not be searchable.

    *reports*: the counted experience reports on its channels (for its prominence)."""
    if enterprise.status != "active":
        return None
    return document_of(enterprise, [channel for channel in enterprise.channels if not channel.hidden],
                       [row.code for row in enterprise.region_rows], industries, reports)


def document_of(listing: Any, visible: Sequence[Any], regions: list[str],
                industries: dict[str, IndustryInfo], reports: int) -> SearchDocument:
    """The search document of an active listing: *listing* has the enterprise's columns (an
    :class:`Enterprise` or a row of them), *visible* its channels that are not hidden, in
    order (``kind``, ``value``, ``label``, ``direction``, ``hidden``), *regions* its codes."""
    info = industries.get(listing.industry_id, IndustryInfo((listing.industry_id,), ()))
    return make_document(
        id=listing.id,
        names=[n for n in (listing.name_zh_hans, listing.name_zh_hant, listing.name_en) if n],
        aliases=listing.aliases or [],
        industries=info.path,
        industry_names=info.names,
        description=listing.description,
        domains=listing.domains or [],
        labels=[channel.label for channel in visible if channel.label],
        phones=[channel.value for channel in visible if channel.kind in PHONE_KINDS],
        channels=[channel.kind for channel in visible if channel.direction == "contact"],
        regions=regions,
        verified=listing.verified,
        prominence=prominence_of(listing, reports, channels=visible, regions=regions),
    )


def iter_documents(
    session: Session, ids: Iterable[str] | None = None, batch: int = 500
) -> Iterator[tuple[str, SearchDocument | None]]:
    """``(id, document or None)`` for *ids* (every listing when None), loaded in batches.

    None means the listing is gone or not public: the backend must delete it.
    """
    industries = industry_table(session)
    options = (selectinload(Enterprise.channels), selectinload(Enterprise.region_rows))
    if ids is None:
        after = ""
        while True:
            rows = list(session.scalars(
                select(Enterprise).options(*options).where(Enterprise.id > after)
                .order_by(Enterprise.id).limit(batch)))
            if not rows:
                return
            reports = report_counts(session, [enterprise.id for enterprise in rows])
            for enterprise in rows:
                yield enterprise.id, document_for(enterprise, industries, reports.get(enterprise.id, 0))
            after = rows[-1].id
            session.expunge_all()
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), batch):
        chunk = wanted[start:start + batch]
        found = {e.id: e for e in session.scalars(
            select(Enterprise).options(*options).where(Enterprise.id.in_(chunk)))}
        reports = report_counts(session, found)
        for ident in chunk:
            enterprise = found.get(ident)
            yield ident, (document_for(enterprise, industries, reports.get(ident, 0))
                          if enterprise is not None else None)
