"""A channel's own clock: its time zone (from its opening hours), the local day and the hour of
week of an instant there. Experiences and the channel's daily counts are kept in these."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from directory.hours import DEFAULT_TIMEZONE
from directory.models import Channel


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
