"""Platforms most users in mainland China cannot open (X, Facebook, YouTube, WhatsApp, LINE,
Google...), and which channels are on one.

The list is ``data/unreachable_platforms.json`` (its sources are named in the file and in
NOTICE). A channel is on such a platform when its value is a URL on one of the platform's hosts
(or a subdomain of one), or its kind is the platform's own (a ``whatsapp`` number). Such
channels carry a reachability hint and, for zh-Hans readers, come after every other way in
(``directory.reach``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from directory.models import Channel

PLATFORMS_FILE = Path(__file__).parent / "data" / "unreachable_platforms.json"
CODE = "blocked_in_mainland_china"
# Readers for whom these channels rank last: the language of mainland China's script.
RANKED_LAST_FOR = frozenset({"zh-Hans"})

_TEXTS = {"zh-Hans": "多数中国大陆用户无法直接打开 {name}",
          "zh-Hant": "多數中國大陸用戶無法直接打開 {name}",
          "en": "Most users in mainland China cannot open {name}"}


@dataclass(frozen=True)
class Platform:
    key: str
    name: str
    hosts: tuple[str, ...]
    kinds: tuple[str, ...] = ()

    def hint_text(self, language: str) -> str:
        return (_TEXTS.get(language) or _TEXTS["zh-Hans"]).format(name=self.name)


@functools.cache
def platforms() -> tuple[Platform, ...]:
    data = json.loads(PLATFORMS_FILE.read_text(encoding="utf-8"))
    return tuple(Platform(key, entry["name"], tuple(entry["hosts"]), tuple(entry.get("kinds", ())))
                 for key, entry in data["platforms"].items())


def _host(value: str) -> str | None:
    if not value.lower().startswith(("https://", "http://")):
        return None
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    return host.rstrip(".").lower() if host else None


def platform_of(kind: str, value: str) -> Platform | None:
    """The unreachable platform the channel (*kind*, *value*) is on, or None."""
    host = _host(value)
    for platform in platforms():
        if kind in platform.kinds:
            return platform
        if host and any(host == h or host.endswith("." + h) for h in platform.hosts):
            return platform
    return None


def unreachable_platform(channel: Channel) -> Platform | None:
    return platform_of(channel.kind, channel.value)


def ranks_last(channel: Channel, language: str | None) -> bool:
    """True when *channel* is on an unreachable platform and the reader reads zh-Hans."""
    return language in RANKED_LAST_FOR and unreachable_platform(channel) is not None
