"""Which channels a person is offered, and in what order."""

from __future__ import annotations

import datetime as dt

from directory.models import Channel, Enterprise
from directory.reach import channels_for, cost_rank, numbers_for_abroad, reaches_person

TUESDAY_10 = dt.datetime(2026, 11, 24, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
OFFICE = {"timezone": "Asia/Shanghai", "weekly": {"tue": [{"open": "09:00", "close": "11:00"}]}}
CLOSED_NOW = {"timezone": "Asia/Shanghai", "weekly": {"tue": [{"open": "14:00", "close": "18:00"}]}}


def make(position: int, kind: str, value: str, **fields) -> Channel:
    defaults = {"direction": "contact", "hidden": False, "regions": [], "hours": None,
                "to_person": None, "reaches_person": None, "menu": []}
    return Channel(id=f"ch_{position}", position=position, kind=kind, value=value,
                   **{**defaults, **fields})


def ids(channels: list[Channel]) -> list[str]:
    return [c.id for c in channels]


def test_order_open_person_cost_then_position():
    enterprise = Enterprise(id="ent_x", channels=[
        make(0, "sms", "1069095588", direction="outbound_only", hours=OFFICE),
        make(1, "phone", "4008200588", hours=CLOSED_NOW, to_person="0"),
        make(2, "email", "a@b.cn"),
        make(3, "phone", "+18774484824", hours=OFFICE),
        make(4, "phone", "95588", hours=OFFICE),
        make(5, "phone", "8008208888", hours=OFFICE),
        make(6, "webchat", "https://a.cn/c", hours=OFFICE, reaches_person=True),
        make(7, "phone", "95599", hidden=True),
    ])
    assert ids(channels_for(enterprise, TUESDAY_10)) == [
        "ch_6",  # open and reaches a person
        "ch_5", "ch_4", "ch_3",  # open: toll-free, usual cost, international
        "ch_2",  # unknown hours
        "ch_1",  # closed, even with a person shortcut
        "ch_0",  # an outbound-only sender last
    ]


def test_region_keeps_national_and_the_regions_own():
    enterprise = Enterprise(id="ent_x", channels=[
        make(0, "phone", "95588"), make(1, "phone", "075595588", regions=["440300"]),
        make(2, "phone", "02195588", regions=["310000"])])
    assert ids(channels_for(enterprise, TUESDAY_10, "440304")) == ["ch_0", "ch_1"]
    assert ids(channels_for(enterprise, TUESDAY_10)) == ["ch_0", "ch_1", "ch_2"]


def test_person_cost_and_abroad():
    assert reaches_person(make(0, "phone", "95588", to_person="0", reaches_person=False)) is True
    assert reaches_person(make(0, "phone", "95588")) is None
    assert [cost_rank(make(0, "phone", v)) for v in ("8008208888", "95588", "+18774484824")] == [0, 1, 2]
    assert cost_rank(make(0, "email", "a@b.cn")) == 1
    enterprise = Enterprise(id="ent_x", channels=[
        make(0, "phone", "95588"),
        make(1, "phone", "+861095588", label="境外拨打"),
        make(2, "phone", "02160876100", hidden=True, label="境外热线"),
        make(3, "phone", "+861065883001", label="彩铃服务"),  # callable from abroad, not for it
        make(4, "phone", "075583765566"),  # an unlabelled landline is no abroad line either
        make(5, "phone", "02138690588", label="信用卡境外拨打")])
    assert ids(numbers_for_abroad(enterprise)) == ["ch_1", "ch_5"]
    # a purpose the enterprise set wins over the label
    assert ids(numbers_for_abroad(Enterprise(id="ent_y", channels=[
        make(0, "phone", "075583765566", purpose="abroad"),
        make(1, "phone", "02138690588", label="境外拨打", purpose="credit_card")]))) == ["ch_0"]


def test_secondary_lines_last_and_labelled_customer_service_before_unlabelled():
    enterprise = Enterprise(id="ent_x", channels=[
        make(0, "phone", "10165", label="沃留言"),  # voicemail
        make(1, "phone", "10001688", label="积分商城"),  # points shop
        make(2, "phone", "075583765566"),  # unlabelled
        make(3, "phone", "12530", label="彩铃服务"),  # ring-back tone
        make(4, "phone", "4008200588", label="信用卡客服热线"),  # specialised: with unlabelled
        make(5, "phone", "8008208888", label="沃助理"),  # value-added, even toll-free
        make(6, "phone", "02154569595", label="客服热线"),  # labelled customer service
        make(7, "phone", "95533", purpose="customer_service"),
        make(8, "email", "a@b.cn"),
    ])
    assert ids(channels_for(enterprise, TUESDAY_10)) == [
        "ch_6", "ch_7",  # labelled customer service first
        "ch_2", "ch_4", "ch_8",  # then unlabelled and specialised lines, in the enterprise's order
        "ch_5", "ch_0", "ch_1", "ch_3",  # secondary lines last (the toll-free one first)
    ]
