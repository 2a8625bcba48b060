"""The search document: the one engine-neutral form every backend indexes, and
:func:`make_document`, which builds it from plain fields (the directory's listings through
:mod:`directory.indexing.documents`, the benchmark's synthetic ones directly).

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
  nationwide) — filters and facets; ``verified`` (not ranked on
  by the engines: the caller folds it into ``prominence``);
- ``prominence``: how likely a person means this listing (a non-negative integer the caller
  computes; the directory's is :mod:`directory.prominence`; clamped to 0..MAX_PROMINENCE):
  within a ranking tier, the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from search.text import compact, fold, phone_terms, pinyin_keys, pinyin_terms, split_tokens

ANY_REGION = "*"  # in a document's ``regions``: served everywhere (or unknown)
MAX_PROMINENCE = (1 << 15) - 1  # prominence is clamped to [0, MAX_PROMINENCE] (every engine keeps it whole)


class SearchDocument(TypedDict):
    """What :func:`make_document` returns and every backend's ``index()`` takes."""

    id: str
    keys: list[str]
    name_han: list[str]
    name_terms: list[str]
    other_han: list[str]
    other_terms: list[str]
    industry: str | None
    industries: list[str]
    channels: list[str]
    regions: list[str]
    verified: bool
    prominence: int


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
    prominence: int = 0,
) -> SearchDocument:
    """Build a search document from a listing's plain fields.

    *industries*: the listing's industry first, then its ancestors; *industry_names*: their
    names; *channels*: the kinds a person can use; *regions*: the codes served (none: every
    region); *phones*: numbers as stored, indexed as digits in every form people type.
    """
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
        "prominence": min(max(int(prominence), 0), MAX_PROMINENCE),
    }
