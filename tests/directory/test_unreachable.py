"""directory/unreachable.py: channels on platforms most users in mainland China cannot open."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from directory.models import Channel, Enterprise
from directory.reach import channels_for
from directory.unreachable import PLATFORMS_FILE, platform_of, platforms

AT = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)


@pytest.mark.parametrize(("kind", "value", "platform"), [
    ("social", "https://x.com/Uber_Support", "x"),
    ("social", "https://twitter.com/AppleSupport", "x"),
    ("social", "https://www.facebook.com/kinguinnet", "facebook"),
    ("social", "https://m.facebook.com/x", "facebook"),
    ("webchat", "https://m.me/someshop", "facebook"),
    ("social", "https://www.instagram.com/starbucks", "instagram"),
    ("social", "https://youtu.be/abc", "youtube"),
    ("social", "https://www.youtube.com/@apple", "youtube"),
    ("whatsapp", "+85291234567", "whatsapp"),
    ("webchat", "https://wa.me/85291234567", "whatsapp"),
    ("social", "https://line.me/R/ti/p/@abc", "line"),
    ("web_form", "https://docs.google.com/forms/d/e/1/viewform", "google"),
    ("web_form", "https://forms.gle/abc", "google"),
    ("social", "https://t.me/durov", "telegram"),
    ("social", "https://weibo.com/icbc", None),
    ("social", "https://www.linkedin.com/company/icbc", None),
    ("social", "https://notx.com/a", None),
    ("social", "https://x.com.example.cn/a", None),
    ("web_form", "https://www.icbc.com.cn/form", None),
    ("email", "someone@gmail.com", None),
    ("phone", "95588", None),
    ("social", "https://[bad", None),
])
def test_platform_of(kind, value, platform):
    found = platform_of(kind, value)
    assert (found.key if found else None) == platform


def test_the_list_names_its_sources_and_the_platforms_asked_for():
    data = json.loads(PLATFORMS_FILE.read_text(encoding="utf-8"))
    assert "https://pulse.internetsociety.org/" in data["about"] and data["reviewed"]
    assert {p.key for p in platforms()} >= {"x", "facebook", "instagram", "youtube", "whatsapp",
                                            "line", "google"}
    texts = {p.hint_text(language) for p in platforms()[:1] for language in ("zh-Hans", "zh-Hant", "en")}
    assert len(texts) == 3


def test_unreachable_channels_come_after_every_other_way_in_for_zh_hans_readers():
    def make(position, kind, value, direction="contact"):
        return Channel(id=f"ch_{position}", position=position, kind=kind, value=value,
                       direction=direction, hidden=False, regions=[], hours=None)
    enterprise = Enterprise(id="ent_x", channels=[
        make(0, "social", "https://x.com/acme"), make(1, "social", "https://www.facebook.com/acme"),
        make(2, "email", "help@acme.com"), make(3, "social", "https://weibo.com/acme"),
        make(4, "email", "noreply@acme.com", "outbound_only")])
    order = lambda language: [c.id for c in channels_for(enterprise, AT, None, language)]  # noqa: E731
    assert order("zh-Hans") == ["ch_2", "ch_3", "ch_0", "ch_1", "ch_4"]  # senders stay last
    assert order("en") == order("zh-Hant") == order(None) == ["ch_0", "ch_1", "ch_2", "ch_3", "ch_4"]
