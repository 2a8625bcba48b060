"""Read services over the directory: industries with counts, filtered listing pages, detail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from directory.errors import InvalidInput, NotFound
from directory.models import LANGUAGES, Channel, Enterprise, EnterpriseRegion, Industry
from directory.pages import Key, Listing
from directory.regions import region_ancestors
from directory.serving import region_parts, regional_ids, written_in
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
    """*industry_id* and all industries below it; InvalidInput when there is no such industry."""
    children: dict[str | None, list[str]] = {}
    for ident, parent in session.execute(select(Industry.id, Industry.parent_id)):
        children.setdefault(parent, []).append(ident)
    if not any(industry_id in below for below in children.values()):
        raise _no_such_industry()
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


def _channel_facts(session: Session, kind: str) -> tuple[str, ...] | bool:
    """How the listings with a way in (shown, contact) of *kind* are found: the ids of the few
    that have one (an empty tuple: none), or True: too many, a correlated EXISTS."""
    few = session.scalars(select(Channel.enterprise_id).where(_ways_in(kind))
                          .limit(SPARSE_CHANNELS + 1)).all()
    return True if len(few) > SPARSE_CHANNELS else tuple(sorted(set(few)))


def _ways_in(kind: str):  # noqa: ANN202 - a clause
    return and_(Channel.kind == kind, Channel.direction == "contact", Channel.hidden.is_(False))


@dataclass(frozen=True)
class _Shape:
    """A filter with what it needs from the database read (the industry's subtree, the ids of
    a rare channel kind's listings): equal shapes are the same query, built once."""

    industries: tuple[str, ...] | None
    verified: bool | None
    channel: str | None
    channel_ids: tuple[str, ...] | bool | None
    region: str | None
    region_ids: tuple[str, ...] | None = None  # directory.serving.regional_ids


def _shape(session: Session, where: ListingFilter) -> _Shape:
    industries = None
    if where.industry is not None:
        industries = tuple(industry_subtree(session, where.industry))
    channel_ids = _channel_facts(session, where.channel) if where.channel is not None else None
    region_ids = regional_ids(session, where.region) if where.region is not None else None
    return _Shape(industries, where.verified, where.channel, channel_ids, where.region, region_ids)


@lru_cache(maxsize=512)
def _filtered(shape: _Shape, *, region: bool = True):  # noqa: ANN202 - a Select
    query = select(Enterprise).where(Enterprise.status == "active")
    if shape.industries is not None:
        query = query.where(written_in(Enterprise.industry_id, shape.industries))
    if shape.verified is not None:
        query = query.where(Enterprise.verified.is_(shape.verified))
    if shape.channel_ids is True:
        query = query.where(exists().where(and_(Channel.enterprise_id == Enterprise.id,
                                                _ways_in(shape.channel))))
    elif shape.channel_ids is not None:
        # a constant the planners see (an empty IN is a subquery they run per row)
        query = query.where(written_in(Enterprise.id, shape.channel_ids))
    if region and shape.region is not None:  # national, or serving one of its ancestors
        query = query.where(or_(Enterprise.national == true(), exists().where(
            EnterpriseRegion.enterprise_id == Enterprise.id,
            EnterpriseRegion.code.in_(region_ancestors(shape.region)))))
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
    return _listing(_shape(session, where), listing_order(sort, language))


@lru_cache(maxsize=512)
def _listing(shape: _Shape, key: Key) -> Listing:
    """The same Listing for the same filter and order, so what is built from it (its pages'
    statements: ``directory.pages.prepared``) is built once too."""
    plain = shape.industries is None and shape.verified is None and shape.channel is None
    parts = () if shape.region is None else region_parts(
        _filtered(shape, region=False), shape.region, shape.region_ids, plain=plain)
    return Listing(_filtered(shape), key, parts=parts)


def require_industry(session: Session, industry_id: str | None) -> None:
    """Nothing when *industry_id* is None or an industry's id; InvalidInput otherwise."""
    if industry_id is not None and session.get(Industry, industry_id) is None:
        raise _no_such_industry()


def _no_such_industry() -> InvalidInput:
    return InvalidInput("The request's parameters are not valid.",
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
