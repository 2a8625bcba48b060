"""Claims of a listing by its enterprise, and consumers' reports of wrong information.

A signed-in user claims a listing either by e-mail (a link mailed to an address at one of the
listing's own domains proves the user reads that mailbox) or for an administrator to decide.
The address is one plain addr-spec (directory/addresses.py) exactly at one of the listing's
registrable domains, never at a mailbox provider's (directory/mailboxes.py); a listing whose
own domain is a mailbox provider's is claimed only through an administrator. The link's
token names its claim and is bound to that claim's stored address, so a link verifies only the
claim, and the address, it was mailed for.
A verified or approved claim makes the user an owner and the listing ``verified`` and
``managed``. Reports of wrong information (their rows are here; their use cases are
``directory.reports``') wait in a queue for administrators.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import Membership, User, require_admin
from directory.addresses import AddressError, parse_mailbox
from directory.db import Base, UTCDateTime, table_facts, withheld
from directory.errors import Conflict, Gone, InvalidInput, NotFound
from directory.listings import public_enterprise
from directory.lookup_keys import registrable_domain
from directory.mail import Mailer
from directory.mailboxes import is_mailbox_provider
from directory.models import Enterprise, utcnow
from directory.pages import Listing, queue

CLAIM_METHODS = ("email", "admin")
CLAIM_STATUSES = ("pending", "verified", "approved", "rejected")
REPORT_STATUSES = ("open", "resolved", "dismissed")
REPORT_TOPICS = ("wrong_number", "wrong_hours", "closed_channel", "scam", "wrong_details", "other")
CLAIM_LINK_LIFETIME = timedelta(hours=72)
CLAIM_ID = re.compile(r"clm_[0-9a-f]{16}")


class ClaimError(InvalidInput):
    """A claim or report whose input is not valid (``field`` says which); the other refusals
    of claims are :class:`~directory.errors.Conflict`, ``NotFound`` and ``Gone``."""


class Claim(Base):
    """A user's claim to keep an enterprise's listing."""

    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("method IN ('email', 'admin')", name="ck_claims_method"),
        CheckConstraint("status IN ('pending', 'verified', 'approved', 'rejected')",
                        name="ck_claims_status"),
        table_facts(public=False),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    method: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True, info=withheld(
        "a secret (the digest of a mailed claim link): pending e-mail claims' links stop working"))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Report(Base):
    """Someone's report that a listing is wrong (or that a number is a scam)."""

    __tablename__ = "reports"
    __table_args__ = (CheckConstraint("status IN ('open', 'resolved', 'dismissed')",
                                      name="ck_reports_status"), table_facts(public=False))

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


def _token_digest(claim_id: str, address: str, secret: str) -> str:
    """What a claim keeps of its link's secret: bound to the claim and to the address mailed."""
    return hashlib.sha256(f"{claim_id}\n{address}\n{secret}".encode()).hexdigest()


def listing_domains(enterprise: Enterprise) -> set[str]:
    """Registrable domains the listing itself names (its website and domains), as c800 checked
    them: a domain an editor added and no administrator approved proves nothing."""
    shown = set(enterprise.domains or [])
    hosts = [d for d in enterprise.checked_domains or [] if d in shown]
    if enterprise.website and enterprise.checked_website:
        hosts.append(urlsplit(enterprise.checked_website).hostname or "")
    found = {registrable_domain(host) for host in hosts if host}
    return {d for d in found if d}


def claim_address(enterprise: Enterprise, email: str | None) -> str:
    """The one normalised address an e-mail claim on *enterprise* may mail, else ClaimError."""
    if not email:
        raise ClaimError("An e-mail claim needs the address to mail the link to.", field="email")
    domains = listing_domains(enterprise)
    providers = sorted(d for d in domains if is_mailbox_provider(d))
    if providers:
        raise ClaimError(f"{', '.join(providers)} gives mailboxes to anyone, so an address there "
                         f"proves nothing: this listing can be claimed only through an "
                         f"administrator (method admin).", field="method")
    if not domains:
        raise ClaimError("The listing names no website domain of its own to mail; ask for an "
                         "administrator's approval (method admin).", field="method")
    try:
        mailbox = parse_mailbox(email)
    except AddressError as exc:
        raise ClaimError(str(exc), field="email") from exc
    if is_mailbox_provider(mailbox.domain):
        raise ClaimError(f"{mailbox.domain} gives mailboxes to anyone: use an address at the "
                         f"listing's own domain ({', '.join(sorted(domains))}), or ask for an "
                         f"administrator's approval (method admin).", field="email")
    if mailbox.domain not in domains:
        raise ClaimError(f"The address must be at the listing's own domain, not at a subdomain or "
                         f"another domain ({', '.join(sorted(domains))}).", field="email")
    return mailbox.address


@dataclass
class StartedClaim:
    claim: Claim
    token: str | None  # the link's token, "<claim id>.<secret>" (email claims only)


