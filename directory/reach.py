"""Which of a listing's channels to offer a person, and in what order.

Best first: open now (open, unknown, closed), reaches a person (yes, unknown, no), lower cost
(a toll-free call; then a local-rate call or an online channel; then an international call),
then what the line is for (``directory.channel_labels``: general customer-service lines before
unlabelled and specialised ones), then the enterprise's own order. Secondary lines (voicemail,
ring-back tones, points shops, value-added services, abroad lines) come after every line a
person means to call. For zh-Hans readers, channels on platforms most users in mainland China
cannot open (``directory.unreachable``: X, Facebook, YouTube...) come after every other way in.
Ways in come before outbound-only senders, which are listed only so that people recognise them.
With a region, only the channels serving it are offered.
"""

from __future__ import annotations

from datetime import datetime

from directory.channel_labels import channel_purpose, purpose_tier
from directory.hours import status_at
from directory.models import Channel, Enterprise
from directory.phones import PHONE_KINDS, classify_phone
from directory.regions import serves
from directory.unreachable import ranks_last


def reaches_person(channel: Channel) -> bool | None:
    """True when the channel reaches a human (a known shortcut to a person says so), False when
    only a machine answers, None when unknown."""
    if channel.to_person:
        return True
    return channel.reaches_person


def cost_rank(channel: Channel) -> int:
    """0 a toll-free call, 1 the usual cost (a local-rate or 400 call, an online channel on the
    phone's data), 2 an international call."""
    if channel.kind not in PHONE_KINDS:
        return 1
    info = classify_phone(channel.value)
    if info.toll_free:
        return 0
    return 2 if info.kind == "international" else 1


def serves_region(channel: Channel, region: str | None) -> bool:
    return region is None or serves(list(channel.regions or []), region)


def _rank(flag: bool | None) -> int:
    return 0 if flag is True else 1 if flag is None else 2


def channels_for(enterprise: Enterprise, at: datetime, region: str | None = None,
                 language: str | None = None) -> list[Channel]:
    """The enterprise's channels to show at the instant *at*: not hidden, serving *region*,
    best first for a reader of *language*."""
    def key(channel: Channel) -> tuple:
        return order_key(static_order_key(channel, language), status_at(channel.hours, at).open_now)

    return sorted((c for c in enterprise.channels if not c.hidden and serves_region(c, region)), key=key)


def static_order_key(channel: Channel, language: str | None) -> tuple:
    """What orders a channel among its listing's that does not change with time."""
    tier = purpose_tier(channel_purpose(channel.purpose, channel.label))
    return (channel.direction != "contact", ranks_last(channel, language), tier == 2,
            _rank(reaches_person(channel)), cost_rank(channel), tier, channel.position)


def order_key(static: tuple | list, open_now: bool | None) -> tuple:
    """A channel's place in its listing's order: open ones first within their tier."""
    return (*static[:3], _rank(open_now), *static[3:])


def numbers_for_abroad(enterprise: Enterprise) -> list[Channel]:
    """The enterprise's phone numbers for calling from outside mainland China: lines whose
    purpose (or label) says so (信用卡境外拨打, 境外热线) and that can be dialled from abroad. A
    line merely callable from abroad (a ring-back tone service, an office) is not offered."""
    return [c for c in enterprise.channels if c.kind == "phone" and not c.hidden
            and c.direction == "contact" and channel_purpose(c.purpose, c.label) == "abroad"
            and classify_phone(c.value).callable_from_abroad]
