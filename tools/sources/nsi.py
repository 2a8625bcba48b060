"""name-suggestion-index (BSD-3-Clause; values from Wikidata, CC0): brands' Wikidata ids,
official websites, social accounts (Weibo, WeChat, X, Facebook, YouTube, LinkedIn, TikTok),
logos and dissolution dates, with names by language and countries from the OSM presets.

:func:`enrich` matches the build's listings by Wikidata id and domain, adds what the index
knows of them, merges listings that turn out to be one brand, and adds the Chinese brands the
directory lacks that have at least one account to reach them on.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import opencc
import phonenumbers

from sources.common import (
    DomainIndex,
    Reporter,
    add_channels,
    add_source,
    channel,
    enterprise_id,
    host_of,
    listing_hosts,
    merge_listings,
    names_of,
    web_url,
)

FOLDER = "name-suggestion-index"
SOURCE = "name-suggestion-index:wikidata.json#"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
WECHAT_ID = re.compile(r"^[A-Za-z][-_A-Za-z0-9]{5,19}$")
ACCOUNT = re.compile(r"^[^\s/?#%][^\s/?#%]{0,99}$")
WEIBO_USER = re.compile(r"^u/[0-9]{1,20}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ISO 3166-1 countries the directory knows (directory/regions.py takes them from phonenumbers).
COUNTRIES = frozenset(code.lower() for code in phonenumbers.SUPPORTED_REGIONS if code != "001")
# Mainland China, Hong Kong, Macao and Taiwan: where a brand's presets place it in China.
CHINA = {"cn", "hk", "mo", "tw"}
S2T = opencc.OpenCC("s2t")
T2S = opencc.OpenCC("t2s")

# identity → (platform, label, URL pattern); WeChat is a kind of its own (see channels_of).
SOCIAL = (
    ("weibo", "weibo", "微博", "https://weibo.com/{}"),
    ("twitter", "x", "X (Twitter)", "https://x.com/{}"),
    ("facebook", "facebook", "Facebook", "https://www.facebook.com/{}"),
    ("youtube", "youtube", "YouTube", "https://www.youtube.com/channel/{}"),
    ("linkedin", "linkedin", "LinkedIn", "https://www.linkedin.com/company/{}"),
    ("tiktok", "tiktok", "TikTok", "https://www.tiktok.com/@{}"),
)

# OSM preset (key/value, else key) onto the directory's leaf industries.
PRESET_INDUSTRY: dict[str, str] = {
    "amenity/restaurant": "food-dining", "amenity/cafe": "food-dining",
    "amenity/fast_food": "food-dining", "amenity/ice_cream": "food-dining",
    "amenity/food_court": "food-dining", "amenity/bar": "food-dining",
    "amenity/pub": "food-dining", "amenity/bank": "banking", "amenity/atm": "banking",
    "amenity/bureau_de_change": "financial-services", "amenity/money_transfer": "payments",
    "amenity/payment_terminal": "payments", "amenity/post_office": "logistics",
    "amenity/post_box": "logistics", "amenity/parcel_locker": "logistics",
    "amenity/charging_station": "mobility", "amenity/car_rental": "mobility",
    "amenity/car_sharing": "mobility", "amenity/bicycle_rental": "mobility",
    "amenity/taxi": "mobility", "amenity/fuel": "utilities-energy",
    "amenity/pharmacy": "health", "amenity/hospital": "health", "amenity/clinic": "health",
    "amenity/dentist": "health", "amenity/doctors": "health", "amenity/school": "education",
    "amenity/kindergarten": "education", "amenity/college": "education",
    "amenity/university": "education", "amenity/language_school": "education",
    "amenity/driving_school": "education", "amenity/cinema": "media-entertainment",
    "amenity/theatre": "media-entertainment", "amenity/police": "government",
    "amenity/townhall": "government", "amenity/toilets": "government",
    "amenity/vending_machine": "ecommerce-retail",
    "shop/telecommunication": "telecom", "shop/mobile_phone": "telecom",
    "shop/electronics": "consumer-electronics", "shop/computer": "consumer-electronics",
    "shop/mobile_phone_accessories": "consumer-electronics", "shop/car": "automotive",
    "shop/car_repair": "automotive", "shop/car_parts": "automotive", "shop/tyres": "automotive",
    "shop/motorcycle": "automotive", "shop/lottery": "betting",
    "shop/travel_agency": "travel-hotels", "shop": "ecommerce-retail",
    "tourism": "travel-hotels", "office/insurance": "insurance",
    "office/financial_advisor": "financial-services", "office/financial": "financial-services",
    "office/estate_agent": "real-estate", "office/telecommunication": "telecom",
    "office/courier": "logistics", "office/government": "government",
    "office/lawyer": "business-services", "office/travel_agent": "travel-hotels",
    "office": "business-services", "power": "utilities-energy", "pipeline": "utilities-energy",
    "man_made/charge_point": "mobility", "man_made/pipeline": "utilities-energy",
    "route": "rail-transit", "public_transport": "rail-transit", "highway": "rail-transit",
    "railway": "rail-transit", "aeroway": "airlines", "healthcare": "health",
    "leisure": "local-services", "craft": "local-services", "advertising": "business-services",
    "emergency": "government", "amenity": "local-services",
}
DEFAULT_INDUSTRY = "other"


@dataclass
class Brand:
    """What the index knows of one Wikidata item."""

    qid: str
    label: str | None
    description: str | None
    websites: list[str]
    channels: list[dict[str, Any]]
    logo: dict[str, str] | None
    dissolved: str | None
    names: dict[str, Counter[str]] = field(default_factory=lambda: {
        "zh-Hans": Counter(), "zh-Hant": Counter(), "zh": Counter()})
    industries: Counter[str] = field(default_factory=Counter)
    countries: set[str] = field(default_factory=set)

    @property
    def source(self) -> str:
        return SOURCE + self.qid

    def chinese_names(self) -> dict[str, str | None]:
        """zh-Hans and zh-Hant, the most frequent spelling of each, the other script by OpenCC."""
        pick = {key: min(c, key=lambda n: (-c[n], n)) if c else None
                for key, c in self.names.items()}
        hans, hant, generic = pick["zh-Hans"], pick["zh-Hant"], pick["zh"]
        if generic and T2S.convert(generic) != generic:
            hant = hant or generic
        elif generic:
            hans = hans or generic
        if hans and not hant:
            hant = S2T.convert(hans)
        if hant and not hans:
            hans = T2S.convert(hant)
        return {"zh-Hans": hans, "zh-Hant": hant}

    def industry(self) -> str | None:
        if not self.industries:
            return None
        return min(self.industries, key=lambda i: (-self.industries[i], i))


@dataclass
class Index:
    brands: dict[str, Brand]
    retrieved: str | None
    unmapped_presets: Counter[str] = field(default_factory=Counter)
    skipped_accounts: Counter[str] = field(default_factory=Counter)


def _account(value: Any) -> str | None:
    return value if isinstance(value, str) and ACCOUNT.match(value) else None


def channels_of(qid: str, identities: dict[str, Any], retrieved: str | None,
                skipped: Counter[str]) -> list[dict[str, Any]]:
    source = SOURCE + qid
    found = []
    wechat = identities.get("weixin")
    if wechat:
        if isinstance(wechat, str) and WECHAT_ID.match(wechat):
            found.append(channel("wechat", wechat, source, label="微信公众号", retrieved=retrieved))
        else:
            skipped["weixin"] += 1
    if not identities.get("youtube") and _account(identities.get("youtubeHandle")):
        identities = {**identities, "youtube": None,
                      "youtube_handle": identities["youtubeHandle"]}
    for identity, platform, label, pattern in SOCIAL:
        value = identities.get(identity)
        if value is None:
            continue
        account = _account(value) or (value if identity == "weibo" and isinstance(value, str)
                                      and WEIBO_USER.match(value) else None)
        if account is None:
            skipped[identity] += 1
            continue
        found.append(channel("social", pattern.format(quote(account, safe="._-/")), source,
                             label=label, platform=platform, retrieved=retrieved))
    handle = identities.get("youtube_handle")
    if handle:
        found.append(channel("social", f"https://www.youtube.com/@{quote(handle, safe='._-')}",
                             source, label="YouTube", platform="youtube", retrieved=retrieved))
    return found


def _logo(qid: str, logos: dict[str, Any], retrieved: str | None) -> dict[str, str] | None:
    for origin in ("wikidata", "facebook"):
        url = web_url(logos.get(origin))
        if url and url.startswith("https://") and retrieved:
            return {"url": url, "source": SOURCE + qid, "retrieved": retrieved}
    return None


def _dissolved(item: dict[str, Any]) -> str | None:
    dates = sorted(str(d.get("date") or "")[:10] for d in item.get("dissolutions") or [])
    dates = [d for d in dates if ISO_DATE.match(d)]
    return dates[0] if dates else None


def _industry(path: str, unmapped: Counter[str]) -> str | None:
    parts = path.split("/")
    if len(parts) < 3:
        return None
    key, value = parts[1], parts[2]
    industry = PRESET_INDUSTRY.get(f"{key}/{value}") or PRESET_INDUSTRY.get(key)
    if industry is None:
        unmapped[f"{key}/{value}"] += 1
    return industry


def _zh_names(tags: dict[str, str], role: str) -> list[tuple[str, str]]:
    found = []
    prefixes = (role, "name") if role == "brand" else (role,)
    for prefix in prefixes:
        for script in ("zh-Hans", "zh-Hant", "zh"):
            value = (tags.get(f"{prefix}:{script}") or "").strip()
            if value and CJK.search(value):
                found.append((script, value))
    own = (tags.get(role) or "").strip()
    if not found and own and CJK.search(own) and not LATIN.search(own):
        found.append(("zh", own))
    return found


def load(folder: Path) -> Index:
    wikidata = json.loads((folder / "wikidata.json").read_text(encoding="utf-8"))
    presets = json.loads((folder / "nsi.json").read_text(encoding="utf-8"))["nsi"]
    retrieved = str(wikidata["_meta"].get("generated") or "")[:10] or None
    index = Index(brands={}, retrieved=retrieved)
    for qid, item in sorted(wikidata["wikidata"].items()):
        identities = item.get("identities") or {}
        websites = [w for w in (web_url(u) for u in [*(item.get("officialWebsites") or []),
                                                     identities.get("website")]) if w]
        index.brands[qid] = Brand(
            qid=qid, label=item.get("label"), description=item.get("description"),
            websites=list(dict.fromkeys(websites)),
            channels=channels_of(qid, identities, retrieved, index.skipped_accounts),
            logo=_logo(qid, item.get("logos") or {}, retrieved), dissolved=_dissolved(item))
    for path in sorted(presets):
        industry = _industry(path, index.unmapped_presets)
        for item in presets[path]["items"]:
            tags = item.get("tags") or {}
            countries = {str(c).lower() for c in (item.get("locationSet") or {}).get("include", [])
                         if str(c).lower() in COUNTRIES}
            for role in ("brand", "operator", "network"):
                brand = index.brands.get(tags.get(f"{role}:wikidata", ""))
                if brand is None:
                    continue
                brand.countries |= countries
                if industry:
                    brand.industries[industry] += 1
                for script, name in _zh_names(tags, role):
                    brand.names[script][name] += 1
    return index


def chinese_name_index(index: Index) -> dict[str, str]:
    """Simplified Chinese name → Q-id, for the brands of China whose name is theirs alone."""
    owners: dict[str, set[str]] = {}
    for qid, brand in index.brands.items():
        name = brand.chinese_names()["zh-Hans"]
        if name and brand.countries & CHINA:
            owners.setdefault(name, set()).add(qid)
    return {name: min(qids) for name, qids in owners.items() if len(qids) == 1}


def _match(enterprise: dict[str, Any], domains: DomainIndex, index: Index,
           by_name: dict[str, str]) -> str | None:
    """The listing's Wikidata item: its own, else by domain, else by its exact Chinese name."""
    if enterprise.get("wikidata") in index.brands:
        return enterprise["wikidata"]
    candidates = domains.candidates(listing_hosts(enterprise))
    if not candidates and enterprise["names"]["zh-Hans"] in by_name:
        return by_name[enterprise["names"]["zh-Hans"]]
    if len(candidates) > 1:
        names = names_of(enterprise)
        candidates = {q for q in candidates
                      if (index.brands[q].label or "").casefold() in names
                      or any(n and n.casefold() in names
                             for n in index.brands[q].chinese_names().values())}
    return next(iter(candidates)) if len(candidates) == 1 else None


