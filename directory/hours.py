"""Opening hours of a channel: their stored shape and its validation.

Shape (``None`` means unknown, never "always open")::

    {"timezone": "Asia/Shanghai", "always_open": true}
    {"timezone": "Asia/Shanghai",
     "weekly": {"mon": [{"open": "09:00", "close": "18:00"}], "sat": [...], ...}}

Days are ``mon``..``sun``; a day that is absent is closed. ``close`` may be ``24:00``; a
``close`` earlier than ``open`` runs past midnight into the next day.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "Asia/Shanghai"
_TIME = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")


class HoursError(ValueError):
    """Opening hours that do not follow the documented shape."""


def _check_timezone(name: Any) -> str:
    if not isinstance(name, str) or not name or len(name) > 64:
        raise HoursError("timezone must be an IANA time zone name such as Asia/Shanghai")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise HoursError(f"unknown time zone {name!r}") from exc
    return name


def _check_interval(interval: Any, where: str) -> dict[str, str]:
    if not isinstance(interval, dict) or set(interval) != {"open", "close"}:
        raise HoursError(f"{where}: each interval is an object with exactly 'open' and 'close'")
    opens, closes = interval["open"], interval["close"]
    for value in (opens, closes):
        if not isinstance(value, str) or not _TIME.match(value):
            raise HoursError(f"{where}: times are HH:MM from 00:00 to 24:00")
    if opens == "24:00":
        raise HoursError(f"{where}: a channel cannot open at 24:00")
    if opens == closes:
        raise HoursError(f"{where}: open and close are the same time")
    return {"open": opens, "close": closes}


def validate_hours(hours: Any) -> dict[str, Any] | None:
    """Return *hours* in canonical form, or raise :class:`HoursError`."""
    if hours is None:
        return None
    if not isinstance(hours, dict):
        raise HoursError("hours must be an object or null")
    unknown = set(hours) - {"timezone", "always_open", "weekly"}
    if unknown:
        raise HoursError(f"unknown hours field(s): {', '.join(sorted(unknown))}")
    timezone = _check_timezone(hours.get("timezone", DEFAULT_TIMEZONE))
    always_open = hours.get("always_open", False)
    if not isinstance(always_open, bool):
        raise HoursError("always_open must be true or false")
    weekly = hours.get("weekly")
    if always_open:
        if weekly:
            raise HoursError("give either always_open or weekly, not both")
        return {"timezone": timezone, "always_open": True}
    if not isinstance(weekly, dict) or not weekly:
        raise HoursError("hours need always_open: true or a non-empty weekly schedule")
    schedule: dict[str, list[dict[str, str]]] = {}
    for day, intervals in weekly.items():
        if day not in DAYS:
            raise HoursError(f"weekly: unknown day {day!r} (use {', '.join(DAYS)})")
        if not isinstance(intervals, list) or len(intervals) > 8:
            raise HoursError(f"weekly.{day}: a list of at most 8 intervals")
        schedule[day] = [_check_interval(item, f"weekly.{day}") for item in intervals]
    return {"timezone": timezone, "weekly": {day: schedule[day] for day in DAYS if day in schedule}}
