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
from directory.channel_time import hour_of_week
from directory.contacts import ChannelDay
from directory.experience_summaries import percentile, wait_summaries
from directory.experiences import (
    ALL_HOURS,
    FULL_WEIGHT,
    NEW_ACCOUNT_WEIGHT,
    Experience,
    ExperienceError,
    ExperienceVoice,
    ReachCount,
    VoiceCount,
    WaitCount,
    record_experience,
    withdraw_experience,
)
from directory.importer import import_directory
from directory.models import Channel
from tests.factories import enterprise, write_data

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
        assert summary.accounts == 8 and summary.small_sample  # 8 accounts: fewer than 10
        assert session.scalar(select(func.count()).select_from(ExperienceVoice)) == 16  # hour, all


# --- what the public sees rests on accounts, not on reports -----------------------------------

def _listing(session, tmp_path) -> str:  # noqa: ANN001
    import_directory(session, write_data(tmp_path / "d", [enterprise()]))
    session.commit()
    return session.scalars(select(Channel.id).where(Channel.kind == "phone")).one()


def _accounts(session, count: int, *, age: timedelta = timedelta(days=30)) -> list[str]:  # noqa: ANN001
    """*count* accounts made *age* ago."""
    made = []
    for _ in range(count):
        user = create_user(session, f"a{secrets.token_hex(6)}@example.com", "a long enough password")
        user.created_at = datetime.now(UTC) - age
        made.append(user)
    session.commit()
    return [user.id for user in made]


def _report(session, channel_id: str, user_id: str, minutes: int, at: datetime, *,  # noqa: ANN001
            reached: bool = True) -> Experience:
    experience = record_experience(session, session.get(Channel, channel_id), user_id,
                                   waited_minutes=minutes, reached_person=reached, resolved=None,
                                   at=at, experience_id=f"exp_{secrets.token_hex(8)}", now=at)
    session.commit()
    return experience


def _overall(session, channel_id: str):  # noqa: ANN001, ANN202
    return wait_summaries(session, [channel_id])[channel_id]


@pytest.mark.slow
@BACKENDS
def test_a_burst_from_two_accounts_does_not_move_the_median(session_factory, tmp_path):
    """Two new accounts report 480 minutes and no person on seven days running; twenty
    established accounts report 5 minutes and a person: the median stays 5, and the two
    accounts alone are a small sample however many reports they file."""
    with session_factory() as session:
        channel_id = _listing(session, tmp_path)
        burst = _accounts(session, 2, age=timedelta(hours=1))
        now = datetime.now(UTC)
        for day in range(7):
            for user_id in burst:
                _report(session, channel_id, user_id, 480, now - timedelta(days=6 - day), reached=False)
        alone = _overall(session, channel_id)
        assert session.scalar(select(func.count()).select_from(Experience)) == 14
        assert alone.accounts == 2 and alone.small_sample
        assert alone.sample_size <= 4  # one report per account and week counts (7 days: 2 weeks)
        for user_id in _accounts(session, 20):
            _report(session, channel_id, user_id, 5, now)
        crowd = _overall(session, channel_id)
        assert crowd.median_minutes == 5 and crowd.p90_minutes == 5
        assert crowd.accounts == 22 and not crowd.small_sample
        assert crowd.reached_person_share >= 0.95  # 20 x 4 of at most 80 + 4


@BACKENDS
def test_new_accounts_weigh_a_quarter(session_factory, tmp_path):
    with session_factory() as session:
        channel_id = _listing(session, tmp_path)
        now = datetime.now(UTC)
        (established,) = _accounts(session, 1)
        _report(session, channel_id, established, 10, now)
        for user_id in _accounts(session, 3, age=timedelta(days=6)):
            _report(session, channel_id, user_id, 60, now, reached=False)
        summary = _overall(session, channel_id)
        # weights 4 (10 min) and 1 + 1 + 1 (60 min): rank ceil(3.5) = 4 falls on 10 minutes
        assert summary.median_minutes == 10 and summary.p90_minutes == 60
        assert (summary.sample_size, summary.accounts) == (4, 4)
        assert summary.reached_person_share == round(4 / 7, 3)
        weights = sorted(session.scalars(select(Experience.weight)).all())
        assert weights == [NEW_ACCOUNT_WEIGHT] * 3 + [FULL_WEIGHT]


