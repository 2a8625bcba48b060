"""Claims of a listing by its enterprise, and consumers' reports of wrong information.

A signed-in user claims a listing either by e-mail (a link mailed to an address at one of the
listing's own domains proves the user reads that mailbox) or for an administrator to decide.
A verified or approved claim makes the user an owner and the listing ``verified`` and
``managed``. Reports of wrong information wait in a queue for administrators.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import Membership, User
from directory.db import Base, UTCDateTime
from directory.lookup import MAILBOX_PROVIDERS, registrable_domain
from directory.models import Enterprise, utcnow

CLAIM_METHODS = ("email", "admin")
CLAIM_STATUSES = ("pending", "verified", "approved", "rejected")
REPORT_STATUSES = ("open", "resolved", "dismissed")
REPORT_TOPICS = ("wrong_number", "wrong_hours", "closed_channel", "scam", "wrong_details", "other")
CLAIM_LINK_LIFETIME = timedelta(hours=72)


class ClaimError(ValueError):
    """A claim that cannot be made or decided as asked; ``status`` is the HTTP-ish kind."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 422):
        self.field = field
        self.status = status
        super().__init__(message)


class Claim(Base):
    """A user's claim to keep an enterprise's listing."""

    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("method IN ('email', 'admin')", name="ck_claims_method"),
        CheckConstraint("status IN ('pending', 'verified', 'approved', 'rejected')",
                        name="ck_claims_status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    method: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Report(Base):
    """Someone's report that a listing is wrong (or that a number is a scam)."""

    __tablename__ = "reports"
    __table_args__ = (CheckConstraint("status IN ('open', 'resolved', 'dismissed')",
                                      name="ck_reports_status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    topic: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    reporter_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def listing_domains(enterprise: Enterprise) -> set[str]:
    """Registrable domains the listing itself names (its website and domains), as c800 checked
    them: a domain an editor added and no administrator approved proves nothing."""
    shown = set(enterprise.domains or [])
    hosts = [d for d in enterprise.checked_domains or [] if d in shown]
    if enterprise.website and enterprise.checked_website:
        hosts.append(urlsplit(enterprise.checked_website).hostname or "")
    found = {registrable_domain(host) for host in hosts if host}
    return {d for d in found if d and d not in MAILBOX_PROVIDERS}


@dataclass
class StartedClaim:
    claim: Claim
    token: str | None  # the secret of the mailed link (email claims only)


def start_claim(session: Session, enterprise: Enterprise, user: User, method: str,
                email: str | None, note: str | None) -> StartedClaim:
    """Open a claim (the caller commits and, for e-mail claims, mails the link)."""
    if session.get(Membership, (user.id, enterprise.id)) is not None:
        raise ClaimError("You are already a member of this listing.", status=409)
    pending = session.scalar(select(Claim).where(
        Claim.enterprise_id == enterprise.id, Claim.user_id == user.id, Claim.status == "pending"))
    if pending is not None and not _expired(pending):
        raise ClaimError(f"Your claim {pending.id} on this listing is pending.", status=409)
    token = None
    if method == "email":
        if not email:
            raise ClaimError("An e-mail claim needs the address to mail the link to.", field="email")
        domains = listing_domains(enterprise)
        if not domains:
            raise ClaimError("The listing names no website domain of its own to mail; ask for an "
                             "administrator's approval (method admin).", field="method")
        domain = registrable_domain(email.rpartition("@")[2])
        if domain not in domains:
            raise ClaimError(f"The address must be at the listing's own domain "
                             f"({', '.join(sorted(domains))}).", field="email")
        token = secrets.token_urlsafe(32)
    elif email:
        raise ClaimError("Only e-mail claims take an address.", field="email")
    claim = Claim(id=f"clm_{secrets.token_hex(8)}", enterprise_id=enterprise.id, user_id=user.id,
                  method=method, email=email, token_hash=_hash(token) if token else None,
                  note=note, status="pending", created_at=utcnow())
    session.add(claim)
    session.flush()
    return StartedClaim(claim, token)


def _expired(claim: Claim) -> bool:
    return claim.method == "email" and utcnow() - claim.created_at > CLAIM_LINK_LIFETIME


def _grant(session: Session, claim: Claim) -> None:
    membership = session.get(Membership, (claim.user_id, claim.enterprise_id))
    if membership is None:
        session.add(Membership(user_id=claim.user_id, enterprise_id=claim.enterprise_id, role="owner"))
    else:
        membership.role = "owner"
    enterprise = session.get(Enterprise, claim.enterprise_id)
    enterprise.verified = True
    enterprise.managed = True
    enterprise.version += 1
    enterprise.updated_at = utcnow()
    session.flush()


def verify_claim(session: Session, token: str) -> Claim:
    """The e-mail claim whose link carries *token*, now verified (the caller commits)."""
    claim = session.scalar(select(Claim).where(Claim.token_hash == _hash(token)))
    if claim is None or claim.status != "pending":
        raise ClaimError("This link is not valid or was used already.", field="token", status=404)
    if _expired(claim):
        raise ClaimError("This link has expired; claim the listing again.", field="token", status=410)
    claim.status, claim.decided_at, claim.decided_by = "verified", utcnow(), "email"
    claim.token_hash = None
    _grant(session, claim)
    return claim


def decide_claim(session: Session, claim: Claim, approve: bool, admin: User, note: str | None) -> None:
    if claim.status != "pending":
        raise ClaimError(f"The claim is {claim.status} already.", status=409)
    claim.status = "approved" if approve else "rejected"
    claim.decided_at, claim.decided_by = utcnow(), f"admin:{admin.id}"
    claim.token_hash = None
    if note:
        claim.note = note
    if approve:
        _grant(session, claim)
    session.flush()


def file_report(session: Session, enterprise: Enterprise, topic: str, message: str,
                channel_id: str | None, reporter: User | None) -> Report:
    if channel_id is not None and channel_id not in {c.id for c in enterprise.channels}:
        raise ClaimError("The listing has no channel with this id.", field="channel_id")
    report = Report(id=f"rep_{secrets.token_hex(8)}", enterprise_id=enterprise.id,
                    channel_id=channel_id, topic=topic, message=message,
                    reporter_id=reporter.id if reporter else None, status="open", created_at=utcnow())
    session.add(report)
    session.flush()
    return report


def resolve_report(session: Session, report: Report, status: str, admin: User,
                   resolution: str | None) -> None:
    report.status = status
    report.resolved_at = utcnow() if status != "open" else None
    report.resolved_by = f"admin:{admin.id}" if status != "open" else None
    report.resolution = resolution
    session.flush()
