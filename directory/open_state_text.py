"""A channel's opening state as a short sentence in zh-Hans, zh-Hant or en, for pages (the
share page of ``api/resources/share.py``): "Open now · closes 18:00", "Closed · opens Mon 09:00".

Times are the channel's own wall-clock time (``HoursStatus`` gives them in its zone); a change
on another day names the weekday. Unknown hours give ``None``: nothing is said.
"""

from __future__ import annotations

from datetime import datetime

from directory.hours import HoursStatus

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
_WEEKDAYS = {
    "zh-Hans": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "zh-Hant": ("週一", "週二", "週三", "週四", "週五", "週六", "週日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_TEXT = {
    "zh-Hans": {"open": "现在可联系", "closed": "现在不在服务时间",
                "closes": "{when} 结束", "opens": "{when} 开始"},
    "zh-Hant": {"open": "現在可聯繫", "closed": "現在不在服務時間",
                "closes": "{when} 結束", "opens": "{when} 開始"},
    "en": {"open": "Open now", "closed": "Closed now", "closes": "closes {when}",
           "opens": "opens {when}"},
}


def _when(moment: datetime, now: datetime, language: str) -> str:
    local_now = now.astimezone(moment.tzinfo)
    clock = moment.strftime("%H:%M")
    if moment.date() == local_now.date():
        return clock
    return f"{_WEEKDAYS[language][moment.weekday()]} {clock}"


def open_state_text(status: HoursStatus, now: datetime, language: str) -> str | None:
    """"Open now · closes 18:00" and the like for *status* at *now*; None when unknown."""
    if status.open_now is None:
        return None
    text = _TEXT[language if language in _TEXT else "zh-Hans"]
    lang = language if language in _TEXT else "zh-Hans"
    if status.open_now:
        head, change, key = text["open"], status.next_close, "closes"
    else:
        head, change, key = text["closed"], status.next_open, "opens"
    if change is None:
        return head
    return f"{head} · {text[key].format(when=_when(change, now, lang))}"
