"""Read services over the directory: industries with counts, filtered listing pages, detail."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session

from directory.errors import InvalidInput, NotFound
from directory.models import LANGUAGES, Channel, Enterprise, EnterpriseRegion, Industry
from directory.pages import Key, Listing
from directory.regions import region_ancestors
from directory.validation import ID_PATTERN

ENTERPRISE_ID = re.compile(ID_PATTERN)


def name_in(names: dict[str, str | None], language: str) -> str:
    """The name in *language* (of ``LANGUAGES``), falling back through the other languages."""
    order = [language, *[lang for lang in LANGUAGES if lang != language]]
    return next((names[lang] for lang in order if names.get(lang)), "")


@dataclass(frozen=True)
class ListingFilter:
    """What a listing page is narrowed to; every field is optional."""

    industry: str | None = None
    channel: str | None = None
    region: str | None = None
    verified: bool | None = None


def industry_subtree(session: Session, industry_id: str) -> list[str]:
    """*industry_id* and all industries below it."""
    children: dict[str | None, list[str]] = {}
    for ident, parent in session.execute(select(Industry.id, Industry.parent_id)):
        children.setdefault(parent, []).append(ident)
    found, todo = [], [industry_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def list_industries(session: Session) -> list[tuple[Industry, int]]:
    """Every industry in display order with its count of public enterprises (subtree included)."""
    industries = list(session.scalars(
        select(Industry).order_by(Industry.display_order, Industry.id)))
    direct = dict(session.execute(
        select(Enterprise.industry_id, func.count())
        .where(Enterprise.status == "active")
        .group_by(Enterprise.industry_id)
    ).all())
    children: dict[str | None, list[str]] = {}
    for industry in industries:
        children.setdefault(industry.parent_id, []).append(industry.id)

    def total(ident: str) -> int:
        return direct.get(ident, 0) + sum(total(child) for child in children.get(ident, []))

    return [(industry, total(industry.id)) for industry in industries]


# A channel kind fewer listings have than this is filtered by their ids, fetched first: the
# page then reads those rows and sorts them, where the list's order would scan every listing
# for rows that may never come (a kind no listing has: a million index probes per page).
SPARSE_CHANNELS = 1000


def _with_channel(session: Session, query, kind: str):  # noqa: ANN001, ANN202 - Selects
    """*query* narrowed to the enterprises with a way in (shown, contact) of *kind*."""
    ways_in = and_(Channel.kind == kind, Channel.direction == "contact", Channel.hidden.is_(False))
    few = session.scalars(select(Channel.enterprise_id).where(ways_in).limit(SPARSE_CHANNELS + 1)).all()
    if not few:  # a constant the planners see (an empty IN is a subquery they run per row)
        return query.where(false())
    if len(few) <= SPARSE_CHANNELS:
        return query.where(Enterprise.id.in_(sorted(set(few))))
    return query.where(exists().where(and_(Channel.enterprise_id == Enterprise.id, ways_in)))


def _filtered(session: Session, where: ListingFilter):  # noqa: ANN202 - a Select
    query = select(Enterprise).where(Enterprise.status == "active")
    if where.industry is not None:
        query = query.where(Enterprise.industry_id.in_(industry_subtree(session, where.industry)))
    if where.verified is not None:
        query = query.where(Enterprise.verified.is_(where.verified))
    if where.channel is not None:
        query = _with_channel(session, query, where.channel)
    if where.region is not None:
        any_region = exists().where(EnterpriseRegion.enterprise_id == Enterprise.id)
        serves = exists().where(and_(
            EnterpriseRegion.enterprise_id == Enterprise.id,
            EnterpriseRegion.code.in_(region_ancestors(where.region)),
        ))
        query = query.where(or_(not_(any_region), serves))
    return query


# The orders of the list (``sort``), each a keyset on indexed columns ending with the id:
# prominence first (directory/prominence.py: the listings people most likely look for), or by
# name (directory/listing_order.py: pinyin for Chinese names, words for English ones, one a–z
# order), the key of the reader's language.
SORTS = ("prominence", "name")
BY_PROMINENCE = Key(((Enterprise.prominence, True), (Enterprise.id, True)))
BY_NAME = Key(((Enterprise.name_key, False), (Enterprise.id, False)))
BY_ENGLISH_NAME = Key(((Enterprise.name_key_en, False), (Enterprise.id, False)))


def listing_order(sort: str, language: str) -> Key:
    """The keyset order of *sort* (one of SORTS) for a reader of *language*."""
    if sort == "prominence":
        return BY_PROMINENCE
    if sort == "name":
        return BY_ENGLISH_NAME if language == "en" else BY_NAME
    raise InvalidInput("The request's parameters are not valid.",
                       errors={"sort": [f"One of: {', '.join(SORTS)}."]})


def browse_listings(session: Session, where: ListingFilter, sort: str = "prominence",
                    language: str = "zh-Hans") -> Listing:
    """The public enterprises matching *where*, in *sort*'s order (see :data:`SORTS`);
    InvalidInput for an industry that does not exist or another order."""
    require_industry(session, where.industry)
    return Listing(_filtered(session, where), listing_order(sort, language))


def require_industry(session: Session, industry_id: str | None) -> None:
    """Nothing when *industry_id* is None or an industry's id; InvalidInput otherwise."""
    if industry_id is not None and session.get(Industry, industry_id) is None:
        raise InvalidInput("The request's parameters are not valid.",
                           errors={"industry": ["No such industry."]})


def get_public_enterprise(session: Session, enterprise_id: str) -> Enterprise | None:
    """The enterprise if it is publicly listed, else None (also for ids no listing can have)."""
    if not ENTERPRISE_ID.match(enterprise_id):
        return None
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or enterprise.status != "active":
        return None
    return enterprise


def public_enterprise(session: Session, enterprise_id: str) -> Enterprise:
    """The publicly listed enterprise *enterprise_id*; NotFound otherwise."""
    enterprise = get_public_enterprise(session, enterprise_id)
    if enterprise is None:
        raise NotFound(f"No listed enterprise has the id {enterprise_id!r}.")
    return enterprise


def public_channel(session: Session, channel_id: str) -> tuple[Enterprise, Channel]:
    """A channel people can use (shown, a way in) of a listed enterprise, with its enterprise;
    NotFound otherwise."""
    channel = session.get(Channel, channel_id) if len(channel_id) <= 32 else None
    enterprise = get_public_enterprise(session, channel.enterprise_id) if channel else None
    if channel is None or enterprise is None or channel.hidden or channel.direction != "contact":
        raise NotFound(f"No listed channel has the id {channel_id!r}.")
    return enterprise, channel
