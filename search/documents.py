"""Listing -> search document: the one engine-neutral form every backend indexes.

A document holds already-analysed text (see :mod:`search.text`), so the embedded index and
Elasticsearch index the same keys, Han runs and terms:

- ``keys``: compact names and aliases, their full pinyin and initials, phone digits — the
  exact-match and prefix tiers of the ranking and the suggestions;
- ``name_han`` / ``name_terms``: Han runs of the names and aliases (matched by bigrams) and
  their other words plus pinyin terms (matched by prefix);
- ``other_han`` / ``other_terms``: the same for the description, the industry's names,
  channel labels, domains and phone numbers;
- ``industry`` (the listing's own, for the facet), ``industries`` (it and its ancestors),
  ``channels`` (kinds a person can use), ``regions`` (served regions, ``*`` when unknown or
  nationwide), ``verified``, ``popularity`` — filters, facets and tie-breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import Enterprise, Industry
from search.text import compact, fold, phone_terms, pinyin_keys, pinyin_terms, split_tokens

ANY_REGION = "*"
PHONE_KINDS = frozenset({"phone", "sms"})


@dataclass(frozen=True)
class IndustryInfo:
    path: tuple[str, ...]  # the industry first, then its ancestors
    names: tuple[str, ...]  # every name of every industry on the path


def industry_table(session: Session) -> dict[str, IndustryInfo]:
    """Path and names of every industry, for building many documents."""
    rows = {row.id: row for row in session.scalars(select(Industry))}
    table: dict[str, IndustryInfo] = {}
    for ident in rows:
        path, names, current = [], [], rows.get(ident)
        while current is not None and current.id not in path:
            path.append(current.id)
            names.extend([current.name_zh_hans, current.name_zh_hant, current.name_en])
            current = rows.get(current.parent_id) if current.parent_id else None
        table[ident] = IndustryInfo(tuple(path), tuple(names))
    return table


def make_document(
    *,
    id: str,  # noqa: A002 - the document field
    names: Sequence[str],
    aliases: Sequence[str] = (),
    industries: Sequence[str] = (),
    industry_names: Sequence[str] = (),
    description: str | None = None,
    domains: Sequence[str] = (),
    labels: Sequence[str] = (),
    phones: Sequence[str] = (),
    channels: Sequence[str] = (),
    regions: Sequence[str] = (),
    verified: bool = False,
    popularity: int = 0,
) -> dict[str, Any]:
    """Build a search document from a listing's plain fields (also used by the benchmark)."""
    folded_names = list(dict.fromkeys(fold(text) for text in (*names, *aliases) if text))
    keys: dict[str, None] = {}
    name_terms: dict[str, None] = {}
    for folded in folded_names:
        keys[compact(folded)] = None
        spelled = pinyin_keys(folded)
        if spelled:
            keys.update(dict.fromkeys(spelled))
            name_terms.update(dict.fromkeys(pinyin_terms(folded)))
    name_han, name_words = split_tokens(folded_names)
    numbers: dict[str, None] = {}
    for phone in phones:
        numbers.update(dict.fromkeys(phone_terms(phone)))
    keys.update(numbers)
    keys.pop("", None)
    other_texts = [fold(text) for text in (*industry_names, description or "", *labels, *domains) if text]
    other_han, other_words = split_tokens(other_texts)
    return {
        "id": id,
        "keys": list(keys),
        "name_han": name_han,
        "name_terms": list(dict.fromkeys([*name_words, *name_terms])),
        "other_han": other_han,
        "other_terms": list(dict.fromkeys([*other_words, *numbers])),
        "industry": industries[0] if industries else None,
        "industries": list(industries),
        "channels": sorted(set(channels)),
        "regions": sorted(set(regions)) or [ANY_REGION],
        "verified": bool(verified),
        "popularity": int(popularity),
    }


def document_for(enterprise: Enterprise, industries: dict[str, IndustryInfo]) -> dict[str, Any] | None:
    """The search document of a listing, or None when it must not be searchable."""
    if enterprise.status != "active":
        return None
    info = industries.get(enterprise.industry_id, IndustryInfo((enterprise.industry_id,), ()))
    visible = [channel for channel in enterprise.channels if not channel.hidden]
    return make_document(
        id=enterprise.id,
        names=[n for n in (enterprise.name_zh_hans, enterprise.name_zh_hant, enterprise.name_en) if n],
        aliases=enterprise.aliases or [],
        industries=info.path,
        industry_names=info.names,
        description=enterprise.description,
        domains=enterprise.domains or [],
        labels=[channel.label for channel in visible if channel.label],
        phones=[channel.value for channel in visible if channel.kind in PHONE_KINDS],
        channels=[channel.kind for channel in visible if channel.direction == "contact"],
        regions=[row.code for row in enterprise.region_rows],
        verified=enterprise.verified,
    )


def iter_documents(
    session: Session, ids: Iterable[str] | None = None, batch: int = 500
) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """``(id, document or None)`` for *ids* (every listing when None), loaded in batches.

    None means the listing is gone or not public: the backend must delete it.
    """
    industries = industry_table(session)
    options = (selectinload(Enterprise.channels), selectinload(Enterprise.region_rows))
    if ids is None:
        after = ""
        while True:
            rows = list(session.scalars(
                select(Enterprise).options(*options).where(Enterprise.id > after)
                .order_by(Enterprise.id).limit(batch)))
            if not rows:
                return
            for enterprise in rows:
                yield enterprise.id, document_for(enterprise, industries)
            after = rows[-1].id
            session.expunge_all()
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), batch):
        chunk = wanted[start:start + batch]
        found = {e.id: e for e in session.scalars(
            select(Enterprise).options(*options).where(Enterprise.id.in_(chunk)))}
        for ident in chunk:
            enterprise = found.get(ident)
            yield ident, (document_for(enterprise, industries) if enterprise is not None else None)
