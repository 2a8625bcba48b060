"""How contacts went: consumers' reports, their aggregates per channel, and live status.

A signed-in consumer reports one experience per channel and day (in the channel's time zone),
within 24 hours of the contact: how long they waited, whether they reached a person, whether it
was resolved. What the public sees rests on accounts, not on reports, so that a few accounts
cannot move it:

- one report per account, channel and week (Monday to Sunday, the channel's time zone) counts:
  the first; the others are kept (the consumer's own list, the enterprise's insights) but not
  counted, and one takes the place of a counted report that is withdrawn;
- a counted report weighs ``FULL_WEIGHT``, or ``NEW_ACCOUNT_WEIGHT`` (a quarter) when its
  account was younger than ``NEW_ACCOUNT_AGE``; the weight is fixed when it is counted;
- ``small_sample`` and the fall-back from an hour of week to all hours count distinct accounts.

Each counted report adds its weight to counters per channel and hour of week (``wait_counts``:
the weight of reports that waited exactly *m* minutes; ``reach_counts``: counted reports, their
weight, the weight that reached a person, that said whether it was resolved, that was), and
``experience_voices`` / ``voice_counts`` keep how many accounts a channel's counters rest on,
per hour of week and over all (``ALL_HOURS``). Weighted medians and 90th percentiles are exact
and nothing is recomputed from the raw reports; the account's row is locked while it reports,
so the checks and counters hold under concurrent writers on SQLite and PostgreSQL.

An enterprise may publish a live status per channel (open / closed / incident, an estimated
wait, a message) that expires; while it is fresh it beats the crowd's reports. Its rows are
here, its use cases in ``directory.live_status``.

The consumer's use cases (report, list, withdraw their reports) close this module. What the
counters add up to (percentiles, shares, the wait to expect) is read by
``directory.experience_summaries``.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import User, lock_account
from directory.channel_time import channel_zone, hour_of_week, local_day
from directory.contacts import count_day
from directory.counters import increment
from directory.db import Base, UTCDateTime, table_facts
from directory.errors import Conflict, InvalidInput
from directory.keepers import own_row
from directory.listings import public_channel
from directory.models import Channel, utcnow
from directory.pages import Key, Listing

# Channels answered in real time are waited on for minutes; the others (mail, forms) for days.
SLOW_KINDS = ("email", "sms", "web_form", "social")
MAX_WAIT = {"fast": 8 * 60, "slow": 14 * 24 * 60}
REPORT_WINDOW = timedelta(hours=24)  # how far back an experience may be reported
CLOCK_SKEW = timedelta(minutes=5)
ALL_HOURS = 168  # the hour of week of voices counted over every hour
FULL_WEIGHT, NEW_ACCOUNT_WEIGHT = 4, 1
NEW_ACCOUNT_AGE = timedelta(days=7)
LIVE_STATES = ("open", "closed", "incident")


class ExperienceError(InvalidInput):
    """An experience or live status that cannot be stored as sent (``field`` says which); a
    second report of a day is a :class:`~directory.errors.Conflict`."""


class Experience(Base):
    """One consumer's report of one contact through a channel."""

    __tablename__ = "experiences"
    __table_args__ = (
        UniqueConstraint("user_id", "channel_id", "day", name="uq_experiences_once_a_day"),
        UniqueConstraint("user_id", "channel_id", "counted_week", name="uq_experiences_counted_weekly"),
        CheckConstraint("waited_minutes >= 0", name="ck_experiences_wait"),
        table_facts(public=False),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"),
                                            index=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), ForeignKey("enterprises.id",
                                                                      ondelete="CASCADE"))
    day: Mapped[date] = mapped_column()
    hour_of_week: Mapped[int] = mapped_column(SmallInteger)
    waited_minutes: Mapped[int] = mapped_column(Integer)
    reached_person: Mapped[bool] = mapped_column(Boolean)
    resolved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The Monday of the week this report counts for (null: not counted), and its weight (0: not
    # counted): one report per account, channel and week counts.
    counted_week: Mapped[date | None] = mapped_column(nullable=True)
    weight: Mapped[int] = mapped_column(SmallInteger, default=0)


class WaitCount(Base):
    """The weight of the counted reports on a channel, in an hour of week, that waited exactly
    ``minutes``."""

    __tablename__ = "wait_counts"
    __table_args__ = table_facts(public=True)

    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    hour_of_week: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ReachCount(Base):
    """Counted reports on a channel in an hour of week: how many, and the weight of all of them,
    of those that reached a person, that said whether it was resolved, that was."""

    __tablename__ = "reach_counts"
    __table_args__ = table_facts(public=True)

    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    hour_of_week: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    weight: Mapped[int] = mapped_column(Integer, default=0)
    reached_person: Mapped[int] = mapped_column(Integer, default=0)
    resolved_known: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)


