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
wait, a message) that expires; while it is fresh it beats the crowd's reports.

Percentiles are nearest-rank: the p-th percentile of n waits is the smallest wait w such that
at least ceil(p * n / 100) reports waited w minutes or less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import User, lock_account
from directory.counters import increment
from directory.db import Base, UTCDateTime
from directory.errors import Conflict, InvalidInput
from directory.models import Channel, utcnow

DEFAULT_TIMEZONE = "Asia/Shanghai"
# Channels answered in real time are waited on for minutes; the others (mail, forms) for days.
SLOW_KINDS = ("email", "sms", "web_form", "social")
MAX_WAIT = {"fast": 8 * 60, "slow": 14 * 24 * 60}
REPORT_WINDOW = timedelta(hours=24)  # how far back an experience may be reported
CLOCK_SKEW = timedelta(minutes=5)
SMALL_SAMPLE = 10  # fewer distinct accounts than this: the answer says the sample is small
HOURLY_MINIMUM = 5  # an hour of week with fewer distinct accounts falls back to all hours
ALL_HOURS = 168  # the hour of week of voices counted over every hour
FULL_WEIGHT, NEW_ACCOUNT_WEIGHT = 4, 1
NEW_ACCOUNT_AGE = timedelta(days=7)
LIVE_STATES = ("open", "closed", "incident")
MAX_LIVE = timedelta(hours=24)


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

    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    hour_of_week: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ReachCount(Base):
    """Counted reports on a channel in an hour of week: how many, and the weight of all of them,
    of those that reached a person, that said whether it was resolved, that was."""

    __tablename__ = "reach_counts"

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

    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    hour_of_week: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    accounts: Mapped[int] = mapped_column(Integer, default=0)


class LiveStatus(Base):
    """The enterprise's word on a channel right now, until ``expires_at``."""

    __tablename__ = "live_statuses"
    __table_args__ = (CheckConstraint("state IN ('open', 'closed', 'incident')",
                                      name="ck_live_statuses_state"),)

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


# --- time ------------------------------------------------------------------------------------

def channel_zone(channel: Channel) -> ZoneInfo:
    name = (channel.hours or {}).get("timezone") or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def hour_of_week(at: datetime, zone: ZoneInfo) -> int:
    """0 for Monday 00:00-00:59 ... 167 for Sunday 23:00-23:59, in *zone*'s wall-clock time."""
    local = at.astimezone(zone)
    return local.weekday() * 24 + local.hour


def local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


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
    from directory.contacts import count_day

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
    from directory.contacts import count_day

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


# --- aggregates ------------------------------------------------------------------------------

@dataclass(frozen=True)
class WaitSummary:
    sample_size: int  # counted reports
    accounts: int  # the distinct accounts they come from
    median_minutes: int | None
    p90_minutes: int | None
    reached_person_share: float | None
    resolved_share: float | None

    @property
    def small_sample(self) -> bool:
        return self.accounts < SMALL_SAMPLE


def percentile(histogram: list[tuple[int, int]], p: float) -> int | None:
    """Nearest-rank *p*-th percentile of (minutes, weight) pairs sorted by minutes: the smallest
    wait at or below which at least p % of the weight lies."""
    total = sum(count for _, count in histogram)
    if total == 0:
        return None
    rank = max(1, math.ceil(p * total / 100))
    seen = 0
    for minutes, count in histogram:
        seen += count
        if seen >= rank:
            return minutes
    return histogram[-1][0]


Reach = tuple[int, int, int, int, int]  # reports, weight, reached_person, resolved_known, resolved
_NO_REACH: Reach = (0, 0, 0, 0, 0)


def _summary(histogram: list[tuple[int, int]], reach: Reach, accounts: int) -> WaitSummary:
    reports, weight, reached, resolved_known, resolved = reach
    return WaitSummary(
        sample_size=reports, accounts=accounts, median_minutes=percentile(histogram, 50),
        p90_minutes=percentile(histogram, 90),
        reached_person_share=round(reached / weight, 3) if weight else None,
        resolved_share=round(resolved / resolved_known, 3) if resolved_known else None)


def _accounts(session: Session, channel_ids: list[str], hour: int) -> dict[str, int]:
    return dict(session.execute(select(VoiceCount.channel_id, VoiceCount.accounts).where(
        VoiceCount.channel_id.in_(channel_ids), VoiceCount.hour_of_week == hour)).all())


