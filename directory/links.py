"""Deep links derived from a channel: what opens it in one tap on a phone. Never stored.

For each kind and platform (``ios``, ``android``, ``web``; ``any`` asks for all of them, each
link marked with where it works):

- phone: ``tel:`` — a phone-menu shortcut is dialled as pauses and keys (``tel:95588,,2,,1``);
  iOS refuses ``*`` and ``#`` in tel: links, so such keys are returned as ``steps`` to press once
  the call connects (``tel:95588`` + ``["1", "*"]``), while Android gets them in the link
  (``#`` escaped as ``%23``);
- sms: ``sms:`` with the topic as body (``?body=`` on Android and the web, ``&body=`` on iOS);
- email: ``mailto:`` with the topic as subject and body;
- webchat, video, web_form, callback, social: the https page, the topic in the query parameter
  the listing declares (``topic_param``);
- wechat: a WeCom customer-service link (``work.weixin.qq.com/kfid/…``) with the topic as
  ``scene_param``, any other WeChat page as it is; an official-account id has no link that
  opens WeChat, so it gets the web page of its QR code to scan (a fallback);
- app: App Store links for iOS, Google Play and Chinese Android stores for Android, any other
  https link as an app (universal / App Link) that falls back to the web page by itself;
- whatsapp: ``https://wa.me/<number>?text=<topic>``;
- facetime: ``facetime:`` and ``facetime-audio:`` on iOS only.

Only the schemes in :data:`EMITTED_SCHEMES` are ever emitted; every web link is checked by
:func:`check_web_url` again once the topic is in it. Outgoing-only channels (notification
senders, no-reply addresses) get no links: they are shown so people can recognise them, not
offered as a way to reach the company.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from directory.models import Channel
from directory.urls import UnsafeURLError, check_web_url

EMITTED_SCHEMES = ("tel", "sms", "mailto", "https", "http", "facetime", "facetime-audio")
PLATFORMS = ("any", "ios", "android", "web")
ROLES = ("primary", "fallback", "app", "store")
WEB_PAGE_KINDS = ("webchat", "video", "web_form", "callback", "social")
WECHAT_QR = "https://open.weixin.qq.com/qr/code"
IOS_STORES = ("apps.apple.com", "itunes.apple.com")
ANDROID_STORES = ("play.google.com", "app.mi.com", "appgallery.huawei.com", "sj.qq.com",
                  "a.app.qq.com", "app.vivo.com.cn", "app.flyme.cn", "apps.samsung.com")
_STRICT = ""  # quote() with nothing safe: ``&``, ``=``, ``?`` and ``#`` inside values are escaped


@dataclass(frozen=True)
class DeepLink:
    """A link, where it works, what it is for, and the keys it leaves for the caller."""

    uri: str
    platform: str = "any"  # any, ios, android or web
    role: str = "primary"  # primary, fallback, app or store
    steps: tuple[str, ...] = ()  # keys to press once connected, when the link cannot carry them
    label: str | None = None
    handoff: bool = False  # the link carries the consumer's handoff (token or short code)


@dataclass(frozen=True)
class HandoffRef:
    """A handoff for links to carry: its token (web pages, WeCom) and short code (text)."""

    token: str
    code: str


# The query parameter a web page receives the handoff token in.
HANDOFF_PARAM = "c800_handoff"
# Kinds whose links take the handoff's short code in their text (mail, SMS, WhatsApp).
TEXT_HANDOFF_KINDS = ("email", "sms", "whatsapp")


def _for_platform(links: list[DeepLink], platform: str) -> list[DeepLink]:
    if platform == "any":
        return links
    return [link for link in links if link.platform in ("any", platform)]


def _safe(links: Iterator[DeepLink]) -> list[DeepLink]:
    """*links* whose scheme is allowed; web links re-checked as a whole."""
    kept = []
    for link in links:
        scheme = link.uri.split(":", 1)[0].lower()
        if scheme not in EMITTED_SCHEMES:
            continue
        if scheme in ("https", "http"):
            try:
                check_web_url(link.uri)
            except UnsafeURLError:
                continue
        kept.append(link)
    return kept


def with_query(url: str, **params: str | None) -> str:
    """*url* with *params* added to (or replacing those of) its query; None values are skipped."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


# --- phone numbers and menus -----------------------------------------------------------------

def key_steps(keys: str) -> tuple[str, ...]:
    """``"2,1"`` -> ``("2", "1")``: the steps of a stored key sequence."""
    return tuple(step for step in keys.split(",") if step)


def _tel_links(number: str, keys: str | None, label: str | None) -> list[DeepLink]:
    """Dial *number* and press *keys*: one link for all platforms when the keys are digits,
    else a link with the keys for Android and one with steps for iOS and the rest."""
    if not keys:
        return [DeepLink(f"tel:{number}", "any", label=label)]
    steps = key_steps(keys)
    dialled = "".join(",," + step for step in steps)
    if all(step.isdigit() for step in steps):
        return [DeepLink(f"tel:{number}{dialled}", "any", label=label)]
    return [DeepLink(f"tel:{number}{dialled.replace('#', '%23')}", "android", label=label),
            DeepLink(f"tel:{number}", "ios", steps=steps, label=label),
            DeepLink(f"tel:{number}", "web", steps=steps, label=label)]


