"""Who keeps a listing: its members (owners and editors), invitations to join it by e-mail,
and the rules every change of them obeys, whoever asks.

- Only owners manage members (and webhooks); editors edit content. A member may always leave.
- A listing never loses its last owner by an owner's or a member's hand: removing or demoting
  it is refused (:class:`LastOwner`). Changes of one listing's members run one after another
  (:func:`lock_members`), so two owners demoting each other at once cannot leave none.
- An administrator (the admin API, ``flask members``) may remove the last owner, e.g. one
  installed by a wrongful claim: the listing is then unowned, and no longer ``verified`` nor
  ``managed`` (the next import of the team's data refreshes it), kept in its history.
- An invitation is mailed to one address with a single-use secret (only its SHA-256 digest
  is stored) that expires after :data:`INVITATION_LIFETIME`; only the account with that very
  address may accept it. A listing sends at most a bounded number of invitations a day.
- A member who stops being an owner loses the invitations they sent that are still pending.

Nothing here knows of HTTP; errors say what kind of refusal they are, the API maps them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import ROLES, Membership, User, find_user
from directory.addresses import AddressError, parse_mailbox
from directory.db import Base, UTCDateTime, table_facts, withheld
from directory.errors import Conflict, Gone, InvalidInput, NotAllowed, NotFound, TooMany
from directory.mail import carried_as_is
from directory.models import Enterprise, utcnow
from directory.versions import ensure_base_version, record_version

INVITATION_LIFETIME = timedelta(days=7)
INVITATIONS_PER_DAY = 20
INVITATION_STATUSES = ("pending", "accepted", "revoked")
DAY = timedelta(hours=24)


class LastOwner(Conflict):
    """It would leave the listing without an owner."""


class Invitation(Base):
    """An invitation to join a listing as an owner or editor, mailed to one address."""

    __tablename__ = "member_invitations"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'editor')", name="ck_member_invitations_role"),
        CheckConstraint("status IN ('pending', 'accepted', 'revoked')", name="ck_member_invitations_status"),
        table_facts(public=False),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True, info=withheld(
        "a secret (the digest of a mailed invitation): pending invitations stop working; owners "
        "invite again"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    invited_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_by: Mapped[str | None] = mapped_column(String(32), nullable=True)

    def state_at(self, moment: datetime) -> str:
        """``pending``, ``expired``, ``accepted`` or ``revoked``."""
        if self.status == "pending" and moment >= self.expires_at:
            return "expired"
        return self.status


@dataclass(frozen=True)
class Asker:
    """Who asks for a change: a user, or an administrator (``user`` None: the command line)."""

    user: User | None
    admin: bool = False

    @property
    def name(self) -> str:
        if not self.admin:
            return self.user.id if self.user else "unknown"
        return f"admin:{self.user.id}" if self.user else "cli"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_address(raw: str) -> str:
    """*raw* as exactly one plain address (``directory.addresses.parse_mailbox``, not strict: no
    display name, comment, group or list; the domain IDNA-normalised and in ASCII), its local
    part as written (any a user may sign in with, but never one a mail header would read as
    another address); InvalidInput otherwise."""
    try:
        mailbox = parse_mailbox(raw.strip(), strict=False)
    except AddressError as exc:
        raise InvalidInput(str(exc), field="email") from exc
    address = mailbox.as_written
    if not carried_as_is(address):
        raise InvalidInput("Not one plain e-mail address: a mail header would read it as "
                           "another one.", field="email")
    return address


def same_address(first: str, second: str) -> bool:
    """Whether two addresses name the same mailbox (domains compared in ASCII, case ignored)."""
    def key(address: str) -> str:
        try:
            return parse_mailbox(address.strip(), strict=False).address
        except AddressError:
            return address.strip().lower()
    return key(first) == key(second)


# --- reading ---------------------------------------------------------------------------------

def members_query(enterprise_id: str):  # noqa: ANN201 - a Select of (Membership, User)
    return (select(Membership, User).join(User, User.id == Membership.user_id)
            .where(Membership.enterprise_id == enterprise_id))


def member_of(session: Session, enterprise_id: str, user_id: str) -> tuple[Membership, User]:
    row = session.execute(members_query(enterprise_id).where(Membership.user_id == user_id)
                          .execution_options(populate_existing=True)).first() if len(user_id) <= 32 else None
    if row is None:
        raise NotFound(f"The listing has no member {user_id!r}.")
    return row[0], row[1]


def find_invitation(session: Session, enterprise_id: str, invitation_id: str) -> Invitation:
    invitation = session.get(Invitation, invitation_id) if len(invitation_id) <= 32 else None
    if invitation is None or invitation.enterprise_id != enterprise_id:
        raise NotFound(f"The listing has no invitation {invitation_id!r}.")
    return invitation


# --- the rules -------------------------------------------------------------------------------

def lock_members(session: Session, enterprise_id: str) -> None:
    """Hold the lock on the listing's members until the transaction ends, so that changes of
    one listing's members run one after another and each sees the others' result.

    PostgreSQL: the enterprise's row, ``SELECT ... FOR NO KEY UPDATE`` (rows that refer to the
    enterprise may still be added meanwhile). SQLite has no row locks: a
    write to ``memberships`` takes the database's one write lock (a writer waits for another
    up to ``busy_timeout``); the app's SQLite transactions begin at their first write, so every
    read after this one sees what the writers before it committed.
    """
    if session.get_bind().dialect.name == "sqlite":
        table = Membership.__table__
        session.execute(update(table).where(table.c.enterprise_id == enterprise_id)
                        .values(role=table.c.role))
    else:
        session.execute(select(Enterprise.id).where(Enterprise.id == enterprise_id)
                        .with_for_update(key_share=True))


def fresh_role(session: Session, user: User | None, enterprise_id: str) -> str | None:
    """The user's role as committed now (never the session's remembered one)."""
    if user is None:
        return None
    return session.scalar(select(Membership.role).where(
        Membership.user_id == user.id, Membership.enterprise_id == enterprise_id))


def _require_owner(session: Session, asker: Asker, enterprise_id: str) -> None:
    if not asker.admin and fresh_role(session, asker.user, enterprise_id) != "owner":
        raise NotAllowed("Only the listing's owners manage its members.")


def _owner_count(session: Session, enterprise_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Membership).where(
        Membership.enterprise_id == enterprise_id, Membership.role == "owner")) or 0


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"A role is one of {', '.join(ROLES)}.", field="role")


def _losing_owner(session: Session, asker: Asker, enterprise: Enterprise, membership: Membership,
                  client_id: str | None) -> None:
    """*membership* stops being an owner: refused if it is the last one (unless an
    administrator asks); its pending invitations are revoked."""
    if membership.role != "owner":
        return
    last = _owner_count(session, enterprise.id) <= 1
    if last and not asker.admin:
        raise LastOwner("This is the listing's last owner: make another member an owner first "
                        "(a listing always has one).")
    session.execute(update(Invitation).where(
        Invitation.enterprise_id == enterprise.id, Invitation.invited_by == membership.user_id,
        Invitation.status == "pending").values(status="revoked", decided_at=utcnow(), token_hash=None)
        .execution_options(synchronize_session=False))
    if last:
        _unown(session, enterprise, asker, client_id)


def _unown(session: Session, enterprise: Enterprise, asker: Asker, client_id: str | None) -> None:
    """The listing's last owner is gone (an administrator's doing): nobody vouches for it now."""
    ensure_base_version(session, enterprise)
    enterprise.verified = False
    enterprise.managed = False
    enterprise.version += 1
    enterprise.updated_at = utcnow()
    session.flush()
    version = record_version(session, enterprise, actor=asker.name, client_id=client_id, action="unowned")
    version.changes = ["members: no owner left; verified and managed cleared"]


def change_role(session: Session, enterprise: Enterprise, user_id: str, role: str, asker: Asker,
                client_id: str | None = None) -> tuple[Membership, User]:
    """Make member *user_id* an owner or an editor (the caller commits)."""
    _check_role(role)
    lock_members(session, enterprise.id)
    _require_owner(session, asker, enterprise.id)
    membership, user = member_of(session, enterprise.id, user_id)
    if role != membership.role:
        if role != "owner":
            _losing_owner(session, asker, enterprise, membership, client_id)
        membership.role = role
        session.flush()
    return membership, user


def remove_member(session: Session, enterprise: Enterprise, user_id: str, asker: Asker,
                  client_id: str | None = None) -> None:
    """Remove member *user_id* (an owner, an administrator, or the member leaving); the
    caller commits. Their tokens stop reaching the listing at the next request."""
    lock_members(session, enterprise.id)
    leaving = asker.user is not None and asker.user.id == user_id and not asker.admin
    if not leaving:
        _require_owner(session, asker, enterprise.id)
    membership, _user = member_of(session, enterprise.id, user_id)
    _losing_owner(session, asker, enterprise, membership, client_id)
    session.delete(membership)
    session.flush()


def add_member(session: Session, enterprise: Enterprise, email: str, role: str, asker: Asker,
               client_id: str | None = None, *, only_new: bool = False) -> tuple[Membership, User, bool]:
    """An administrator makes the user with *email* a member with *role* (or changes the role
    of a member, unless *only_new*: Conflict); returns the membership, the user and whether it
    is new."""
    _check_role(role)
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"No user has the address {email}.")
    lock_members(session, enterprise.id)
    _require_owner(session, asker, enterprise.id)
    if fresh_role(session, user, enterprise.id) is not None:
        if only_new:
            raise Conflict("The user is a member already: change the role instead.")
        membership, user = change_role(session, enterprise, user.id, role, asker, client_id)
        return membership, user, False
    membership = Membership(user_id=user.id, enterprise_id=enterprise.id, role=role,
                            invited_by=asker.name if asker.admin else None, created_at=utcnow())
    session.add(membership)
    session.flush()
    return membership, user, True


# --- invitations -----------------------------------------------------------------------------

def invite(session: Session, enterprise: Enterprise, email: str, role: str, asker: Asker, *,
           per_day: int = INVITATIONS_PER_DAY) -> tuple[Invitation, str]:
    """Invite *email* to join as *role*; returns the invitation and its secret, to be mailed
    and never stored (the caller mails it, then commits)."""
    _check_role(role)
    address = invitation_address(email)
    lock_members(session, enterprise.id)
    _require_owner(session, asker, enterprise.id)
    now = utcnow()
    invitee = find_user(session, address)
    if invitee is not None and fresh_role(session, invitee, enterprise.id) is not None:
        raise Conflict("This address belongs to a member of the listing already.")
    if any(same_address(address, other.email) for other in session.scalars(select(Invitation).where(
            Invitation.enterprise_id == enterprise.id, Invitation.status == "pending",
            Invitation.expires_at > now))):
        raise Conflict("An invitation to this address is pending; revoke it to send another.")
    _within_daily_bound(session, enterprise.id, now, per_day)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(id=f"inv_{secrets.token_hex(8)}", enterprise_id=enterprise.id,
                            email=address, role=role, token_hash=digest(token), status="pending",
                            invited_by=asker.user.id if asker.user else None, created_at=now,
                            expires_at=now + INVITATION_LIFETIME)
    session.add(invitation)
    session.flush()
    return invitation, token


def _within_daily_bound(session: Session, enterprise_id: str, now: datetime, per_day: int) -> None:
    """Invitations sent in the last 24 hours, revoked ones included, stay under *per_day*."""
    if per_day < 1:
        raise TooMany("This service sends no invitations; ask the c800 team to add members.",
                      retry_after=int(DAY.total_seconds()))
    sent = list(session.scalars(select(Invitation.created_at).where(
        Invitation.enterprise_id == enterprise_id, Invitation.created_at > now - DAY)
        .order_by(Invitation.created_at)))
    if len(sent) >= per_day:
        wait = sent[len(sent) - per_day] + DAY - now
        raise TooMany(f"The listing sent {per_day} invitations in the last 24 hours, as many as a "
                      "day allows.", retry_after=max(1, int(wait.total_seconds()) + 1))


def revoke_invitation(session: Session, enterprise: Enterprise, invitation_id: str, asker: Asker) -> None:
    """Revoke a pending (or expired) invitation; its secret stops working."""
    _require_owner(session, asker, enterprise.id)
    invitation = find_invitation(session, enterprise.id, invitation_id)
    if invitation.status == "accepted":
        raise Conflict("The invitation was accepted already: remove the member instead.")
    if invitation.status == "revoked":
        raise NotFound(f"The listing has no pending invitation {invitation_id!r}.")
    done = session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.status == "pending")
        .values(status="revoked", decided_at=utcnow(), token_hash=None)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Conflict("The invitation was accepted or revoked meanwhile.")
    session.expire(invitation)


def accept_invitation(session: Session, token: str, user: User) -> tuple[Membership, Invitation]:
    """The invitation whose secret is *token*, accepted by *user*, whose address must be the
    one invited (the caller commits). A member already keeps their role, or becomes an owner
    when invited as one; nobody is demoted by an invitation."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == digest(token))) \
        if 0 < len(token) <= 128 else None
    if invitation is None or invitation.status != "pending":
        raise NotFound("This invitation is not valid, or was used or revoked.")
    if utcnow() >= invitation.expires_at:
        raise Gone("This invitation has expired; ask the listing's owner for a new one.")
    if not same_address(user.email, invitation.email):
        raise NotAllowed("This invitation is for another e-mail address: sign in with the account "
                         "of the address it was sent to.")
    lock_members(session, invitation.enterprise_id)
    done = session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.status == "pending",
        Invitation.token_hash == invitation.token_hash)
        .values(status="accepted", decided_at=utcnow(), accepted_by=user.id, token_hash=None)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise NotFound("This invitation is not valid, or was used or revoked.")
    session.expire(invitation)
    membership = session.get(Membership, (user.id, invitation.enterprise_id), populate_existing=True)
    if membership is None:
        membership = Membership(user_id=user.id, enterprise_id=invitation.enterprise_id,
                                role=invitation.role, invited_by=invitation.invited_by,
                                created_at=utcnow())
        session.add(membership)
    elif invitation.role == "owner":
        membership.role = "owner"
    session.flush()
    return membership, invitation
