"""A consumer in touch with an enterprise: follows, contacts with a handoff, callback requests,
and the counts per channel and day enterprises see as insights.

A *handoff* is what the consumer chose to share before contacting a channel (a topic, a few
details): the deep links carry its token where the channel can take one, and the consumer can
read its short code to an agent. Only the enterprise of the listing reads it, for 24 hours;
after that its contents are erased (the count stays). A *callback request* asks the enterprise
to call back in a time window; its phone number is erased once the request is over. A consumer
has at most ``MAX_OPEN_CALLBACKS`` requests open at once across all channels, and makes at most
``MAX_CALLBACKS_A_DAY`` in any 24 hours (cancelled ones count: cancelling frees a place among
the open ones, not in the day's).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import lock_account
from directory.channel_time import channel_zone, local_day
from directory.counters import increment
from directory.db import Base, UTCDateTime, table_facts, withheld
from directory.errors import Conflict, InvalidInput, TooMany
from directory.models import Channel, Enterprise, JsonType, Notice, utcnow
from directory.validation import CALLBACK_KINDS

HANDOFF_LIFETIME = timedelta(hours=24)
# Crockford's base32 without I, L, O, U: short codes read aloud over the phone.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
CALLBACK_STATUSES = ("requested", "accepted", "completed", "declined", "cancelled")
CALLBACK_OPEN = ("requested", "accepted")
# What the enterprise may do from each state; the consumer may cancel an open request.
CALLBACK_MOVES = {"requested": ("accepted", "declined"), "accepted": ("completed", "declined")}
MIN_WINDOW, MAX_WINDOW = timedelta(minutes=15), timedelta(hours=12)
MAX_AHEAD = timedelta(days=14)
MAX_OPEN_CALLBACKS = 3  # open requests of one consumer at once, across channels
MAX_CALLBACKS_A_DAY = 5  # requests one consumer makes in any 24 hours, cancelled ones included
CALLBACK_DAY = timedelta(hours=24)
MAX_FOLLOWS = 1000


class ContactError(InvalidInput):
    """A contact, handoff or callback whose input is not valid (``field`` says which); the
    other refusals are :class:`~directory.errors.Conflict` and ``TooMany``."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _unknown_digest() -> str:
    """A digest no token or code has (what a restored handoff's are)."""
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


class Follow(Base):
    """A consumer follows an enterprise: its notices reach them in GET /v1/me/notices."""

    __tablename__ = "follows"
    __table_args__ = table_facts(public=False)

    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelDay(Base):
    """Counts per channel and local day: opens from the app, handoffs, reports, callbacks."""

    __tablename__ = "channel_days"
    __table_args__ = table_facts(public=False)

    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    opens: Mapped[int] = mapped_column(Integer, default=0)
    handoffs: Mapped[int] = mapped_column(Integer, default=0)
    experiences: Mapped[int] = mapped_column(Integer, default=0)
    reached_person: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    callbacks: Mapped[int] = mapped_column(Integer, default=0)


INSIGHT_COUNTS = ("opens", "handoffs", "experiences", "reached_person", "resolved", "callbacks")


def count_day(session: Session, channel: Channel, at: datetime, **amounts: int) -> None:
    """Add *amounts* to the channel's counts for the local day of *at*."""
    increment(session, ChannelDay.__table__,
              {"channel_id": channel.id, "day": local_day(at, channel_zone(channel))},
              dict.fromkeys(INSIGHT_COUNTS, 0) | amounts, {"enterprise_id": channel.enterprise_id})