def _apply(enterprise: dict[str, Any], brand: Brand, taken: set[str]) -> None:
    """The brand's facts onto its listing; its Chinese names only where the listing has none
    and no other listing goes by them (中国移动 of Hong Kong is not 中国移动)."""
    enterprise["wikidata"] = brand.qid
    names = brand.chinese_names()
    if names["zh-Hans"] and names["zh-Hans"] not in taken and not (
            enterprise["names"]["zh-Hans"] or enterprise["names"]["zh-Hant"]):
        enterprise["names"].update(names)
        taken.add(names["zh-Hans"])
    if not enterprise["website"] and brand.websites:
        enterprise["website"] = brand.websites[0]
    enterprise["logo"] = enterprise.get("logo") or brand.logo
    enterprise["dissolved"] = enterprise.get("dissolved") or brand.dissolved
    if add_channels(enterprise, brand.channels) or brand.logo or brand.dissolved:
        add_source(enterprise, brand.source)


def _new_listing(brand: Brand, leaves: set[str], taken: set[str]) -> dict[str, Any] | None:
    names = brand.chinese_names()
    if not names["zh-Hans"] or not brand.channels or brand.dissolved or names["zh-Hans"] in taken:
        return None
    taken.add(names["zh-Hans"])
    label = brand.label if brand.label and not CJK.search(brand.label) else None
    website = brand.websites[0] if brand.websites else None
    host = host_of(website)
    industry = brand.industry()
    return {
        "id": enterprise_id(brand.source),
        "names": {**names, "en": label},
        "aliases": [],
        "industry": industry if industry in leaves else DEFAULT_INDUSTRY,
        "description": None,
        "website": website,
        "domains": [host] if host else [],
        "regions": sorted(c.upper() for c in brand.countries),
        "verified": False,
        "status": "active",
        "source": [brand.source],
        "channels": [dict(c) for c in brand.channels],
        "wikidata": brand.qid,
        "logo": brand.logo,
        "dissolved": None,
    }


