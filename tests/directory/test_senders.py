"""directory/senders.py: which addresses and numbers a company only sends from, and the bundled
data keeps to it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from directory.senders import REASONS, direction_for, label_marks_sms, sender_reason

DATA = Path(__file__).resolve().parents[2] / "directory" / "data" / "enterprises.jsonl"

SENDERS = [
    # (kind, value, label, reason) — real senders of the bundled data and their look-alikes
    ("email", "ccsvc@message.cmbchina.com", None, "sender_host"),  # 招商银行 statements
    ("email", "ccsvcad@message.cmbchina.com", None, "sender_host"),
    ("email", "95555@message.cmbchina.com", None, "sender_host"),
    ("email", "taobao@mc.mail.taobao.com", None, "sender_host"),
    ("email", "bank.update@mail.za.group", None, "sender_address"),
    ("email", "service@mail.za.group", None, "sender_host"),
    ("email", "enotice@mail.hsbc.com.cn", None, "sender_address"),
    ("email", "hello@edm.example.cn", None, "sender_host"),
    ("email", "club@em.example.com", None, "sender_host"),
    ("email", "marketresearch@insideapple.apple.com", None, "sender_host"),
    ("email", "noreply@email.apple.com", None, "no_reply"),
    ("email", "do_not_reply@email.apple.com", None, "no_reply"),
    ("email", "No-Reply@accounts.google.com", None, "no_reply"),
    ("email", "noresponse@interactivebrokers-email.com", None, "no_reply"),
    ("email", "newsletter@newsletter.aliyun.com", None, "sender_address"),
    ("email", "system@notice.aliyun.com", None, "sender_address"),
    ("email", "statement@creditcard.hrbb.com.cn", None, "sender_address"),
    ("email", "itinerary@ridesharing.amap.com", None, "sender_address"),
    ("email", "trip.com@newsletter.trip.com", None, "sender_host"),
    ("email", "microsoftrewards@emailnotify.microsoft.com", None, "sender_host"),
    ("sms", "106980095533", None, "sms_gateway"),
    ("phone", "1065911468", "漏话提醒", "sms_gateway"),
    ("phone", "10016", "营销专线", "outbound_label"),
    ("phone", "95768", "信用卡外呼", "outbound_label"),
    ("phone", "95089", "派件提醒", "outbound_label"),
    ("phone", "4001234567", "客户回访", "outbound_label"),
    ("sms", "10086766", "官方提醒短信", "outbound_label"),
]

CONTACTS = [
    ("email", "service@cmbchina.com", None),
    ("email", "kf@example.cn", None),
    ("email", "support@help.instapaper.com", None),
    ("email", "service@intl.paypal.com", None),
    ("email", "support@en.babbel.com", None),
    ("email", "ccb@asia.ccb.com", None),
    ("email", "pomoc@firma.interia.pl", None),
    ("email", "usupport@ucloud.cn", None),
    ("email", "privacy@mailchimp.com", None),   # "mail" inside the registrable domain
    ("email", "help@emirates.com", None),       # "em" only as part of a word
    ("phone", "95588", None),
    ("phone", "95533", "信用卡客服热线"),
    ("phone", "10086", None),
    ("phone", "10010", "反诈中心"),
    ("phone", "4008200588", "贵宾服务专线"),
    ("social", "https://x.com/noreply", None),  # only phones and e-mail can be senders here
]


@pytest.mark.parametrize(("kind", "value", "label", "reason"), SENDERS)
def test_senders_are_outbound_only(kind, value, label, reason):
    assert sender_reason(kind, value, label) == reason
    assert reason in REASONS
    assert direction_for(kind, value, label) == "outbound_only"


@pytest.mark.parametrize(("kind", "value", "label"), CONTACTS)
def test_ways_in_stay_contacts(kind, value, label):
    assert sender_reason(kind, value, label) is None
    assert direction_for(kind, value, label) == "contact"


def test_sms_labels():
    assert label_marks_sms("信用卡短信") and not label_marks_sms("信用卡客服热线")
    assert not label_marks_sms(None)


@cache
def bundled_channels() -> tuple[tuple[str, dict], ...]:
    with DATA.open(encoding="utf-8") as handle:
        return tuple((e["names"]["en"] or e["names"]["zh-Hans"], c)
                     for e in map(json.loads, handle) for c in e["channels"])


def test_no_contact_channel_of_the_bundle_is_a_sender():
    offenders = [(name, c["value"], sender_reason(c["kind"], c["value"], c["label"]))
                 for name, c in bundled_channels()
                 if c["direction"] == "contact" and sender_reason(c["kind"], c["value"], c["label"])]
    assert offenders == []


def test_the_bundle_keeps_the_known_senders_as_outbound_only():
    directions = {c["value"]: c["direction"] for _, c in bundled_channels()}
    for value in ("ccsvc@message.cmbchina.com", "ccsvcad@message.cmbchina.com",
                  "95555@message.cmbchina.com", "taobao@mc.mail.taobao.com",
                  "bank.update@mail.za.group", "106980095533"):
        assert directions[value] == "outbound_only", value
    assert directions["95588"] == "contact"