class Handoff(Base):
    """What a consumer shared before contacting a channel, for that enterprise's agents."""

    __tablename__ = "handoffs"
    __table_args__ = table_facts(public=False)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=withheld(
        "a secret (digest of the handoff token): handoffs still live cannot be read by token "
        "after a restore", restore=_unknown_digest))
    code_hash: Mapped[str] = mapped_column(String(64), index=True, info=withheld(
        "a secret (digest of the short code): handoffs still live cannot be read by code after "
        "a restore", restore=_unknown_digest))
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    topic: Mapped[str | None] = mapped_column(String(200), nullable=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    platform: Mapped[str] = mapped_column(String(16), default="any")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    first_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def expired(self, at: datetime) -> bool:
        return at >= self.expires_at


def normalize_code(code: str) -> str:
    """A short code as people type it: case, spaces and dashes ignored, O read as 0, I/L as 1."""
    cleaned = code.upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def start_contact(session: Session, enterprise: Enterprise, channel: Channel, user_id: str, *,
                  topic: str, details: dict[str, str] | None, platform: str
                  ) -> tuple[Handoff, str, str]:
    """Count an open of *channel* and keep the handoff; (handoff, token, short code)."""
    now = utcnow()
    token = "hof_" + secrets.token_urlsafe(24)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    handoff = Handoff(id=f"ctc_{secrets.token_hex(8)}", token_hash=digest(token),
                      code_hash=digest(code), enterprise_id=enterprise.id, channel_id=channel.id,
                      user_id=user_id, topic=topic, details=details or None, platform=platform,
                      created_at=now, expires_at=now + HANDOFF_LIFETIME)
    session.add(handoff)
    session.flush()
    count_day(session, channel, now, opens=1, handoffs=1)
    return handoff, token, format_code(code)


def find_handoff(session: Session, token_or_code: str, enterprise_ids: set[str]) -> Handoff | None:
    """The handoff a token or short code names, among those of *enterprise_ids* only."""
    if not enterprise_ids:
        return None
    if token_or_code.startswith("hof_"):
        condition = Handoff.token_hash == digest(token_or_code)
    else:
        condition = Handoff.code_hash == digest(normalize_code(token_or_code))
    return session.scalars(select(Handoff).where(
        condition, Handoff.enterprise_id.in_(enterprise_ids)).order_by(
        Handoff.created_at.desc())).first()


class CallbackRequest(Base):
    """A consumer asks the enterprise to call back within a time window."""

    __tablename__ = "callback_requests"
    __table_args__ = (CheckConstraint(
        "status IN ('requested', 'accepted', 'completed', 'declined', 'cancelled')",
        name="ck_callback_requests_status"), table_facts(public=False))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    topic: Mapped[str] = mapped_column(String(200))
    details: Mapped[str | None] = mapped_column(Text, nullable=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def shown_status(self, at: datetime) -> str:
        """The status, ``expired`` for a request nobody took before its window ended."""
        if self.status == "requested" and at >= self.window_end:
            return "expired"
        return self.status


def offers_callbacks(channel: Channel) -> bool:
    return (channel.accepts_callbacks and channel.kind in CALLBACK_KINDS
            and channel.direction == "contact" and not channel.hidden)


def request_callback(session: Session, channel: Channel, user_id: str, *, phone: str, topic: str,
                     details: str | None, window_start: datetime, window_end: datetime
                     ) -> CallbackRequest:
    now = utcnow()
    if not offers_callbacks(channel):
        raise Conflict("This channel does not take callback requests.", field="channel_id")
    if window_end <= window_start:
        raise ContactError("The window ends after it starts.", field="window_end")
    if window_start < now - timedelta(minutes=1):
        raise ContactError("The window starts in the past.", field="window_start")
    if window_start > now + MAX_AHEAD:
        raise ContactError("The window starts within 14 days.", field="window_start")
    if not MIN_WINDOW <= window_end - window_start <= MAX_WINDOW:
        raise ContactError("A window lasts 15 minutes to 12 hours.", field="window_end")
    lock_account(session, user_id)  # the counts below hold against this account's other requests
    open_requests = session.execute(select(CallbackRequest.id, CallbackRequest.channel_id).where(
        CallbackRequest.user_id == user_id, CallbackRequest.status.in_(CALLBACK_OPEN),
        CallbackRequest.window_end > now)).all()
    pending = next((ident for ident, on in open_requests if on == channel.id), None)
    if pending is not None:
        raise Conflict(f"Your callback request {pending} on this channel is still open.")
    if len(open_requests) >= MAX_OPEN_CALLBACKS:
        raise Conflict(f"You have {MAX_OPEN_CALLBACKS} callback requests open; cancel one or "
                       "wait until one is over.")
    _check_daily_callbacks(session, user_id, now)
    callback = CallbackRequest(
        id=f"cbk_{secrets.token_hex(8)}", enterprise_id=channel.enterprise_id,
        channel_id=channel.id, user_id=user_id, phone=phone, topic=topic, details=details,
        window_start=window_start, window_end=window_end, status="requested", created_at=now,
        updated_at=now)
    session.add(callback)
    session.flush()
    count_day(session, channel, now, callbacks=1)
    return callback


def _check_daily_callbacks(session: Session, user_id: str, now: datetime) -> None:
    """TooMany (``retry_after`` seconds) when the account made MAX_CALLBACKS_A_DAY requests in
    the last 24 h."""
    recent = session.scalars(select(CallbackRequest.created_at).where(
        CallbackRequest.user_id == user_id, CallbackRequest.created_at > now - CALLBACK_DAY)
        .order_by(CallbackRequest.created_at.desc()).limit(MAX_CALLBACKS_A_DAY)).all()
    if len(recent) >= MAX_CALLBACKS_A_DAY:
        wait = recent[-1] + CALLBACK_DAY - now
        raise TooMany(f"You made {MAX_CALLBACKS_A_DAY} callback requests in the last 24 hours "
                      "(cancelled ones count); ask again later.",
                      retry_after=max(1, math.ceil(wait.total_seconds())))


def move_callback(callback: CallbackRequest, status: str, note: str | None, *, by_consumer: bool) -> None:
    now = utcnow()
    current = callback.shown_status(now)
    allowed = CALLBACK_OPEN if by_consumer else tuple(CALLBACK_MOVES)
    if by_consumer and status != "cancelled":
        raise ContactError("You can only cancel a request.", field="status")
    if current not in allowed or (not by_consumer and status not in CALLBACK_MOVES[current]):
        raise Conflict(f"The request is {current}; it cannot become {status}.")
    callback.status, callback.updated_at = status, now
    if note is not None:
        callback.note = note
    if status not in CALLBACK_OPEN:
        callback.phone = None  # the number was shared for this call only


# --- notices of followed enterprises ----------------------------------------------------------

def followed_notices(user_id: str, at: datetime) -> Select:
    """The query of the current notices (with their enterprise) of listings *user_id* follows."""
    return (select(Notice, Enterprise)
            .join(Enterprise, Enterprise.id == Notice.enterprise_id)
            .join(Follow, and_(Follow.enterprise_id == Enterprise.id, Follow.user_id == user_id))
            .where(Enterprise.status == "active", Notice.hidden.is_(False),
                   Notice.valid_from <= at,
                   or_(Notice.valid_until.is_(None), Notice.valid_until > at)))


# --- housekeeping -----------------------------------------------------------------------------

def purge_expired(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Erase what was shared once it is no longer needed (the caller commits)."""
    now = now or utcnow()
    handoffs = session.execute(update(Handoff).where(
        Handoff.expires_at <= now, or_(Handoff.topic.is_not(None), Handoff.details.is_not(None)))
        .values(topic=None, details=None)).rowcount
    phones = session.execute(update(CallbackRequest).where(
        CallbackRequest.window_end <= now - timedelta(hours=24),
        CallbackRequest.phone.is_not(None)).values(phone=None)).rowcount
    return {"handoffs": handoffs or 0, "callback_phones": phones or 0}


def insights(session: Session, enterprise_id: str, first: date, last: date) -> list[ChannelDay]:
    """The enterprise's counts per channel and day from *first* to *last* (local days)."""
    return list(session.scalars(select(ChannelDay).where(
        ChannelDay.enterprise_id == enterprise_id, ChannelDay.day >= first, ChannelDay.day <= last)
        .order_by(ChannelDay.day, ChannelDay.channel_id)))
