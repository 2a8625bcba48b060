"""A channel's live status: the enterprise's word on it right now (open / closed / incident, the
wait now, a message) until it expires, at most ``MAX_LIVE`` ahead. While fresh it is shown on
the listing and its wait beats consumers' reports. It is not a listing edit (no version).

The use cases of the listing's keepers (owners and editors): read, set and withdraw it. The
:class:`~directory.experiences.LiveStatus` rows are ``directory.experiences``'.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from directory.accounts import User
from directory.errors import NotFound
from directory.experiences import LIVE_STATES, ExperienceError, LiveStatus, max_wait
from directory.keepers import kept_listing
from directory.models import Channel, utcnow
from directory.notifications import notify_live_status

MAX_LIVE = timedelta(hours=24)


def set_live_status(session: Session, channel: Channel, *, state: str, wait_minutes: int | None,
                    message: str | None, expires_at: datetime, actor: str,
                    client_id: str | None) -> LiveStatus:
    """Replace the live status of *channel* (the caller commits); ExperienceError when a value
    cannot hold."""
    now = utcnow()
    if state not in LIVE_STATES:
        raise ExperienceError(f"`state` is one of {', '.join(LIVE_STATES)}.", field="state")
    if expires_at <= now:
        raise ExperienceError("`expires_at` must be in the future.", field="expires_at")
    if expires_at > now + MAX_LIVE:
        raise ExperienceError("A live status lasts at most 24 hours; send it again to extend it.",
                              field="expires_at")
    if wait_minutes is not None and not 0 <= wait_minutes <= max_wait(channel):
        raise ExperienceError(f"`wait_minutes` is 0 to {max_wait(channel)} for a {channel.kind} "
                              "channel.", field="wait_minutes")
    if wait_minutes is not None and state == "closed":
        raise ExperienceError("A closed channel has no wait.", field="wait_minutes")
    status = session.get(LiveStatus, channel.id) or LiveStatus(channel_id=channel.id)
    status.state, status.wait_minutes, status.message = state, wait_minutes, message
    status.expires_at, status.updated_at = expires_at, now
    status.updated_by, status.client_id = actor, client_id
    session.add(status)
    session.flush()
    return status


# --- the keepers' use cases ------------------------------------------------------------------

def kept_channel(session: Session, user: User, channel_id: str, *, write: bool = True) -> Channel:
    """A channel of a listing *user* keeps; NotFound, NotAllowed, or Conflict when *write* and
    the listing is suspended."""
    channel = session.get(Channel, channel_id) if len(channel_id) <= 32 else None
    if channel is None:
        raise NotFound(f"No channel has the id {channel_id!r}.")
    kept_listing(session, user, channel.enterprise_id, write=write)
    return channel


def live_status_of(session: Session, user: User, channel_id: str) -> LiveStatus:
    """The live status of a channel *user* keeps, as last set, fresh or expired; NotFound when
    it has none."""
    channel = kept_channel(session, user, channel_id, write=False)
    status = session.get(LiveStatus, channel.id)
    if status is None:
        raise NotFound("This channel has no live status.")
    return status


def put_live_status(session: Session, user: User, channel_id: str, *, state: str,
                    wait_minutes: int | None, message: str | None, expires_at: datetime,
                    client_id: str | None) -> LiveStatus:
    """*user* sets the live status of a channel they keep, replacing the previous one
    (*client_id*: the OAuth client they act through)."""
    channel = kept_channel(session, user, channel_id)
    previous = session.get(LiveStatus, channel.id)
    before = previous.state if previous is not None and previous.expires_at > utcnow() else None
    status = set_live_status(session, channel, state=state, wait_minutes=wait_minutes,
                             message=message, expires_at=expires_at, actor=user.id,
                             client_id=client_id)
    notify_live_status(session, channel, state, before)
    session.commit()
    return status


def withdraw_live_status(session: Session, user: User, channel_id: str) -> None:
    """*user* withdraws the live status of a channel they keep: the listing falls back to
    consumers' reports at once."""
    channel = kept_channel(session, user, channel_id)
    status = session.get(LiveStatus, channel.id)
    if status is not None:
        session.delete(status)
        session.commit()