def enrich(enterprises: list[dict[str, Any]], index: Index, shared: set[str] | frozenset[str],
           leaves: set[str], report: Reporter) -> list[dict[str, Any]]:
    """The listings matched, merged by Wikidata id, and the missing Chinese brands added."""
    domains = DomainIndex(shared)
    for qid, brand in index.brands.items():
        for website in brand.websites:
            host = host_of(website)
            if host:
                domains.add(qid, host)
    groups: dict[str, list[dict[str, Any]]] = {}
    unmatched = []
    by_name = chinese_name_index(index)
    for enterprise in enterprises:
        qid = _match(enterprise, domains, index, by_name)
        if qid is None:
            unmatched.append(enterprise)
        else:
            groups.setdefault(qid, []).append(enterprise)
    result = unmatched
    taken = {e["names"]["zh-Hans"] for e in enterprises if e["names"]["zh-Hans"]}
    for qid, group in sorted(groups.items()):
        if len(group) > 1:
            report.note(f"merged by Wikidata {qid}: " + ", ".join(
                sorted(f"{e['id']} ({e['names']['en'] or e['names']['zh-Hans']})" for e in group)))
        keeper = merge_listings(group)
        _apply(keeper, index.brands[qid], taken)
        result.append(keeper)
    added = defaulted = joined = 0
    by_domain = {d: e for e in result for d in e["domains"]}
    for qid, brand in index.brands.items():
        if qid in groups or not (brand.countries & CHINA):
            continue
        host = host_of(brand.websites[0]) if brand.websites else None
        if host in by_domain:  # the operator of a network, a brand of a group: one listing
            if add_channels(by_domain[host], brand.channels):
                add_source(by_domain[host], brand.source)
                joined += 1
            continue
        listing = _new_listing(brand, leaves, taken)
        if listing is not None:
            if host:
                by_domain[host] = listing
            result.append(listing)
            added += 1
            defaulted += brand.industry() not in leaves
    report.note(f"name-suggestion-index: {len(groups)} brands matched "
                f"{sum(len(g) for g in groups.values())} listings; {added} Chinese brands added "
                f"({defaulted} in {DEFAULT_INDUSTRY!r}: no preset category maps), {joined} joined the "
                f"listing holding their website's domain; "
                f"presets without an industry: {sum(index.unmapped_presets.values())}; "
                f"accounts skipped (not an account id): {dict(sorted(index.skipped_accounts.items()))}")
    return result
