"""Deep links derived from a channel's value; never stored, only safe schemes emitted.

Outgoing-only channels (notification senders, no-reply addresses) get no links: they are
shown so people can recognise them, not offered as a way to reach the company.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from directory.models import Channel
from directory.urls import UnsafeURLError, check_web_url
from directory.validation import WECHAT_ID

EMITTED_SCHEMES = ("tel", "sms", "mailto", "https", "http")


@dataclass(frozen=True)
class DeepLink:
    uri: str
    platform: str  # "any", "ios", "android" or "web"


def _web(url: str) -> list[DeepLink]:
    try:
        return [DeepLink(check_web_url(url), "any")]
    except UnsafeURLError:
        return []


def deep_links_for(channel: Channel) -> list[DeepLink]:
    """The links that open *channel* on a phone, best first."""
    if channel.direction != "contact":
        return []
    value = channel.value
    if channel.kind == "phone":
        return [DeepLink(f"tel:{value}", "any")]
    if channel.kind == "sms":
        return [DeepLink(f"sms:{value}", "any")]
    if channel.kind == "email":
        return [DeepLink(f"mailto:{quote(value, safe='@.+-_')}", "any")]
    if channel.kind == "wechat" and WECHAT_ID.match(value):
        return []
    return _web(value)
