"""Channels as the API shows them: links per platform, phone facts, menus, status now.

What a consumer needs to reach someone in one tap is computed from the stored channel (its
value, menu, hours) and the request's context (platform, topic, instant, language); nothing of
it is stored. Which channels are shown, in what order, is ``directory.reach``'s. The shapes
are ``api/schemas/channels.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from api.cache import not_after
from directory.crowd_notes import CrowdNote
from directory.experience_summaries import ExpectedWait
from directory.experiences import LiveStatus
from directory.hours import status_at
from directory.hours_text import hours_text
from directory.links import DeepLink, deep_links_for, menu_links
from directory.models import Channel, Enterprise
from directory.phones import PHONE_KINDS, PhoneInfo, classify_phone
from directory.reach import numbers_for_abroad, reaches_person
from directory.unreachable import CODE as UNREACHABLE
from directory.unreachable import unreachable_platform


@dataclass(frozen=True)
class ChannelContext:
    """What the request says about the person reaching out."""

    language: str
    at: datetime
    platform: str = "any"
    topic: str | None = None
    # the enterprise's numbers callable from abroad, offered beside numbers that are not
    abroad_numbers: list[Channel] = field(default_factory=list)
    # per channel id: the wait to expect at ``at`` (directory.experience_summaries.expected_waits)
    waits: dict[str, ExpectedWait] = field(default_factory=dict)
    # per channel id: what the crowd says of it (directory.crowd_notes); None when not read
    crowd: dict[str, CrowdNote] | None = None


# Labels of links the listing does not name itself (menu links carry the menu's intent).
LINK_LABELS = {
    "to_person": {"zh-Hans": "拨打并转人工", "zh-Hant": "撥打並轉人工", "en": "Call and reach a person"},
    "audio": {"zh-Hans": "FaceTime 语音", "zh-Hant": "FaceTime 語音", "en": "FaceTime audio"},
}


def link_dump(link: DeepLink, language: str) -> dict:
    label = LINK_LABELS[link.label][language] if link.label in LINK_LABELS else link.label
    return {"uri": link.uri, "platform": link.platform, "role": link.role,
            "steps": list(link.steps) if link.steps else None, "label": label}


def phone_info(channel: Channel) -> PhoneInfo | None:
    if channel.kind not in PHONE_KINDS:
        return None
    return classify_phone(channel.value)


def _phone_dump(channel: Channel, info: PhoneInfo, context: ChannelContext) -> dict:
    abroad = None
    if not info.callable_from_abroad and channel.direction == "contact":
        other = next((c for c in context.abroad_numbers if c.id != channel.id), None)
        if other is not None:
            abroad = {"channel": other.id, "value": other.value,
                      "display": classify_phone(other.value).display}
    return {
        "type": info.kind, "toll_free": info.toll_free,
        "callable_from_mobile": info.callable_from_mobile,
        "callable_from_abroad": info.callable_from_abroad,
        "international": info.international,
        "hints": [{"code": code, "text": info.hint_text(code, context.language)}
                  for code in info.hints] + _crowd_hints(channel, context),
        "abroad": abroad,
    }


def _menu_dump(channel: Channel, context: ChannelContext) -> tuple[list[dict], dict | None]:
    if channel.kind != "phone":
        return [], None
    links = dict(menu_links(channel, context.platform)) if channel.direction == "contact" else {}
    menu = [{"intent": entry["intent"], "keys": entry["keys"], "source": None,
             "link": link_dump(links[entry["keys"]], context.language)
                      if entry["keys"] in links else None}
            for entry in channel.menu or []]
    person = None
    if channel.to_person:
        link = links.get(channel.to_person)
        person = {"intent": PERSON_INTENT[context.language],
                  "keys": channel.to_person, "source": channel.to_person_source,
                  "link": link_dump(link, context.language) if link else None}
    return menu, person


PERSON_INTENT = {"zh-Hans": "人工服务", "zh-Hant": "人工服務", "en": "Talk to a person"}


def public_source(source: str | None) -> str | None:
    """The kind of source, never a person: ``self-service:<user id>`` is ``enterprise``,
    ``admin:<user id>`` is ``admin``; a data set's name stays."""
    if source is None:
        return None
    kind, _, _rest = source.partition(":")
    return {"self-service": "enterprise", "admin": "admin"}.get(kind, source)


