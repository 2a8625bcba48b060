"""``lookup_keys``: the ways to recognise an enterprise, derived from its checked facts.

Keys are ``tel:<canonical number>``, ``mail:<address>`` and ``dom:<registrable domain>``, made
from *checked* facts only (``directory.reviews``): a channel's ``checked_kind`` /
``checked_value`` and a listing's ``checked_website`` / ``checked_domains``. Lookup
(``directory.lookup``) reads them; :func:`track_lookup_keys`, registered on the app's
sessions (``directory.sessions``), refreshes the keys of every enterprise a flush touched
inside the same transaction, so the table never disagrees with the listings it indexes; an
archive's import rebuilds them all (:func:`rebuild_lookup_keys`).

Domains are compared by *registrable domain* under the Public Suffix List
(``www.icbc.com.cn`` → ``icbc.com.cn``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList
from sqlalchemy import BigInteger, Connection, ForeignKey, Integer, String, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from directory.db import DERIVED, Base, table_facts
from directory.models import Channel, Enterprise
from directory.phones import NUMBER_KINDS
from directory.session_hooks import install_once

KEY_LENGTH = 255


def rebuild_lookup_keys(connection: Connection) -> None:
    """Make every enterprise's keys again (after an archive's import), 500 at a time."""
    last = ""
    while True:
        chunk = list(connection.scalars(select(Enterprise.id).where(Enterprise.id > last)
                                        .order_by(Enterprise.id).limit(500)))
        if not chunk:
            break
        refresh_lookup_keys(connection, chunk)
        last = chunk[-1]


class LookupKey(Base):
    """One way to recognise an enterprise: a number, an address or a registrable domain."""

    __tablename__ = "lookup_keys"
    __table_args__ = table_facts(public=True, archive=DERIVED, rebuild=rebuild_lookup_keys,
                                  why="derived from enterprises and channels; rebuilt by the import")

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), index=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    # the channel the key comes from; None for the enterprise's website and domains
    channel_id: Mapped[str | None] = mapped_column(String(32))


# --- keys --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def ascii_host(host: str) -> str | None:
    """*host* lower-cased and IDNA-encoded, without a trailing dot; None if it is not a name."""
    host = host.strip().rstrip(".").lower()
    if not host or len(host) > 253:
        return None
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def public_suffix(host: str) -> str:
    """The public suffix of the ASCII host name *host* (``com.cn``), or ``""``."""
    return _psl().publicsuffix(host) or ""


def registrable_domain(host: str) -> str | None:
    """The registrable domain of *host* (``www.icbc.com.cn`` → ``icbc.com.cn``), else None."""
    name = ascii_host(host)
    if name is None:
        return None
    try:
        ipaddress.ip_address(name.strip("[]"))
        return None
    except ValueError:
        pass
    return _psl().privatesuffix(name)


def _url_host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def channel_keys(kind: str, value: str) -> list[str]:
    """Lookup keys of a channel's value."""
    keys: list[str] = []
    if kind in NUMBER_KINDS:
        if "@" in value:  # a FaceTime address
            keys.append(f"mail:{value.lower()}")
        else:
            keys.append(f"tel:{value}")
    elif kind == "email":
        keys.append(f"mail:{value.lower()}")
        domain = registrable_domain(value.rpartition("@")[2])
        if domain:
            keys.append(f"dom:{domain}")
    elif value.lower().startswith(("https://", "http://")):
        domain = registrable_domain(_url_host(value) or "")
        if domain:
            keys.append(f"dom:{domain}")
    return [key for key in keys if len(key) <= KEY_LENGTH]


def enterprise_keys(website: str | None, domains: Iterable[str]) -> list[str]:
    """Lookup keys of an enterprise's own website and domains."""
    hosts = list(domains)
    if website:
        hosts.append(_url_host(website) or "")
    found = (registrable_domain(host) for host in hosts if host)
    return list(dict.fromkeys(f"dom:{d}" for d in found if d and len(d) + 4 <= KEY_LENGTH))


def checked_enterprise_keys(website: str | None, domains: Iterable[str] | None,
                            checked_website: str | None, checked_domains: Iterable[str] | None
                            ) -> list[str]:
    """Keys of the checked website and domains the listing still shows (a website changed and
    not yet checked leaves the checked one in force; one removed takes it away)."""
    shown = set(domains or [])
    return enterprise_keys(checked_website if website else None,
                           [d for d in checked_domains or [] if d in shown])


def refresh_lookup_keys(connection: Connection, enterprise_ids: Iterable[str]) -> None:
    """Rebuild the keys of *enterprise_ids* from the checked facts the database holds now."""
    ids = sorted(set(enterprise_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        connection.execute(delete(LookupKey).where(LookupKey.enterprise_id.in_(chunk)))
        rows: list[dict[str, str | None]] = []
        for ident, website, domains, checked_website, checked_domains in connection.execute(
                select(Enterprise.id, Enterprise.website, Enterprise.domains,
                       Enterprise.checked_website, Enterprise.checked_domains)
                .where(Enterprise.id.in_(chunk))):
            rows.extend({"key": key, "enterprise_id": ident, "channel_id": None}
                        for key in checked_enterprise_keys(website, domains, checked_website,
                                                           checked_domains))
        for ident, enterprise_id, kind, value in connection.execute(
                select(Channel.id, Channel.enterprise_id, Channel.checked_kind, Channel.checked_value)
                .where(Channel.enterprise_id.in_(chunk), Channel.checked_value.is_not(None))):
            rows.extend({"key": key, "enterprise_id": enterprise_id, "channel_id": ident}
                        for key in channel_keys(kind, value))
        if rows:
            connection.execute(insert(LookupKey), rows)


_PENDING = "lookup_keys_pending"


def _collect(session: Session, _context, _instances) -> None:
    pending: set[str] = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Enterprise) and obj.id:
            pending.add(obj.id)
        elif isinstance(obj, Channel) and obj.enterprise_id:
            pending.add(obj.enterprise_id)


def _refresh(session: Session, _context) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        refresh_lookup_keys(session.connection(), pending)


def _forget(session: Session, _previous) -> None:
    session.info.pop(_PENDING, None)


def track_lookup_keys(factory: sessionmaker) -> None:
    """Keep ``lookup_keys`` in step with every flush of a *factory* session."""
    install_once(factory, "lookup_keys", [("before_flush", _collect), ("after_flush", _refresh),
                                          ("after_soft_rollback", _forget)])
