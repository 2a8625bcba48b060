"""Notifications: what reaches a person without their asking — a notice of a listing they follow,
an answer to their callback request, a followed channel opening, closing or failing.

Written in the transaction of what causes them, as webhooks are (an outbox): one
:class:`NotificationEvent` row, one :class:`Notification` (the person's inbox) per recipient
and one :class:`PushDelivery` per device of theirs, each set written by one INSERT ... SELECT
however many follow the listing. ``directory.push.delivery`` pushes the deliveries after the
commit (a background loop of every served worker, or ``flask notifications deliver``), with
retries and backoff; the inbox is read at ``GET /v1/me/notifications``.

A listing's keepers cannot flood its followers: a listing makes at most
:data:`EVENTS_A_DAY` notice and live-status notifications in any 24 hours (past that the notice
is published and the status set, but nobody is notified), and a live status notifies only when
its state changes. Notifications and their deliveries are kept :data:`KEEP` (30 days).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Select,
    String,
    Text,
    delete,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import User
from directory.contacts import CallbackRequest, Follow
from directory.db import EXCLUDED, Base, UTCDateTime, table_facts
from directory.devices import Device
from directory.errors import InvalidInput, NotFound
from directory.models import Channel, Enterprise, JsonType, Notice, utcnow
from directory.pages import Key, Listing

KINDS = ("notice.published", "callback.answered", "live_status.changed")
EVENTS_A_DAY = 10  # notice and live-status notifications one listing makes in any 24 hours
KEEP = timedelta(days=30)
SHORT_LIVED = "notifications are short-lived messages (kept 30 days); an archive leaves them out"


class NotificationEvent(Base):
    __tablename__ = "notification_events"
    __table_args__ = table_facts(public=False, archive=EXCLUDED, why=SHORT_LIVED)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[str] = mapped_column(String(32))  # the notice, callback or channel
    # what the texts are made of, in every language (directory/push/texts.py)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Notification(Base):
    """One person's copy of an event: their inbox."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),
                      table_facts(public=False, archive=EXCLUDED, why=SHORT_LIVED))

    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    event_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("notification_events.id", ondelete="CASCADE"), primary_key=True,
        index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PushDelivery(Base):
    """One push of an event to one device (the outbox the delivery loop works through)."""

    __tablename__ = "push_deliveries"
    __table_args__ = (ForeignKeyConstraint(["user_id", "device_id"], ["devices.user_id", "devices.id"],
                                           ondelete="CASCADE"),
                      table_facts(public=False, archive=EXCLUDED, why=SHORT_LIVED))

    event_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("notification_events.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# --- making them (in the transaction of what causes them) ------------------------------------

def _event(session: Session, kind: str, enterprise: Enterprise, subject_id: str,
           data: dict[str, Any], recipients: Select) -> NotificationEvent:
    """The event, its inbox rows for the user ids *recipients* selects, and a pending delivery
    to each of their devices (the caller commits)."""
    now = utcnow()
    event = NotificationEvent(id=f"ntf_{secrets.token_hex(8)}", kind=kind,
                              enterprise_id=enterprise.id, subject_id=subject_id,
                              data={"names": enterprise.names(), **data}, created_at=now)
    session.add(event)
    session.flush()
    event_id, at = literal(event.id, String(32)), literal(now, UTCDateTime())
    users = recipients.subquery()
    session.execute(Notification.__table__.insert().from_select(
        ["user_id", "event_id", "created_at"], select(users.c.user_id, event_id, at)))
    session.execute(PushDelivery.__table__.insert().from_select(
        ["event_id", "user_id", "device_id", "status", "attempts", "next_attempt_at", "created_at"],
        select(event_id, Device.user_id, Device.id, literal("pending", String(16)),
               literal(0, Integer), at, at)
        .where(Device.user_id.in_(select(users.c.user_id)))))
    return event


def _budget_left(session: Session, enterprise_id: str) -> bool:
    since = utcnow() - timedelta(hours=24)
    made = session.scalar(select(func.count()).select_from(NotificationEvent).where(
        NotificationEvent.enterprise_id == enterprise_id, NotificationEvent.created_at > since,
        NotificationEvent.kind != "callback.answered"))
    return made < EVENTS_A_DAY


def _followers(enterprise_id: str) -> Select:
    return select(Follow.user_id.label("user_id")).where(Follow.enterprise_id == enterprise_id)


def notify_notice(session: Session, enterprise: Enterprise, notice: Notice) -> NotificationEvent | None:
    """The followers of *enterprise* hear of its new *notice* (when it shows now and the
    listing's daily budget allows)."""
    now = utcnow()
    if (notice.hidden or enterprise.status != "active" or notice.valid_from > now
            or (notice.valid_until is not None and notice.valid_until <= now)
            or not _budget_left(session, enterprise.id)):
        return None
    return _event(session, "notice.published", enterprise, notice.id, {
        "title": notice.title, "body": notice.body[:300], "severity": notice.severity},
        _followers(enterprise.id))


def notify_live_status(session: Session, channel: Channel, state: str | None,
                       before: str | None) -> NotificationEvent | None:
    """The followers of *channel*'s listing hear that it is now *state* (None: the status was
    withdrawn), when that is not what it was (*before*) and the daily budget allows."""
    enterprise = session.get(Enterprise, channel.enterprise_id)
    if (state is None or state == before or enterprise.status != "active" or channel.hidden
            or not _budget_left(session, enterprise.id)):
        return None
    return _event(session, "live_status.changed", enterprise, channel.id, {
        "state": state, "kind": channel.kind, "label": channel.label},
        _followers(enterprise.id))


def notify_callback(session: Session, callback: CallbackRequest) -> NotificationEvent:
    """The consumer who asked hears that their callback request was answered."""
    enterprise = session.get(Enterprise, callback.enterprise_id)
    return _event(session, "callback.answered", enterprise, callback.id, {
        "status": callback.status, "channel_id": callback.channel_id},
        select(literal(callback.user_id, String(32)).label("user_id")))


def forget_old_notifications(session: Session, now: datetime | None = None) -> int:
    """Drop events (their inbox rows and deliveries with them) older than :data:`KEEP`."""
    now = now or utcnow()
    old = select(NotificationEvent.id).where(NotificationEvent.created_at < now - KEEP)
    session.execute(delete(PushDelivery).where(PushDelivery.event_id.in_(old)))
    session.execute(delete(Notification).where(Notification.event_id.in_(old)))
    return session.execute(delete(NotificationEvent).where(
        NotificationEvent.created_at < now - KEEP)).rowcount or 0


# --- the person's inbox ----------------------------------------------------------------------

NEWEST_NOTIFICATIONS = Key.newest_first(Notification.created_at, Notification.event_id)
MAX_READ_IDS = 100


def my_notifications(user: User, unread_only: bool = False) -> Listing:
    """*user*'s notifications (each with its event), newest first."""
    query = (select(Notification, NotificationEvent)
             .join(NotificationEvent, NotificationEvent.id == Notification.event_id)
             .where(Notification.user_id == user.id))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return Listing(query, NEWEST_NOTIFICATIONS,
                   key_of=lambda row: (row[0].created_at, row[0].event_id))


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, user: User, ids: list[str] | None = None,
              up_to: str | None = None) -> int:
    """Mark *user*'s notifications *ids*, or *up_to* one and every older one, as read; how many
    are still unread. NotFound when *up_to* is not one of theirs."""
    if (ids is None) == (up_to is None):
        raise InvalidInput("The body is not valid; nothing was changed.", errors={
            "ids": ["Send either `ids` or `up_to`."]})
    now, mine = utcnow(), Notification.user_id == user.id
    unread = Notification.read_at.is_(None)
    if ids is not None:
        if len(ids) > MAX_READ_IDS:
            raise InvalidInput("The body is not valid; nothing was changed.", errors={
                "ids": [f"At most {MAX_READ_IDS} ids; use `up_to` for more."]})
        where = [mine, unread, Notification.event_id.in_(ids)]
    else:
        last = session.get(Notification, (user.id, up_to)) if len(up_to) <= 32 else None
        if last is None:
            raise NotFound("You have no notification with this id.")
        where = [mine, unread, NEWEST_NOTIFICATIONS.after((last.created_at, last.event_id))
                 | (Notification.event_id == last.event_id)]
    session.execute(update(Notification).where(*where).values(read_at=now)
                    .execution_options(synchronize_session=False))
    session.commit()
    return unread_count(session, user)
