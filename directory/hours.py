"""Opening hours of a channel: their stored shape, its validation, and open/closed status.

Shape (``None`` means unknown, never "always open")::

    {"timezone": "Asia/Shanghai", "always_open": true}
    {"timezone": "Asia/Shanghai",
     "weekly": {"mon": [{"open": "09:00", "close": "18:00"}], "sat": [...], ...},
     "public_holidays": "closed",          # optional: "open" (the default) or "closed"
     "workday_schedule": "mon",            # optional, only with weekly + public_holidays "closed"
     "exceptions": [                       # optional, at most 366, unique dates
         {"date": "2026-10-01", "closed": true, "note": "国庆"},
         {"date": "2026-12-24", "intervals": [{"open": "09:00", "close": "12:00"}]}]}

``timezone`` is an IANA name (default ``Asia/Shanghai``); every time is wall-clock time there.

``weekly``: days are ``mon``..``sun``; a day that is absent (or has no intervals) is closed. Times
are ``HH:MM``; ``close`` may be ``24:00``; a ``close`` earlier than ``open`` runs past midnight into
the next day. An interval belongs to the day it opens on.

``public_holidays``: ``"open"`` (or absent) means China's public holidays change nothing: the
weekly schedule applies every day. ``"closed"`` means closed on China's statutory public holidays
(per the ``chinesecalendar`` package, including weekend days inside a holiday period), and on
China's adjusted working days (调休: a Saturday or Sunday that is an official workday) the
intervals of the weekday named by ``workday_schedule`` apply (default ``"mon"``). With
``always_open``, ``"closed"`` means open around the clock except on public holidays. For dates the
package has no data for (outside 2004-2026 in version 1.11), the plain weekly schedule applies.

``exceptions``: dated exceptions, each with ``date`` (ISO ``YYYY-MM-DD``, local date) and exactly
one of ``"closed": true`` or ``"intervals"`` (a non-empty list, same form as a weekly day), plus an
optional ``note`` (at most 200 characters). An exception replaces the public-holiday rule and the
weekly schedule for the intervals opening on that date (an overnight interval that opened the day
before still runs to its close). Canonical form sorts exceptions by date.

Canonical form (what :func:`validate_hours` returns) lists keys in the order above, leaves out
``public_holidays`` when it is ``"open"`` and ``exceptions`` when there are none, and always gives
``workday_schedule`` when ``public_holidays`` is ``"closed"`` on a weekly schedule.

:func:`status_at` tells whether a channel is open at an instant, and when it next opens or closes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

from directory.errors import InvalidInput

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "Asia/Shanghai"
PUBLIC_HOLIDAYS = ("open", "closed")
DEFAULT_WORKDAY_SCHEDULE = "mon"
MAX_INTERVALS = 8
MAX_EXCEPTIONS = 366
MAX_NOTE = 200
SEARCH_DAYS = 366
_TIME = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_FIELDS = ("timezone", "always_open", "weekly", "public_holidays", "workday_schedule", "exceptions")
_EXCEPTION_FIELDS = ("date", "closed", "intervals", "note")
_UTC = dt.UTC
_DAY_MINUTES = 24 * 60


class HoursError(InvalidInput):
    """Opening hours that do not follow the documented shape."""


# ---------------------------------------------------------------------------------------------
# Validation


def _check_timezone(name: Any) -> str:
    if not isinstance(name, str) or not name or len(name) > 64:
        raise HoursError("timezone must be an IANA time zone name such as Asia/Shanghai")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a directory, e.g. "America"
        raise HoursError(f"unknown time zone {name!r}") from exc
    return name


def _check_interval(interval: Any, where: str) -> dict[str, str]:
    if not isinstance(interval, dict) or set(interval) != {"open", "close"}:
        raise HoursError(f"{where}: each interval is an object with exactly 'open' and 'close'")
    opens, closes = interval["open"], interval["close"]
    for value in (opens, closes):
        if not isinstance(value, str) or not _TIME.match(value):
            raise HoursError(f"{where}: times are HH:MM from 00:00 to 24:00, not {value!r}")
    if opens == "24:00":
        raise HoursError(f"{where}: a channel cannot open at 24:00")
    if opens == closes:
        raise HoursError(f"{where}: open and close are the same time")
    return {"open": opens, "close": closes}


def _check_intervals(intervals: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(intervals, list) or len(intervals) > MAX_INTERVALS:
        raise HoursError(f"{where}: a list of at most {MAX_INTERVALS} intervals")
    return [_check_interval(item, where) for item in intervals]


def _check_date(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _DATE.match(value):
        raise HoursError(f"{where}: date must be an ISO date YYYY-MM-DD, not {value!r}")
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise HoursError(f"{where}: {value!r} is not a valid date") from exc
    return value


def _check_exception(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise HoursError(f"{where}: each exception is an object with 'date' and 'closed' or 'intervals'")
    unknown = set(item) - set(_EXCEPTION_FIELDS)
    if unknown:
        raise HoursError(f"{where}: unknown exception field(s): {', '.join(sorted(map(str, unknown)))}")
    if "date" not in item:
        raise HoursError(f"{where}: an exception needs a 'date'")
    date = _check_date(item["date"], where)
    where = f"{where} ({date})"
    has_closed, has_intervals = "closed" in item, "intervals" in item
    if has_closed == has_intervals:
        raise HoursError(f"{where}: give exactly one of 'closed': true or 'intervals'")
    result: dict[str, Any] = {"date": date}
    if has_closed:
        if item["closed"] is not True:
            raise HoursError(f"{where}: 'closed' can only be true; give 'intervals' for opening hours")
        result["closed"] = True
    else:
        intervals = _check_intervals(item["intervals"], f"{where}.intervals")
        if not intervals:
            raise HoursError(f"{where}: 'intervals' is empty; use 'closed': true for a closed day")
        result["intervals"] = intervals
    note = item.get("note")
    if note is not None:
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            raise HoursError(f"{where}: note must be text of at most {MAX_NOTE} characters")
        note = note.strip()
        if note:
            result["note"] = note
    return result


def _check_exceptions(exceptions: Any) -> list[dict[str, Any]]:
    if exceptions is None:
        return []
    if not isinstance(exceptions, list):
        raise HoursError("exceptions must be a list")
    if len(exceptions) > MAX_EXCEPTIONS:
        raise HoursError(f"exceptions: at most {MAX_EXCEPTIONS} dated exceptions, not {len(exceptions)}")
    checked = [_check_exception(item, f"exceptions[{index}]") for index, item in enumerate(exceptions)]
    seen: set[str] = set()
    for item in checked:
        if item["date"] in seen:
            raise HoursError(f"exceptions: date {item['date']} is given more than once")
        seen.add(item["date"])
    return sorted(checked, key=lambda item: item["date"])


def validate_hours(hours: Any) -> dict[str, Any] | None:
    """Return *hours* in canonical form, or raise :class:`HoursError`."""
    if hours is None:
        return None
    if not isinstance(hours, dict):
        raise HoursError("hours must be an object or null")
    unknown = set(hours) - set(_FIELDS)
    if unknown:
        raise HoursError(f"unknown hours field(s): {', '.join(sorted(map(str, unknown)))}")
    timezone = _check_timezone(hours.get("timezone", DEFAULT_TIMEZONE))
    always_open = hours.get("always_open", False)
    if not isinstance(always_open, bool):
        raise HoursError("always_open must be true or false")
    public_holidays = hours.get("public_holidays", "open")
    if public_holidays not in PUBLIC_HOLIDAYS:
        raise HoursError(f"public_holidays must be 'open' or 'closed', not {public_holidays!r}")
    workday_schedule = hours.get("workday_schedule")
    if workday_schedule is not None and workday_schedule not in DAYS:
        raise HoursError(f"workday_schedule must name a day ({', '.join(DAYS)}), not {workday_schedule!r}")
    exceptions = _check_exceptions(hours.get("exceptions"))
    weekly = hours.get("weekly")
    result: dict[str, Any] = {"timezone": timezone}
    if always_open:
        if weekly:
            raise HoursError("give either always_open or weekly, not both")
        if workday_schedule is not None:
            raise HoursError("workday_schedule only applies to a weekly schedule, not to always_open")
        result["always_open"] = True
    else:
        if not isinstance(weekly, dict) or not weekly:
            raise HoursError("hours need always_open: true or a non-empty weekly schedule")
        schedule: dict[str, list[dict[str, str]]] = {}
        for day, intervals in weekly.items():
            if day not in DAYS:
                raise HoursError(f"weekly: unknown day {day!r} (use {', '.join(DAYS)})")
            schedule[day] = _check_intervals(intervals, f"weekly.{day}")
        if workday_schedule is not None and public_holidays != "closed":
            raise HoursError("workday_schedule only applies when public_holidays is 'closed'")
        result["weekly"] = {day: schedule[day] for day in DAYS if day in schedule}
    if public_holidays == "closed":
        result["public_holidays"] = "closed"
        if not always_open:
            result["workday_schedule"] = workday_schedule or DEFAULT_WORKDAY_SCHEDULE
    if exceptions:
        result["exceptions"] = exceptions
    return result


# ---------------------------------------------------------------------------------------------
# Status at an instant


@dataclass(frozen=True)
class HoursStatus:
    """Whether a channel is open at an instant (``None``: unknown) and when that next changes.

    ``next_open`` is set only when closed, ``next_close`` only when open; either is ``None`` when
    the change is not within about a year (or the hours are unknown). Both are aware datetimes in
    the channel's time zone.
    """

    open_now: bool | None
    next_open: dt.datetime | None
    next_close: dt.datetime | None


UNKNOWN = HoursStatus(None, None, None)
ALWAYS_OPEN = HoursStatus(True, None, None)

# A day's intervals as local minutes (open, close): 0 <= open < 1440 and open < close <= 2880
# (a close past 1440 is on the next day). _FULL_DAY is an unbroken local day.
_Minutes = tuple[tuple[int, int], ...]
_FULL_DAY: _Minutes = ((0, _DAY_MINUTES),)
_REGULAR, _HOLIDAY, _ADJUSTED_WORKDAY = 0, 1, 2


def _minutes(value: str) -> int:
    return int(value[:2]) * 60 + int(value[3:5])


def _compile_intervals(intervals: Any) -> _Minutes:
    spans = []
    for interval in intervals or ():
        opens, closes = _minutes(interval["open"]), _minutes(interval["close"])
        if closes <= opens:
            closes += _DAY_MINUTES
        spans.append((opens, closes))
    return tuple(sorted(spans))


@functools.lru_cache(maxsize=4096)
def _china_day_kind(day: dt.date) -> int:
    """Whether *day* is a statutory public holiday, an adjusted working day or neither in China."""
    try:
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # outside the package's data: treat as an ordinary day
        return _REGULAR
    if holiday and name is not None:
        return _HOLIDAY
    if not holiday and day.weekday() >= 5:
        return _ADJUSTED_WORKDAY
    return _REGULAR


@dataclass(frozen=True)
class _Plan:
    zone: ZoneInfo
    weekly: tuple[_Minutes, ...]  # by date.weekday()
    holidays_closed: bool
    workday: _Minutes
    exceptions: dict[dt.date, _Minutes]

    def day(self, day: dt.date) -> _Minutes:
        """The intervals opening on local date *day*."""
        if self.exceptions:
            special = self.exceptions.get(day)
            if special is not None:
                return special
        if self.holidays_closed:
            kind = _china_day_kind(day)
            if kind == _HOLIDAY:
                return ()
            if kind == _ADJUSTED_WORKDAY:
                return self.workday
        return self.weekly[day.weekday()]


def _compile(hours: dict[str, Any]) -> _Plan:
    zone = ZoneInfo(hours.get("timezone") or DEFAULT_TIMEZONE)
    if hours.get("always_open"):
        weekly: tuple[_Minutes, ...] = (_FULL_DAY,) * 7
        workday = _FULL_DAY
    else:
        schedule = hours.get("weekly") or {}
        weekly = tuple(_compile_intervals(schedule.get(day)) for day in DAYS)
        workday = weekly[DAYS.index(hours.get("workday_schedule") or DEFAULT_WORKDAY_SCHEDULE)]
    exceptions: dict[dt.date, _Minutes] = {}
    for item in hours.get("exceptions") or ():
        intervals = None if item.get("closed") else item.get("intervals")
        exceptions[dt.date.fromisoformat(item["date"])] = _compile_intervals(intervals)
    return _Plan(zone, weekly, hours.get("public_holidays") == "closed", workday, exceptions)


def _instant(zone: ZoneInfo, day: dt.date, minutes: int) -> dt.datetime:
    """Local wall-clock *minutes* after midnight starting *day*, as a UTC instant.

    Built with ``fold=0``: an ambiguous time (fall back) is its first occurrence; a nonexistent
    time (spring forward) takes the offset from before the change (02:30 becomes 03:30 after a
    one-hour jump).
    """
    if minutes >= _DAY_MINUTES:
        day, minutes = day + dt.timedelta(days=minutes // _DAY_MINUTES), minutes % _DAY_MINUTES
    local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(_UTC)


def status_at(hours: dict[str, Any] | None, at: dt.datetime) -> HoursStatus:
    """Whether a channel with *hours* (stored, canonical form) is open at the aware instant *at*.

    Adjacent and overlapping intervals merge into one opening (Monday 20:00-24:00 followed by
    Tuesday 00:00-08:00 closes Tuesday 08:00). The next opening is searched for up to 366 days
    ahead, the end of the current one as far.
    """
    if not isinstance(at, dt.datetime):
        raise TypeError("at must be a datetime")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    if hours is None:
        return UNKNOWN
    if hours.get("always_open") and hours.get("public_holidays") != "closed" and not hours.get("exceptions"):
        return ALWAYS_OPEN
    plan = _compile(hours)
    zone = plan.zone
    at_utc = at.astimezone(_UTC)
    today = at_utc.astimezone(zone).date()
    try:
        first, last = today - dt.timedelta(days=1), today + dt.timedelta(days=SEARCH_DAYS)
        _instant(zone, last + dt.timedelta(days=1), 0)
    except OverflowError:  # at the very ends of the calendar: nothing sensible to search
        return UNKNOWN

    # Walk day by day. Closed so far: the first interval starting after `at` is the next opening.
    # Open: extend the opening while intervals overlap or touch it. `end_local` is the end as
    # (local date, minutes), so that whole open days chain without time-zone arithmetic.
    end_utc: dt.datetime | None = None
    end_local: tuple[dt.date, int] | None = None
    day = first
    while day <= last:
        spans = plan.day(day)
        if end_local is not None and end_local == (day, 0) and spans == _FULL_DAY:
            end_local, end_utc = (day + dt.timedelta(days=1), 0), None
            day += dt.timedelta(days=1)
            continue
        if end_local is not None and end_utc is None:
            end_utc = _instant(zone, *end_local)
        if spans:
            converted = sorted(
                (_instant(zone, day, opens), _instant(zone, day, closes), closes) for opens, closes in spans
            )
            for start, stop, closes in converted:
                if stop <= start:  # collapsed by a clock change (e.g. 02:30-03:00 on spring forward)
                    continue
                if end_utc is None:
                    if start <= at_utc < stop:
                        end_utc, end_local = stop, _local_end(day, closes)
                    elif start > at_utc:
                        return HoursStatus(False, start.astimezone(zone), None)
                elif start <= end_utc:
                    if stop > end_utc:
                        end_utc, end_local = stop, _local_end(day, closes)
                else:
                    return HoursStatus(True, None, end_utc.astimezone(zone))
        day += dt.timedelta(days=1)
        if end_utc is not None and end_utc < _instant(zone, day, 0):
            return HoursStatus(True, None, end_utc.astimezone(zone))
    if end_local is not None:
        return HoursStatus(True, None, None)
    return HoursStatus(False, None, None)


def _local_end(day: dt.date, closes: int) -> tuple[dt.date, int]:
    if closes >= _DAY_MINUTES:
        return day + dt.timedelta(days=closes // _DAY_MINUTES), closes % _DAY_MINUTES
    return day, closes
