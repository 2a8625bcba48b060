"""Suggested edits: a signed-in consumer proposes a structured change to a listing (a missing
channel, a change of a channel's hours, menu, way to a person, label or number, or that a
channel no longer works); it waits for the listing's keepers, or for c800's administrators
when the listing has no owner; an accepted one becomes a version of the listing (action
``community:<what>``, a new channel's source ``community``) and its proposer reads the outcome.

- A suggestion is checked when it is made as an edit would be (the import's rules in
  ``directory.validation``, ``hours``, ``phones``, ``links``; no repeat; no number or address
  another listing holds or that lookup warns against, ``directory.editing.check_channel``), and
  again when it is accepted: it is then made through ``directory.editing`` by the one who
  accepts it, so an owner's acceptance of a number or address lookup would trust waits for an
  administrator like the owner's own edit (``directory/reviews.py``).
- Who proposed is never shown to the listing's keepers, nor anywhere public.
- Per account: at most ``DAILY_SUGGESTIONS`` a day and ``PENDING_PER_LISTING`` waiting on one
  listing.

The decisions and queues are ``directory.suggestion_reviews``'.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import User, lock_account
from directory.crowd_rules import CrowdInputError, check_daily_cap, clean_text
from directory.db import Base, UTCDateTime, table_facts
from directory.dead_numbers import note_out_of_service
from directory.editing import check_channel
from directory.errors import Conflict
from directory.listings import public_enterprise
from directory.models import Channel, utcnow
from directory.pages import Key, Listing

JsonType = JSON().with_variant(JSONB(), "postgresql")
SUGGESTION_KINDS = ("add_channel", "change_channel", "out_of_service")
SUGGESTION_STATUSES = ("pending", "accepted", "rejected")
# What a consumer may propose of a channel (not its direction, callbacks or visibility: those
# are the enterprise's).
SUGGESTABLE = ("kind", "value", "label", "purpose", "regions", "languages", "hours", "menu",
               "to_person")
DAILY_SUGGESTIONS, PENDING_PER_LISTING = 10, 3
NOTE_LIMIT = 500


class Suggestion(Base):
    """A consumer's proposed change to a listing, and what became of it."""

    __tablename__ = "suggestions"
    __table_args__ = table_facts(public=False)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), ForeignKey("enterprises.id",
                                                                      ondelete="CASCADE"), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("channels.id",
                                                                          ondelete="SET NULL"),
                                                   nullable=True)
    # Who proposed it: only they read it back; keepers and administrators never see who.
    user_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("users.id", ondelete="SET NULL"),
                                                nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    note: Mapped[str | None] = mapped_column(String(NOTE_LIMIT), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(16), nullable=True)  # keeper / admin
    reason: Mapped[str | None] = mapped_column(String(NOTE_LIMIT), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the listing's, if accepted


def _target(enterprise_channels: list[Channel], kind: str, channel_id: str | None,
            changes: dict[str, Any]) -> Channel | None:
    """The listed channel a suggestion of *kind* is about (None for a new one), checking that
    what it names fits its kind."""
    if kind == "add_channel":
        if channel_id is not None:
            raise CrowdInputError("A new channel names no channel_id.", field="channel_id")
        if not changes:
            raise CrowdInputError("Say what the new channel is (kind, value, ...).", field="changes")
        return None
    channel = next((c for c in enterprise_channels if c.id == channel_id and not c.hidden), None)
    if channel is None:
        raise CrowdInputError("Name a channel the listing shows.", field="channel_id")
    if kind == "change_channel" and not changes:
        raise CrowdInputError("Say what changes.", field="changes")
    if kind == "out_of_service" and changes:
        raise CrowdInputError("A channel out of service carries no changes.", field="changes")
    return channel


def propose(session: Session, user: User, enterprise_id: str, *, kind: str, channel_id: str | None,
            changes: dict[str, Any], note: str | None) -> Suggestion:
    """*user* proposes a change to the listed enterprise *enterprise_id* (see the module)."""
    enterprise = public_enterprise(session, enterprise_id)
    channel = _target(list(enterprise.channels), kind, channel_id, changes)
    if kind != "out_of_service":
        check_channel(session, enterprise, changes, channel, SUGGESTABLE)
    words = clean_text(note, field="note", limit=NOTE_LIMIT, contacts=True)
    now = utcnow()
    lock_account(session, user.id)
    check_daily_cap(session, "suggestions", Suggestion.created_at, Suggestion.user_id, user.id, now,
                    DAILY_SUGGESTIONS)
    waiting = session.scalar(select(func.count()).select_from(Suggestion).where(
        Suggestion.user_id == user.id, Suggestion.enterprise_id == enterprise.id,
        Suggestion.status == "pending"))
    if waiting >= PENDING_PER_LISTING:
        raise Conflict(f"You have {waiting} suggestions waiting on this listing; wait for them "
                       "to be decided.")
    suggestion = Suggestion(id=f"sug_{secrets.token_hex(8)}", enterprise_id=enterprise.id,
                            channel_id=channel.id if channel else None, user_id=user.id, kind=kind,
                            changes=changes, note=words, status="pending", created_at=now)
    session.add(suggestion)
    if kind == "out_of_service":
        note_out_of_service(session, channel.id, user.id, now)
    session.commit()
    return suggestion


def my_suggestions(user: User) -> Listing:
    """*user*'s suggestions and their outcomes, newest first."""
    return Listing(select(Suggestion).where(Suggestion.user_id == user.id),
                   Key.newest_first(Suggestion.created_at, Suggestion.id))
