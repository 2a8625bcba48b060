"""Following enterprises: a consumer follows listed enterprises (at most ``MAX_FOLLOWS``) and
reads the notices they publish, newest first, before calling them. The use cases of the
consumer's own follows; the :class:`~directory.contacts.Follow` rows are ``directory.contacts``'.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from directory.accounts import User
from directory.contacts import Follow
from directory.errors import Conflict, NotFound
from directory.listings import public_enterprise
from directory.models import Enterprise, Notice, utcnow
from directory.pages import Key, Listing

MAX_FOLLOWS = 1000
NEWEST_FOLLOWS = Key.newest_first(Follow.created_at, Follow.enterprise_id)
NEWEST_NOTICES = Key.newest_first(Notice.valid_from, Notice.id)


def followed_enterprises(user: User) -> Listing:
    """The listed enterprises *user* follows (with their follow), latest first; suspended ones
    are left out while suspended."""
    query = (select(Follow, Enterprise).join(Enterprise, Enterprise.id == Follow.enterprise_id)
             .where(Follow.user_id == user.id, Enterprise.status == "active"))
    return Listing(query, NEWEST_FOLLOWS, key_of=lambda row: (row[0].created_at, row[0].enterprise_id))


def follow_of(session: Session, user: User, enterprise_id: str) -> tuple[Follow, Enterprise]:
    """*user*'s follow of *enterprise_id* and the enterprise; NotFound when they do not follow it."""
    follow = session.get(Follow, (user.id, enterprise_id))
    if follow is None:
        raise NotFound("You do not follow this enterprise.")
    return follow, session.get(Enterprise, follow.enterprise_id)


def follow_enterprise(session: Session, user: User, enterprise_id: str
                      ) -> tuple[Follow, Enterprise, bool]:
    """*user* follows the listed enterprise *enterprise_id* (nothing changes when they did
    already); the follow, the enterprise, and whether the follow is new. Conflict past
    ``MAX_FOLLOWS``."""
    enterprise = public_enterprise(session, enterprise_id)
    existing = session.get(Follow, (user.id, enterprise.id))
    if existing is not None:
        return existing, enterprise, False
    count = session.scalar(select(func.count()).select_from(Follow).where(Follow.user_id == user.id))
    if count >= MAX_FOLLOWS:
        raise Conflict(f"You follow {MAX_FOLLOWS} enterprises already; unfollow some.")
    new = Follow(user_id=user.id, enterprise_id=enterprise.id, created_at=utcnow())
    session.add(new)
    try:
        session.commit()
    except IntegrityError:  # a concurrent request made it first
        session.rollback()
        return session.get(Follow, (user.id, enterprise.id)), enterprise, False
    return new, enterprise, True


def unfollow_enterprise(session: Session, user: User, enterprise_id: str) -> None:
    """*user* no longer follows *enterprise_id* (whether or not they did)."""
    existing = session.get(Follow, (user.id, enterprise_id))
    if existing is not None:
        session.delete(existing)
        session.commit()


def followed_notices(user_id: str, at: datetime) -> Select:
    """The query of the current notices (with their enterprise) of listings *user_id* follows."""
    return (select(Notice, Enterprise)
            .join(Enterprise, Enterprise.id == Notice.enterprise_id)
            .join(Follow, and_(Follow.enterprise_id == Enterprise.id, Follow.user_id == user_id))
            .where(Enterprise.status == "active", Notice.hidden.is_(False),
                   Notice.valid_from <= at,
                   or_(Notice.valid_until.is_(None), Notice.valid_until > at)))


def notices_of_followed(user: User, at: datetime | None = None) -> Listing:
    """Every notice current at *at* (default now) of every listed enterprise *user* follows,
    with its enterprise, newest first."""
    return Listing(followed_notices(user.id, at or utcnow()), NEWEST_NOTICES,
                   key_of=lambda row: (row[0].valid_from, row[0].id))
