"""Insights: how people reach a listing, per channel and local day — opens from the app,
handoffs, reports of how a contact went, callback requests. Counts only: no person and no
single report is shown. The counts are kept as things happen (``directory.contacts.count_day``);
here the keepers' use case that reads a period of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts import User
from directory.channel_time import channel_zone
from directory.contacts import INSIGHT_COUNTS, ChannelDay
from directory.errors import InvalidInput
from directory.keepers import kept_listing
from directory.models import utcnow

MAX_INSIGHT_DAYS = 92
DEFAULT_DAYS = 30  # the period when none is named: the 30 days up to today


@dataclass(frozen=True)
class Insights:
    """A listing's counts from *start* to *end* (local days): the days with activity, by day,
    each channel's kind, and the counts summed over the period."""

    enterprise_id: str
    start: date
    end: date
    days: list[ChannelDay]
    kinds: dict[str, str]
    totals: dict[str, int]


def channel_days(session: Session, enterprise_id: str, first: date, last: date) -> list[ChannelDay]:
    """The enterprise's counts per channel and day from *first* to *last* (local days)."""
    return list(session.scalars(select(ChannelDay).where(
        ChannelDay.enterprise_id == enterprise_id, ChannelDay.day >= first, ChannelDay.day <= last)
        .order_by(ChannelDay.day, ChannelDay.channel_id)))


def enterprise_insights(session: Session, user: User, enterprise_id: str, start: date | None,
                        end: date | None) -> Insights:
    """The counts of a listing *user* keeps from *start* to *end* (default: the 30 days up to
    today in the time zone of its first channel), at most ``MAX_INSIGHT_DAYS`` days."""
    enterprise = kept_listing(session, user, enterprise_id, write=False)
    zone = channel_zone(enterprise.channels[0]) if enterprise.channels else None
    today = utcnow().astimezone(zone).date() if zone else date.today()
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end or (end - start).days >= MAX_INSIGHT_DAYS:
        raise InvalidInput("The request's parameters are not valid.", errors={
            "from": [f"`from` is on or before `to`, at most {MAX_INSIGHT_DAYS} days apart."]})
    days = channel_days(session, enterprise.id, start, end)
    totals = {name: sum(getattr(day, name) for day in days) for name in INSIGHT_COUNTS}
    return Insights(enterprise.id, start, end, days, {c.id: c.kind for c in enterprise.channels}, totals)