def start_claim(session: Session, enterprise: Enterprise, user: User, method: str,
                email: str | None, note: str | None) -> StartedClaim:
    """Open a claim (the caller commits and, for e-mail claims, mails the link)."""
    if session.get(Membership, (user.id, enterprise.id)) is not None:
        raise Conflict("You are already a member of this listing.")
    pending = session.scalar(select(Claim).where(
        Claim.enterprise_id == enterprise.id, Claim.user_id == user.id, Claim.status == "pending"))
    if pending is not None and not _expired(pending):
        raise Conflict(f"Your claim {pending.id} on this listing is pending.")
    claim_id = f"clm_{secrets.token_hex(8)}"
    address = token = digest = None
    if method == "email":
        address = claim_address(enterprise, email)
        secret = secrets.token_urlsafe(32)
        token, digest = f"{claim_id}.{secret}", _token_digest(claim_id, address, secret)
    elif email:
        raise ClaimError("Only e-mail claims take an address.", field="email")
    claim = Claim(id=claim_id, enterprise_id=enterprise.id, user_id=user.id, method=method,
                  email=address, token_hash=digest, note=note, status="pending", created_at=utcnow())
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
    """The e-mail claim whose link carries *token*, now verified (the caller commits).

    The token names its claim; its secret must match the digest bound to that claim's address,
    and the address must still be one the listing may be claimed by."""
    claim_id, _, secret = token.partition(".")
    claim = session.get(Claim, claim_id) if CLAIM_ID.fullmatch(claim_id) and secret else None
    if (claim is None or claim.status != "pending" or claim.method != "email" or not claim.email
            or not claim.token_hash
            or not hmac.compare_digest(claim.token_hash, _token_digest(claim.id, claim.email, secret))):
        raise NotFound("This link is not valid or was used already.", field="token")
    if _expired(claim):
        raise Gone("This link has expired; claim the listing again.", field="token")
    try:
        claim_address(session.get(Enterprise, claim.enterprise_id), claim.email)
    except ClaimError as exc:
        raise Conflict("The listing's domains changed since this link was mailed; claim it "
                       "again.", field="token") from exc
    claim.status, claim.decided_at, claim.decided_by = "verified", utcnow(), "email"
    claim.token_hash = None
    _grant(session, claim)
    return claim


def confirm_claim_link(session: Session, token: str) -> Claim:
    """Whoever opened an e-mail claim's link confirms it: the claim is verified, its claimant
    an owner (see :func:`verify_claim`)."""
    claim = verify_claim(session, token)
    session.commit()
    return claim


def _decide(session: Session, claim: Claim, approve: bool, admin: User, note: str | None) -> None:
    if claim.status != "pending":
        raise Conflict(f"The claim is {claim.status} already.")
    claim.status = "approved" if approve else "rejected"
    claim.decided_at, claim.decided_by = utcnow(), f"admin:{admin.id}"
    claim.token_hash = None
    if note:
        claim.note = note
    if approve:
        _grant(session, claim)
    session.flush()


# --- the use cases ---------------------------------------------------------------------------

LinkFor = Callable[[str], str]  # a claim link's token -> the address of the page that verifies it


def claim_listing(session: Session, user: User, enterprise_id: str, *, method: str,
                  email: str | None, note: str | None, mailer: Mailer, link_for: LinkFor) -> Claim:
    """*user* claims the listed enterprise *enterprise_id*. An e-mail claim's link
    (``link_for`` its token) is mailed first, then the claim kept: when the mail cannot be
    handed over nothing is kept (Unavailable)."""
    enterprise = public_enterprise(session, enterprise_id)
    started = start_claim(session, enterprise, user, method, email, note)
    if started.token:
        _mail_link(mailer, started.claim, user, enterprise, link_for(started.token))
    session.commit()
    return started.claim


def _mail_link(mailer: Mailer, claim: Claim, user: User, enterprise: Enterprise, link: str) -> None:
    name = enterprise.name_zh_hans or enterprise.name_en or enterprise.id
    body = (f"有人（{user.email}）申请在 c800 上管理「{name}」的企业信息。\n"
            f"如果是你本人或你的同事，请打开下面的链接确认（72 小时内有效）：\n\n{link}\n\n"
            f"Someone ({user.email}) asked to keep the c800 listing of {name}. If that "
            f"was you or a colleague, open the link above within 72 hours to confirm. If not, "
            f"ignore this message.\n")
    mailer.send_or_refuse(claim.email, f"c800: 确认认领 / confirm your claim — {name}", body,
                          about=f"claim {claim.id}",
                          refusal="The confirmation mail could not be sent; try again later.")


def my_claim(session: Session, user: User, claim_id: str) -> Claim:
    """One of *user*'s claims; NotFound otherwise."""
    claim = session.get(Claim, claim_id)
    if claim is None or claim.user_id != user.id:
        raise NotFound(f"You have no claim {claim_id!r}.")
    return claim


def claims_queue(user: User, status: str | None) -> Listing:
    """The claims an administrator decides (only those in *status* when given), oldest first."""
    require_admin(user)
    return queue(Claim, CLAIM_STATUSES, status)


def decide_claim(session: Session, user: User, claim_id: str, *, approve: bool,
                 note: str | None) -> Claim:
    """An administrator approves (the claimant becomes an owner, the listing verified) or
    rejects a pending claim, with a note the claimant reads."""
    admin = require_admin(user)
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"No claim has the id {claim_id!r}.")
    _decide(session, claim, approve, admin, note)
    session.commit()
    return claim
