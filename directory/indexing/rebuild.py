"""Every listing as a search document, for a full rebuild (``flask search reindex``): read
lean and made in worker processes.

A rebuild reads every listing once and writes nothing, so it skips the ORM's object graphs
(an :class:`Enterprise` with its channels, notices and regions per listing, identity map,
events): the calling process pages through the active ids (keyset, ids only) and hands
batches of them, as :class:`search.parallel.DocumentSource` tasks, to forked workers. Each
worker reads its batch with three Core queries of the columns a document needs (listings,
visible channels and region codes by ``IN``), the counted reports, and makes the documents
with :func:`directory.indexing.documents.document_of` — the function the outbox drain's
documents come from, so both give the same document for a listing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from directory.indexing.documents import IndustryInfo, document_of, industry_table
from directory.models import Channel, Enterprise, EnterpriseRegion
from directory.prominence import report_counts
from search.documents import SearchDocument
from search.parallel import DocumentSource, default_workers

BATCH = 1000  # listings per task

_LISTING = (Enterprise.id, Enterprise.name_zh_hans, Enterprise.name_zh_hant, Enterprise.name_en,
            Enterprise.aliases, Enterprise.industry_id, Enterprise.description, Enterprise.domains,
            Enterprise.verified, Enterprise.wikidata)
_CHANNEL = (Channel.enterprise_id, Channel.kind, Channel.value, Channel.label, Channel.direction,
            Channel.hidden)


def active_id_batches(session: Session, batch: int = BATCH) -> Iterator[list[str]]:
    """The ids of the active listings in id order, *batch* at a time (keyset pages)."""
    after = ""
    while True:
        ids = list(session.scalars(select(Enterprise.id).where(
            Enterprise.status == "active", Enterprise.id > after).order_by(Enterprise.id).limit(batch)))
        if not ids:
            return
        yield ids
        after = ids[-1]


def documents_of(connection: Any, ids: list[str],
                 industries: dict[str, IndustryInfo]) -> list[SearchDocument]:
    """The documents of the active listings among *ids*, in id order."""
    listings = connection.execute(select(*_LISTING).where(
        Enterprise.id.in_(ids), Enterprise.status == "active").order_by(Enterprise.id)).all()
    found = [row.id for row in listings]
    channels: dict[str, list[Any]] = defaultdict(list)
    for row in connection.execute(select(*_CHANNEL).where(
            Channel.enterprise_id.in_(found), Channel.hidden.is_(False))
            .order_by(Channel.enterprise_id, Channel.position, Channel.id)):
        channels[row.enterprise_id].append(row)
    regions: dict[str, list[str]] = defaultdict(list)
    for ident, code in connection.execute(select(EnterpriseRegion.enterprise_id, EnterpriseRegion.code)
                                          .where(EnterpriseRegion.enterprise_id.in_(found))
                                          .order_by(EnterpriseRegion.enterprise_id, EnterpriseRegion.code)):
        regions[ident].append(code)
    reports = report_counts(connection, found)
    return [document_of(row, channels.get(row.id, ()), regions.get(row.id, []), industries,
                        reports.get(row.id, 0)) for row in listings]


def _in_memory(engine: Engine) -> bool:
    return engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:")


def rebuild_source(sessions: sessionmaker, session: Session, *, workers: int = 0,
                   progress: Callable[[int], Any] | None = None) -> DocumentSource:
    """Every active listing's document, made by *workers* forked processes (0: one per CPU but one),
    each with its own database connections; with one worker (or an in-memory database, which
    a forked worker could not reach) through *session*, in this process."""
    engine: Engine = sessions.kw["bind"]
    industries = industry_table(session)
    workers = workers or default_workers()
    if workers == 1 or _in_memory(engine):
        return DocumentSource(tasks=active_id_batches(session), workers=1, progress=progress,
                              make=lambda ids: documents_of(session, ids, industries))

    def started() -> None:
        engine.dispose(close=False)  # the parent's pooled connections stay the parent's

    def make(ids: list[str]) -> list[SearchDocument]:
        with engine.connect() as connection:
            return documents_of(connection, ids, industries)

    return DocumentSource(tasks=active_id_batches(session), make=make, workers=workers,
                          progress=progress, started=started)
