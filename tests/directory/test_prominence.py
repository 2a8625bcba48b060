"""Prominence: the documented points of each signal, a listing's signals read from the
directory, and the score reaching the search document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.experiences import ReachCount
from directory.indexing.documents import iter_documents
from directory.models import Channel, Enterprise
from directory.prominence import MAX_SCORE, Signals, prominence_of, report_counts, score, signals_of
from search.documents import MAX_PROMINENCE
from tests.directory.test_indexing import listing, load

NOTHING = Signals(mainland=False)


@pytest.mark.parametrize(("signals", "points"), [
    (NOTHING, 0),
    (Signals(), 150),  # serves mainland China (no regions: nationwide or unknown)
    (Signals(mainland=False, verified=True), 400),
    (Signals(mainland=False, wikidata=True), 300),
    (Signals(mainland=False, chinese_name=True), 300),
    (Signals(mainland=False, contact_channels=1), 80),
    (Signals(mainland=False, contact_channels=3), 160),
    (Signals(mainland=False, contact_channels=7), 240),
    (Signals(mainland=False, contact_channels=31), 400),
    (Signals(mainland=False, contact_channels=500), 400),  # capped at 31
    (Signals(mainland=False, aliases=2), 50),
    (Signals(mainland=False, aliases=9), 75),  # capped at 3
    (Signals(mainland=False, reports=1), 100),
    (Signals(mainland=False, reports=63), 600),
    (Signals(mainland=False, reports=10**6), 600),  # capped at 63
    (Signals(mainland=False, contact_channels=-4, aliases=-1, reports=-9), 0),
    # 中国移动 in the bundled data: Chinese name, mainland, 14 lines, one alias
    (Signals(chinese_name=True, contact_channels=14, aliases=1), 300 + 150 + 313 + 25),
])
def test_the_documented_points(signals: Signals, points: int) -> None:
    assert score(signals) == points


def test_the_highest_score_fits_every_engine() -> None:
    assert MAX_SCORE == 2225 <= MAX_PROMINENCE


def test_a_listing_with_more_channels_or_a_chinese_name_comes_first() -> None:
    few = Signals(chinese_name=True, contact_channels=3)
    assert score(Signals(chinese_name=True, contact_channels=14)) > score(few)
    assert score(few) > score(Signals(contact_channels=3))
    assert score(few) > score(Signals(chinese_name=True, contact_channels=3, mainland=False))


def test_signals_and_reports_are_read_from_the_directory(session_factory, tmp_path) -> None:
    channels = [
        {"kind": "phone", "value": "95588", "source": "t"},
        {"kind": "email", "value": "help@example.com", "source": "t"},
        {"kind": "phone", "value": "4008208820", "source": "t"},  # hidden below
        {"kind": "social", "value": "https://x.com/icbc", "source": "t"},  # on X: not counted
        {"kind": "social", "value": "https://m.facebook.com/icbc", "source": "t"},  # nor Facebook
        {"kind": "sms", "value": "1065795555", "direction": "outbound_only", "source": "t"},
    ]
    with session_factory() as session:
        load(session, tmp_path / "d", [
            listing("ent_000000000001", "工商银行", aliases=["工行", "ICBC"], regions=["HK"],
                    channels=channels),
            listing("ent_000000000002", "招商银行", names={"zh-Hans": None, "zh-Hant": None, "en": "CMB"},
                    regions=["CN", "HK"]),
        ])
        hidden = session.scalars(select(Channel).where(Channel.value == "4008208820")).one()
        hidden.hidden = True
        first = session.scalars(select(Channel).where(Channel.value == "95588",
                                                      Channel.enterprise_id == "ent_000000000001")).one()
        session.add_all([ReachCount(channel_id=first.id, hour_of_week=hour, reports=reports)
                         for hour, reports in ((1, 2), (9, 1))])
        session.add(ReachCount(channel_id=hidden.id, hour_of_week=1, reports=40))  # hidden: not counted
        session.commit()
        icbc = session.get(Enterprise, "ent_000000000001")
        cmb = session.get(Enterprise, "ent_000000000002")
        assert signals_of(icbc) == Signals(chinese_name=True, mainland=False, contact_channels=2, aliases=2)
        assert signals_of(cmb) == Signals(contact_channels=1)
        assert report_counts(session, ["ent_000000000001", "ent_000000000002"]) == {"ent_000000000001": 3}
        icbc.wikidata = "Q26463"  # the field the data sources add; read whenever it exists
        assert signals_of(icbc, 3).wikidata and prominence_of(icbc, 3) == 300 + 300 + 127 + 50 + 200
        icbc.wikidata = None
        documents = dict(iter_documents(session))
    assert documents["ent_000000000001"]["prominence"] == 300 + 127 + 50 + 200
    assert documents["ent_000000000002"]["prominence"] == 150 + 80
