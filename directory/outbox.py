"""The listing-change outbox: every change to a listing writes a row in the same transaction.

Search indexes are projections of the database. Rather than calling a search engine while a
transaction is open (and losing the change if the engine is down), a flush that touches an
enterprise, its channels or regions, or an industry adds one ``listing_changes`` row per
enterprise concerned. Consumers (``directory.indexing.indexer``) read the rows after commit,
apply them and mark them applied; rows left behind by an outage are applied later.

:func:`track_listing_changes` installs this on a session factory
(``directory.sessions.make_session_factory(outbox=True)``); :func:`wrote_changes` tells an
after-commit hook whether the transaction that just committed wrote rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from directory.db import EXCLUDED, Base, UTCDateTime, table_facts
from directory.models import Channel, Enterprise, EnterpriseRegion, Industry, utcnow
from directory.session_hooks import install_once

_FLAG = "listing_changes_written"


class ListingChange(Base):
    """One enterprise whose search document must be rebuilt (or removed)."""

    __tablename__ = "listing_changes"
    __table_args__ = table_facts(public=True, archive=EXCLUDED,
                                  why="the search outbox; the search index is rebuilt after the import")

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once the change reached the index; applied rows are kept a while so that a full
    # rebuild running meanwhile can re-apply them to the index it swaps in.
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)


def _changed_enterprises(session: Session) -> set[str]:
    ids: set[str] = set()
    industries: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if isinstance(obj, Enterprise):
            ids.add(obj.id)
        elif isinstance(obj, Channel | EnterpriseRegion) and obj.enterprise_id:
            ids.add(obj.enterprise_id)
        elif isinstance(obj, Industry) and obj not in session.new:
            industries.add(obj.id)
    if industries:
        with session.no_autoflush:
            rows = session.execute(select(Industry.id, Industry.parent_id)).all()
            children: dict[str | None, list[str]] = {}
            for ident, parent in rows:
                children.setdefault(parent, []).append(ident)
            todo, subtree = list(industries), set()
            while todo:
                current = todo.pop()
                if current not in subtree:
                    subtree.add(current)
                    todo.extend(children.get(current, []))
            ids.update(session.scalars(select(Enterprise.id).where(Enterprise.industry_id.in_(subtree))))
    ids.discard(None)  # type: ignore[arg-type]
    return ids


def _before_flush(session: Session, _context, _instances) -> None:
    ids = _changed_enterprises(session)
    if ids:
        session.add_all(ListingChange(enterprise_id=ident) for ident in sorted(ids))
        session.info[_FLAG] = True


def _after_rollback(session: Session, _previous) -> None:
    session.info.pop(_FLAG, None)


def track_listing_changes(factory: sessionmaker) -> None:
    """Make every session of *factory* write outbox rows for the listings it changes (once per
    factory, however often it is asked)."""
    install_once(factory, "outbox", [("before_flush", _before_flush),
                                     ("after_soft_rollback", _after_rollback)])


def wrote_changes(session: Session) -> bool:
    """Whether the transaction *session* just committed wrote outbox rows (asked once: an
    after-commit hook's question; the answer is forgotten)."""
    return bool(session.info.pop(_FLAG, False))
