"""People who sign in, their browser sessions, and which listings they may edit.

A :class:`User` signs in with an e-mail address and a password hashed with Argon2id (memory-
hard); a :class:`Membership` makes a user an ``owner`` or ``editor`` of an enterprise's listing.

A signed-in browser (the sign-in and consent pages) holds a :class:`UserSession`: the cookie
carries the session's random id and the user's *session generation*; the database keeps the
id's SHA-256 digest, the generation and when it expires. A session counts only while its row
exists, has not expired and its generation is still the user's: signing out deletes the row;
:func:`end_all_sessions` (a password change, `flask users sign-out`) bumps the generation and
deletes every row of the user, so a copied cookie is worth nothing afterwards.
Nothing here knows of HTTP or OAuth: the API's OAuth2 server (``api/oauth``) uses these.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from directory.db import EXCLUDED, Base, UTCDateTime, table_facts, withheld
from directory.errors import Conflict, InvalidInput, NotAllowed, NotFound
from directory.models import Enterprise, utcnow

ROLES = ("owner", "editor")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
# Argon2id with RFC 9106's second recommended option (64 MiB, 3 passes).
_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)
# How long a browser stays signed in to the sign-in and consent pages.
SESSION_LIFETIME = timedelta(hours=12)
MAX_SESSION_ID = 128


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the address is unknown, so that unknown and known addresses take
    as long (made on first use: hashing costs 64 MiB and a few hundred milliseconds)."""
    return _hasher.hash(secrets.token_hex(16))


# What a user restored from an archive has for a password hash: no password verifies against
# it (argon2 refuses it as malformed) until `flask users set-password` gives them one.
NO_PASSWORD = "!restored-without-password"


class AccountError(InvalidInput):
    """An address, password or role that is not one an account takes (a message says why); an
    address taken is a :class:`~directory.errors.Conflict`, an unknown one ``NotFound``."""


class User(Base):
    """Someone who signs in: a consumer, an enterprise's editor, or an administrator."""

    __tablename__ = "users"
    __table_args__ = table_facts(public=False)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), info=withheld(
        "a secret: restored users have no working password until `flask users set-password` "
        "gives them one", restore=lambda: NO_PASSWORD))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by end_all_sessions: every browser session started before is over.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # False from a sign-up until its mailed link is opened (directory/signup.py): until then the
    # account cannot sign in. Accounts an operator makes are verified.
    email_verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    def get_user_id(self) -> str:  # what authlib asks of a user
        return self.id


class UserSession(Base):
    """A browser signed in as a user, known by the SHA-256 digest of the id its cookie holds."""

    __tablename__ = "user_sessions"
    __table_args__ = table_facts(public=False, archive=EXCLUDED, why=(
        "browser sessions of the sign-in pages (digests), 12 hours at most: everyone signs in again"))

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    generation: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Membership(Base):
    """A user's role on one enterprise's listing."""

    __tablename__ = "memberships"
    __table_args__ = (CheckConstraint("role IN ('owner', 'editor')", name="ck_memberships_role"),
                      table_facts(public=False))

    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who brought the member in: the inviting owner's user id, ``admin:<id>`` or ``cli`` when
    # the c800 team added them; null for owners by a claim and members from before.
    invited_by: Mapped[str | None] = mapped_column(String(32), nullable=True)

    user: Mapped[User] = relationship(lazy="select")


def normalize_email(email: str) -> str:
    email = email.strip()
    local, _, domain = email.rpartition("@")
    if not local or not domain or "." not in domain or len(email) > 254 or any(
            c.isspace() or ord(c) < 32 for c in email):
        raise AccountError(f"{email!r} is not an e-mail address")
    return f"{local}@{domain.lower()}"


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password has at most {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    """What a user's ``password_hash`` is for *password* (Argon2id)."""
    return _hasher.hash(password)


def create_user(session: Session, email: str, password: str, *, admin: bool = False) -> User:
    """Add a user (the caller commits); AccountError when the address or password is bad,
    Conflict when the address is taken."""
    email = normalize_email(email)
    check_password_rules(password)
    if find_user(session, email) is not None:
        raise Conflict(f"a user with the address {email} exists")
    user = User(id=f"usr_{secrets.token_hex(8)}", email=email,
                password_hash=_hasher.hash(password), is_admin=admin)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, email: str, password: str) -> User:
    """Give the user with *email* a new password and end every browser session of theirs (the
    caller commits, and revokes the user's OAuth grants: ``directory.credentials.revoke_user_grants``);
    AccountError for a bad password, NotFound for an unknown address."""
    check_password_rules(password)
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"no user has the address {email}")
    user.password_hash = _hasher.hash(password)
    end_all_sessions(session, user)
    return user


