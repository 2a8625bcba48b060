"""Webhooks: enterprises hear of callback requests, handoffs and reports as they happen.

Here: the webhooks and their delivery log (models), the check of a receiver's address, events
queued in the transaction that causes them (:func:`emit`, an outbox), and the use cases of a
listing's owners (register, list, remove a webhook, read its delivery log). Sending them is
``directory.webhook_delivery``'s.

Only ``https`` URLs with a host name are accepted, and only when every address the name
resolves to is public: loopback, private, link-local, shared, reserved and multicast ones are
refused, and so are the IPv6 ranges that carry or translate to an IPv4 address (NAT64, 6to4,
Teredo, IPv4-compatible and -translated addresses) and deprecated ones (site-local) whatever
the IPv4 inside, unless ``WEBHOOK_ALLOWED_NETWORKS`` names them. The check runs at
registration and again at each delivery, and the connection goes to the address that was
checked (no second lookup an attacker's DNS could answer differently). A refusal does not say
what the name resolved to: an enterprise learns nothing of internal names from it.
"""
from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import User
from directory.db import Base, UTCDateTime, redacted, table_facts, withheld
from directory.errors import Conflict, InvalidInput
from directory.keepers import kept_listing, kept_row
from directory.models import JsonType, utcnow
from directory.pages import Key, Listing
from directory.urls import UnsafeURLError, check_web_url

EVENTS = ("callback.requested", "callback.cancelled", "handoff.created", "report.filed")
MAX_WEBHOOKS = 10


