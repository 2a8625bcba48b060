"""Keeps a search backend in step with the database through the listing-change outbox.

- after each commit that wrote outbox rows, :meth:`Indexer.drain` applies every pending row
  (not just the new ones) and deletes the rows it applied;
- when the engine is down, the rows stay; the edit itself has already committed. Draining is
  then not retried on every commit for ``retry_seconds`` (so edits don't each wait for a
  timeout), and is retried by the next commit after that, by the background loop of a
  served worker (:meth:`start_background`) or by ``flask search sync``;
- :meth:`reindex` rebuilds the whole index from the database (``flask search reindex``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from directory.indexing.documents import iter_documents
from directory.indexing.rebuild import rebuild_source
from directory.models import Enterprise, utcnow
from directory.outbox import ListingChange, wrote_changes
from search.base import SearchBackend, SearchUnavailable

log = logging.getLogger("c800.search")

# Applied outbox rows are kept this long: a rebuild re-applies what changed while it ran.
KEEP_APPLIED = timedelta(hours=6)


@dataclass
class DrainReport:
    indexed: int = 0
    deleted: int = 0
    pending: int = 0
    error: str | None = None


class Indexer:
    def __init__(self, sessions: sessionmaker, backend: Callable[[], SearchBackend],
                 retry_seconds: float = 30.0, batch: int = 500, rebuild_workers: int = 0) -> None:
        self.sessions = sessions
        self.rebuild_workers = rebuild_workers  # processes making a rebuild's documents (0: CPUs - 1)
        self._backend = backend
        self.retry_seconds = retry_seconds
        self.batch = batch
        self._lock = threading.Lock()
        self._failed_at: float | None = None
        self.last_error: str | None = None

    @property
    def backend(self) -> SearchBackend:
        return self._backend()

    # --- outbox ---------------------------------------------------------------------------
    def after_commit(self, session: Session) -> None:
        """An after-commit hook (``directory.sessions``): drain when the transaction *session*
        committed wrote outbox rows, unless the engine failed less than ``retry_seconds`` ago."""
        if not wrote_changes(session):
            return
        if self._failed_at is not None and time.monotonic() - self._failed_at < self.retry_seconds:
            return
        report = self.drain()
        if report.error:
            log.warning("search index not updated (%s); %d changes pending", report.error, report.pending)

    def pending(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(ListingChange)
                                  .where(ListingChange.applied_at.is_(None))) or 0

    def _apply(self, session, enterprise_ids: list[str], report: DrainReport) -> None:
        """Write the current documents of *enterprise_ids* (raises when the engine fails)."""
        documents, gone = [], []
        for ident, document in iter_documents(session, enterprise_ids):
            (documents.append(document) if document is not None else gone.append(ident))
        if documents:
            self.backend.index(documents)
        if gone:
            self.backend.delete(gone)
        report.indexed += len(documents)
        report.deleted += len(gone)

    def drain(self) -> DrainReport:
        """Apply every pending change; on an engine failure keep the rest for later."""
        report = DrainReport()
        if not self._lock.acquire(blocking=False):
            report.pending = self.pending()  # another thread of this process is draining
            return report
        try:
            while True:
                with self.sessions() as session:
                    rows = session.execute(
                        select(ListingChange.id, ListingChange.enterprise_id)
                        .where(ListingChange.applied_at.is_(None))
                        .order_by(ListingChange.id).limit(self.batch)).all()
                    if not rows:
                        break
                    try:
                        self._apply(session, list(dict.fromkeys(e for _, e in rows)), report)
                    except Exception as exc:  # noqa: BLE001 - an index failure never fails an edit
                        if not isinstance(exc, SearchUnavailable):
                            log.exception("search backend failed while indexing")
                        self._failed_at = time.monotonic()
                        self.last_error = report.error = str(exc)
                        break
                    session.execute(update(ListingChange)
                                    .where(ListingChange.id.in_([row_id for row_id, _ in rows]))
                                    .values(applied_at=utcnow()))
                    session.commit()
            if report.error is None:
                self._failed_at = None
                self.last_error = None
                self._forget_applied()
        finally:
            self._lock.release()
        report.pending = self.pending()
        return report

    def _forget_applied(self) -> None:
        with self.sessions() as session:
            session.execute(delete(ListingChange).where(
                ListingChange.applied_at < utcnow() - KEEP_APPLIED))
            session.commit()

    # --- full rebuild ---------------------------------------------------------------------
    def listing_count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(Enterprise)
                                  .where(Enterprise.status == "active")) or 0

    def reindex(self, progress: Callable[[int], Any] | None = None) -> int:
        """Rebuild the index from the database and swap it in.

        Changes committed while the rebuild runs may have been applied (by any process) to
        the index being replaced; they are re-applied to the new one right after the swap.
        """
        with self.sessions() as session:
            high_water = session.scalar(select(func.max(ListingChange.id))) or 0
            written = self.backend.rebuild(rebuild_source(
                self.sessions, session, workers=self.rebuild_workers, progress=progress))
            session.execute(update(ListingChange).where(
                ListingChange.id <= high_water, ListingChange.applied_at.is_(None))
                .values(applied_at=utcnow()))
            session.commit()
            meanwhile = list(dict.fromkeys(session.scalars(
                select(ListingChange.enterprise_id).where(ListingChange.id > high_water)
                .order_by(ListingChange.id))))
            if meanwhile:
                self._apply(session, meanwhile, DrainReport())
                session.execute(update(ListingChange).where(
                    ListingChange.id > high_water, ListingChange.enterprise_id.in_(meanwhile))
                    .values(applied_at=utcnow()))
                session.commit()
        self._failed_at = None
        self.last_error = None
        return written

    def sync(self) -> DrainReport:
        """Drain the outbox; rebuild instead when the index is empty but listings exist."""
        if self.backend.count() == 0 and self.listing_count() > 0:
            indexed = self.reindex()
            return DrainReport(indexed=indexed, pending=self.pending())
        return self.drain()

    def status(self) -> dict[str, Any]:
        """What /readyz reports about the index."""
        state: dict[str, Any] = {"backend": self.backend.name, "pending": self.pending()}
        try:
            state["documents"] = self.backend.count()
        except SearchUnavailable as exc:
            state.update(status="unavailable", error=str(exc))
            return state
        state["status"] = "ok" if state["pending"] == 0 and self.last_error is None else "catching_up"
        return state

    # --- served workers -------------------------------------------------------------------
    def start_background(self, interval: float = 10.0,
                         stop: threading.Event | None = None) -> threading.Thread:
        """Drain pending changes every *interval* seconds in a daemon thread, until *stop* is set."""
        stop = stop or threading.Event()

        def loop() -> None:
            while not stop.wait(interval):
                try:
                    if self.pending():
                        self.drain()
                except Exception:  # noqa: BLE001 - the loop must outlive any one failure
                    log.exception("background search drain failed")

        thread = threading.Thread(target=loop, name="search-drain", daemon=True)
        thread.start()
        return thread
