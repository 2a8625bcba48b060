"""Numbers the crowd says are out of service: a channel whose number several distinct signed-in
accounts reported dead within ``WINDOW`` gets a "may be out of service" hint.

What counts as a report: a report of wrong information on the channel with the topic
``wrong_number`` or ``closed_channel`` (``directory.reports``) made by a signed-in account,
and a suggestion that the channel is out of service (``directory.suggestions``). One voice
per account and channel (its latest report). The hint shows while at least
``THRESHOLD`` accounts reported within the last ``WINDOW`` and after the enterprise last saved
the channel's value (``Channel.value_confirmed_at``: re-confirming the number by editing it
clears the hint); it disappears as the reports age out.

``out_of_service_reports`` is public in the registry's sense: public reads show what it adds up
to, so a new voice renews the response cache; who reported is never shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.db import Base, UTCDateTime, table_facts
from directory.models import Channel
from directory.phones import PHONE_KINDS

DEAD_TOPICS = ("wrong_number", "closed_channel")
WINDOW = timedelta(days=30)
THRESHOLD = 3


class OutOfServiceReport(Base):
    """One account's latest word that a channel's number no longer works."""

    __tablename__ = "out_of_service_reports"
    __table_args__ = table_facts(public=True)

    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)


def note_out_of_service(session: Session, channel_id: str, user_id: str, at: datetime) -> None:
    """*user_id* says the channel's number is dead (their latest word counts; the caller
    commits)."""
    voice = session.get(OutOfServiceReport, (channel_id, user_id))
    if voice is None:
        session.add(OutOfServiceReport(channel_id=channel_id, user_id=user_id, reported_at=at))
    else:
        voice.reported_at = max(voice.reported_at, at)


def out_of_service_until(session: Session, channels: list[Channel], now: datetime) -> dict[str, datetime]:
    """Per channel id of *channels* that may be out of service now: until when the hint holds
    if nobody else reports it (the THRESHOLD-th newest report's time + WINDOW)."""
    hints = {channel_id: hint_until(found, now)
             for channel_id, found in counted_reports(session, channels, now).items()}
    return {channel_id: until for channel_id, until in hints.items() if until is not None}


def counted_reports(session: Session, channels: list[Channel], now: datetime) -> dict[str, list[datetime]]:
    """Per number of *channels*: when the reports that count now were made (within WINDOW of
    *now*, after the enterprise last confirmed the number)."""
    numbers = {c.id: c for c in channels if c.kind in PHONE_KINDS}
    if not numbers:
        return {}
    rows = session.execute(select(OutOfServiceReport.channel_id, OutOfServiceReport.reported_at).where(
        OutOfServiceReport.channel_id.in_(list(numbers)),
        OutOfServiceReport.reported_at > now - WINDOW)).all()
    times: dict[str, list[datetime]] = {}
    for channel_id, at in rows:
        confirmed = numbers[channel_id].value_confirmed_at
        if confirmed is None or at > confirmed:
            times.setdefault(channel_id, []).append(at)
    return times


def hint_until(times: list[datetime], now: datetime) -> datetime | None:
    """Until when the hint holds given the counted reports made at *times* (None: no hint)."""
    recent = sorted((at for at in times if at > now - WINDOW), reverse=True)
    return recent[THRESHOLD - 1] + WINDOW if len(recent) >= THRESHOLD else None
