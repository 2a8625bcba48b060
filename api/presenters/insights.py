"""Insights as the API shows them: counts per channel and day, and over the period."""

from __future__ import annotations

from directory.contacts import INSIGHT_COUNTS
from directory.insights import Insights


def insights_dump(insights: Insights) -> dict:
    items = [{"channel_id": day.channel_id, "kind": insights.kinds.get(day.channel_id),
              "day": day.day, **{name: getattr(day, name) for name in INSIGHT_COUNTS}}
             for day in insights.days]
    return {"enterprise_id": insights.enterprise_id, "start": insights.start, "end": insights.end,
            "items": items, "totals": insights.totals}
