"""Single-use links mailed to a person: verify the address of a sign-up or of an e-mail
change, reset a forgotten password.

A link carries a random token (32 bytes); only its SHA-256 digest is stored, with what the link
is for, the account, the address it was sent to, where the browser goes afterwards (the
authorization request a sign-up came from) and when it expires. Opening it once uses it up.
The use cases that mail and honour links are ``directory/signup.py``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.db import EXCLUDED, Base, UTCDateTime, table_facts
from directory.models import utcnow

PURPOSES = ("verify", "reset", "email")
LIFETIMES = {"verify": timedelta(hours=24), "reset": timedelta(minutes=30),
             "email": timedelta(hours=24)}
MAX_TOKEN = 128


class AccountLink(Base):
    """One mailed link, known by its token's digest."""

    __tablename__ = "account_links"
    __table_args__ = table_facts(public=False, archive=EXCLUDED, why=(
        "single-use links mailed to people (digests), valid for hours at most"))

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    email: Mapped[str] = mapped_column(String(254))
    return_to: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A sign-up's password (Argon2id hash): the account gets it only when the link is used
    # with that password, so another sign-up of the same address cannot choose it instead.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_link(session: Session, purpose: str, user_id: str, email: str,
             return_to: str | None = None, *, password_hash: str | None = None,
             replace: bool = True) -> str:
    """A new link's token (the caller commits and mails it). Expired links are deleted on the
    way; with *replace*, the account's earlier links for the same purpose end (the newest one
    counts)."""
    now = utcnow()
    session.execute(delete(AccountLink).where(AccountLink.expires_at <= now))
    if replace:
        forget_links(session, user_id, purpose)
    token = secrets.token_urlsafe(32)
    session.add(AccountLink(token_hash=_digest(token), purpose=purpose, user_id=user_id,
                            email=email, return_to=return_to, password_hash=password_hash,
                            created_at=now, expires_at=now + LIFETIMES[purpose]))
    session.flush()
    return token


def peek_link(session: Session, purpose: str, token: object) -> AccountLink | None:
    """The live link *token* is, for *purpose*, without using it; None when unknown or expired."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
        return None
    row = session.get(AccountLink, _digest(token))
    if row is None or row.purpose != purpose or row.expires_at <= utcnow():
        return None
    return row


def use_link(session: Session, purpose: str, token: object) -> AccountLink | None:
    """The live link *token* is, used up (deleted; the caller commits); None when unknown,
    expired or already used. Of two uses at once only one deletes the row."""
    row = peek_link(session, purpose, token)
    if row is None:
        return None
    gone = session.execute(delete(AccountLink).where(AccountLink.token_hash == row.token_hash)
                           .execution_options(synchronize_session=False)).rowcount
    return row if gone else None


def forget_links(session: Session, user_id: str, purpose: str) -> None:
    session.execute(delete(AccountLink).where(AccountLink.user_id == user_id,
                                              AccountLink.purpose == purpose))
