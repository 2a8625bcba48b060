"""Opening hours: validation of the stored shape, and open/closed status at an instant."""

from __future__ import annotations

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from directory.hours import DAYS, HoursError, HoursStatus, status_at, validate_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def span(opens: str, closes: str) -> dict[str, str]:
    return {"open": opens, "close": closes}


def weekly(days: dict[str, list[dict[str, str]]], timezone: str = "Asia/Shanghai", **extra) -> dict:
    return validate_hours({"timezone": timezone, "weekly": days, **extra})


def office(timezone: str = "Asia/Shanghai", **extra) -> dict:
    """Monday to Friday 09:00-18:00."""
    return weekly({day: [span("09:00", "18:00")] for day in DAYS[:5]}, timezone, **extra)


def every_day(opens: str, closes: str, timezone: str) -> dict:
    return weekly({day: [span(opens, closes)] for day in DAYS}, timezone)


def at(*args: int, tz: ZoneInfo = SHANGHAI, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz, fold=fold)


def elapsed(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Real time between two instants (subtracting datetimes of one zone gives wall-clock time)."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def is_open_until(status: HoursStatus, until: dt.datetime) -> bool:
    return status.open_now is True and status.next_open is None and status.next_close == until


def is_closed_until(status: HoursStatus, until: dt.datetime | None) -> bool:
    return status.open_now is False and status.next_close is None and status.next_open == until


# --------------------------------------------------------------------------------------------
# Validation


def test_none_is_unknown():
    assert validate_hours(None) is None


@pytest.mark.parametrize("hours", [
    {"timezone": "Asia/Shanghai", "always_open": True},
    {"timezone": "Asia/Shanghai", "weekly": {"mon": [span("09:00", "18:00")], "sun": []}},
    {"timezone": "Europe/London", "weekly": {"fri": [span("22:00", "02:00"), span("08:00", "12:00")]}},
])
def test_existing_shapes_are_unchanged(hours):
    assert validate_hours(copy.deepcopy(hours)) == hours


def test_timezone_defaults_to_shanghai():
    assert validate_hours({"always_open": True}) == {"timezone": "Asia/Shanghai", "always_open": True}


def test_full_shape_is_canonical_and_round_trips():
    given = {
        "exceptions": [
            {"date": "2026-12-24", "note": "  平安夜  ", "intervals": [span("09:00", "12:00")]},
            {"note": "国庆", "closed": True, "date": "2026-10-01"},
            {"date": "2026-05-01", "closed": True, "note": "   "},
        ],
        "workday_schedule": "fri",
        "public_holidays": "closed",
        "weekly": {"sat": [span("10:00", "16:00")], "mon": [span("09:00", "24:00")]},
        "timezone": "Asia/Shanghai",
    }
    canonical = validate_hours(given)
    assert canonical == {
        "timezone": "Asia/Shanghai",
        "weekly": {"mon": [span("09:00", "24:00")], "sat": [span("10:00", "16:00")]},
        "public_holidays": "closed",
        "workday_schedule": "fri",
        "exceptions": [
            {"date": "2026-05-01", "closed": True},
            {"date": "2026-10-01", "closed": True, "note": "国庆"},
            {"date": "2026-12-24", "intervals": [span("09:00", "12:00")], "note": "平安夜"},
        ],
    }
    assert list(canonical) == ["timezone", "weekly", "public_holidays", "workday_schedule", "exceptions"]
    assert validate_hours(copy.deepcopy(canonical)) == canonical


def test_defaults_public_holidays_open_and_workday_schedule_mon():
    days = {"mon": [span("09:00", "18:00")]}
    assert validate_hours({"weekly": days, "public_holidays": "open", "exceptions": []}) == {
        "timezone": "Asia/Shanghai", "weekly": days}
    assert validate_hours({"weekly": days, "public_holidays": "closed"})["workday_schedule"] == "mon"
    assert validate_hours({"always_open": True, "public_holidays": "closed"}) == {
        "timezone": "Asia/Shanghai", "always_open": True, "public_holidays": "closed"}


def test_always_open_takes_exceptions():
    hours = {"always_open": True, "exceptions": [{"date": "2026-06-01", "closed": True}]}
    assert validate_hours(hours)["exceptions"] == [{"date": "2026-06-01", "closed": True}]


GOOD_DAYS = {"mon": [span("09:00", "18:00")]}


@pytest.mark.parametrize(("hours", "message"), [
    ("09:00-18:00", "object or null"),
    ({"weekly": GOOD_DAYS, "holidays": "closed"}, "unknown hours field.*holidays"),
    ({"timezone": "Mars/Olympus", "always_open": True}, "unknown time zone"),
    ({"timezone": "America", "always_open": True}, "unknown time zone"),
    ({"timezone": "", "always_open": True}, "IANA"),
    ({"always_open": "yes"}, "always_open"),
    ({"always_open": True, "weekly": GOOD_DAYS}, "either always_open or weekly"),
    ({"weekly": {}}, "non-empty weekly"),
    ({"weekly": {"monday": []}}, "unknown day"),
    ({"weekly": {"mon": [span("9:00", "18:00")]}}, "HH:MM"),
    ({"weekly": {"mon": [span("09:00", "24:30")]}}, "HH:MM"),
    ({"weekly": {"mon": [span("09:60", "18:00")]}}, "HH:MM"),
    ({"weekly": {"mon": [span("24:00", "08:00")]}}, "cannot open at 24:00"),
    ({"weekly": {"mon": [span("09:00", "09:00")]}}, "same time"),
    ({"weekly": {"mon": [{"open": "09:00"}]}}, "exactly 'open' and 'close'"),
    ({"weekly": {"mon": [span("09:00", "10:00")] * 9}}, "at most 8"),
    ({"weekly": GOOD_DAYS, "public_holidays": "sometimes"}, "public_holidays must be"),
    ({"weekly": GOOD_DAYS, "public_holidays": True}, "public_holidays must be"),
    ({"weekly": GOOD_DAYS, "public_holidays": "closed", "workday_schedule": "monday"}, "workday_schedule"),
    ({"weekly": GOOD_DAYS, "public_holidays": "closed", "workday_schedule": 1}, "workday_schedule"),
    ({"weekly": GOOD_DAYS, "workday_schedule": "mon"}, "only applies when public_holidays"),
    ({"always_open": True, "public_holidays": "closed", "workday_schedule": "mon"}, "not to always_open"),
    ({"weekly": GOOD_DAYS, "exceptions": {"date": "2026-10-01", "closed": True}}, "must be a list"),
    ({"weekly": GOOD_DAYS, "exceptions": ["2026-10-01"]}, "each exception is an object"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"closed": True}]}, "needs a 'date'"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026-02-30", "closed": True}]}, "not a valid date"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026/10/01", "closed": True}]}, "ISO date"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "20261001", "closed": True}]}, "ISO date"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": 20261001, "closed": True}]}, "ISO date"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026-10-01", "closed": True},
                                          {"date": "2026-10-01", "intervals": [span("09:00", "12:00")]}]},
     "2026-10-01 is given more than once"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026-10-01", "closed": True,
                                           "intervals": [span("09:00", "12:00")]}]}, "exactly one of"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026-10-01"}]}, "exactly one of"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026-10-01", "closed": False}]}, "can only be true"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026-10-01", "intervals": []}]}, "is empty"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026-10-01", "intervals": [span("09:00", "25:00")]}]},
     r"exceptions\[0\] \(2026-10-01\)\.intervals: times are HH:MM"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026-10-01", "closed": True, "why": "x"}]},
     "unknown exception field.*why"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026-10-01", "closed": True, "note": "x" * 201}]},
     "at most 200"),
    ({"weekly": GOOD_DAYS, "exceptions": [{"date": "2026-10-01", "closed": True, "note": 5}]}, "note"),
])
def test_bad_shapes_are_rejected_with_a_message(hours, message):
    with pytest.raises(HoursError, match=message):
        validate_hours(hours)