def wait_summaries(session: Session, channel_ids: list[str], hour: int | None = None
                   ) -> dict[str, WaitSummary]:
    """Each channel's summary over all hours, or over the hour of week *hour*."""
    if not channel_ids:
        return {}
    waits = select(WaitCount.channel_id, WaitCount.minutes, func.sum(WaitCount.count)).where(
        WaitCount.channel_id.in_(channel_ids))
    reach = select(ReachCount.channel_id, func.sum(ReachCount.reports), func.sum(ReachCount.weight),
                   func.sum(ReachCount.reached_person), func.sum(ReachCount.resolved_known),
                   func.sum(ReachCount.resolved)).where(ReachCount.channel_id.in_(channel_ids))
    if hour is not None:
        waits = waits.where(WaitCount.hour_of_week == hour)
        reach = reach.where(ReachCount.hour_of_week == hour)
    reaches = {row[0]: tuple(int(v or 0) for v in row[1:])
               for row in session.execute(reach.group_by(ReachCount.channel_id))}
    reported = [ident for ident in channel_ids if reaches.get(ident, _NO_REACH)[0] > 0]
    histograms: dict[str, list[tuple[int, int]]] = {}
    accounts: dict[str, int] = {}
    if reported:  # most channels have no report: one query, not three
        for channel_id, minutes, count in session.execute(
                waits.where(WaitCount.channel_id.in_(reported))
                .group_by(WaitCount.channel_id, WaitCount.minutes).order_by(WaitCount.minutes)):
            histograms.setdefault(channel_id, []).append((minutes, int(count)))
        accounts = _accounts(session, reported, ALL_HOURS if hour is None else hour)
    return {ident: _summary(histograms.get(ident, []), reaches.get(ident, _NO_REACH),
                            accounts.get(ident, 0)) for ident in channel_ids}


def hourly_summaries(session: Session, channel_id: str) -> dict[int, WaitSummary]:
    """The channel's summary for every hour of week that has reports."""
    histograms: dict[int, list[tuple[int, int]]] = {}
    for hour, minutes, count in session.execute(
            select(WaitCount.hour_of_week, WaitCount.minutes, WaitCount.count)
            .where(WaitCount.channel_id == channel_id)
            .order_by(WaitCount.hour_of_week, WaitCount.minutes)):
        histograms.setdefault(hour, []).append((minutes, count))
    accounts = dict(session.execute(select(VoiceCount.hour_of_week, VoiceCount.accounts).where(
        VoiceCount.channel_id == channel_id, VoiceCount.hour_of_week < ALL_HOURS)).all())
    summaries = {}
    for row in session.scalars(select(ReachCount).where(ReachCount.channel_id == channel_id)
                               .order_by(ReachCount.hour_of_week)):
        summaries[row.hour_of_week] = _summary(histograms.get(row.hour_of_week, []), (
            row.reports, row.weight, row.reached_person, row.resolved_known, row.resolved),
            accounts.get(row.hour_of_week, 0))
    return summaries


@dataclass(frozen=True)
class ExpectedWait:
    """What to expect on a channel at an instant, and what that rests on."""

    basis: str  # live, reported or unknown
    minutes: int | None = None
    p90_minutes: int | None = None
    sample_size: int = 0
    hour_of_week: int | None = None  # the hour of week the reports are from; None: all hours
    reached_person_share: float | None = None
    live: LiveStatus | None = None
    accounts: int = 0

    @property
    def small_sample(self) -> bool:
        return self.basis == "reported" and self.accounts < SMALL_SAMPLE


def live_statuses(session: Session, channel_ids: list[str], at: datetime) -> dict[str, LiveStatus]:
    """The fresh live statuses of *channel_ids* at *at*."""
    if not channel_ids:
        return {}
    rows = session.scalars(select(LiveStatus).where(LiveStatus.channel_id.in_(channel_ids)))
    return {row.channel_id: row for row in rows if row.fresh_at(at)}


def expected_waits(session: Session, channels: list[Channel], at: datetime) -> dict[str, ExpectedWait]:
    """Per channel: the live estimate while fresh, else the reports of the hour of week of *at*
    (when enough accounts made them), else the reports of all hours, else unknown."""
    ids = [c.id for c in channels]
    live = live_statuses(session, ids, at)
    overall = wait_summaries(session, ids)
    found: dict[str, ExpectedWait] = {}
    by_hour: dict[int, list[Channel]] = {}
    for channel in channels:
        by_hour.setdefault(hour_of_week(at, channel_zone(channel)), []).append(channel)
    hourly: dict[str, tuple[int, WaitSummary]] = {}
    for hour, group in by_hour.items():
        wanted = [c.id for c in group if overall[c.id].accounts >= HOURLY_MINIMUM]
        for ident, summary in wait_summaries(session, wanted, hour).items():
            hourly[ident] = (hour, summary)
    for channel in channels:
        status = live.get(channel.id)
        if status is not None and status.wait_minutes is not None:
            found[channel.id] = ExpectedWait("live", status.wait_minutes, live=status)
            continue
        hour, summary = hourly.get(channel.id, (None, None))
        if summary is None or summary.accounts < HOURLY_MINIMUM:
            hour, summary = None, overall[channel.id]
        if summary.sample_size == 0:
            found[channel.id] = ExpectedWait("unknown", live=status)
            continue
        found[channel.id] = ExpectedWait(
            "reported", summary.median_minutes, summary.p90_minutes, summary.sample_size, hour,
            summary.reached_person_share, live=status, accounts=summary.accounts)
    return found


# --- live status -----------------------------------------------------------------------------

def set_live_status(session: Session, channel: Channel, *, state: str, wait_minutes: int | None,
                    message: str | None, expires_at: datetime, actor: str,
                    client_id: str | None) -> LiveStatus:
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
