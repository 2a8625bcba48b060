"""The stored list orders: the documented name order, and prominence and name keys kept on
every write of a listing (import, edits of the listing, its channels and its regions);
migration 0017's filling of the listings stored before it is in test_migrations.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.listing_order import name_sort_key
from directory.models import Channel, Enterprise, EnterpriseRegion
from tests.directory.test_indexing import listing, load


@pytest.mark.parametrize(("name", "key"), [
    ("中国银行", "zhong guo yin hang"),
    ("中國銀行", "zhong guo yin hang"),  # traditional: the same reading
    ("重庆银行", "chong qing yin hang"),  # polyphones read by phrase
    ("长沙银行", "chang sha yin hang"),
    ("Bank of China", "bank of china"),
    ("APPLE", "apple"),  # case-insensitive
    ("Banco de la Nación", "banco de la nacion"),  # accents dropped
    ("JD.com", "jd com"),
    ("12306铁路", "12306 tie lu"),
    ("", ""),
    (None, ""),
])
def test_name_sort_keys(name, key) -> None:
    assert name_sort_key(name) == key


def test_one_order_for_chinese_and_english_names() -> None:
    names = ["招商银行", "Apple", "阿里巴巴", "12306铁路", "Zara", "张三", "章子", "Сбербанк",
             "bank of china"]
    assert sorted(names, key=name_sort_key) == [
        "12306铁路", "阿里巴巴", "Apple", "bank of china", "Zara", "张三", "章子", "招商银行", "Сбербанк"]
    assert len(name_sort_key("名" * 100).encode()) <= 96  # a cursor holds it


def _row(session, ident: str) -> tuple[int, str, str]:
    enterprise = session.get(Enterprise, ident)
    session.refresh(enterprise)
    return enterprise.prominence, enterprise.name_key, enterprise.name_key_en


def test_every_write_keeps_the_order_columns(session_factory, tmp_path) -> None:
    ident = "ent_000000000001"
    with session_factory() as session:
        load(session, tmp_path / "d", [listing(ident, "工商银行", aliases=["工行"])])
        # a Chinese name 300, mainland 150, one line 80, one alias 25
        assert _row(session, ident) == (555, "gong shang yin hang", "gong shang yin hang")
        enterprise = session.get(Enterprise, ident)
        enterprise.name_en = "ICBC"
        session.commit()
        assert _row(session, ident) == (555, "gong shang yin hang", "icbc")
        session.add(Channel(id="ch_extra1", enterprise_id=ident, kind="email", value="a@icbc.com.cn",
                            source="t", position=5))
        session.commit()
        assert _row(session, ident)[0] == 300 + 150 + 127 + 25  # two lines
        channel = session.get(Channel, "ch_extra1")
        channel.hidden = True
        session.commit()
        assert _row(session, ident)[0] == 555
        session.add(EnterpriseRegion(enterprise_id=ident, code="HK"))
        session.commit()
        assert _row(session, ident)[0] == 405  # serves Hong Kong only
        region = session.scalars(select(EnterpriseRegion)
                                 .where(EnterpriseRegion.enterprise_id == ident)).one()
        session.delete(region)
        session.commit()
        assert _row(session, ident)[0] == 555
        visible = session.scalars(select(Channel).where(Channel.enterprise_id == ident,
                                                        Channel.hidden.is_(False))).one()
        session.delete(visible)
        session.commit()
        assert _row(session, ident)[0] == 475  # no line left