class WebhookError(InvalidInput):
    """A webhook that cannot be registered as sent; the field at fault is ``url`` unless said."""

    def __init__(self, message: str, *, field: str | None = "url"):
        super().__init__(message, field=field)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Webhook(Base):
    __tablename__ = "webhooks"
    __table_args__ = table_facts(public=False)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # The shared secret must be kept to sign with (it is never shown again after creation).
    secret: Mapped[str] = mapped_column(String(64), info=withheld(
        "a secret: restored webhooks sign with a new secret their receivers do not know; the "
        "enterprise re-registers them", restore=new_secret))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = table_facts(public=False)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(32), ForeignKey("webhooks.id", ondelete="CASCADE"),
                                            index=True)
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, info=redacted({
        "data.code": "the short code of a handoff.created event, a secret (it no longer opens a "
                     "restored handoff)",
        "data.url": "the handoff.created event's URL, which carries the short code"},
        when="data.code"))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# --- addresses -------------------------------------------------------------------------------

Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def parse_networks(text: str | None) -> Networks:
    """``"127.0.0.0/8, ::1/128"`` -> networks (for WEBHOOK_ALLOWED_NETWORKS)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in (text or "").split(",") if part.strip())


# Refused even where the ipaddress module calls them global: IPv6 forms that embed or
# translate to an IPv4 address (their IPv4 may be public, the path to it is not ours to trust),
# deprecated and special-purpose ranges, and the deprecated 6to4 relay anycast.
REFUSED_NETWORKS: Networks = tuple(ipaddress.ip_network(net) for net in (
    "64:ff9b::/96",      # NAT64, well-known prefix (RFC 6052)
    "64:ff9b:1::/48",    # NAT64, local use (RFC 8215)
    "2002::/16",         # 6to4 (RFC 3056)
    "2001::/32",         # Teredo (RFC 4380)
    "::/96",             # IPv4-compatible IPv6, deprecated (RFC 4291)
    "::ffff:0:0:0/96",   # IPv4-translated (RFC 2765)
    "fec0::/10",         # site-local, deprecated (RFC 3879)
    "100::/64",          # discard-only (RFC 6666)
    "2001:db8::/32",     # documentation (RFC 3849)
    "3fff::/20",         # documentation (RFC 9637)
    "5f00::/16",         # SRv6 SIDs (RFC 9602)
    "192.88.99.0/24",    # 6to4 relay anycast, deprecated (RFC 7526)
))
NOT_PUBLIC = ("The host does not resolve to public addresses only (loopback, private, link-local, "
              "reserved, IPv4-embedding and deprecated ranges are refused).")


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether *address* is a plain public unicast address (an IPv4-mapped one as its IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return _public(address.ipv4_mapped)
        if address.is_site_local or address.sixtofour or address.teredo:
            return False
    if any(address in net for net in REFUSED_NETWORKS):
        return False
    return (address.is_global and not address.is_multicast and not address.is_reserved
            and not address.is_private)


def _checked(text: str, allowed: Networks) -> str | None:
    """The address to connect to for the resolved *text* (an IPv4-mapped one as its IPv4), or
    None when it is neither public nor allowed."""
    address = ipaddress.ip_address(text.split("%")[0])
    if any(address in net for net in allowed):
        return text
    if not _public(address):
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return text


Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str
    address: str  # the checked address to connect to


@dataclass(frozen=True)
class DeliverySettings:
    """Which private networks receivers may be in (WEBHOOK_ALLOWED_NETWORKS), the certificates
    to trust, and how names are resolved."""

    allowed: Networks = ()
    ca_certs: str | None = None
    resolve: Resolver = system_resolver


def check_target(url: str, *, allowed: Networks = (), resolve: Resolver = system_resolver) -> Target:
    """Where *url* may be delivered to; WebhookError when it is not an allowed https URL."""
    if not isinstance(url, str) or not url.lower().startswith("https://"):
        raise WebhookError("A webhook URL must be https://.")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port or 443
    except ValueError as exc:
        raise WebhookError("Not an acceptable URL: it does not parse.") from exc
    try:
        # the same rules as every URL c800 accepts (a host name, not an IP address); a
        # single-label name (an intranet host) is checked as one with a dot: what it resolves
        # to decides
        check_web_url(url if "." in host or "[" in parts.netloc
                      else url.replace(host, host + ".invalid", 1))
    except (UnsafeURLError, ValueError) as exc:
        raise WebhookError(f"Not an acceptable URL: {exc}.") from exc
    if parts.fragment:
        raise WebhookError("A webhook URL has no #fragment.")
    # one answer whether the name is unknown or internal: no oracle of internal names
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise WebhookError(NOT_PUBLIC) from exc
    checked = [_checked(text, allowed) for text in addresses]
    if not checked or None in checked:
        raise WebhookError(NOT_PUBLIC)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(host, port, path, checked[0])


# --- registration and events -----------------------------------------------------------------

def register_webhook(session: Session, enterprise_id: str, url: str, events: list[str],
                     created_by: str, *, allowed: Networks = (),
                     resolve: Resolver = system_resolver) -> Webhook:
    check_target(url, allowed=allowed, resolve=resolve)
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events or len(set(events)) != len(events):
        raise WebhookError(f"`events` lists each of {', '.join(EVENTS)} at most once.",
                           field="events")
    count = len(session.scalars(select(Webhook.id).where(Webhook.enterprise_id == enterprise_id)).all())
    if count >= MAX_WEBHOOKS:
        raise Conflict(f"A listing has at most {MAX_WEBHOOKS} webhooks.")
    webhook = Webhook(id=f"whk_{secrets.token_hex(8)}", enterprise_id=enterprise_id, url=url,
                      events=list(events), secret=new_secret(),
                      active=True, created_by=created_by, created_at=utcnow())
    session.add(webhook)
    session.flush()
    return webhook


def emit(session: Session, enterprise_id: str, event: str, data: dict[str, Any]) -> int:
    """Queue *event* for every active webhook of the enterprise that wants it (same transaction)."""
    now = utcnow()
    queued = 0
    for webhook in session.scalars(select(Webhook).where(Webhook.enterprise_id == enterprise_id,
                                                         Webhook.active.is_(True))):
        if event not in webhook.events:
            continue
        delivery_id = f"dlv_{secrets.token_hex(8)}"
        payload = {"id": delivery_id, "event": event, "created_at": now.isoformat(),
                   "enterprise_id": enterprise_id, "data": data}
        session.add(WebhookDelivery(id=delivery_id, webhook_id=webhook.id, event=event,
                                    payload=payload, status="pending", attempts=0,
                                    next_attempt_at=now, created_at=now))
        queued += 1
    session.flush()
    return queued



# --- the owners' use cases -------------------------------------------------------------------

NEWEST_WEBHOOKS = Key.newest_first(Webhook.created_at, Webhook.id)
NEWEST_DELIVERIES = Key.newest_first(WebhookDelivery.created_at, WebhookDelivery.id)


def webhooks_of(session: Session, user: User, enterprise_id: str) -> Listing:
    """The webhooks of a listing *user* owns, newest first."""
    enterprise = kept_listing(session, user, enterprise_id, write=False, owner=True)
    return Listing(select(Webhook).where(Webhook.enterprise_id == enterprise.id), NEWEST_WEBHOOKS)


def add_webhook(session: Session, user: User, enterprise_id: str, url: str, events: list[str],
                settings: DeliverySettings) -> Webhook:
    """Register a webhook of a listing *user* owns (its secret is readable on the answer only)."""
    enterprise = kept_listing(session, user, enterprise_id, owner=True)
    webhook = register_webhook(session, enterprise.id, url, events, user.id,
                               allowed=settings.allowed, resolve=settings.resolve)
    session.commit()
    return webhook


def remove_webhook(session: Session, user: User, webhook_id: str) -> None:
    """Remove a webhook of a listing *user* owns, and its pending deliveries with it."""
    session.delete(kept_row(session, user, Webhook, webhook_id, "webhook", write=False, owner=True))
    session.commit()


def deliveries_of(session: Session, user: User, webhook_id: str) -> Listing:
    """The delivery log of a webhook of a listing *user* owns, newest first."""
    webhook = kept_row(session, user, Webhook, webhook_id, "webhook", write=False, owner=True)
    return Listing(select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id),
                   NEWEST_DELIVERIES)
