"""Who may act on a listing, and on which version: the checks every use case on a listing
begins with.

- :func:`kept_listing`: the enterprise a user keeps (an owner or editor; an owner when the use
  case is owners' only: members, webhooks), refusing strangers, and writes to a suspended
  listing. The role is read from the database at every call, so a removed member's tokens stop
  at once.
- :func:`kept_row` / :func:`own_row`: a row of a listing the user keeps / of the user, else a
  NotFound that does not say whether it exists.
- :func:`require_writable`: a suspended listing refuses its keepers' writes.
- :func:`require_version`: the precondition of an edit — the listing is still at a version the
  caller has seen (the API reads them from ``If-Match``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

from sqlalchemy.orm import Session

from directory.accounts import User, role_of
from directory.errors import Conflict, NotAllowed, NotFound, StaleVersion, VersionRequired
from directory.listings import ENTERPRISE_ID
from directory.models import Enterprise

Row = TypeVar("Row")
MAX_ID = 32


def kept_listing(session: Session, user: User, enterprise_id: str, *, write: bool = True,
                 owner: bool = False) -> Enterprise:
    """The enterprise *user* keeps (an owner when *owner*); NotFound, NotAllowed, or Conflict
    when *write* and the c800 team suspended the listing."""
    enterprise = session.get(Enterprise, enterprise_id) if ENTERPRISE_ID.match(enterprise_id) else None
    if enterprise is None:
        raise NotFound(f"No enterprise has the id {enterprise_id!r}.")
    role = role_of(session, user, enterprise.id)
    if role is None:
        raise NotAllowed("You do not keep this listing: only its owners and editors may.")
    if owner and role != "owner":
        raise NotAllowed("Only the listing's owners may do this (its members and webhooks); "
                         "editors edit its content.")
    if write:
        require_writable(enterprise)
    return enterprise


def require_writable(enterprise: Enterprise) -> None:
    """Conflict when the c800 team suspended *enterprise*: its keepers cannot change it now."""
    if enterprise.status == "suspended":
        raise Conflict("The listing is suspended by the c800 team; it cannot be edited now.")


def kept_row(session: Session, user: User, model: type[Row], ident: str, what: str, *,
             write: bool = True, owner: bool = False) -> Row:
    """The *model* row *ident* of a listing (``enterprise_id``) *user* keeps; NotFound for
    other listings' rows (not said to exist), NotAllowed when *owner* and the user edits only,
    Conflict when *write* and the listing is suspended."""
    row = session.get(model, ident) if len(ident) <= MAX_ID else None
    if row is None or role_of(session, user, row.enterprise_id) is None:  # type: ignore[attr-defined]
        raise NotFound(f"No {what} of a listing you keep has the id {ident!r}.")
    kept_listing(session, user, row.enterprise_id, write=write, owner=owner)  # type: ignore[attr-defined]
    return row


def own_row(session: Session, user: User, model: type[Row], ident: str, what: str) -> Row:
    """The *model* row *ident* of *user* (``user_id``); NotFound otherwise, whether it exists
    or not."""
    row = session.get(model, ident) if len(ident) <= MAX_ID else None
    if row is None or row.user_id != user.id:  # type: ignore[attr-defined]
        raise NotFound(f"You have no {what} {ident!r}.")
    return row


def require_version(enterprise: Enterprise, seen: Collection[int] | None) -> None:
    """The edit's precondition: *seen* (the versions the caller says it has read; None when it
    named none) holds the listing's current version; VersionRequired / StaleVersion otherwise
    (``version`` carries the current one)."""
    if not seen:
        raise VersionRequired("Writes never overwrite changes you have not seen: name the "
                              "listing's version you read.", enterprise_id=enterprise.id)
    if enterprise.version not in seen:
        raise StaleVersion("The listing changed since; read it again and redo the change.",
                           version=enterprise.version)