def _pick(links: list[DeepLink], platform: str) -> DeepLink:
    """The one link of a menu entry for *platform* (``any``: the one that works everywhere)."""
    if platform == "any":
        portable = [link for link in links if link.platform == "any"]
        return portable[0] if portable else next(link for link in links if link.platform == "ios")
    return next(link for link in links if link.platform in ("any", platform))


def menu_links(channel: Channel, platform: str = "any") -> Iterator[tuple[str, DeepLink]]:
    """(keys, link) for each key sequence of a phone channel's menu and its person shortcut."""
    if channel.kind != "phone" or channel.direction != "contact":
        return
    entries = [(entry["keys"], entry["intent"]) for entry in channel.menu or []]
    if channel.to_person:
        entries.append((channel.to_person, None))
    for keys, intent in entries:
        yield keys, _pick(_tel_links(channel.value, keys, intent), platform)


# --- each kind -------------------------------------------------------------------------------

def _phone(channel: Channel, _topic: str | None) -> Iterator[DeepLink]:
    yield from _tel_links(channel.value, None, None)
    if channel.to_person:
        yield from _tel_links(channel.value, channel.to_person, "to_person")


def _sms(channel: Channel, topic: str | None) -> Iterator[DeepLink]:
    if not topic:
        yield DeepLink(f"sms:{channel.value}")
        return
    body = quote(topic, safe=_STRICT)
    yield DeepLink(f"sms:{channel.value}?body={body}", "android")
    yield DeepLink(f"sms:{channel.value}&body={body}", "ios")
    yield DeepLink(f"sms:{channel.value}?body={body}", "web")


def _email(channel: Channel, topic: str | None) -> Iterator[DeepLink]:
    address = quote(channel.value, safe="@.+-_")
    if topic:
        text = quote(topic, safe=_STRICT)
        yield DeepLink(f"mailto:{address}?subject={text}&body={text}")
    else:
        yield DeepLink(f"mailto:{address}")


def _web_page(channel: Channel, topic: str | None, handoff: HandoffRef | None = None
              ) -> Iterator[DeepLink]:
    params = {channel.topic_param: topic} if topic and channel.topic_param else {}
    if handoff is not None:
        params[HANDOFF_PARAM] = handoff.token
    yield DeepLink(with_query(channel.value, **params) if params else channel.value,
                   handoff=handoff is not None)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_wecom_service(url: str) -> bool:
    return _host(url) == "work.weixin.qq.com" and urlsplit(url).path.startswith(("/kfid/", "/kf/"))


def _wechat(channel: Channel, topic: str | None, handoff: HandoffRef | None = None
            ) -> Iterator[DeepLink]:
    value = channel.value
    if not value.lower().startswith(("https://", "http://")):  # an official account's id
        yield DeepLink(with_query(WECHAT_QR, username=value), "any", "fallback")
        return
    if is_wecom_service(value):  # scene_param reaches the agent's console: the handoff goes there
        scene = handoff.token if handoff is not None else topic
        yield DeepLink(with_query(value, scene_param=scene) if scene else value,
                       handoff=handoff is not None)
        return
    yield from _web_page(channel, topic, handoff)


def _app(channel: Channel, _topic: str | None) -> Iterator[DeepLink]:
    host = _host(channel.value)
    if host in IOS_STORES:
        yield DeepLink(channel.value, "ios", "store")
        yield DeepLink(channel.value, "web", "fallback")
    elif host in ANDROID_STORES:
        yield DeepLink(channel.value, "android", "store")
        yield DeepLink(channel.value, "web", "fallback")
    else:  # a universal link / App Link: opens the app, or the page when it is not installed
        yield DeepLink(channel.value, "any", "app")


def _whatsapp(channel: Channel, topic: str | None) -> Iterator[DeepLink]:
    number = channel.value.lstrip("+")
    yield DeepLink(f"https://wa.me/{number}?text={quote(topic, safe=_STRICT)}" if topic
                   else f"https://wa.me/{number}")


def _facetime(channel: Channel, _topic: str | None) -> Iterator[DeepLink]:
    target = quote(channel.value, safe="@.+-_")
    yield DeepLink(f"facetime:{target}", "ios")
    yield DeepLink(f"facetime-audio:{target}", "ios", label="audio")


_BUILDERS = {
    "phone": _phone, "sms": _sms, "email": _email, "wechat": _wechat, "app": _app,
    "whatsapp": _whatsapp, "facetime": _facetime,
    **dict.fromkeys(WEB_PAGE_KINDS, _web_page),
}


def deep_links_for(channel: Channel, platform: str = "any", topic: str | None = None,
                   handoff: HandoffRef | None = None) -> list[DeepLink]:
    """The links that open *channel* on *platform*, best first, carrying *topic* where the
    channel takes one, and *handoff* where it can: web pages and WeCom get its token, mail,
    SMS and WhatsApp its short code in the text."""
    if channel.direction != "contact":
        return []
    builder = _BUILDERS.get(channel.kind)
    if builder is None:
        return []
    topic = topic or None
    if handoff is None:
        links = builder(channel, topic)
    elif channel.kind in TEXT_HANDOFF_KINDS:
        text = f"{topic} (c800 {handoff.code})" if topic else f"c800 {handoff.code}"
        links = (replace(link, handoff=True) for link in builder(channel, text))
    elif channel.kind == "wechat" or channel.kind in WEB_PAGE_KINDS:
        links = builder(channel, topic, handoff)
    else:
        links = builder(channel, topic)
    return _for_platform(_safe(links), platform)
