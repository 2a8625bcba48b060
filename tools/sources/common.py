"""What the source modules share: dates, domains, channel records, matching and merging."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from publicsuffixlist import PublicSuffixList

PSL = PublicSuffixList()
SOURCE_DATE = re.compile(r"\((\d{4}-\d{2}-\d{2})\)")
# Hosts of social platforms, for channels whose source names no platform.
PLATFORM_HOSTS = {
    "x.com": "x", "twitter.com": "x", "facebook.com": "facebook", "fb.com": "facebook",
    "weibo.com": "weibo", "weibo.cn": "weibo", "youtube.com": "youtube",
    "linkedin.com": "linkedin", "tiktok.com": "tiktok", "instagram.com": "instagram",
    "douyin.com": "douyin", "bilibili.com": "bilibili", "threads.net": "threads",
    "vk.com": "vk", "pinterest.com": "pinterest",
}
EMAIL = re.compile(r"^[^@\s]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+$")


class Reporter(Protocol):
    def warn(self, message: str) -> None: ...
    def note(self, message: str) -> None: ...


def source_date(folder: Path) -> str | None:
    """The date in a SOURCE.txt's commit line: ``commit 4762ba5… (2026-08-21)``."""
    path = folder / "SOURCE.txt"
    if not path.exists():
        return None
    found = SOURCE_DATE.search(path.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def registrable(host: str) -> str:
    """The registrable domain of *host* by the Public Suffix List (``a.b.com.cn`` → ``b.com.cn``)."""
    return PSL.privatesuffix(host) or host


def web_url(url: str | None) -> str | None:
    """*url* as an https/http address with its spaces and other unsafe characters escaped;
    None when it is not one or its host is not plain ASCII (an IDN can pass for another name)."""
    if not url or not url.strip().lower().startswith(("https://", "http://")):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not parts.netloc.isascii():
        return None
    rest = quote(urlunsplit(("", "", parts.path, parts.query, parts.fragment)),
                 safe="/?&=%#+@,;~!$'()*:")
    return f"{parts.scheme.lower()}://{parts.netloc}{rest}"


def enterprise_id(source_key: str) -> str:
    """The id a new listing gets from its source record (the build's rule)."""
    return "ent_" + hashlib.sha1(source_key.encode("utf-8")).hexdigest()[:12]


def channel(kind: str, value: str, source: str, *, label: str | None = None,
            purpose: str | None = None, platform: str | None = None,
            retrieved: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "value": value, "label": label, "purpose": purpose, "regions": [],
            "languages": [], "hours": None, "direction": "contact", "source": source,
            "verified_at": None, "platform": platform, "retrieved": retrieved}


def channel_key(item: dict[str, Any]) -> tuple[str, str]:
    """What makes two channels the same: kind and value (a social account in any case)."""
    value = item["value"].casefold() if item["kind"] == "social" else item["value"]
    return item["kind"], value


def add_channels(enterprise: dict[str, Any], channels: Iterable[dict[str, Any]]) -> int:
    """Append the channels *enterprise* lacks (same kind and value); how many were added."""
    seen = {channel_key(c) for c in enterprise["channels"]}
    added = 0
    for item in channels:
        if channel_key(item) not in seen:
            seen.add(channel_key(item))
            enterprise["channels"].append(item)
            added += 1
    return added


def add_source(enterprise: dict[str, Any], source: str) -> None:
    if source not in enterprise["source"]:
        enterprise["source"].append(source)


def listing_hosts(enterprise: dict[str, Any]) -> set[str]:
    hosts = {d for d in enterprise["domains"]}
    website = host_of(enterprise.get("website"))
    if website:
        hosts.add(website)
    return hosts


class DomainIndex:
    """Keys (Q-ids, service names) by the hosts of their websites, for matching listings.

    A listing matches a key on an exact host; on its registrable domain only when the key's
    own host is that registrable domain (``starbucks.com`` is not ``aws.amazon.com``'s), and
    never on registrable domains many unrelated services share (``shared``).
    """

    def __init__(self, shared: Iterable[str]) -> None:
        self.shared = frozenset(shared)
        self.by_host: dict[str, set[str]] = {}
        self.by_apex: dict[str, set[str]] = {}

    def add(self, key: str, host: str) -> None:
        self.by_host.setdefault(host, set()).add(key)
        apex = registrable(host)
        if host == apex and apex not in self.shared:
            self.by_apex.setdefault(apex, set()).add(key)

    def candidates(self, hosts: Iterable[str]) -> set[str]:
        hosts = set(hosts) - self.shared  # gov.cn, google.com...: many bodies, one host
        exact = set().union(*(self.by_host.get(h, set()) for h in hosts))
        if exact:
            return exact
        apexes = {registrable(h) for h in hosts} - self.shared
        return set().union(*(self.by_apex.get(a, set()) for a in apexes))


def names_of(enterprise: dict[str, Any]) -> set[str]:
    values = [*enterprise["names"].values(), *enterprise.get("aliases", [])]
    return {v.casefold() for v in values if v}


def merge_listings(group: list[dict[str, Any]]) -> dict[str, Any]:
    """One listing from *group* (the same company): the keeper is the first of them — a
    vCards listing, then the one with most channels, then the smallest id — and takes the
    others' channels, sources, domains, regions and missing names; their names become aliases."""
    group = sorted(group, key=lambda e: (not any(s.startswith("vcards:") for s in e["source"]),
                                         -len(e["channels"]), e["id"]))
    keeper = group[0]
    if any(not e["regions"] for e in group) and any(e["regions"] for e in group):
        # One of them serves everywhere (no regions), so the merged listing does; a member that
        # served only some regions (a Hong Kong arm) keeps them on its own channels.
        for member in group:
            for item in member["channels"]:
                if member["regions"] and not item["regions"]:
                    item["regions"] = list(member["regions"])
            member["regions"] = []
    for other in group[1:]:
        for language, name in other["names"].items():
            if name and not keeper["names"].get(language):
                keeper["names"][language] = name
        taken = names_of(keeper)
        for alias in [*other["names"].values(), *other["aliases"]]:
            if alias and alias.casefold() not in taken and len(keeper["aliases"]) < 50:
                taken.add(alias.casefold())
                keeper["aliases"].append(alias)
        add_channels(keeper, other["channels"])
        for source in other["source"]:
            add_source(keeper, source)
        keeper["domains"] = sorted(set(keeper["domains"]) | set(other["domains"]))[:50]
        keeper["regions"] = sorted(set(keeper["regions"]) | set(other["regions"]))
        keeper["website"] = keeper["website"] or other["website"]
        for name in ("wikidata", "logo", "dissolved"):
            keeper[name] = keeper.get(name) or other.get(name)
    return keeper


def finish_channels(enterprises: list[dict[str, Any]], dates: dict[str, str | None]) -> None:
    """Every channel gets the date its source was read and, when social, its platform."""
    for enterprise in enterprises:
        for item in enterprise["channels"]:
            prefix = item["source"].partition(":")[0]
            item["retrieved"] = item.get("retrieved") or dates.get(prefix)
            platform = item.get("platform")
            if item["kind"] == "social" and not platform:
                host = host_of(item["value"]) or ""
                platform = PLATFORM_HOSTS.get(registrable(host), "other")
            item["platform"] = platform if item["kind"] == "social" else None
        for name in ("wikidata", "logo", "dissolved"):
            enterprise.setdefault(name, None)


def has_contact_channel(enterprise: dict[str, Any]) -> bool:
    """A channel one can reach the company through (a website alone is not one)."""
    return any(c["direction"] == "contact" for c in enterprise["channels"])
