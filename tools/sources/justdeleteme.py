"""JustDeleteMe (jdm-contrib/jdm, MIT): for the services it lists, the page where an account is
deleted and, for some, the e-mail address that handles privacy and account requests.

:func:`enrich` gives each listing whose domains are a service's the deletion page (a web form,
purpose ``account_deletion``) and the address (purpose ``privacy``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sources.common import (
    EMAIL,
    DomainIndex,
    Reporter,
    add_channels,
    add_source,
    channel,
    listing_hosts,
    source_date,
    web_url,
)

FOLDER = "justdeleteme"
SOURCE = "justdeleteme:_data/sites.json#"
ACCOUNT_DELETION = "account_deletion"
PRIVACY = "privacy"
MAX_SOURCES = 20  # a record names at most 20 sources
LABELS = {ACCOUNT_DELETION: "删除账号 / Delete account",
          PRIVACY: "隐私与账号事务 / Privacy and account requests"}


def load(folder: Path) -> tuple[list[dict[str, Any]], str | None]:
    sites = json.loads((folder / "sites.json").read_text(encoding="utf-8"))
    return sites, source_date(folder)


def channels_of(site: dict[str, Any], retrieved: str | None) -> list[dict[str, Any]]:
    source = SOURCE + site["name"]
    found = []
    page = web_url(site.get("url"))
    if page and page.startswith("https://"):
        found.append(channel("web_form", page, source, label=LABELS[ACCOUNT_DELETION],
                             purpose=ACCOUNT_DELETION, retrieved=retrieved))
    address = (site.get("email") or "").strip().lower()
    if EMAIL.match(address):
        found.append(channel("email", address, source, label=LABELS[PRIVACY], purpose=PRIVACY,
                             retrieved=retrieved))
    return found


def enrich(enterprises: list[dict[str, Any]], sites: list[dict[str, Any]], retrieved: str | None,
           shared: set[str] | frozenset[str], report: Reporter) -> None:
    """Add each matched service's channels to the one listing its domains point to."""
    by_name = {}
    domains = DomainIndex(shared)
    for site in sites:
        if site["name"] in by_name:
            report.warn(f"justdeleteme: {site['name']!r} is listed twice; the first is used")
            continue
        by_name[site["name"]] = site
        for domain in site.get("domains") or []:
            domains.add(site["name"], domain.lower().removeprefix("www."))
    claims: dict[str, list[dict[str, Any]]] = {}
    for enterprise in enterprises:
        for name in domains.candidates(listing_hosts(enterprise)):
            claims.setdefault(name, []).append(enterprise)
    matched = 0
    for name, claimants in sorted(claims.items()):
        if len(claimants) > 1:
            report.note(f"justdeleteme: {name!r} not used, its domains are several listings' "
                        f"({', '.join(sorted(e['id'] for e in claimants))})")
            continue
        found = channels_of(by_name[name], retrieved)
        if len(claimants[0]["source"]) >= MAX_SOURCES:
            report.note(f"justdeleteme: {name!r} not used, {claimants[0]['id']} has "
                        f"{MAX_SOURCES} sources already")
        elif found and add_channels(claimants[0], found):
            add_source(claimants[0], SOURCE + name)
            matched += 1
    report.note(f"justdeleteme: {matched} of {len(by_name)} services matched a listing")
