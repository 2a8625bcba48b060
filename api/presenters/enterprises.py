"""Listings as the public reads them: a listing's summary, the review of its website and
domains, what its verification rests on, and its current notices; and as its owners and
editors read it (everything they may change). The shapes are ``api/schemas/enterprises.py``'s."""

from __future__ import annotations

from datetime import datetime

from api.cache import not_after
from api.http import pick_name
from api.presenters.channels import channel_dump, context_for, public_source, review_dump
from api.presenters.common import names_dump
from api.presenters.share import share_url
from directory.listing_detail import ListingDetail
from directory.models import Enterprise
from directory.reach import serves_region
from directory.reviews import Verification, unchecked_web
from directory.versions import snapshot


def _channel_kinds(enterprise: Enterprise, region: str | None) -> list[str]:
    kinds = [c.kind for c in enterprise.channels if c.direction == "contact" and not c.hidden
             and serves_region(c, region)]
    return list(dict.fromkeys(kinds))


def summary_dump(enterprise: Enterprise, language: str, region: str | None = None) -> dict:
    """The summary of *enterprise*; with *region*, its channel kinds are those serving it."""
    names = enterprise.names()
    return {
        "id": enterprise.id,
        "name": pick_name(names, language),
        "names": names_dump(names),
        "aliases": list(enterprise.aliases or []),
        "industry": enterprise.industry_id,
        "verified": enterprise.verified,
        "website": enterprise.website,
        "channel_kinds": _channel_kinds(enterprise, region),
        "url": share_url(enterprise.id),
        "dissolved": enterprise.dissolved,
    }


def summary_answer(enterprise: Enterprise, language: str, region: str | None = None) -> dict:
    """:func:`summary_dump` as the answer shows it (what ``EnterpriseSummarySchema`` dumps it
    to), for lists that skip the schema on their way out."""
    answer = summary_dump(enterprise, language, region)
    names = answer["names"]
    answer["names"] = {"zh-Hans": names["zh_hans"], "zh-Hant": names["zh_hant"], "en": names["en"]}
    return answer


def logo_dump(enterprise: Enterprise) -> dict | None:
    """The logo with its source and date; none at all when its source is unknown."""
    logo = enterprise.logo or {}
    if not (logo.get("url") and logo.get("source")):
        return None
    return {"url": logo["url"], "source": public_source(logo["source"]),
            "retrieved": logo.get("retrieved")}


def web_review_dump(enterprise: Enterprise) -> dict:
    return {**review_dump(enterprise.web_review, enterprise.web_checked_by, enterprise.web_checked_at),
            "unchecked": unchecked_web(enterprise)}


def verification_dump(found: Verification | None) -> dict | None:
    if found is None:
        return None
    return {"method": found.method, "domain": found.domain, "verified_at": found.at}


_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def current_notices(enterprise: Enterprise, at: datetime) -> list[dict]:
    for notice in enterprise.notices:  # a cached answer lasts until the next one starts or ends
        not_after(notice.valid_from)
        not_after(notice.valid_until)
    moment = at.timestamp()
    return [notice for notice, (start, end) in visible_notices(enterprise)
            if start <= moment and (end is None or moment < end)]


def visible_notices(enterprise: Enterprise) -> list[tuple[dict, tuple[float, float | None]]]:
    """The notices the public may read, most severe first, then newest first, each with the
    instants (POSIX) it is shown from and until (None: no end)."""
    notices = [n for n in enterprise.notices if not n.hidden]
    notices.sort(key=lambda n: n.valid_from, reverse=True)
    notices.sort(key=lambda n: _SEVERITY_ORDER.get(n.severity, 3))
    return [({"id": n.id, "title": n.title, "body": n.body, "severity": n.severity,
              "valid_from": n.valid_from, "valid_until": n.valid_until, "links": list(n.links or [])},
             (n.valid_from.timestamp(), n.valid_until.timestamp() if n.valid_until else None))
            for n in notices]


def managed_dump(enterprise: Enterprise) -> dict:
    """The listing as its owners and editors read it: hidden channels and notices included."""
    state = snapshot(enterprise)
    state["names"] = names_dump(state["names"])
    return {"id": enterprise.id, "version": enterprise.version, "verified": enterprise.verified,
            "status": enterprise.status, **state}


def listing_dump(detail: ListingDetail, *, language: str, platform: str, topic: str | None,
                 region: str | None, at: datetime) -> dict:
    """The full listing: its channels' links for *platform* (carrying *topic*) at *at*."""
    enterprise = detail.enterprise
    context = context_for(enterprise, language=language, at=at, platform=platform, topic=topic,
                          waits=detail.waits, crowd=detail.crowd)
    return {
        **summary_dump(enterprise, language, region),
        "description": enterprise.description,
        "domains": list(enterprise.domains or []),
        "regions": enterprise.regions,
        "version": enterprise.version,
        "source": [public_source(s) for s in enterprise.source or []],
        "wikidata": enterprise.wikidata,
        "logo": logo_dump(enterprise),
        "web_review": web_review_dump(enterprise),
        "verification": verification_dump(detail.verification),
        "created_at": enterprise.created_at,
        "updated_at": enterprise.updated_at,
        "channels": [channel_dump(c, context) for c in detail.channels],
        "notices": current_notices(enterprise, at),
    }
