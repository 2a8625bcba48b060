"""Instants and days taken from outside (query parameters, bodies, cursors), held to a range
around now.

An RFC 3339 instant may be anything from year 1 to 9999 with an offset up to ±23:59; such a
value overflows as soon as it is turned to UTC, to a local time zone or moved by a day. Every
instant a request gives is therefore read with :class:`Instant` (or checked with
:func:`bounded_instant`), which refuses with a message naming the range whatever lies outside
it, before any arithmetic is done on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from marshmallow import ValidationError, fields

# What a query asks about ("what is open at ...", "what wait to expect at ..."): a year either way.
QUERY_RANGE = timedelta(days=366)
# What a body sets (a notice's period, a callback window, a live status, a report): ten years
# either way; the use cases narrow it further.
BODY_RANGE = timedelta(days=3660)


def _years(span: timedelta) -> str:
    years = round(span.days / 365.25)
    return "a year" if years == 1 else f"{years} years"


def bounded_instant(value: datetime, span: timedelta, *, now: datetime | None = None) -> datetime:
    """*value* in UTC when it has an offset and lies within *span* of now; ValueError otherwise."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("An instant needs an offset (RFC 3339, e.g. 2026-12-02T09:30:00+08:00).")
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        moment = None
    now = now or datetime.now(UTC)
    if moment is None or not now - span <= moment <= now + span:
        raise ValueError(f"An instant within {_years(span)} of now.")
    return moment


def bounded_day(value: date, span: timedelta, *, today: date | None = None) -> date:
    """*value* when it lies within *span* of today; ValueError otherwise."""
    today = today or datetime.now(UTC).date()
    if abs((value - today).days) > span.days:
        raise ValueError(f"A day within {_years(span)} of today.")
    return value


class Instant(fields.AwareDateTime):
    """An RFC 3339 date-time with an offset, within *span* of now (QUERY_RANGE by default)."""

    def __init__(self, *, span: timedelta = QUERY_RANGE, **kwargs: Any) -> None:
        kwargs.setdefault("format", "iso")
        super().__init__(**kwargs)
        self.span = span

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            bounded_instant(moment, self.span)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        return moment


class Day(fields.Date):
    """A calendar day (YYYY-MM-DD) within *span* of today."""

    def __init__(self, *, span: timedelta = BODY_RANGE, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.span = span

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        try:
            return bounded_day(day, self.span)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