@BACKENDS
def test_one_report_an_account_and_week_counts_and_a_withdrawn_one_is_replaced(session_factory, tmp_path):
    tuesday = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # Tuesday 12:00 in Shanghai
    with session_factory() as session:
        channel_id = _listing(session, tmp_path)
        (user_id,) = _accounts(session, 1)
        monday = _report(session, channel_id, user_id, 20, tuesday - timedelta(days=1))
        second = _report(session, channel_id, user_id, 30, tuesday)
        next_week = _report(session, channel_id, user_id, 40, tuesday + timedelta(days=6))
        assert (monday.weight, second.weight, next_week.weight) == (FULL_WEIGHT, 0, FULL_WEIGHT)
        summary = _overall(session, channel_id)
        assert (summary.sample_size, summary.accounts) == (2, 1)
        assert sorted(map(tuple, session.execute(select(WaitCount.minutes, WaitCount.count)))) == [
            (20, FULL_WEIGHT), (40, FULL_WEIGHT)]
        withdraw_experience(session, monday, session.get(Channel, channel_id))
        session.commit()
        assert session.get(Experience, second.id).weight == FULL_WEIGHT  # it takes the place
        assert sorted(map(tuple, session.execute(select(WaitCount.minutes, WaitCount.count)))) == [
            (30, FULL_WEIGHT), (40, FULL_WEIGHT)]
        for experience in (second, next_week):
            withdraw_experience(session, session.get(Experience, experience.id),
                                session.get(Channel, channel_id))
            session.commit()
        for table in (WaitCount, ReachCount, ExperienceVoice, VoiceCount):
            assert session.scalar(select(func.count()).select_from(table)) == 0, table
        assert _overall(session, channel_id).sample_size == 0


@BACKENDS
def test_reports_older_than_24_hours_are_refused(session_factory, tmp_path):
    with session_factory() as session:
        channel_id = _listing(session, tmp_path)
        (user_id,) = _accounts(session, 1)
        now = datetime.now(UTC)
        with pytest.raises(ExperienceError, match="24 hours") as refused:
            record_experience(session, session.get(Channel, channel_id), user_id, waited_minutes=5,
                              reached_person=True, resolved=None, at=now - timedelta(hours=25),
                              experience_id="exp_0000000000000001")
        assert refused.value.field == "at"
        _report(session, channel_id, user_id, 5, now - timedelta(hours=23))


@BACKENDS
def test_concurrent_reports_of_one_account_in_a_week_count_once(session_factory, tmp_path):
    """Each of four accounts files two reports at the same moment, for two days of one week:
    exactly one of each counts, and the distinct accounts are exact."""
    tuesday = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    with session_factory() as session:
        channel_id = _listing(session, tmp_path)
        users = _accounts(session, 4)
    jobs = [(user, at) for user in users for at in (tuesday - timedelta(hours=16), tuesday)]
    barrier = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def report(user_id: str, at: datetime) -> None:
        try:
            with session_factory() as session:
                channel = session.get(Channel, channel_id)
                barrier.wait(timeout=10)
                record_experience(session, channel, user_id, waited_minutes=7, reached_person=True,
                                  resolved=None, at=at, experience_id=f"exp_{secrets.token_hex(8)}",
                                  now=tuesday)
                session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=report, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Experience)) == 8
        weights = session.scalars(select(Experience.weight).where(Experience.weight > 0)).all()
        assert weights == [FULL_WEIGHT] * 4
        summary = _overall(session, channel_id)
        assert (summary.sample_size, summary.accounts, summary.median_minutes) == (4, 4, 7)
        assert session.scalar(select(func.sum(WaitCount.count))) == 4 * FULL_WEIGHT
        assert session.scalar(select(VoiceCount.accounts).where(VoiceCount.hour_of_week == ALL_HOURS)) == 4
