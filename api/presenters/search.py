"""Search's answers as the API shows them: each found listing's summary with its best channels,
ready to open, and what matched; the facets with names in the answer's language; suggestions.
The shapes are ``api/schemas/search.py``'s."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Row

from api.http import pick_name
from api.presenters.channels import channel_dump, context_for
from api.presenters.enterprises import summary_dump
from directory.search_listings import Facets, FoundListings


def found_dump(found: FoundListings, *, language: str, platform: str, region: str | None,
               at: datetime) -> list[dict]:
    """The found listings, each with its channels' links for *platform* at *at*."""
    items = []
    for item in found.items:
        context = context_for(item.enterprise, language=language, at=at, platform=platform,
                              waits=found.waits)
        items.append({**summary_dump(item.enterprise, language, region),
                      "channels": [channel_dump(c, context) for c in item.channels],
                      "highlight": asdict(item.highlight)})
    return items


def facets_dump(found: FoundListings | Facets, language: str) -> dict:
    return {
        "industry": [{"id": row.id, "count": row.count,
                      "name": pick_name(row.names, language) if row.names is not None else row.id}
                     for row in found.industries],
        "channel": [{"kind": kind, "count": count} for kind, count in found.channel_kinds],
    }


def suggestion_dump(row: Row, language: str) -> dict:
    """A suggestion of a row of ``suggested_in_order``, as ``SuggestionSchema`` dumps it."""
    names = {"zh-Hans": row.name_zh_hans, "zh-Hant": row.name_zh_hant, "en": row.name_en}
    return {"id": row.id, "name": pick_name(names, language), "names": names,
            "industry": row.industry_id, "verified": row.verified}
