"""Reviews of the facts lookup trusts, and what a listing's ``verified`` rests on.

Lookup (``directory.lookup``) calls a number, an address, a domain or a web page official
when a listing holds it. Such facts are a channel's kind and value and a listing's website and
domains. What a data source brought in (the bundled data, an import) and what an
administrator entered or approved is ``checked``; what an enterprise adds or changes itself
is shown on its listing at once, as the enterprise's, but stays ``pending`` until an
administrator approves it, and lookup never vouches for it meanwhile: it keeps vouching for
the value checked before (``checked_kind``/``checked_value``, ``checked_website``/
``checked_domains``) while the listing still shows that channel, website or domain.

Each pending fact has one open :class:`FactReview` in the administrators' queue, kept in step
with the listing by :func:`settle` after every edit: a further change updates it, going back
to the checked value or hiding the channel withdraws it. Approving makes the fact checked (by
``admin``); rejecting puts the checked value back, or hides a channel that never had one
(``rejected``). Both are stored as versions of the listing, like every edit: nothing is lost.

A listing's ``verified`` says a claim succeeded (``directory.claims``): someone read mail at an
address under one of the listing's checked domains, or an administrator approved the claim.
:func:`verification_of` says which.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.claims import Claim
from directory.db import Base, UTCDateTime, table_facts
from directory.errors import Conflict
from directory.lookup import SHARED_DOMAINS
from directory.lookup_keys import LookupKey, channel_keys, enterprise_keys, registrable_domain
from directory.models import Channel, Enterprise, JsonType, utcnow
from directory.phones import NUMBER_KINDS, equivalent_forms
from directory.validation import CALLBACK_KINDS, TOPIC_PARAM_KINDS
from directory.versions import ensure_base_version, record_version, snapshot

REVIEW_STATES = ("pending", "approved", "rejected", "withdrawn")
FACTS = ("channel", "web")


class ReviewError(Conflict):
    """A review that cannot be decided as asked: decided already, or the fact changed since."""


class FactReview(Base):
    """An enterprise's change of a fact lookup trusts, waiting for (or decided by) an
    administrator: a channel's kind and value, or the listing's website and domains."""

    __tablename__ = "fact_reviews"
    __table_args__ = table_facts(public=False)

    # time-ordered, so that the queue in id order is oldest first
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    # the channel; None for the listing's website and domains
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # channel: {"kind", "value"}; web: {"website", "domains", "unchecked"}
    proposed: Mapped[dict[str, Any]] = mapped_column(JsonType)
    requested_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # a user id
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # admin:<user id>
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    @property
    def fact(self) -> str:
        return "web" if self.channel_id is None else "channel"


def _review_id() -> str:
    return f"frv_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(4)}"


# --- what an edit changed ------------------------------------------------------------------

@dataclass
class TrustedChanges:
    """The trusted facts an edit put on the listing (whether checked already or not)."""

    channels: list[Channel] = field(default_factory=list)  # shown, with a new kind or value
    website: str | None = None                              # a new website
    domains: list[str] = field(default_factory=list)        # domains added


def trusted_changes(before: dict[str, Any], enterprise: Enterprise) -> TrustedChanges:
    """What *enterprise* shows now that its state *before* (a ``versions.snapshot``) did not:
    channels added, shown again or given another kind or value; a new website; new domains."""
    old = {item["id"]: item for item in before.get("channels", [])}
    changes = TrustedChanges()
    for channel in enterprise.channels:
        previous = old.get(channel.id)
        if not channel.hidden and (previous is None or previous.get("hidden")
                                   or (previous["kind"], previous["value"]) != (channel.kind, channel.value)):
            changes.channels.append(channel)
    if enterprise.website and enterprise.website != before.get("website"):
        changes.website = enterprise.website
    known = set(before.get("domains") or [])
    changes.domains = [d for d in enterprise.domains or [] if d not in known]
    return changes


def channel_is_checked(channel: Channel) -> bool:
    return (channel.kind, channel.value) == (channel.checked_kind, channel.checked_value)


def website_is_checked(enterprise: Enterprise) -> bool:
    """The website is the checked one, or another page of a checked domain the listing shows
    (``https://www.icbc.com.cn/new`` once ``icbc.com.cn`` is checked): it vouches for nothing new."""
    website = enterprise.website
    if not website or website == enterprise.checked_website:
        return True
    shown = set(enterprise.domains or [])
    checked = {f"dom:{registrable_domain(d)}" for d in enterprise.checked_domains or [] if d in shown}
    checked |= set(web_keys([enterprise.checked_website] if enterprise.checked_website else []))
    keys = web_keys([website])
    return bool(keys) and set(keys) <= checked


def unchecked_web(enterprise: Enterprise) -> list[str]:
    """The website and domains the listing shows that c800 has not checked."""
    found = [] if website_is_checked(enterprise) else [enterprise.website]
    checked = set(enterprise.checked_domains or [])
    return found + [d for d in enterprise.domains or [] if d not in checked]


# --- conflicts: keys another listing holds ---------------------------------------------------

@dataclass(frozen=True)
class Conflict:
    """Another listing holds a key the fact would give: a number, an address or a domain."""

    key: str
    enterprise_id: str
    name: str


def fact_keys(kind: str, value: str) -> list[str]:
    """The lookup keys a channel of *kind* and *value* would hold, each form of a number."""
    keys = channel_keys(kind, value)
    if kind in NUMBER_KINDS and "@" not in value:
        keys += [f"tel:{form}" for form in sorted(equivalent_forms(value))]
    return keys


def web_keys(hosts: list[str]) -> list[str]:
    """The lookup keys of a website (URL) or domains (host names)."""
    names = [(urlsplit(h).hostname or "") if "://" in h else h for h in hosts]
    return enterprise_keys(None, [n for n in names if n])


def conflicts(session: Session, enterprise_id: str, keys: list[str], *, web: bool) -> list[Conflict]:
    """Keys in *keys* that listings other than *enterprise_id* hold. A domain where anyone can
    publish or get an address (``lookup.SHARED_DOMAINS``) is nobody's through a channel there:
    a channel's page or mailbox on it conflicts only through its exact key, and a listing's
    website or domain on it only with the platform's own listing."""
    if not keys:
        return []
    rows = session.execute(
        select(LookupKey.key, LookupKey.channel_id, Enterprise.id, Enterprise.name_zh_hans,
               Enterprise.name_en, Enterprise.name_zh_hant)
        .join(Enterprise, Enterprise.id == LookupKey.enterprise_id)
        .where(LookupKey.key.in_(sorted(set(keys))), LookupKey.enterprise_id != enterprise_id)
        .order_by(LookupKey.key, Enterprise.id))
    found: dict[tuple[str, str], Conflict] = {}
    for key, channel_id, ident, zh_hans, en, zh_hant in rows:
        shared = key.startswith("dom:") and key[4:] in SHARED_DOMAINS
        if shared and (not web or channel_id is not None):
            continue
        found.setdefault((key, ident), Conflict(key, ident, zh_hans or en or zh_hant or ident))
    return list(found.values())


def review_conflicts(session: Session, review: FactReview) -> list[Conflict]:
    """What other listings hold of the fact *review* proposes (shown to the administrator)."""
    proposed = review.proposed or {}
    if review.channel_id is not None:
        return conflicts(session, review.enterprise_id,
                         fact_keys(proposed.get("kind", ""), proposed.get("value", "")), web=False)
    return conflicts(session, review.enterprise_id, web_keys(list(proposed.get("unchecked") or [])),
                     web=True)


# --- keeping the reviews in step with the listing ---------------------------------------------

@dataclass(frozen=True)
class Reviewer:
    """Who made the edit being settled: an administrator's edits are checked as they are made."""

    user_id: str | None
    client_id: str | None = None
    admin: bool = False


def _check_channel(channel: Channel, by: str, now: datetime) -> None:
    channel.checked_kind, channel.checked_value = channel.kind, channel.value
    channel.review, channel.checked_by, channel.checked_at = "checked", by, now


def _check_web(enterprise: Enterprise, website: str | None, domains: list[str], now: datetime) -> None:
    if website:
        enterprise.checked_website = website
    checked = list(enterprise.checked_domains or [])
    enterprise.checked_domains = checked + [d for d in domains if d not in checked]
    enterprise.web_checked_by, enterprise.web_checked_at = "admin", now


def _open(session: Session, enterprise: Enterprise, channel_id: str | None, proposed: dict[str, Any],
          review: FactReview | None, who: Reviewer, now: datetime) -> None:
    if review is None:
        session.add(FactReview(id=_review_id(), enterprise_id=enterprise.id, channel_id=channel_id,
                               status="pending", proposed=proposed, requested_by=who.user_id,
                               client_id=who.client_id, created_at=now, updated_at=now))
    elif review.proposed != proposed:
        review.proposed, review.updated_at = proposed, now
        review.requested_by, review.client_id = who.user_id, who.client_id


def _withdraw(review: FactReview | None, now: datetime) -> None:
    if review is not None:
        review.status, review.decided_at, review.decided_by = "withdrawn", now, "enterprise"


def _settle_channel(session: Session, enterprise: Enterprise, channel: Channel,
                    review: FactReview | None, who: Reviewer, now: datetime) -> None:
    if channel_is_checked(channel):
        channel.review = "checked"
        _withdraw(review, now)
    elif channel.hidden:  # nothing of it is shown: nothing to review until it is shown again
        channel.review = "rejected" if channel.review == "rejected" else "pending"
        _withdraw(review, now)
    else:
        channel.review = "pending"
        _open(session, enterprise, channel.id, {"kind": channel.kind, "value": channel.value},
              review, who, now)


def _settle_web(session: Session, enterprise: Enterprise, review: FactReview | None, who: Reviewer,
                now: datetime) -> None:
    unchecked = unchecked_web(enterprise)
    if not unchecked:
        enterprise.web_review = "checked"
        _withdraw(review, now)
        return
    enterprise.web_review = "pending"
    _open(session, enterprise, None, {"website": enterprise.website,
                                      "domains": list(enterprise.domains or []),
                                      "unchecked": unchecked}, review, who, now)


def open_reviews(session: Session, enterprise_id: str) -> dict[str | None, FactReview]:
    return {review.channel_id: review for review in session.scalars(
        select(FactReview).where(FactReview.enterprise_id == enterprise_id,
                                 FactReview.status == "pending"))}


def settle(session: Session, enterprise: Enterprise, changes: TrustedChanges, who: Reviewer) -> None:
    """After an edit of *enterprise*: what an administrator put on it is checked; every other
    unchecked fact it shows is ``pending`` with one open review, and the rest withdrawn."""
    now = utcnow()
    if who.admin:
        for channel in changes.channels:
            _check_channel(channel, "admin", now)
        if changes.website or changes.domains:
            _check_web(enterprise, changes.website, changes.domains, now)
    with session.no_autoflush:
        reviews = open_reviews(session, enterprise.id)
    for channel in enterprise.channels:
        _settle_channel(session, enterprise, channel, reviews.pop(channel.id, None), who, now)
    _settle_web(session, enterprise, reviews.pop(None, None), who, now)
    for review in reviews.values():  # a channel no longer on the listing
        _withdraw(review, now)


# --- the administrators' decision -----------------------------------------------------------

def _fit_kind(channel: Channel) -> None:
    """Drop what the channel's (reverted) kind cannot have."""
    if channel.kind != "phone":
        channel.menu, channel.to_person = [], None
    if channel.kind not in TOPIC_PARAM_KINDS:
        channel.topic_param = None
    if channel.kind not in CALLBACK_KINDS:
        channel.accepts_callbacks = False


def _decide_channel(enterprise: Enterprise, review: FactReview, approve: bool, now: datetime) -> None:
    channel = next((c for c in enterprise.channels if c.id == review.channel_id), None)
    proposed = review.proposed or {}
    if channel is None or channel.hidden or (channel.kind, channel.value) != (
            proposed.get("kind"), proposed.get("value")):
        raise ReviewError("The channel changed since this review was opened; read the queue again.")
    if approve:
        _check_channel(channel, "admin", now)
        channel.verified_at = now
        return
    twin = any(other.id != channel.id and not other.hidden and (other.kind, other.value) == (
        channel.checked_kind, channel.checked_value) for other in enterprise.channels)
    if channel.checked_value is None or twin:
        channel.hidden, channel.review = True, "rejected"
        return
    channel.kind, channel.value, channel.review = channel.checked_kind, channel.checked_value, "checked"
    _fit_kind(channel)


def _decide_web(enterprise: Enterprise, review: FactReview, approve: bool, now: datetime) -> None:
    proposed = review.proposed or {}
    if (enterprise.website, list(enterprise.domains or [])) != (proposed.get("website"),
                                                               list(proposed.get("domains") or [])):
        raise ReviewError("The listing changed since this review was opened; read the queue again.")
    if approve:
        _check_web(enterprise, enterprise.website, list(enterprise.domains or []), now)
    else:
        if not website_is_checked(enterprise):
            enterprise.website = enterprise.checked_website
        checked = set(enterprise.checked_domains or [])
        enterprise.domains = [d for d in enterprise.domains or [] if d in checked]
    enterprise.web_review = "checked"


def decide_review(session: Session, review: FactReview, approve: bool, admin_id: str,
                  client_id: str | None, note: str | None) -> Enterprise:
    """Approve (lookup vouches for the fact from now on) or reject (the checked value comes
    back; a channel that never had one is hidden) *review*, as a new version of the listing.
    The caller commits; :class:`ReviewError` when it is decided already or stale."""
    if review.status != "pending":
        raise ReviewError(f"The review is {review.status} already.")
    enterprise = session.get(Enterprise, review.enterprise_id)
    ensure_base_version(session, enterprise)
    before = snapshot(enterprise)
    now = utcnow()
    if review.channel_id is not None:
        _decide_channel(enterprise, review, approve, now)
    else:
        _decide_web(enterprise, review, approve, now)
    review.status = "approved" if approve else "rejected"
    review.decided_at, review.decided_by, review.note = now, f"admin:{admin_id}", note
    enterprise.version += 1
    enterprise.updated_at = now
    session.flush()
    record_version(session, enterprise, actor=f"admin:{admin_id}", client_id=client_id,
                   action="approve_fact" if approve else "reject_fact", before=before)
    session.flush()
    return enterprise


# --- what ``verified`` rests on --------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """How a listing came to be verified: ``email`` (a mailbox under the listing's checked
    ``domain`` confirmed a claim), ``admin`` (an administrator approved a claim) or ``source``
    (its data source said so)."""

    method: str
    domain: str | None
    at: datetime | None


def verification_of(session: Session, enterprise: Enterprise) -> Verification | None:
    if not enterprise.verified:
        return None
    claim = session.scalar(
        select(Claim).where(Claim.enterprise_id == enterprise.id,
                            Claim.status.in_(("verified", "approved")))
        .order_by(Claim.decided_at.desc(), Claim.id.desc()).limit(1))
    if claim is None:
        return Verification("source", None, None)
    domain = None
    if claim.method == "email" and claim.email:
        domain = registrable_domain(claim.email.rpartition("@")[2])
    return Verification(claim.method, domain, claim.decided_at)
