"""Opening hours as a line people read, per language."""

from __future__ import annotations

import pytest

from directory.hours_text import hours_text

WEEKDAYS = {day: [{"open": "09:00", "close": "18:00"}] for day in ("mon", "tue", "wed", "thu", "fri")}
OFFICE = {"timezone": "Asia/Shanghai", "weekly": {**WEEKDAYS, "sat": [{"open": "10:00", "close": "16:00"}]},
          "public_holidays": "closed", "workday_schedule": "mon"}


@pytest.mark.parametrize(("language", "text"), [
    ("zh-Hans", "周一至周五 09:00–18:00；周六 10:00–16:00，法定节假日休息"),
    ("zh-Hant", "週一至週五 09:00–18:00；週六 10:00–16:00，法定節假日休息"),
    ("en", "Mon–Fri 09:00–18:00; Sat 10:00–16:00, closed on public holidays"),
])
def test_a_weekly_schedule_reads_as_people_write_it(language, text):
    assert hours_text(OFFICE, language) == text


def test_runs_lists_split_intervals_and_other_time_zones():
    split = [{"open": "09:00", "close": "12:00"}, {"open": "13:00", "close": "17:30"}]
    hours = {"timezone": "Asia/Hong_Kong", "weekly": {"mon": split, "wed": split,
                                                     "sat": [{"open": "22:00", "close": "02:00"}],
                                                     "sun": [{"open": "22:00", "close": "02:00"}]}}
    assert hours_text(hours, "en") == ("Mon, Wed 09:00–12:00 13:00–17:30; Sat, Sun 22:00–02:00 "
                                       "(Asia/Hong_Kong time)")
    assert hours_text(hours, "zh-Hans") == ("周一、周三 09:00–12:00 13:00–17:30；周六、周日 22:00–02:00"
                                            "（Asia/Hong_Kong时间）")


def test_always_open_unknown_and_never_open():
    assert hours_text({"timezone": "Asia/Shanghai", "always_open": True}, "zh-Hans") == "全天24小时"
    assert hours_text({"timezone": "Asia/Shanghai", "always_open": True}, "en") == "Open 24 hours"
    assert hours_text(None, "en") is None  # unknown is never "open"
    assert hours_text({"timezone": "Asia/Shanghai", "weekly": {}}, "en") is None
