"""The history of a listing: one stored version per change, and restoring an earlier one.

A version holds the listing's editable state as a JSON snapshot (names, fields, every channel
with its id and hidden flag, every notice), who made the change, when, and which fields it
changed. Restoring writes a new version whose content is the old one's; nothing is deleted:
channels and notices the old version did not have are hidden, not removed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.db import Base, UTCDateTime, table_facts
from directory.models import Channel, Enterprise, JsonType, Notice, utcnow
from directory.records import (
    CHANNEL_FIELDS,
    LIST_FIELDS,
    apply_listing_fields,
    listing_fields,
    set_channel_fields,
)

ENTERPRISE_FIELDS = ("names", "aliases", "industry", "description", "website", "domains",
                     "regions")
NOTICE_FIELDS = ("title", "body", "severity", "valid_from", "valid_until", "links", "hidden")


class ListingVersion(Base):
    """One state of a listing after a change."""

    __tablename__ = "listing_versions"
    __table_args__ = (UniqueConstraint("enterprise_id", "number", name="uq_listing_versions_number"),
                      table_facts(public=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[list[str]] = mapped_column(JsonType, default=list)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def channel_review(channel: Channel) -> dict[str, Any]:
    """The review of the channel's kind and value (``directory.reviews``), JSON-ready."""
    return {"status": channel.review, "checked_by": channel.checked_by,
            "checked_at": _iso(channel.checked_at), "checked_kind": channel.checked_kind,
            "checked_value": channel.checked_value}


def web_review(enterprise: Enterprise) -> dict[str, Any]:
    """The review of the listing's website and domains, JSON-ready."""
    return {"status": enterprise.web_review, "checked_by": enterprise.web_checked_by,
            "checked_at": _iso(enterprise.web_checked_at),
            "checked_website": enterprise.checked_website,
            "checked_domains": list(enterprise.checked_domains or [])}


def channel_state(channel: Channel) -> dict[str, Any]:
    """The channel's fields, id and hidden flag, and its review (never restored: a restore is
    reviewed as any other edit)."""
    state = {name: getattr(channel, name) for name in CHANNEL_FIELDS}
    state["verified_at"] = _iso(channel.verified_at)
    for name in LIST_FIELDS:
        state[name] = list(state[name] or [])
    return {"id": channel.id, **state, "hidden": bool(channel.hidden), "review": channel_review(channel)}


def notice_state(notice: Notice) -> dict[str, Any]:
    return {"id": notice.id, "title": notice.title, "body": notice.body,
            "severity": notice.severity, "valid_from": _iso(notice.valid_from),
            "valid_until": _iso(notice.valid_until), "links": list(notice.links or []),
            "hidden": bool(notice.hidden)}


def snapshot(enterprise: Enterprise) -> dict[str, Any]:
    """The editable state of *enterprise*, JSON-ready (hidden channels and notices included)."""
    return {
        **listing_fields(enterprise),
        "web_review": web_review(enterprise),
        "channels": [channel_state(c) for c in enterprise.channels],
        "notices": [notice_state(n) for n in enterprise.notices],
    }


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """Dotted names of what differs: ``website``, ``channels.ch_1.hours``, ``notices.nt_2``."""
    if before is None:
        return ["(created)"]
    changes = [name for name in ENTERPRISE_FIELDS if before.get(name) != after.get(name)]
    if "web_review" in before and before["web_review"] != after.get("web_review"):
        changes.append("web_review")  # (versions stored before reviews existed have none)
    for part in ("channels", "notices"):
        old = {item["id"]: item for item in before.get(part, [])}
        new = {item["id"]: item for item in after.get(part, [])}
        for ident, item in new.items():
            if ident not in old:
                changes.append(f"{part}.{ident}")
                continue
            changes.extend(f"{part}.{ident}.{key}" for key in item
                           if key != "id" and item.get(key) != old[ident].get(key)
                           and (key != "review" or key in old[ident]))
        changes.extend(f"{part}.{ident}" for ident in old if ident not in new)
    if [c["id"] for c in before.get("channels", [])] != [c["id"] for c in after.get("channels", [])] \
            and not any(c.startswith("channels.") for c in changes):
        changes.append("channels.order")
    return changes


def latest_version(session: Session, enterprise_id: str) -> ListingVersion | None:
    return session.scalar(select(ListingVersion).where(ListingVersion.enterprise_id == enterprise_id)
                          .order_by(ListingVersion.number.desc()).limit(1))


def ensure_base_version(session: Session, enterprise: Enterprise) -> None:
    """Store the listing as it is now if no version of it is stored yet (older databases)."""
    count = session.scalar(select(func.count()).select_from(ListingVersion)
                           .where(ListingVersion.enterprise_id == enterprise.id))
    if not count:
        session.add(ListingVersion(enterprise_id=enterprise.id, number=enterprise.version,
                                   actor="import", action="import", changes=["(created)"],
                                   snapshot=snapshot(enterprise)))
        session.flush()


def record_version(session: Session, enterprise: Enterprise, *, actor: str, action: str,
                   client_id: str | None = None, before: dict[str, Any] | None = None,
                   created: bool = False) -> ListingVersion:
    """Store the listing's current state as version ``enterprise.version``."""
    after = snapshot(enterprise)
    if before is None and not created:
        previous = latest_version(session, enterprise.id)
        before = previous.snapshot if previous is not None else None
    version = ListingVersion(enterprise_id=enterprise.id, number=enterprise.version, actor=actor,
                             client_id=client_id, action=action,
                             changes=changed_fields(before, after), snapshot=after)
    session.add(version)
    return version


def get_version(session: Session, enterprise_id: str, number: int) -> ListingVersion | None:
    return session.scalar(select(ListingVersion).where(
        ListingVersion.enterprise_id == enterprise_id, ListingVersion.number == number))


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def apply_snapshot(enterprise: Enterprise, state: dict[str, Any]) -> None:
    """Make *enterprise* look as *state* says; what *state* lacks is hidden, never deleted."""
    apply_listing_fields(enterprise, state)
    existing = {c.id: c for c in enterprise.channels}
    channels = []
    for position, data in enumerate(state.get("channels") or []):
        channel = existing.pop(data["id"], None) or Channel(id=data["id"])
        set_channel_fields(channel, data)
        channel.verified_at = _parse(data.get("verified_at"))
        channel.hidden = bool(data.get("hidden"))
        channel.position = position
        channels.append(channel)
    for position, channel in enumerate(existing.values(), start=len(channels)):
        channel.hidden = True
        channel.position = position
        channels.append(channel)
    enterprise.channels = channels
    notices = {n.id: n for n in enterprise.notices}
    wanted = {data["id"]: data for data in state.get("notices") or []}
    for ident, data in wanted.items():
        notice = notices.get(ident)
        if notice is None:
            notice = Notice(id=ident)
            enterprise.notices.append(notice)
        notice.title, notice.body, notice.severity = data["title"], data["body"], data["severity"]
        notice.valid_from = _parse(data["valid_from"])
        notice.valid_until = _parse(data.get("valid_until"))
        notice.links = list(data.get("links") or [])
        notice.hidden = bool(data.get("hidden"))
    for ident, notice in notices.items():
        if ident not in wanted:
            notice.hidden = True
    enterprise.updated_at = utcnow()
