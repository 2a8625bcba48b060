"""A listing's status as administrators set it: ``suspended`` takes it off the directory and
search (nothing is deleted, and it cannot be edited meanwhile); ``active`` restores it. Each
change is a version of the listing, with who made it and why.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from directory.accounts import User, require_admin
from directory.errors import NotFound
from directory.listings import ENTERPRISE_ID
from directory.models import Enterprise, utcnow
from directory.versions import ensure_base_version, record_version


def set_listing_status(session: Session, user: User, enterprise_id: str, *, status: str,
                       reason: str | None, client_id: str | None) -> Enterprise:
    """An administrator suspends (``suspended``) or restores (``active``) any listing; kept in
    its history with *reason*. Nothing changes when it is in *status* already."""
    admin = require_admin(user)
    enterprise = session.get(Enterprise, enterprise_id) if ENTERPRISE_ID.match(enterprise_id) else None
    if enterprise is None:
        raise NotFound(f"No enterprise has the id {enterprise_id!r}.")
    if enterprise.status != status:
        ensure_base_version(session, enterprise)
        enterprise.status = status
        enterprise.version += 1
        enterprise.updated_at = utcnow()
        session.flush()
        version = record_version(session, enterprise, actor=f"admin:{admin.id}",
                                 client_id=client_id, action=status)
        version.changes = [f"status: {status}" + (f" ({reason})" if reason else "")]
    session.commit()
    return enterprise
