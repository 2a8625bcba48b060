"""Experiences as the API shows them: a consumer's report, and what a channel's reports add up
to (aggregates only: no report and no reporter)."""

from __future__ import annotations

from api.presenters.channels import wait_dump
from directory.experience_summaries import ChannelWaits, WaitSummary
from directory.experiences import Experience


def experience_dump(experience: Experience) -> dict:
    return {**{name: getattr(experience, name) for name in (
        "id", "channel_id", "enterprise_id", "day", "hour_of_week", "waited_minutes",
        "reached_person", "resolved", "at")}, "counted": experience.weight > 0}


def summary_dump(summary: WaitSummary) -> dict:
    return {"sample_size": summary.sample_size, "accounts": summary.accounts,
            "median_minutes": summary.median_minutes,
            "p90_minutes": summary.p90_minutes,
            "reached_person_share": summary.reached_person_share,
            "resolved_share": summary.resolved_share, "small_sample": summary.small_sample}


def waits_dump(waits: ChannelWaits) -> dict:
    return {"channel_id": waits.channel.id, "enterprise_id": waits.enterprise.id,
            "timezone": waits.timezone, "overall": summary_dump(waits.overall),
            "by_hour_of_week": [{"hour_of_week": hour, **summary_dump(summary)}
                                for hour, summary in waits.by_hour_of_week.items()],
            **wait_dump(waits.expected)}
