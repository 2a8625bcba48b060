"""A consumer in touch with an enterprise: the rows of follows, contacts with a handoff,
callback requests and the counts per channel and day enterprises see as insights; the use
cases of contacts and handoffs (those of follows, callback requests and insights are in
``directory.follows``, ``directory.callbacks`` and ``directory.insights``).

A *handoff* is what the consumer chose to share before contacting a channel (a topic, a few
details): the deep links carry its token where the channel can take one, and the consumer can
read its short code to an agent. Only the enterprise of the listing reads it, for 24 hours;
after that its contents are erased (the count stays). A *callback request* asks the enterprise
to call back in a time window; its phone number is erased once the request is over.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import User, memberships_of
from directory.channel_time import channel_zone, local_day
from directory.counters import increment
from directory.db import Base, UTCDateTime, table_facts, withheld
from directory.errors import Gone, InvalidInput, NotFound
from directory.links import DeepLink, HandoffRef, deep_links_for
from directory.listings import public_enterprise
from directory.models import Channel, Enterprise, JsonType, utcnow
from directory.webhooks import emit

HANDOFF_LIFETIME = timedelta(hours=24)
# Crockford's base32 without I, L, O, U: short codes read aloud over the phone.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
CALLBACK_STATUSES = ("requested", "accepted", "completed", "declined", "cancelled")
CALLBACK_OPEN = ("requested", "accepted")


class ContactError(InvalidInput):
    """A contact, handoff or callback whose input is not valid (``field`` says which); the
    other refusals are :class:`~directory.errors.Conflict` and ``TooMany``."""


INVALID_BODY = "The body is not valid; nothing was changed."


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


def handoff_event(handoff: Handoff, code: str, url: str) -> dict:
    """The ``handoff.created`` webhook's data: ids, the short code, when, and where to read it
    (*url*), never what the consumer wrote (the delivery log outlives the handoff)."""
    return {"handoff_id": handoff.id, "channel_id": handoff.channel_id, "code": code,
            "platform": handoff.platform, "created_at": handoff.created_at.isoformat(),
            "expires_at": handoff.expires_at.isoformat(), "url": url}


@dataclass(frozen=True)
class Contact:
    """A contact started: the handoff kept, its token and short code (shown once), the
    enterprise and channel, and the channel's links carrying the topic and the handoff."""

    handoff: Handoff
    token: str
    code: str
    enterprise: Enterprise
    channel: Channel
    links: list[DeepLink]


def contact_enterprise(session: Session, user: User, enterprise_id: str, *, channel_id: str,
                       topic: str, details: dict[str, str | None] | None, platform: str,
                       read_at: Callable[[str], str]) -> Contact:
    """*user* contacts a channel of a listed enterprise with *topic* and what else they share;
    counted as an open of the channel. The keepers hear of it by webhook, with where to read it
    (``read_at``: the address the caller gives for a short code)."""
    enterprise = public_enterprise(session, enterprise_id)
    channel = next((c for c in enterprise.channels if c.id == channel_id), None)
    if channel is None or channel.hidden or channel.direction != "contact":
        raise InvalidInput(INVALID_BODY, errors={
            "channel_id": ["The listing has no channel with this id one can contact."]})
    shared = {k: v for k, v in (details or {}).items() if v is not None}
    handoff, token, code = start_contact(session, enterprise, channel, user.id, topic=topic,
                                         details=shared, platform=platform)
    emit(session, enterprise.id, "handoff.created", handoff_event(handoff, code, read_at(code)))
    session.commit()
    links = deep_links_for(channel, platform, topic, HandoffRef(token, code))
    return Contact(handoff, token, code, enterprise, channel, links)


def read_handoff(session: Session, user: User, token_or_code: str) -> tuple[Handoff, datetime | None]:
    """The handoff a token or short code names, of a listing *user* keeps, and when it was first
    read before (None: this is the first read, now noted); NotFound, or Gone once expired."""
    kept = {m.enterprise_id for m in memberships_of(session, user)}
    handoff = find_handoff(session, token_or_code, kept) if 4 <= len(token_or_code) <= 64 else None
    if handoff is None:
        raise NotFound("No handoff of a listing you keep has this token or code.")
    now = utcnow()
    if handoff.expired(now):
        raise Gone("This handoff expired and was erased.")
    first_read_at = handoff.first_read_at
    if first_read_at is None:
        handoff.first_read_at = now
        session.commit()
    return handoff, first_read_at


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