class ExperienceVoice(Base):
    """How many counted reports one account has on a channel in an hour of week (``ALL_HOURS``:
    in any): what tells a new voice from one heard before."""

    __tablename__ = "experience_voices"
    __table_args__ = table_facts(public=False)

    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    hour_of_week: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    reports: Mapped[int] = mapped_column(Integer, default=0)


class VoiceCount(Base):
    """How many distinct accounts the counted reports on a channel in an hour of week
    (``ALL_HOURS``: in any) come from."""

    __tablename__ = "voice_counts"
    __table_args__ = table_facts(public=True)

    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    hour_of_week: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    accounts: Mapped[int] = mapped_column(Integer, default=0)


class LiveStatus(Base):
    """The enterprise's word on a channel right now, until ``expires_at``."""

    __tablename__ = "live_statuses"
    __table_args__ = (CheckConstraint("state IN ('open', 'closed', 'incident')",
                                      name="ck_live_statuses_state"), table_facts(public=True))

    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    wait_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    def fresh_at(self, at: datetime) -> bool:
        return self.updated_at - CLOCK_SKEW <= at < self.expires_at


def max_wait(channel: Channel) -> int:
    return MAX_WAIT["slow" if channel.kind in SLOW_KINDS else "fast"]


# --- reporting -------------------------------------------------------------------------------

def week_of(day: date) -> date:
    """The Monday of *day*'s week."""
    return day - timedelta(days=day.weekday())


def report_weight(account_created: datetime | None, at: datetime) -> int:
    """The weight of a report counted at *at* for an account made at *account_created*."""
    if account_created is None or at - account_created < NEW_ACCOUNT_AGE:
        return NEW_ACCOUNT_WEIGHT
    return FULL_WEIGHT


def record_experience(session: Session, channel: Channel, user_id: str, *, waited_minutes: int,
                      reached_person: bool, resolved: bool | None, at: datetime | None,
                      experience_id: str, now: datetime | None = None) -> Experience:
    """Store a report and, when it is the account's first on the channel this week, add it to
    the channel's counters (the caller commits)."""
    now = now or utcnow()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ExperienceError("`at` is in the future.", field="at")
    if at < now - REPORT_WINDOW:
        raise ExperienceError("Report a contact within 24 hours of it.", field="at")
    limit = max_wait(channel)
    if not 0 <= waited_minutes <= limit:
        raise ExperienceError(f"`waited_minutes` is 0 to {limit} for a {channel.kind} channel.",
                              field="waited_minutes")
    zone = channel_zone(channel)
    day, hour = local_day(at, zone), hour_of_week(at, zone)
    account_created = lock_account(session, user_id)  # this account's checks below are exact
    earlier = session.scalar(select(Experience.id).where(
        Experience.user_id == user_id, Experience.channel_id == channel.id, Experience.day == day))
    if earlier is not None:
        raise Conflict(f"You reported on this channel for {day.isoformat()} already "
                       f"({earlier}): one report per channel and day.")
    week = week_of(day)
    counted = session.scalar(select(Experience.id).where(
        Experience.user_id == user_id, Experience.channel_id == channel.id,
        Experience.counted_week == week)) is None
    experience = Experience(id=experience_id, user_id=user_id, channel_id=channel.id,
                            enterprise_id=channel.enterprise_id, day=day, hour_of_week=hour,
                            waited_minutes=waited_minutes, reached_person=reached_person,
                            resolved=resolved, at=at, created_at=now,
                            counted_week=week if counted else None,
                            weight=report_weight(account_created, now) if counted else 0)
    session.add(experience)
    session.flush()  # the unique constraints back the checks above
    if counted:
        _count(session, experience, +1)
    count_day(session, channel, at, experiences=1, reached_person=int(reached_person),
              resolved=int(bool(resolved)))
    return experience


