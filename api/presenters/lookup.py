"""Lookup's answer as the API shows it (``api/schemas/lookup.py``): each match's enterprise
summary and the channel c800 vouches for, and the hint in the answer's language."""

from __future__ import annotations

from api.http import pick_name
from api.presenters.enterprises import summary_dump
from directory.lookup import LookupResult, hint_text
from directory.phones import PHONE_KINDS, classify_phone


def lookup_dump(result: LookupResult, query: str, language: str,
                summaries: dict[str, dict] | None = None) -> dict:
    """The answer as ``LookupSchema`` takes it, each match's summary dumped from its listing.
    With *summaries* (each listed listing's summary answer by id, for a result looked up
    without summarising: the API's, from the kept list cards), the answer is already as the
    schema dumps it, and a match whose listing has none is left out (tests/api/test_lookup.py
    holds the two to each other)."""
    if summaries is not None:
        shown = [match for match in result.matches if match.enterprise_id in summaries]
        name = pick_name(summaries[shown[0].enterprise_id]["names"], language) if shown else ""
    else:
        shown = result.matches
        first = shown[0].enterprise if shown else None
        name = pick_name(first.names(), language) if first is not None else ""
    matches = []
    for match in shown:
        channel = match.channel
        # what lookup vouches for: the checked kind and value (the listing may show a newer,
        # unchecked one)
        kind, value = (channel.checked_kind, channel.checked_value) if channel is not None else (None, "")
        matches.append({
            "enterprise": summaries[match.enterprise_id] if summaries is not None
            else summary_dump(match.enterprise, language),
            "channel": None if channel is None else {
                "id": channel.id, "kind": kind, "value": value,
                "display": classify_phone(value).display if kind in PHONE_KINDS else value,
                "label": channel.label, "direction": channel.direction},
            "matched_by": match.matched_by,
        })
    parsed = result.input
    return {
        "query": query, "input_kind": parsed.kind, "normalized": parsed.normalized,
        "registrable_domain": parsed.domain, "phone_type": result.phone_type,
        "official": result.official, "matches": matches,
        "hint": {"code": result.hint_code, "text": hint_text(result, language, name)},
    }