def review_dump(status: str, checked_by: str | None, checked_at: datetime | None) -> dict:
    checked = status == "checked"
    return {"status": status, "checked_by": checked_by if checked else None,
            "checked_at": checked_at if checked else None}


def channel_dump(channel: Channel, context: ChannelContext) -> dict:
    info = phone_info(channel)
    status = status_at(channel.hours, context.at)
    menu, person = _menu_dump(channel, context)
    return {
        "id": channel.id, "kind": channel.kind, "value": channel.value,
        "display": info.display if info else channel.value,
        "label": channel.label, "purpose": channel.purpose,
        "regions": list(channel.regions or []), "languages": list(channel.languages or []),
        "direction": channel.direction, "hours": channel.hours,
        "hours_text": hours_text(channel.hours, context.language),
        "status": {"open_now": status.open_now, "next_open": status.next_open,
                   "next_close": status.next_close},
        "reaches_person": reaches_person(channel),
        "phone": _phone_dump(channel, info, context) if info else None,
        "menu": menu, "to_person": person,
        "source": public_source(channel.source), "retrieved": channel.retrieved,
        "platform": channel.platform, "verified_at": channel.verified_at,
        "review": review_dump(channel.review, channel.checked_by, channel.checked_at),
        "links": [link_dump(link, context.language)
                  for link in deep_links_for(channel, context.platform, context.topic)],
        "accepts_callbacks": bool(channel.accepts_callbacks),
        "reachability": reachability_dump(channel, context.language),
        "tips": _tips(channel, context),
        **wait_dump(context.waits.get(channel.id) or ExpectedWait("unknown")),
    }


def reachability_dump(channel: Channel, language: str) -> dict | None:
    platform = unreachable_platform(channel)
    if platform is None:
        return None
    return {"code": UNREACHABLE, "platform": platform.key, "text": platform.hint_text(language)}


OUT_OF_SERVICE = {"zh-Hans": "多位用户反映此号码可能已停用", "zh-Hant": "多位用戶反映此號碼可能已停用",
                  "en": "Several people reported that this number may be out of service"}


def _crowd_hints(channel: Channel, context: ChannelContext) -> list[dict]:
    """The crowd's hints on a number: ``may_be_out_of_service`` while enough accounts say so."""
    note = (context.crowd or {}).get(channel.id)
    if note is None or note.out_of_service_until is None:
        return []
    not_after(note.out_of_service_until)  # a cached answer holding it ends when it ages out
    return [{"code": "may_be_out_of_service", "text": OUT_OF_SERVICE[context.language]}]


def _tips(channel: Channel, context: ChannelContext) -> int | None:
    if context.crowd is None or channel.kind != "phone":
        return None
    return (context.crowd.get(channel.id) or CrowdNote()).tips


def live_dump(status: LiveStatus | None) -> dict | None:
    if status is None:
        return None
    not_after(status.expires_at)  # a cached answer holding it ends with it
    return {"state": status.state, "wait_minutes": status.wait_minutes, "message": status.message,
            "expires_at": status.expires_at, "updated_at": status.updated_at}


def wait_dump(wait: ExpectedWait) -> dict:
    """The ``live`` and ``expected_wait`` fields of a channel."""
    return {"live": live_dump(wait.live), "expected_wait": {
        "basis": wait.basis, "minutes": wait.minutes, "p90_minutes": wait.p90_minutes,
        "sample_size": wait.sample_size, "small_sample": wait.small_sample,
        "hour_of_week": wait.hour_of_week, "reached_person_share": wait.reached_person_share}}


def context_for(enterprise: Enterprise, *, language: str, at: datetime, platform: str = "any",
                topic: str | None = None, waits: dict[str, ExpectedWait] | None = None,
                crowd: dict[str, CrowdNote] | None = None) -> ChannelContext:
    return ChannelContext(language=language, at=at, platform=platform, topic=topic,
                          abroad_numbers=numbers_for_abroad(enterprise), waits=waits or {},
                          crowd=crowd)