def _count(session: Session, experience: Experience, sign: int) -> None:
    """Add (*sign* 1) or take (-1) a counted report to or from its channel's counters."""
    weight, reached, resolved = sign * experience.weight, experience.reached_person, experience.resolved
    keys = {"channel_id": experience.channel_id, "hour_of_week": experience.hour_of_week}
    increment(session, WaitCount.__table__, {**keys, "minutes": experience.waited_minutes},
              {"count": weight})
    increment(session, ReachCount.__table__, keys, {
        "reports": sign, "weight": weight, "reached_person": weight * int(reached),
        "resolved_known": weight * int(resolved is not None),
        "resolved": weight * int(bool(resolved))})
    for hour in (experience.hour_of_week, ALL_HOURS):
        voice = {"channel_id": experience.channel_id, "hour_of_week": hour}
        reports = increment(session, ExperienceVoice.__table__,
                            {**voice, "user_id": experience.user_id}, {"reports": sign},
                            returning="reports")
        if reports == (1 if sign > 0 else 0):  # a new voice, or the last report of one
            increment(session, VoiceCount.__table__, voice, {"accounts": sign})


def _promote(session: Session, user_id: str, channel_id: str, week: date) -> None:
    """Count another report of the account on the channel that week, if it has one."""
    other = session.scalars(select(Experience).where(
        Experience.user_id == user_id, Experience.channel_id == channel_id,
        Experience.counted_week.is_(None), Experience.day >= week,
        Experience.day < week + timedelta(days=7)).order_by(Experience.at)).first()
    if other is None:
        return
    created = session.scalar(select(User.created_at).where(User.id == user_id))
    other.counted_week, other.weight = week, report_weight(created, other.created_at)
    session.flush()
    _count(session, other, +1)


def withdraw_experience(session: Session, experience: Experience, channel: Channel) -> None:
    """Delete a report and take it out of every counter it added to; another report of the same
    account, channel and week is counted in its place (the caller commits)."""
    lock_account(session, experience.user_id)
    reached, resolved = experience.reached_person, experience.resolved
    if experience.weight:
        _count(session, experience, -1)
    count_day(session, channel, experience.at, experiences=-1, reached_person=-int(reached),
              resolved=-int(bool(resolved)))
    user_id, week = experience.user_id, experience.counted_week
    session.delete(experience)
    session.flush()
    if week is not None:
        _promote(session, user_id, channel.id, week)
    mine = channel.id
    session.execute(delete(WaitCount).where(WaitCount.channel_id == mine, WaitCount.count <= 0))
    session.execute(delete(ReachCount).where(ReachCount.channel_id == mine, ReachCount.reports <= 0))
    session.execute(delete(ExperienceVoice).where(ExperienceVoice.channel_id == mine,
                                                  ExperienceVoice.reports <= 0))
    session.execute(delete(VoiceCount).where(VoiceCount.channel_id == mine, VoiceCount.accounts <= 0))
    session.flush()


# --- the consumer's use cases ----------------------------------------------------------------

NEWEST_EXPERIENCES = Key.newest_first(Experience.created_at, Experience.id)


def report_experience(session: Session, user: User, channel_id: str, *, waited_minutes: int,
                      reached_person: bool, resolved: bool | None, at: datetime | None) -> Experience:
    """*user* reports how a contact through a listed channel went (see :func:`record_experience`);
    a second report of the same day is a Conflict, also when a concurrent one won."""
    _enterprise, channel = public_channel(session, channel_id)
    try:
        experience = record_experience(
            session, channel, user.id, waited_minutes=waited_minutes, reached_person=reached_person,
            resolved=resolved, at=at, experience_id=f"exp_{secrets.token_hex(8)}")
        session.commit()
    except IntegrityError:  # a concurrent first report of the same day won
        session.rollback()
        raise Conflict("You reported on this channel for that day already.") from None
    return experience


def my_experiences(user: User) -> Listing:
    """*user*'s reports, newest first (nobody else sees them: channels show aggregates only)."""
    return Listing(select(Experience).where(Experience.user_id == user.id), NEWEST_EXPERIENCES)


def withdraw_report(session: Session, user: User, experience_id: str) -> None:
    """*user* withdraws a report of theirs (see :func:`withdraw_experience`)."""
    experience = own_row(session, user, Experience, experience_id, "report")
    withdraw_experience(session, experience, session.get(Channel, experience.channel_id))
    session.commit()
