"""Conversion between listing records (the data-file shape) and the database models."""

from __future__ import annotations

import hashlib
from typing import Any

from directory.models import Channel, Enterprise, EnterpriseRegion, Industry, utcnow

CHANNEL_FIELDS = ("kind", "value", "label", "purpose", "regions", "languages", "hours",
                  "direction", "source", "verified_at", "menu", "to_person", "reaches_person",
                  "topic_param", "accepts_callbacks", "platform", "retrieved")
# What the listing's sources say of the brand itself; set by imports, not by its owners.
SOURCE_FACT_FIELDS = ("wikidata", "logo", "dissolved")
LIST_FIELDS = ("regions", "languages", "menu")
FLAG_FIELDS = ("accepts_callbacks",)


def channel_id_for(enterprise_id: str, kind: str, value: str) -> str:
    """A stable opaque id for the channel *kind*/*value* of an enterprise."""
    digest = hashlib.sha1(f"{enterprise_id}|{kind}|{value}".encode()).hexdigest()
    return f"ch_{digest[:16]}"


def channel_to_record(channel: Channel) -> dict[str, Any]:
    return {name: getattr(channel, name) for name in CHANNEL_FIELDS}


def listing_fields(enterprise: Enterprise) -> dict[str, Any]:
    """The listing's own fields (names ... regions), as records hold them."""
    return {
        "names": enterprise.names(),
        "aliases": list(enterprise.aliases or []),
        "industry": enterprise.industry_id,
        "description": enterprise.description,
        "website": enterprise.website,
        "domains": list(enterprise.domains or []),
        "regions": enterprise.regions,
    }


def enterprise_to_record(enterprise: Enterprise) -> dict[str, Any]:
    """The data-file record of *enterprise*, hidden channels left out."""
    return {
        "id": enterprise.id,
        **listing_fields(enterprise),
        "verified": enterprise.verified,
        "status": enterprise.status,
        "source": list(enterprise.source or []),
        "channels": [channel_to_record(c) for c in enterprise.channels if not c.hidden],
        **{name: getattr(enterprise, name) for name in SOURCE_FACT_FIELDS},
    }


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """*record* with defaults filled the way validation fills them, for change detection."""
    names = record["names"]
    channels = []
    for channel in record.get("channels", []):
        channels.append({name: channel.get(name) for name in CHANNEL_FIELDS}
                        | {name: channel.get(name) or [] for name in LIST_FIELDS}
                        | {name: bool(channel.get(name)) for name in FLAG_FIELDS}
                        | {"direction": channel.get("direction") or "contact"})
    return {
        **{key: record.get(key) for key in ("id", "industry", "description", "website")},
        "names": {lang: names.get(lang) for lang in ("zh-Hans", "zh-Hant", "en")},
        "aliases": record.get("aliases") or [],
        "domains": record.get("domains") or [],
        "regions": sorted(record.get("regions") or []),
        "verified": bool(record.get("verified", False)),
        "status": record.get("status") or "active",
        "source": record.get("source") or [],
        "channels": channels,
        **{name: record.get(name) for name in SOURCE_FACT_FIELDS},
    }


def apply_listing_fields(enterprise: Enterprise, record: dict[str, Any]) -> None:
    """Write the listing's own fields of *record* (names ... regions) onto *enterprise*."""
    names = record["names"]
    enterprise.name_zh_hans = names.get("zh-Hans")
    enterprise.name_zh_hant = names.get("zh-Hant")
    enterprise.name_en = names.get("en")
    enterprise.aliases = list(record.get("aliases") or [])
    enterprise.industry_id = record["industry"]
    enterprise.description = record.get("description")
    enterprise.website = record.get("website")
    enterprise.domains = list(record.get("domains") or [])
    wanted_regions = sorted(set(record.get("regions") or []))
    if enterprise.regions != wanted_regions:
        enterprise.region_rows = [EnterpriseRegion(code=code) for code in wanted_regions]


def set_channel_fields(channel: Channel, data: dict[str, Any]) -> None:
    """Write a channel record's fields onto *channel* (absent lists empty, direction contact)."""
    for name in CHANNEL_FIELDS:
        setattr(channel, name, data.get(name, [] if name in LIST_FIELDS else None))
    for name in FLAG_FIELDS:
        setattr(channel, name, bool(data.get(name)))
    channel.direction = data.get("direction") or "contact"


def mark_checked_by_source(enterprise: Enterprise) -> None:
    """What a data source says is what c800 vouches for: every fact of *enterprise* checked."""
    now = utcnow()
    if (enterprise.checked_website, enterprise.checked_domains, enterprise.web_review) != (
            enterprise.website, list(enterprise.domains or []), "checked"):
        enterprise.checked_website = enterprise.website
        enterprise.checked_domains = list(enterprise.domains or [])
        enterprise.web_review, enterprise.web_checked_by, enterprise.web_checked_at = "checked", "source", now
    for channel in enterprise.channels:
        if (channel.checked_kind, channel.checked_value, channel.review) != (
                channel.kind, channel.value, "checked"):
            channel.checked_kind, channel.checked_value = channel.kind, channel.value
            channel.review, channel.checked_by, channel.checked_at = "checked", "source", now


def apply_record(enterprise: Enterprise, record: dict[str, Any]) -> None:
    """Write the validated *record* onto *enterprise* (new or existing), channels included;
    its facts count as checked by their source."""
    apply_listing_fields(enterprise, record)
    enterprise.verified = bool(record.get("verified", False))
    enterprise.status = record.get("status") or "active"
    enterprise.source = list(record.get("source") or [])
    for name in SOURCE_FACT_FIELDS:
        setattr(enterprise, name, record.get(name))
    existing = {c.id: c for c in enterprise.channels}
    channels = []
    for position, data in enumerate(record.get("channels") or []):
        channel_id = channel_id_for(enterprise.id, data["kind"], data["value"])
        channel = existing.get(channel_id) or Channel(id=channel_id)
        channel.position = position
        channel.hidden = False
        set_channel_fields(channel, data)
        channels.append(channel)
    enterprise.channels = channels
    mark_checked_by_source(enterprise)
    enterprise.updated_at = utcnow()


def apply_industry(industry: Industry, record: dict[str, Any]) -> None:
    industry.name_zh_hans = record["names"]["zh-Hans"]
    industry.name_zh_hant = record["names"]["zh-Hant"]
    industry.name_en = record["names"]["en"]
    industry.parent_id = record.get("parent")
    industry.gbt4754_section = record.get("gbt4754")
    industry.display_order = record.get("order", 0)


def industry_to_record(industry: Industry) -> dict[str, Any]:
    return {
        "id": industry.id,
        "names": industry.names(),
        "parent": industry.parent_id,
        "gbt4754": industry.gbt4754_section,
        "order": industry.display_order,
    }
