"""Aggregates of experiences: nearest-rank percentiles, hours of week in the channel's time zone,
and counters that lose nothing when consumers report at the same moment (real concurrent
transactions on SQLite and PostgreSQL)."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from directory.accounts import create_user
from directory.contacts import ChannelDay
from directory.experiences import (
    ReachCount,
    WaitCount,
    hour_of_week,
    percentile,
    record_experience,
    wait_summaries,
)
from directory.importer import import_directory
from directory.models import Channel
from tests.directory.test_importer import enterprise, write_data

BACKENDS = pytest.mark.parametrize("fresh_database", ["sqlite", "postgresql"], indirect=True)


@pytest.mark.parametrize(("histogram", "p", "expected"), [
    ([], 50, None),
    ([(7, 1)], 50, 7), ([(7, 1)], 90, 7),
    ([(1, 1), (2, 1), (3, 1), (4, 1)], 50, 2),  # rank ceil(2) = 2
    ([(1, 1), (2, 1), (3, 1), (4, 1)], 90, 4),  # rank ceil(3.6) = 4
    ([(0, 9), (60, 1)], 90, 0), ([(0, 9), (60, 2)], 90, 60),
    ([(m, 1) for m in range(1, 101)], 90, 90),
])
def test_nearest_rank_percentiles(histogram, p, expected):
    assert percentile(histogram, p) == expected


def test_hours_of_week_are_counted_in_the_channels_time_zone():
    instant = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai
    assert hour_of_week(instant, ZoneInfo("Asia/Shanghai")) == 9
    assert hour_of_week(instant, ZoneInfo("Europe/London")) == 1
    assert hour_of_week(instant, ZoneInfo("America/New_York")) == 6 * 24 + 20  # Sunday 20:30
    assert hour_of_week(datetime(2026, 12, 6, 15, 59, tzinfo=UTC), ZoneInfo("Asia/Shanghai")) == 167


@BACKENDS
def test_concurrent_reports_lose_no_count(session_factory, tmp_path):
    with session_factory() as session:
        import_directory(session, write_data(tmp_path / "d", [enterprise()]))
        users = [create_user(session, f"c{i}@example.com", "a long enough password").id for i in range(8)]
        session.commit()
        channel_id = session.scalars(select(Channel.id).where(Channel.kind == "phone")).one()
    at = datetime.now(UTC) - timedelta(minutes=5)
    barrier = threading.Barrier(len(users))
    failures: list[BaseException] = []

    def report(user_id: str, minutes: int) -> None:
        try:
            with session_factory() as session:
                channel = session.get(Channel, channel_id)
                barrier.wait(timeout=10)
                record_experience(session, channel, user_id, waited_minutes=minutes,
                                  reached_person=minutes % 2 == 0, resolved=None, at=at,
                                  experience_id=f"exp_{secrets.token_hex(8)}")
                session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=report, args=(user, 3 if i < 6 else 10))
               for i, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with session_factory() as session:
        assert session.scalar(select(func.sum(WaitCount.count))) == 8
        assert session.scalar(select(WaitCount.count).where(WaitCount.minutes == 3)) == 6
        reach = session.scalars(select(ReachCount)).one()
        assert (reach.reports, reach.reached_person, reach.resolved_known) == (8, 2, 0)
        day = session.scalars(select(ChannelDay)).one()
        assert (day.experiences, day.reached_person, day.enterprise_id) == (8, 2, "ent_000000000001")
        summary = wait_summaries(session, [channel_id])[channel_id]
        assert (summary.sample_size, summary.median_minutes, summary.p90_minutes) == (8, 3, 10)
        assert summary.reached_person_share == 0.25 and summary.resolved_share is None
