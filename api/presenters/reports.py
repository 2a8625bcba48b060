"""Reports of wrong information as the API shows them."""

from __future__ import annotations

from directory.claims import Report


def report_dump(report: Report) -> dict:
    return {name: getattr(report, name) for name in ("id", "enterprise_id", "channel_id", "topic",
                                                     "message", "status", "created_at",
                                                     "resolution")}
