"""How complete the directory is: the coverage table of ``flask directory audit``.

It counts, over listings as records hold them (a data folder, or the database's listings
without their hidden channels): listings and those one can reach (at least one contact
channel; a website alone is not one), channels per kind and social platform, hours, phone
menus, ways to a person, Chinese names, each source, suspected senders and duplicates (listings
sharing a Wikidata id, a domain or a contact number).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Enterprise
from directory.records import enterprise_to_record
from directory.senders import sender_reason

Record = dict[str, Any]
PHONE_KINDS = ("phone", "sms")
CHINESE_PLATFORMS = ("weibo",)


def suspected_sender(channel: Record) -> bool:
    """A channel the company only sends from (statements, notices, no-reply): marked
    outbound-only by its source, or caught by the sender rules (directory/senders.py)."""
    return channel.get("direction") == "outbound_only" or sender_reason(
        channel.get("kind", ""), channel.get("value", ""), channel.get("label")) is not None


def is_contact(channel: Record) -> bool:
    return channel.get("direction", "contact") == "contact"


@dataclass(frozen=True)
class Row:
    """One line of the table: what is counted, over how many listings and channels."""

    what: str
    listings: int
    channels: int | None = None
    detail: str = ""


@dataclass
class Coverage:
    rows: list[Row] = field(default_factory=list)

    def add(self, what: str, listings: int, channels: int | None = None, detail: str = "") -> None:
        self.rows.append(Row(what, listings, channels, detail))

    def get(self, what: str) -> Row:
        return next(row for row in self.rows if row.what == what)


def _listings_with(records: list[Record], test: Callable[[Record], bool]) -> tuple[int, int]:
    """(listings with at least one channel passing *test*, channels passing it)."""
    counts = [sum(1 for c in r["channels"] if test(c)) for r in records]
    return sum(1 for n in counts if n), sum(counts)


def _duplicates(records: list[Record], keys: Callable[[Record], Iterable[str]]
                ) -> tuple[int, None, str]:
    """(listings holding a key another listing holds too, -, how many keys are shared)."""
    owners: dict[str, set[str]] = {}
    for record in records:
        for key in set(keys(record)):
            owners.setdefault(key, set()).add(record["id"])
    shared = {k: ids for k, ids in owners.items() if len(ids) > 1}
    holders = set().union(*shared.values()) if shared else set()
    return len(holders), None, f"{len(shared)} shared"


def _source_name(source: str) -> str:
    return source.partition(":")[0]


def _contact_numbers(record: Record) -> list[str]:
    return [c["value"] for c in record["channels"] if c["kind"] in PHONE_KINDS and is_contact(c)]


def coverage(records: Iterable[Record]) -> Coverage:
    """The coverage table of *records* (listing records, channels included)."""
    records = list(records)
    table = Coverage()
    table.add("listings", len(records), sum(len(r["channels"]) for r in records))
    reachable, contacts = _listings_with(records, is_contact)
    table.add("with a contact channel", reachable, contacts)
    table.add("without a contact channel", len(records) - reachable)
    kinds = sorted({c["kind"] for r in records for c in r["channels"]})
    for kind in kinds:
        table.add(f"contact by {kind}", *_listings_with(
            records, lambda c, kind=kind: c["kind"] == kind and is_contact(c)))
    platforms = sorted({c.get("platform") or "other" for r in records for c in r["channels"]
                        if c["kind"] == "social"})
    for platform in platforms:
        table.add(f"social on {platform}", *_listings_with(
            records, lambda c, p=platform: c["kind"] == "social" and (c.get("platform") or "other") == p))
    table.add("on Weibo or WeChat", *_listings_with(records, lambda c: is_contact(c) and (
        c["kind"] == "wechat" or c.get("platform") in CHINESE_PLATFORMS)))
    table.add("with hours", *_listings_with(records, lambda c: bool(c.get("hours"))))
    table.add("with a phone menu", *_listings_with(records, lambda c: bool(c.get("menu"))))
    table.add("with a way to a person", *_listings_with(
        records, lambda c: bool(c.get("to_person")) or c.get("reaches_person") is True))
    table.add("with a Chinese name", sum(
        1 for r in records if r["names"].get("zh-Hans") or r["names"].get("zh-Hant")))
    table.add("with a Wikidata id", sum(1 for r in records if r.get("wikidata")))
    table.add("with a logo", sum(1 for r in records if r.get("logo")))
    table.add("dissolved", sum(1 for r in records if r.get("dissolved")))
    table.add("in industry other", sum(1 for r in records if r["industry"] == "other"))
    sources = Counter(_source_name(s) for r in records for s in {_source_name(x) for x in r["source"]})
    channel_sources = Counter(_source_name(c["source"] or "") for r in records for c in r["channels"])
    for name in sorted(set(sources) | set(channel_sources)):
        table.add(f"source {name}", sources[name], channel_sources[name])
    table.add("suspected senders", *_listings_with(records, suspected_sender))
    table.add("duplicate Wikidata ids", *_duplicates(
        records, lambda r: [r["wikidata"]] if r.get("wikidata") else []))
    table.add("duplicate domains", *_duplicates(records, lambda r: r.get("domains") or []))
    table.add("duplicate contact numbers", *_duplicates(records, _contact_numbers))
    return table


def read_records(path: Path) -> list[Record]:
    """The listing records of a data folder (its enterprises.jsonl) or of a JSON Lines file."""
    file = path / "enterprises.jsonl" if path.is_dir() else path
    with file.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def audit_database(session: Session) -> Coverage:
    """The coverage of the listings the directory shows (hidden channels left out)."""
    listings = session.scalars(select(Enterprise).where(Enterprise.status == "active")
                               .order_by(Enterprise.id))
    return coverage(enterprise_to_record(e) for e in listings)


def audit_data(path: Path) -> Coverage:
    """The coverage of a data folder or file, as ``flask directory import`` would read it."""
    return coverage(read_records(path))