def _session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(session: Session, user: User, lifetime: timedelta = SESSION_LIFETIME) -> str:
    """A new browser session of *user* (the caller commits): the id its cookie is to hold.

    Expired sessions of everyone are deleted on the way (an indexed range)."""
    now = utcnow()
    session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    session_id = secrets.token_urlsafe(32)
    session.add(UserSession(id_hash=_session_digest(session_id), user_id=user.id,
                            generation=user.session_generation, created_at=now,
                            expires_at=now + lifetime))
    session.flush()
    return session_id


def session_user(session: Session, session_id: object, generation: object) -> User | None:
    """The user a cookie's session id and generation sign in, or None when the session was
    ended (signed out, password changed, signed out everywhere), expired or the user disabled."""
    if not isinstance(session_id, str) or not 0 < len(session_id) <= MAX_SESSION_ID:
        return None
    if not isinstance(generation, int) or isinstance(generation, bool):
        return None
    row = session.get(UserSession, _session_digest(session_id))
    if row is None or row.expires_at <= utcnow() or row.generation != generation:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled or user.session_generation != row.generation:
        return None
    return user


def end_session(session: Session, session_id: object) -> None:
    """Sign one browser out: its session id is worth nothing from now on (the caller commits)."""
    if isinstance(session_id, str) and 0 < len(session_id) <= MAX_SESSION_ID:
        session.execute(delete(UserSession).where(UserSession.id_hash == _session_digest(session_id)))


def end_all_sessions(session: Session, user: User) -> None:
    """Sign *user* out of every browser (the caller commits): a new generation, no sessions."""
    user.session_generation = (user.session_generation or 0) + 1
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.flush()


def find_user(session: Session, email: str) -> User | None:
    try:
        email = normalize_email(email)
    except AccountError:
        return None
    return session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user whose address and password these are, or None (same cost either way)."""
    user = find_user(session, email)
    if user is None or user.disabled or not user.email_verified or len(password) > MAX_PASSWORD:
        _verify(_dummy_hash(), password[:MAX_PASSWORD])
        return None
    if not _verify(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def password_matches(hashed: str | None, password: str) -> bool:
    """Whether *password* is the one *hashed* (an Argon2id hash) was made of."""
    if not hashed or len(password) > MAX_PASSWORD:
        _verify(_dummy_hash(), password[:MAX_PASSWORD])
        return False
    return _verify(hashed, password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def role_of(session: Session, user: User | None, enterprise_id: str) -> str | None:
    if user is None:
        return None
    membership = session.get(Membership, (user.id, enterprise_id))
    return membership.role if membership else None


def add_member(session: Session, enterprise_id: str, email: str, role: str) -> Membership:
    """Make the user with *email* an owner or editor of the enterprise (the caller commits)."""
    if role not in ROLES:
        raise AccountError(f"role is one of {', '.join(ROLES)}")
    if session.get(Enterprise, enterprise_id) is None:
        raise NotFound(f"no enterprise has the id {enterprise_id!r}")
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"no user has the address {email}")
    membership = session.get(Membership, (user.id, enterprise_id))
    if membership is None:
        membership = Membership(user_id=user.id, enterprise_id=enterprise_id, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    return membership


def require_admin(user: User) -> User:
    """*user*, a c800 administrator; NotAllowed for anyone else."""
    if not user.is_admin:
        raise NotAllowed("Only c800 administrators may do this.")
    return user


def memberships_of(session: Session, user: User) -> list[Membership]:
    return list(session.scalars(select(Membership).where(Membership.user_id == user.id)
                                .order_by(Membership.enterprise_id)))


def lock_account(session: Session, user_id: str) -> datetime | None:
    """Serialise the writes of one account that count before they write (reports, callback
    requests): a no-op update of its row holds the row's lock on PostgreSQL and the write lock
    on SQLite until the transaction ends. The account's creation time; None when unknown."""
    statement = (update(User).where(User.id == user_id).values(disabled=User.disabled)
                 .returning(User.created_at).execution_options(synchronize_session=False))
    return session.execute(statement).scalar_one_or_none()
