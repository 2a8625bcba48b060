"""What a listing's stored answer (``directory.listing_reads``) needs to be brought to an
instant: per shown channel, what orders it apart from being open, its hours, its live status,
the crowd's wait reports (over all hours and per hour of week) and the dead-number reports
that count. Made with the answer, in plain JSON values; read back per request by
:func:`wait_at` and :func:`out_of_service_at`, which decide as ``expected_waits`` and
``out_of_service_until`` do (the same functions: ``expected_wait``, ``hint_until``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.channel_time import channel_zone, hour_of_week
from directory.dead_numbers import counted_reports, hint_until
from directory.experience_summaries import (
    HOURLY_MINIMUM,
    ExpectedWait,
    WaitSummary,
    expected_wait,
    hourly_summaries,
    wait_summaries,
)
from directory.experiences import LiveStatus
from directory.models import Channel
from directory.reach import static_order_key

_LIVE_FIELDS = ("state", "wait_minutes", "message", "expires_at", "updated_at")
_NO_REPORTS = WaitSummary(0, 0, None, None, None, None)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def time_plan(session: Session, channels: list[Channel], language: str, now: datetime
              ) -> dict[str, dict[str, Any]]:
    """Per channel id of *channels* (those shown): what :func:`wait_at`, :func:`out_of_service_at`
    and the channel order need, as of *now* and later."""
    ids = [c.id for c in channels]
    live = {row.channel_id: row for row in session.scalars(
        select(LiveStatus).where(LiveStatus.channel_id.in_(ids)))} if ids else {}
    overall = wait_summaries(session, ids)
    reports = counted_reports(session, channels, now)
    plan = {}
    for channel in channels:
        summary = overall[channel.id]
        hourly = {}
        if summary.accounts >= HOURLY_MINIMUM:
            hourly = {str(hour): asdict(found) for hour, found in
                      hourly_summaries(session, channel.id).items() if found.accounts >= HOURLY_MINIMUM}
        status = live.get(channel.id)
        plan[channel.id] = {
            "key": list(static_order_key(channel, language)),
            "hours": channel.hours,
            "zone": channel_zone(channel).key,
            "live": {name: (_when(getattr(status, name)) if name.endswith("_at")
                            else getattr(status, name)) for name in _LIVE_FIELDS} if status else None,
            "overall": asdict(summary) if summary != _NO_REPORTS else None,
            "hourly": hourly,
            "reports": [_when(at) for at in reports.get(channel.id, [])],
        }
    return plan


def wait_at(plan: dict[str, Any], at: datetime) -> ExpectedWait:
    """The wait to expect at *at* on the channel *plan* is of."""
    status = None
    if plan["live"] is not None:
        fields = {name: (datetime.fromisoformat(value) if name.endswith("_at") and value else value)
                  for name, value in plan["live"].items()}
        status = LiveStatus(**fields)
        if not status.fresh_at(at):
            status = None
    if plan["overall"] is None:
        return expected_wait(status, _NO_REPORTS)
    overall = WaitSummary(**plan["overall"])
    if overall.accounts < HOURLY_MINIMUM:
        return expected_wait(status, overall)
    hour = hour_of_week(at, ZoneInfo(plan["zone"]))
    hourly = plan["hourly"].get(str(hour))
    return expected_wait(status, overall, hour, WaitSummary(**hourly) if hourly else _NO_REPORTS)


def out_of_service_at(plan: dict[str, Any], at: datetime) -> datetime | None:
    """Until when the channel's "may be out of service" hint holds at *at* (None: no hint)."""
    if not plan["reports"]:
        return None
    return hint_until([datetime.fromisoformat(value) for value in plan["reports"]], at)
