"""Opening hours as a line people read, in each language: ``周一至周五 09:00–18:00``,
``週一至週五 09:00–18:00``, ``Mon–Fri 09:00–18:00``.

Days with the same intervals are joined (a run of consecutive days as a range), the weekly
schedule in week order; "open around the clock", "closed on public holidays" and a time zone
other than Beijing time are said too. Dated exceptions are not (they are in ``hours`` and in
the channel's status at an instant). Unknown hours have no text (None), never "open".

Also the opening state at an instant as a short sentence, for pages (the share page):
"Open now · closes 18:00", "Closed now · opens Mon 09:00" (:func:`open_state_text`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from directory.hours import DAYS, DEFAULT_TIMEZONE, HoursStatus

_DAY_NAMES = {
    "zh-Hans": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "zh-Hant": ("週一", "週二", "週三", "週四", "週五", "週六", "週日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_WORDS = {
    "zh-Hans": {"range": "至", "list": "、", "group": "；", "always": "全天24小时",
                "holidays": "法定节假日休息", "zone": "（{zone}时间）", "and": "，"},
    "zh-Hant": {"range": "至", "list": "、", "group": "；", "always": "全天24小時",
                "holidays": "法定節假日休息", "zone": "（{zone}時間）", "and": "，"},
    "en": {"range": "–", "list": ", ", "group": "; ", "always": "Open 24 hours",
           "holidays": "closed on public holidays", "zone": " ({zone} time)", "and": ", "},
}
HOURS_LANGUAGES = tuple(_WORDS)


def _intervals(day: list[dict[str, str]]) -> str:
    return " ".join(f"{interval['open']}–{interval['close']}" for interval in day)


def _days(indexes: list[int], language: str) -> str:
    """Day indexes (ascending) as runs: ``周一至周五``, ``Mon, Wed``, ``Sat–Sun``."""
    names, words = _DAY_NAMES[language], _WORDS[language]
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = [names[run[0]] if len(run) == 1 else
             (f"{names[run[0]]}{words['list']}{names[run[1]]}" if len(run) == 2 else
              f"{names[run[0]]}{words['range']}{names[run[-1]]}") for run in runs]
    return words["list"].join(parts)


def hours_text(hours: dict[str, Any] | None, language: str) -> str | None:
    """*hours* (the stored, validated shape) as a line in *language* (zh-Hans, zh-Hant, en);
    None when the hours are unknown."""
    if not hours:
        return None
    words = _WORDS.get(language, _WORDS["zh-Hans"])
    language = language if language in _WORDS else "zh-Hans"
    if hours.get("always_open"):
        text = words["always"]
    else:
        weekly = hours.get("weekly") or {}
        groups: dict[str, list[int]] = {}
        for index, day in enumerate(DAYS):
            if weekly.get(day):
                groups.setdefault(_intervals(weekly[day]), []).append(index)
        text = words["group"].join(f"{_days(indexes, language)} {intervals}"
                                   for intervals, indexes in groups.items())
        if not text:
            return None
    if hours.get("public_holidays") == "closed":
        text += words["and"] + words["holidays"]
    zone = hours.get("timezone") or DEFAULT_TIMEZONE
    if zone != DEFAULT_TIMEZONE:
        text += words["zone"].format(zone=zone)
    return text


_TEXT = {
    "zh-Hans": {"open": "现在可联系", "closed": "现在不在服务时间",
                "closes": "{when} 结束", "opens": "{when} 开始"},
    "zh-Hant": {"open": "現在可聯繫", "closed": "現在不在服務時間",
                "closes": "{when} 結束", "opens": "{when} 開始"},
    "en": {"open": "Open now", "closed": "Closed now", "closes": "closes {when}",
           "opens": "opens {when}"},
}


def _when(moment: datetime, now: datetime, language: str) -> str:
    """The clock time of *moment* (in its own zone), with its weekday when not *now*'s day."""
    local_now = now.astimezone(moment.tzinfo)
    clock = moment.strftime("%H:%M")
    if moment.date() == local_now.date():
        return clock
    return f"{_DAY_NAMES[language][moment.weekday()]} {clock}"


def open_state_text(status: HoursStatus, now: datetime, language: str) -> str | None:
    """"Open now · closes 18:00" and the like for *status* at *now*; None when unknown."""
    if status.open_now is None:
        return None
    lang = language if language in _TEXT else "zh-Hans"
    text = _TEXT[lang]
    if status.open_now:
        head, change, key = text["open"], status.next_close, "closes"
    else:
        head, change, key = text["closed"], status.next_open, "opens"
    if change is None:
        return head
    return f"{head} · {text[key].format(when=_when(change, now, lang))}"
