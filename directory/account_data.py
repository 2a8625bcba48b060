"""A person's data: all of it given back (PIPL access and portability), or all of it deleted
(注销), what the crowd learned from them kept only as anonymous counts.

Both walk the model registry: every table with a column referring to ``users.id`` holds the
person's rows (follows, handoffs, callback requests, experiences, memberships, claims, browser
sessions, tokens, clients, mailed links, and any table added later, such as devices), so a new
table is covered without a list to keep by hand. Reports hold their reporter's id without a
foreign key: an export lists them, a deletion makes them anonymous.

Deleting an account:

- needs the person themselves, through a user grant (a client acting for them may not), and a
  fresh proof: the password in the request, or a sign-in (authorization code) within
  :data:`RECENT_SIGN_IN`;
- is refused (Conflict) while they are the last owner of a listing: an owner is made by a
  claim checked by the c800 team, so handing a listing over is the listing's owners' or the
  administrators' decision, not a side effect of leaving;
- deletes every row that refers to them, then the account. The counters their experiences fed
  (``wait_counts``, ``reach_counts``, ``voice_counts``, ``channel_days``) name no account and stay;
  the experiences and the per-account voices go. Every token, code and session ends with them.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from directory import registry
from directory.accounts import Membership, User, authenticate
from directory.claims import Report
from directory.credentials import AuthorizationCode, OAuthClient, OAuthToken
from directory.errors import Conflict, NotAllowed
from directory.models import Enterprise

RECENT_SIGN_IN = 600  # seconds
# Columns an export never shows: secrets (their digests), sealed answers.
SECRET_COLUMNS = ("password_hash", "secret_hash", "rotated_answer")
# Tables an export leaves out: secrets and bookkeeping the person cannot use.
NOT_EXPORTED = frozenset({"account_links", "oauth_codes", "experience_voices", "idempotency_keys"})


def _user_columns(table: Table) -> list[Column]:
    return [column for column in table.columns
            if any(key.target_fullname == "users.id" for key in column.foreign_keys)]


def _owned_tables() -> list[tuple[Table, list[Column]]]:
    """Every table but ``users`` with the columns that refer to an account, children first."""
    found = [(table, _user_columns(table)) for table in registry.tables() if table.name != "users"]
    return [(table, columns) for table, columns in reversed(found) if columns]


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(session: Session, table: Table, where: Any) -> list[dict[str, Any]]:
    shown = [c for c in table.columns if c.name not in SECRET_COLUMNS and not c.name.endswith("_hash")
             and "withheld" not in c.info]
    return [{c.name: _value(row[c.name]) for c in shown}
            for row in session.execute(select(*shown).where(where)).mappings()]


def export_account(session: Session, user: User) -> dict[str, Any]:
    """All that c800 keeps of *user*: their profile and, per table, their rows (no secrets)."""
    data: dict[str, Any] = {
        "profile": {"id": user.id, "email": user.email, "email_verified": user.email_verified,
                    "is_admin": user.is_admin, "created_at": _value(user.created_at)},
        "reports": _rows(session, Report.__table__, Report.reporter_id == user.id),
    }
    for table, columns in reversed(_owned_tables()):
        if table.name in NOT_EXPORTED:
            continue
        where = or_(*[column == user.id for column in columns])
        data[table.name] = _rows(session, table, where)
    return data


def signed_in_recently(session: Session, family: str | None) -> bool:
    """Whether the grant of the token family *family* began with a sign-in (an authorization
    code) within :data:`RECENT_SIGN_IN` seconds."""
    if not family:
        return False
    started = session.scalar(select(func.max(AuthorizationCode.auth_time))
                             .where(AuthorizationCode.family == family))
    return started is not None and started >= time.time() - RECENT_SIGN_IN


def _last_owned(session: Session, user: User) -> list[str]:
    """The listings *user* is the only owner of."""
    owned = select(Membership.enterprise_id).where(Membership.user_id == user.id,
                                                   Membership.role == "owner")
    others = (select(Membership.enterprise_id)
              .where(Membership.role == "owner", Membership.user_id != user.id,
                     Membership.enterprise_id.in_(owned)))
    alone = session.scalars(owned.where(Membership.enterprise_id.not_in(others))).all()
    names = session.execute(select(Enterprise.id, Enterprise.name_zh_hans)
                            .where(Enterprise.id.in_(alone)).order_by(Enterprise.id)).all()
    return [f"{name} ({enterprise_id})" for enterprise_id, name in names]


def delete_account(session: Session, user: User, *, user_grant: bool, password: str | None,
                   family: str | None) -> None:
    """Delete *user* and everything that refers to them (see the module); commits."""
    if not user_grant:
        raise NotAllowed("Only the person, through their own sign-in, may delete their account; "
                         "a client acting for the account may not.")
    if password is not None:
        if authenticate(session, user.email, password) is None:
            raise NotAllowed("The password is wrong.", field="password")
    elif not signed_in_recently(session, family):
        raise NotAllowed(f"Confirm it is you: send your password, or sign in again (within "
                         f"{RECENT_SIGN_IN // 60} minutes) before deleting the account.",
                         field="password")
    alone = _last_owned(session, user)
    if alone:
        raise Conflict("You are the only owner of " + ", ".join(alone) + ": make another member "
                       "an owner (or remove the listing's other members and ask the c800 team to "
                       "take it over) before deleting your account.")
    clients = select(OAuthClient.client_id).where(OAuthClient.user_id == user.id)
    session.execute(delete(OAuthToken).where(OAuthToken.client_id.in_(clients)))
    session.execute(delete(AuthorizationCode).where(AuthorizationCode.client_id.in_(clients)))
    session.execute(update(Report).where(Report.reporter_id == user.id).values(reporter_id=None))
    for table, columns in _owned_tables():
        for column in columns:
            session.execute(delete(table).where(column == user.id))
    session.execute(delete(User.__table__).where(User.id == user.id))
    session.commit()