def test_exceptions_limit_is_366():
    start = dt.date(2026, 1, 1)
    dates = [(start + dt.timedelta(days=n)).isoformat() for n in range(367)]
    accepted = validate_hours({"always_open": True,
                               "exceptions": [{"date": d, "closed": True} for d in dates[:366]]})
    assert len(accepted["exceptions"]) == 366
    with pytest.raises(HoursError, match="at most 366"):
        validate_hours({"always_open": True, "exceptions": [{"date": d, "closed": True} for d in dates]})


def test_note_of_200_characters_is_kept():
    hours = validate_hours({"always_open": True,
                            "exceptions": [{"date": "2026-10-01", "closed": True, "note": "节" * 200}]})
    assert hours["exceptions"][0]["note"] == "节" * 200


# --------------------------------------------------------------------------------------------
# Status: basics


def test_naive_instant_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        status_at(office(), dt.datetime(2026, 6, 1, 10, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        status_at(None, dt.datetime(2026, 6, 1, 10, 0))


def test_unknown_hours():
    assert status_at(None, at(2026, 6, 1, 10)) == HoursStatus(None, None, None)


def test_always_open():
    hours = validate_hours({"always_open": True})
    assert status_at(hours, at(2026, 10, 1, 3)) == HoursStatus(True, None, None)


def test_status_is_frozen():
    status = status_at(None, at(2026, 6, 1, 10))
    with pytest.raises(AttributeError):
        status.open_now = True


def test_weekday_schedule_open_and_closed():
    hours = office()  # 2026-06-01 is a Monday
    assert is_open_until(status_at(hours, at(2026, 6, 1, 9, 0)), at(2026, 6, 1, 18))
    assert is_open_until(status_at(hours, at(2026, 6, 3, 17, 59)), at(2026, 6, 3, 18))
    assert is_closed_until(status_at(hours, at(2026, 6, 1, 8, 59)), at(2026, 6, 1, 9))
    assert is_closed_until(status_at(hours, at(2026, 6, 1, 18, 0)), at(2026, 6, 2, 9))
    # Friday evening: next opening is Monday.
    assert is_closed_until(status_at(hours, at(2026, 6, 5, 18, 30)), at(2026, 6, 8, 9))
    assert is_closed_until(status_at(hours, at(2026, 6, 6, 12)), at(2026, 6, 8, 9))


def test_instant_in_another_zone_is_converted():
    # 02:30 UTC is 10:30 in Shanghai.
    status = status_at(office(), dt.datetime(2026, 6, 1, 2, 30, tzinfo=UTC))
    assert is_open_until(status, at(2026, 6, 1, 18))
    assert status.next_close.tzinfo == SHANGHAI


def test_several_intervals_a_day():
    hours = weekly({"mon": [span("14:00", "18:00"), span("09:00", "12:00")]})
    assert is_closed_until(status_at(hours, at(2026, 6, 1, 12, 30)), at(2026, 6, 1, 14))
    assert is_open_until(status_at(hours, at(2026, 6, 1, 10)), at(2026, 6, 1, 12))
    assert is_closed_until(status_at(hours, at(2026, 6, 1, 18)), at(2026, 6, 8, 9))


def test_overnight_interval():
    hours = weekly({"fri": [span("22:00", "02:00")]})  # 2026-06-05 is a Friday
    assert is_closed_until(status_at(hours, at(2026, 6, 5, 21)), at(2026, 6, 5, 22))
    assert is_open_until(status_at(hours, at(2026, 6, 5, 23)), at(2026, 6, 6, 2))
    assert is_open_until(status_at(hours, at(2026, 6, 6, 1, 59)), at(2026, 6, 6, 2))
    assert is_closed_until(status_at(hours, at(2026, 6, 6, 2)), at(2026, 6, 12, 22))


def test_adjacent_intervals_across_midnight_merge():
    hours = weekly({"mon": [span("20:00", "24:00")], "tue": [span("00:00", "08:00")]})
    assert is_open_until(status_at(hours, at(2026, 6, 1, 21)), at(2026, 6, 2, 8))
    assert is_open_until(status_at(hours, at(2026, 6, 2, 7)), at(2026, 6, 2, 8))
    assert is_closed_until(status_at(hours, at(2026, 6, 1, 19)), at(2026, 6, 1, 20))


def test_overnight_interval_merges_with_next_day():
    hours = weekly({"mon": [span("22:00", "02:00")], "tue": [span("01:00", "05:00"), span("05:00", "06:00")]})
    assert is_open_until(status_at(hours, at(2026, 6, 1, 23)), at(2026, 6, 2, 6))


def test_close_at_24():
    hours = weekly({"mon": [span("09:00", "24:00")]})
    assert is_open_until(status_at(hours, at(2026, 6, 1, 23, 59)), at(2026, 6, 2, 0))
    assert is_closed_until(status_at(hours, at(2026, 6, 2, 0)), at(2026, 6, 8, 9))


def test_round_the_clock_weekdays_close_at_the_weekend():
    hours = weekly({day: [span("00:00", "24:00")] for day in DAYS[:5]})
    assert is_open_until(status_at(hours, at(2026, 6, 1, 3)), at(2026, 6, 6, 0))
    assert is_closed_until(status_at(hours, at(2026, 6, 6, 3)), at(2026, 6, 8, 0))


def test_round_the_clock_every_day_has_no_close():
    hours = weekly({day: [span("00:00", "24:00")] for day in DAYS})
    assert status_at(hours, at(2026, 6, 1, 3)) == HoursStatus(True, None, None)


def test_never_open_has_no_next_open():
    hours = weekly({"mon": []})
    assert status_at(hours, at(2026, 6, 1, 10)) == HoursStatus(False, None, None)


# --------------------------------------------------------------------------------------------
# Status: daylight saving time


def test_new_york_spring_forward():
    hours = office("America/New_York")
    # Friday 2026-03-06 evening (EST, -05:00); Monday after the change is EDT (-04:00).
    status = status_at(hours, at(2026, 3, 6, 18, tz=NEW_YORK))
    assert is_closed_until(status, at(2026, 3, 9, 9, tz=NEW_YORK))
    assert status.next_open.utcoffset() == dt.timedelta(hours=-4)
    assert status.next_open.astimezone(UTC) == dt.datetime(2026, 3, 9, 13, tzinfo=UTC)
    before = status_at(hours, at(2026, 3, 6, 10, tz=NEW_YORK))
    assert before.next_close.astimezone(UTC) == dt.datetime(2026, 3, 6, 23, tzinfo=UTC)  # 18:00 EST
    after = status_at(hours, at(2026, 3, 9, 10, tz=NEW_YORK))
    assert after.next_close.astimezone(UTC) == dt.datetime(2026, 3, 9, 22, tzinfo=UTC)  # 18:00 EDT


def test_new_york_fall_back():
    hours = office("America/New_York")
    status = status_at(hours, at(2026, 10, 30, 18, tz=NEW_YORK))  # Friday, EDT
    assert status.open_now is False
    assert status.next_open.utcoffset() == dt.timedelta(hours=-5)
    assert status.next_open.astimezone(UTC) == dt.datetime(2026, 11, 2, 14, tzinfo=UTC)


def test_new_york_overnight_across_the_changes():
    hours = weekly({"sat": [span("22:00", "06:00")]}, "America/New_York")
    spring_at = at(2026, 3, 7, 23, tz=NEW_YORK)
    spring = status_at(hours, spring_at)
    assert spring.open_now is True
    assert spring.next_close.astimezone(UTC) == dt.datetime(2026, 3, 8, 10, tzinfo=UTC)  # 06:00 EDT
    assert elapsed(spring_at, spring.next_close) == dt.timedelta(hours=6)
    fall_at = at(2026, 10, 31, 23, tz=NEW_YORK)
    fall = status_at(hours, fall_at)
    assert fall.next_close.astimezone(UTC) == dt.datetime(2026, 11, 1, 11, tzinfo=UTC)  # 06:00 EST
    assert elapsed(fall_at, fall.next_close) == dt.timedelta(hours=8)
    # Inside the repeated hour (second 01:30, EST) the overnight opening is still running.
    repeated = status_at(hours, dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    assert repeated.open_now is True and repeated.next_close.utcoffset() == dt.timedelta(hours=-5)


def test_new_york_nonexistent_and_ambiguous_times_do_not_crash():
    # 02:30 does not exist on 2026-03-08: it is taken with the offset from before (03:30 EDT).
    gap = weekly({"sun": [span("02:30", "04:00")]}, "America/New_York")
    status = status_at(gap, at(2026, 3, 8, 1, tz=NEW_YORK))
    assert status.open_now is False
    assert status.next_open.astimezone(UTC) == dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    # 02:30-03:00 collapses to nothing that day; the next opening is the following Sunday.
    collapsed = weekly({"sun": [span("02:30", "03:00")]}, "America/New_York")
    next_week = at(2026, 3, 15, 2, 30, tz=NEW_YORK)
    assert is_closed_until(status_at(collapsed, at(2026, 3, 8, 1, tz=NEW_YORK)), next_week)
    # 01:30 happens twice on 2026-11-01: a close at 01:30 is the first one (EDT).
    ambiguous = weekly({"sun": [span("00:00", "01:30")]}, "America/New_York")
    status = status_at(ambiguous, at(2026, 11, 1, 0, 30, tz=NEW_YORK))
    assert status.next_close.astimezone(UTC) == dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_london_changes():
    hours = office("Europe/London")
    spring = status_at(hours, at(2026, 3, 27, 18, tz=LONDON))  # Friday, GMT
    assert spring.next_open.astimezone(UTC) == dt.datetime(2026, 3, 30, 8, tzinfo=UTC)  # 09:00 BST
    assert spring.next_open.utcoffset() == dt.timedelta(hours=1)
    open_before = status_at(hours, at(2026, 3, 27, 10, tz=LONDON))
    assert open_before.next_close.astimezone(UTC) == dt.datetime(2026, 3, 27, 18, tzinfo=UTC)
    open_after = status_at(hours, at(2026, 3, 30, 10, tz=LONDON))
    assert open_after.next_close.astimezone(UTC) == dt.datetime(2026, 3, 30, 17, tzinfo=UTC)
    fall = status_at(hours, at(2026, 10, 23, 18, tz=LONDON))  # Friday, BST
    assert fall.next_open.astimezone(UTC) == dt.datetime(2026, 10, 26, 9, tzinfo=UTC)  # 09:00 GMT
    assert fall.next_open.utcoffset() == dt.timedelta(0)


def test_london_overnight_across_the_changes():
    hours = weekly({"sat": [span("22:00", "06:00")]}, "Europe/London")
    spring_at = at(2026, 3, 28, 23, tz=LONDON)
    spring = status_at(hours, spring_at)
    assert spring.next_close.astimezone(UTC) == dt.datetime(2026, 3, 29, 5, tzinfo=UTC)
    assert elapsed(spring_at, spring.next_close) == dt.timedelta(hours=6)
    fall_at = at(2026, 10, 24, 23, tz=LONDON)
    fall = status_at(hours, fall_at)
    assert fall.next_close.astimezone(UTC) == dt.datetime(2026, 10, 25, 6, tzinfo=UTC)
    assert elapsed(fall_at, fall.next_close) == dt.timedelta(hours=8)


# --------------------------------------------------------------------------------------------
# Status: China's public holidays (chinesecalendar data for 2026)
#
# National Day 2026: 10-01 (Thu) to 10-07 (Wed) off; Sunday 09-20 and Saturday 10-10 are
# adjusted working days. Spring Festival: 02-15 to 02-23 off; Saturdays 02-14 and 02-28 work.


def test_national_day_closed_on_weekdays():
    hours = office(public_holidays="closed")
    for day in (1, 2, 5, 6, 7):
        assert is_closed_until(status_at(hours, at(2026, 10, day, 10)), at(2026, 10, 8, 9))
    assert is_open_until(status_at(hours, at(2026, 9, 30, 17)), at(2026, 9, 30, 18))
    assert is_closed_until(status_at(hours, at(2026, 9, 30, 18)), at(2026, 10, 8, 9))


def test_adjusted_working_days_follow_the_workday_schedule():
    hours = office(public_holidays="closed")
    assert is_open_until(status_at(hours, at(2026, 10, 10, 10)), at(2026, 10, 10, 18))  # Saturday
    assert is_closed_until(status_at(hours, at(2026, 10, 9, 19)), at(2026, 10, 10, 9))
    assert is_open_until(status_at(hours, at(2026, 9, 20, 9)), at(2026, 9, 20, 18))  # Sunday
    assert is_closed_until(status_at(hours, at(2026, 10, 11, 10)), at(2026, 10, 12, 9))  # plain Sunday


def test_workday_schedule_names_the_day():
    days = {day: [span("09:00", "18:00")] for day in DAYS[:4]} | {"fri": [span("09:00", "16:00")]}
    fridays = weekly(days, public_holidays="closed", workday_schedule="fri")
    assert is_open_until(status_at(fridays, at(2026, 10, 10, 10)), at(2026, 10, 10, 16))
    closed_days = weekly(days, public_holidays="closed", workday_schedule="sun")
    assert is_closed_until(status_at(closed_days, at(2026, 10, 10, 10)), at(2026, 10, 12, 9))


def test_spring_festival():
    hours = office(public_holidays="closed")
    assert is_closed_until(status_at(hours, at(2026, 2, 13, 19)), at(2026, 2, 14, 9))
    assert is_closed_until(status_at(hours, at(2026, 2, 14, 19)), at(2026, 2, 24, 9))
    assert is_open_until(status_at(hours, at(2026, 2, 28, 12)), at(2026, 2, 28, 18))


def test_public_holidays_open_or_absent_follows_the_weekly_schedule():
    for hours in (office(), office(public_holidays="open")):
        assert is_open_until(status_at(hours, at(2026, 10, 1, 10)), at(2026, 10, 1, 18))
        assert is_closed_until(status_at(hours, at(2026, 10, 10, 10)), at(2026, 10, 12, 9))


def test_always_open_closed_on_public_holidays():
    hours = validate_hours({"always_open": True, "public_holidays": "closed"})
    assert is_open_until(status_at(hours, at(2026, 9, 28, 12)), at(2026, 10, 1, 0))
    assert is_closed_until(status_at(hours, at(2026, 10, 1, 12)), at(2026, 10, 8, 0))
    assert is_open_until(status_at(hours, at(2026, 9, 24, 12)), at(2026, 9, 25, 0))  # Mid-autumn 09-25..27
    assert is_closed_until(status_at(hours, at(2026, 9, 26, 12)), at(2026, 9, 28, 0))
    # No holiday data after 2026: open with no known close, and no crash.
    assert status_at(hours, at(2026, 10, 8, 12)) == HoursStatus(True, None, None)
    assert status_at(hours, at(2027, 10, 1, 12)) == HoursStatus(True, None, None)


def test_beyond_the_holiday_data_the_weekly_schedule_applies():
    hours = office(public_holidays="closed")
    assert is_open_until(status_at(hours, at(2027, 10, 1, 10)), at(2027, 10, 1, 18))  # a Friday
    assert is_closed_until(status_at(hours, at(2026, 12, 31, 19)), at(2027, 1, 1, 9))
    assert is_closed_until(status_at(hours, at(2003, 10, 1, 19)), at(2003, 10, 2, 9))


# --------------------------------------------------------------------------------------------
# Status: dated exceptions


def test_closed_exception_beats_the_weekly_schedule():
    hours = office(exceptions=[{"date": "2026-06-02", "closed": True}])
    assert is_closed_until(status_at(hours, at(2026, 6, 2, 10)), at(2026, 6, 3, 9))
    assert is_closed_until(status_at(hours, at(2026, 6, 1, 19)), at(2026, 6, 3, 9))


def test_exceptions_beat_public_holidays():
    hours = office(public_holidays="closed", exceptions=[
        {"date": "2026-10-01", "intervals": [span("10:00", "12:00")], "note": "值班"},
        {"date": "2026-10-10", "closed": True},
        {"date": "2026-09-30", "closed": True},
    ])
    assert is_closed_until(status_at(hours, at(2026, 9, 29, 19)), at(2026, 10, 1, 10))
    assert is_closed_until(status_at(hours, at(2026, 10, 1, 9)), at(2026, 10, 1, 10))
    assert is_open_until(status_at(hours, at(2026, 10, 1, 11)), at(2026, 10, 1, 12))
    assert is_closed_until(status_at(hours, at(2026, 10, 1, 12)), at(2026, 10, 8, 9))
    assert is_closed_until(status_at(hours, at(2026, 10, 9, 19)), at(2026, 10, 12, 9))


def test_exception_opens_a_closed_weekend_day():
    hours = office(exceptions=[{"date": "2026-06-07", "intervals": [span("20:00", "24:00")]}])
    assert is_closed_until(status_at(hours, at(2026, 6, 5, 19)), at(2026, 6, 7, 20))
    assert is_open_until(status_at(hours, at(2026, 6, 7, 21)), at(2026, 6, 8, 0))


def test_exception_interval_merges_with_the_next_day():
    hours = office(exceptions=[{"date": "2026-06-07", "intervals": [span("20:00", "09:30")]}])
    assert is_open_until(status_at(hours, at(2026, 6, 7, 21)), at(2026, 6, 8, 18))


def test_overnight_interval_of_the_day_before_runs_into_a_closed_exception():
    hours = weekly({"tue": [span("22:00", "02:00")], "wed": [span("22:00", "02:00")]},
                   exceptions=[{"date": "2026-06-03", "closed": True}])
    assert is_open_until(status_at(hours, at(2026, 6, 3, 1)), at(2026, 6, 3, 2))
    assert is_closed_until(status_at(hours, at(2026, 6, 3, 2)), at(2026, 6, 9, 22))


def test_exception_beyond_the_holiday_data():
    hours = office(public_holidays="closed", exceptions=[{"date": "2027-10-01", "closed": True}])
    assert is_closed_until(status_at(hours, at(2027, 10, 1, 10)), at(2027, 10, 4, 9))
    assert is_open_until(status_at(hours, at(2027, 9, 30, 10)), at(2027, 9, 30, 18))


def test_always_open_with_exceptions_closes_for_them():
    hours = validate_hours({"always_open": True, "exceptions": [
        {"date": "2026-06-10", "intervals": [span("08:00", "20:00")]},
        {"date": "2027-03-01", "closed": True},
    ]})
    assert is_open_until(status_at(hours, at(2026, 6, 1, 12)), at(2026, 6, 10, 0))
    assert is_closed_until(status_at(hours, at(2026, 6, 10, 7)), at(2026, 6, 10, 8))
    assert is_open_until(status_at(hours, at(2026, 6, 10, 9)), at(2026, 6, 10, 20))
    assert is_closed_until(status_at(hours, at(2026, 6, 10, 21)), at(2026, 6, 11, 0))
    assert is_open_until(status_at(hours, at(2026, 6, 11, 0)), at(2027, 3, 1, 0))


def test_next_open_is_searched_366_days_ahead():
    hours = weekly({"mon": []}, exceptions=[{"date": "2027-06-01", "intervals": [span("09:00", "10:00")]}])
    assert is_closed_until(status_at(hours, at(2026, 6, 1, 12)), at(2027, 6, 1, 9))
    assert status_at(hours, at(2026, 5, 30, 12)) == HoursStatus(False, None, None)
