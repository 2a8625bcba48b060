"""What the crowd's reports add up to per channel: weighted wait percentiles, reach and
resolution shares (:func:`wait_summaries`, :func:`hourly_summaries`), and the wait to expect
at an instant (:func:`expected_waits`: a fresh live status first, then the reports of that hour
of week, then of all hours), and what the public reads of a channel (:func:`channel_waits`).
The counters they read are kept by ``directory.experiences``.

Percentiles are nearest-rank: the p-th percentile of n waits is the smallest wait w such that
at least ceil(p * n / 100) reports waited w minutes or less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.channel_time import channel_zone, hour_of_week
from directory.experiences import ALL_HOURS, LiveStatus, ReachCount, VoiceCount, WaitCount
from directory.listings import public_channel
from directory.models import Channel, Enterprise

SMALL_SAMPLE = 10  # fewer distinct accounts than this: the answer says the sample is small
HOURLY_MINIMUM = 5  # an hour of week with fewer distinct accounts falls back to all hours


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
        found[channel.id] = expected_wait(live.get(channel.id), overall[channel.id],
                                          *hourly.get(channel.id, (None, None)))
    return found


def expected_wait(status: LiveStatus | None, overall: WaitSummary, hour: int | None = None,
                  hourly: WaitSummary | None = None) -> ExpectedWait:
    """The wait to expect on a channel from its fresh live status *status*, its reports over
    all hours (*overall*) and those of the hour of week *hour* (*hourly*, when asked)."""
    if status is not None and status.wait_minutes is not None:
        return ExpectedWait("live", status.wait_minutes, live=status)
    summary = hourly
    if summary is None or summary.accounts < HOURLY_MINIMUM:
        hour, summary = None, overall
    if summary.sample_size == 0:
        return ExpectedWait("unknown", live=status)
    return ExpectedWait("reported", summary.median_minutes, summary.p90_minutes, summary.sample_size,
                        hour, summary.reached_person_share, live=status, accounts=summary.accounts)


@dataclass(frozen=True)
class ChannelWaits:
    """What people reported on a channel: over all reports and per hour of week (in the
    channel's time zone), and the wait to expect at an instant."""

    enterprise: Enterprise
    channel: Channel
    timezone: str
    overall: WaitSummary
    by_hour_of_week: dict[int, WaitSummary]  # hours of week that have reports, in order
    expected: ExpectedWait


def channel_waits(session: Session, channel_id: str, at: datetime | None = None) -> ChannelWaits:
    """The waits of a listed channel, with the wait to expect at *at* (default now)."""
    enterprise, channel = public_channel(session, channel_id)
    expected = expected_waits(session, [channel], at or datetime.now(UTC))[channel.id]
    hourly = hourly_summaries(session, channel.id)
    return ChannelWaits(enterprise, channel, channel_zone(channel).key,
                        wait_summaries(session, [channel.id])[channel.id],
                        dict(sorted(hourly.items())), expected)
