"""The read model (api/read_model.py, directory/listing_reads.py): a kept answer brought to an
instant equals the answer the full path makes at that instant, for every language and listing,
with live statuses, wait reports, tips, dead-number reports and notices that start and end; and
a kept answer is never served once anything it was made of changed, whoever wrote the change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import delete, select, text, update

from api.presenters.enterprises import listing_dump
from api.read_model import make, serve
from api.schemas.enterprises import EnterpriseSchema
from api.state import db_session
from directory.accounts import User
from directory.claims import Claim
from directory.dead_numbers import OutOfServiceReport
from directory.experiences import ALL_HOURS, LiveStatus, ReachCount, VoiceCount, WaitCount
from directory.listing_detail import listing_detail
from directory.listing_reads import ListingRead, ready
from directory.models import Channel, Enterprise, EnterpriseRegion, Notice
from directory.tips import Tip
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import CONSUMER_RECORDS, enterprise

RICH = "ent_00000000d001"
WEEKDAYS = {"timezone": "Asia/Shanghai", "weekly": {
    day: [{"open": "09:00", "close": "18:00"}] for day in ("mon", "tue", "wed", "thu", "fri")},
    "public_holidays": "closed"}
NEW_YORK = {"timezone": "America/New_York", "weekly": {
    day: [{"open": "08:00", "close": "20:00"}] for day in ("mon", "tue", "wed", "thu", "fri", "sat")}}
BUILT = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # a Monday, 16:30 in Beijing
LATER = [timedelta(0), timedelta(minutes=40), timedelta(hours=3), timedelta(hours=14),
         timedelta(days=2, hours=5), timedelta(days=6), timedelta(days=12), timedelta(days=33),
         timedelta(days=45)]
LANGUAGES = ("zh-Hans", "zh-Hant", "en")

RECORDS = [*CONSUMER_RECORDS, enterprise(
    RICH, names={"zh-Hans": "测试航空", "zh-Hant": "測試航空", "en": "Test Airways"},
    regions=["CN", "US"], channels=[
        {"kind": "phone", "value": "95583", "source": "test:rich", "hours": WEEKDAYS,
         "menu": [{"intent": "人工服务", "keys": "0"}], "to_person": "0"},
        {"kind": "phone", "value": "4008100999", "source": "test:rich", "label": "客服热线",
         "hours": {"timezone": "Asia/Shanghai", "always_open": True}},
        {"kind": "phone", "value": "+18008828888", "source": "test:rich", "regions": ["US"],
         "label": "US & Canada", "hours": NEW_YORK},
        {"kind": "email", "value": "service@example.com", "source": "test:rich"},
        {"kind": "social", "value": "https://x.com/testairways", "platform": "x",
         "source": "test:rich"},
        {"kind": "webchat", "value": "https://chat.example.com/", "source": "test:rich",
         "hours": WEEKDAYS},
    ])]


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    yield from client_over_records(request, tmp_path_factory, RECORDS)


def _channels(session, enterprise_id: str) -> dict[str, Channel]:
    return {c.value: c for c in session.scalars(select(Channel).where(
        Channel.enterprise_id == enterprise_id))}


@pytest.fixture(scope="module")
def crowded(client):
    """The rich listing with what people and its owner added: users, live statuses (one
    ending within the hour), reports of waits (enough per hour of week on one line), tips (one
    hidden), three accounts reporting a number dead (one before the owner confirmed it), a
    verified claim, and notices that started, start later, ended or are hidden."""
    app = client.application
    with app.app_context():
        session = db_session()
        users = [User(id=f"usr_read{n:04d}", email=f"reader{n}@example.com", password_hash="x")
                 for n in range(12)]
        session.add_all(users)
        lines = _channels(session, RICH)
        main, hotline = lines["95583"], lines["4008100999"]
        us = next(c for c in lines.values() if c.regions == ["US"])
        session.add_all([
            LiveStatus(channel_id=main.id, state="open", wait_minutes=12, message="排队中",
                       expires_at=BUILT + timedelta(minutes=30), updated_at=BUILT - timedelta(minutes=5),
                       updated_by="test"),
            LiveStatus(channel_id=us.id, state="incident", wait_minutes=None, message="Outage",
                       expires_at=BUILT + timedelta(days=3), updated_at=BUILT - timedelta(hours=1),
                       updated_by="test"),
        ])
        for hour, accounts in ((ALL_HOURS, 9), (8 + 24 * 0, 6), (16, 5), (17, 2)):
            session.add(VoiceCount(channel_id=hotline.id, hour_of_week=hour, accounts=accounts))
        for hour in (8, 16, 17):
            session.add(ReachCount(channel_id=hotline.id, hour_of_week=hour, reports=7, weight=7,
                                   reached_person=4, resolved_known=5, resolved=3))
            for minutes, count in ((3, 2), (10 + hour, 4), (40, 1)):
                session.add(WaitCount(channel_id=hotline.id, hour_of_week=hour, minutes=minutes,
                                      count=count))
        session.add(ReachCount(channel_id=main.id, hour_of_week=30, reports=2, weight=2,
                               reached_person=1, resolved_known=0, resolved=0))
        session.add(WaitCount(channel_id=main.id, hour_of_week=30, minutes=7, count=2))
        session.add(VoiceCount(channel_id=main.id, hour_of_week=ALL_HOURS, accounts=2))
        session.add_all([Tip(id=f"tip_read{n:04d}", channel_id=main.id, enterprise_id=RICH,
                             user_id=users[n].id, keys="0", hidden=n == 2) for n in range(3)])
        hotline.value_confirmed_at = BUILT - timedelta(days=20)
        for n, days in enumerate((1, 4, 9, 25)):  # the one of 25 days ago predates the confirmation
            session.add(OutOfServiceReport(channel_id=hotline.id, user_id=users[n].id,
                                           reported_at=BUILT - timedelta(days=days)))
        for n, days in enumerate((2, 10, 18)):
            session.add(OutOfServiceReport(channel_id=main.id, user_id=users[n].id,
                                           reported_at=BUILT - timedelta(days=days)))
        session.add(Claim(id="clm_read0001", enterprise_id=RICH, user_id=users[0].id,
                          method="email", email="owner@example.com", status="verified",
                          decided_at=BUILT - timedelta(days=3)))
        session.execute(update(Enterprise).where(Enterprise.id == RICH).values(verified=True))
        for n, (start, end, severity, hidden) in enumerate((
                (-2, None, "info", False), (-1, 1, "critical", False), (3, 8, "warning", False),
                (-9, -1, "warning", False), (-1, None, "critical", True), (-1, 40, "warning", False))):
            session.add(Notice(id=f"ntc_read{n:04d}", enterprise_id=RICH, title=f"通知 {n}",
                               body="正文", severity=severity, hidden=hidden,
                               valid_from=BUILT + timedelta(days=start),
                               valid_until=BUILT + timedelta(days=end) if end is not None else None,
                               links=[{"label": "改签", "url": "https://example.com/rebook"}]))
        session.commit()
    return client


def _full(session, enterprise_id: str, language: str, at: datetime) -> dict:
    detail = listing_detail(session, enterprise_id, at=at, language=language)
    return EnterpriseSchema().dump(listing_dump(detail, language=language, platform="any",
                                                topic=None, region=None, at=at))


def _same(value) -> object:  # as a client reads it
    return orjson.loads(orjson.dumps(value))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_kept_answer_brought_to_any_later_instant_is_the_full_answer(crowded, language):
    app = crowded.application
    ids = [RICH, *(record["id"] for record in CONSUMER_RECORDS)]
    with app.test_request_context():
        session = db_session()
        for enterprise_id in ids:
            made, _generation, blob, _card = make(session, enterprise_id, language, BUILT)
            assert _same(made) == _same(_full(session, enterprise_id, language, BUILT))
            for later in LATER:
                at = BUILT + later
                assert _same(serve(blob, at, language)) == _same(
                    _full(session, enterprise_id, language, at)), (enterprise_id, later)


def test_the_rich_listing_exercises_what_changes_with_time(crowded):
    """The equality above would be empty if nothing changed: the rich listing's answer does
    change between the instants (order, open now, live, waits, the dead-number hint, notices)."""
    app = crowded.application
    with app.test_request_context():
        session = db_session()
        answers = [_full(session, RICH, "zh-Hans", BUILT + later) for later in LATER]
    orders = {tuple(c["id"] for c in answer["channels"]) for answer in answers}
    notices = {tuple(n["id"] for n in answer["notices"]) for answer in answers}
    hints = {tuple(h["code"] for c in answer["channels"] if c["phone"] for h in c["phone"]["hints"])
             for answer in answers}
    bases = {c["expected_wait"]["basis"] for answer in answers for c in answer["channels"]}
    hours = {c["expected_wait"]["hour_of_week"] for answer in answers for c in answer["channels"]}
    assert len(orders) > 1 and len(notices) > 2 and len(hints) > 1
    assert {"live", "reported", "unknown"} <= bases and len(hours - {None}) >= 1
    assert any(c["live"] for c in answers[0]["channels"]) and not any(
        c["live"] for c in answers[-1]["channels"])


def test_reads_come_from_the_kept_answer_until_the_listing_changes(crowded):
    app = crowded.application
    first = crowded.get(f"/v1/enterprises/{RICH}", headers={"Accept-Language": "en"})
    assert first.status_code == 200
    with app.app_context():
        assert ready(db_session(), RICH, "en") is not None  # kept by the first read
        db_session().rollback()
    again = crowded.get(f"/v1/enterprises/{RICH}", headers={"Accept-Language": "en"})
    assert again.get_json()["channels"] == first.get_json()["channels"]
    with app.app_context():
        session = db_session()
        session.execute(update(Channel).where(Channel.value == "service@example.com")
                        .values(label="Customer care"))
        session.commit()
        assert ready(session, RICH, "en") is None
    changed = crowded.get(f"/v1/enterprises/{RICH}", headers={"Accept-Language": "en"}).get_json()
    assert [c["label"] for c in changed["channels"] if c["value"] == "service@example.com"] == [
        "Customer care"]


# Each write, on each table an answer is made of, makes the kept answers of that listing (and
# only of that listing) out of date: through the ORM here, by SQL below.
def _writes(session, channel: Channel):
    user = session.scalar(select(User).limit(1))
    yield "enterprises", lambda: session.execute(
        update(Enterprise).where(Enterprise.id == RICH).values(description="x"))
    yield "enterprise_regions", lambda: session.add(EnterpriseRegion(enterprise_id=RICH, code="HK"))
    yield "channels", lambda: setattr(channel, "label", "新标签")
    yield "notices", lambda: session.execute(update(Notice).where(Notice.enterprise_id == RICH)
                                             .values(title="改"))
    yield "claims", lambda: session.execute(update(Claim).where(Claim.enterprise_id == RICH)
                                            .values(note="checked"))
    yield "tips", lambda: session.execute(update(Tip).where(Tip.enterprise_id == RICH)
                                          .values(hidden=True))
    yield "out_of_service_reports", lambda: session.execute(
        delete(OutOfServiceReport).where(OutOfServiceReport.channel_id == channel.id))
    yield "wait_counts", lambda: session.add(WaitCount(channel_id=channel.id, hour_of_week=99,
                                                       minutes=5, count=1))
    yield "reach_counts", lambda: session.add(ReachCount(channel_id=channel.id, hour_of_week=99,
                                                         reports=1, weight=1))
    yield "voice_counts", lambda: session.add(VoiceCount(channel_id=channel.id, hour_of_week=99,
                                                         accounts=1))
    yield "live_statuses", lambda: session.execute(delete(LiveStatus).where(
        LiveStatus.channel_id == channel.id))
    yield "out_of_service_reports (insert)", lambda: session.add(OutOfServiceReport(
        channel_id=channel.id, user_id=user.id, reported_at=BUILT))


def test_every_table_an_answer_is_made_of_makes_it_out_of_date(crowded):
    app = crowded.application
    with app.test_request_context():
        session = db_session()
        channel = _channels(session, RICH)["95583"]
        for table, write in _writes(session, channel):
            for enterprise_id in (RICH, CONSUMER_RECORDS[0]["id"]):
                _answer, generation, blob, _card = make(session, enterprise_id, "zh-Hans", BUILT)
                session.merge(ListingRead(enterprise_id=enterprise_id, language="zh-Hans",
                                          generation=generation, body=blob))
            session.commit()
            assert ready(session, RICH, "zh-Hans") is not None, table
            write()
            session.commit()
            assert ready(session, RICH, "zh-Hans") is None, table
            assert ready(session, CONSUMER_RECORDS[0]["id"], "zh-Hans") is not None, table


def test_writes_that_bypass_the_code_make_answers_out_of_date_too(crowded):
    app = crowded.application
    with app.test_request_context():
        session = db_session()
        _answer, generation, blob, _card = make(session, RICH, "en", BUILT)
        session.merge(ListingRead(enterprise_id=RICH, language="en", generation=generation,
                                  body=blob))
        session.commit()
        session.execute(text("UPDATE channels SET value = '95584' WHERE value = '95583'"))
        session.commit()
        assert ready(session, RICH, "en") is None
        session.execute(text("UPDATE channels SET value = '95583' WHERE value = '95584'"))
        session.commit()


def test_a_suspended_listing_is_not_served_from_its_kept_answer(crowded):
    app = crowded.application
    ident = CONSUMER_RECORDS[1]["id"]
    assert crowded.get(f"/v1/enterprises/{ident}").status_code == 200
    with app.app_context():
        session = db_session()
        session.execute(update(Enterprise).where(Enterprise.id == ident).values(status="suspended"))
        session.commit()
    assert crowded.get(f"/v1/enterprises/{ident}").status_code == 404
    with app.app_context():
        session = db_session()
        session.execute(update(Enterprise).where(Enterprise.id == ident).values(status="active"))
        session.commit()


def test_a_read_that_changes_nothing_keeps_the_generation(crowded):
    app = crowded.application
    with app.app_context():
        session = db_session()
        before = session.scalar(select(Enterprise.read_generation).where(Enterprise.id == RICH))
        session.rollback()
    for path in (f"/v1/enterprises/{RICH}", f"/v1/enterprises/{RICH}?platform=ios",
                 "/v1/enterprises?limit=5", "/v1/search?q=测试"):
        assert crowded.get(path).status_code == 200, path
    with app.app_context():
        after = db_session().scalar(select(Enterprise.read_generation).where(Enterprise.id == RICH))
    assert after == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_lean_summaries_are_the_summaries_the_schema_dumps(app, language):
    """Lists and lookup read summaries lean (directory/summaries.py) and skip the schema on the
    way out: for every bundled listing and a few regions, the same answer as the ORM objects
    through summary_dump and EnterpriseSummarySchema."""
    from api.presenters.enterprises import summary_answer, summary_dump
    from api.schemas.enterprises import EnterpriseSummarySchema
    from directory.summaries import listing_summaries

    schema = EnterpriseSummarySchema()
    with app.test_request_context():
        session = db_session()
        listings = session.scalars(select(Enterprise).where(Enterprise.status == "active")).all()
        lean = listing_summaries(session, [e.id for e in listings])
        assert [s.id for s in lean] == [e.id for e in listings]
        for region in (None, "CN", "440300", "HK", "US"):
            assert [summary_answer(s, language, region) for s in lean] == [
                schema.dump(summary_dump(e, language, region)) for e in listings], region


def test_a_kept_answer_costs_one_statement(crowded):
    from tests.helpers.statements import statements_run

    app = crowded.application
    path = f"/v1/enterprises/{RICH}"
    assert crowded.get(path, headers={"Accept-Language": "zh-Hant"}).status_code == 200  # kept
    with statements_run(app.extensions["c800"].engine) as ran:
        # another URL than the first read's (the response cache keeps that one)
        answer = crowded.get(f"{path}?fields=name,channels.id", headers={"Accept-Language": "zh-Hant"})
    statements = [statement for statement, _ in ran]
    assert answer.status_code == 200 and answer.get_json()["name"] == "測試航空"
    assert answer.get_json()["channels"][0] == {"id": answer.get_json()["channels"][0]["id"]}
    assert len(statements) == 1 and "listing_reads" in statements[0], statements
