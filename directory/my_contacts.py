"""The contacts a consumer made (their handoffs, ``directory.contacts``), as they see them: what
they opened recently, newest first, to forget one or all. The enterprise's copy goes with it:
a forgotten handoff can no longer be read by its token or code."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from directory.accounts import User
from directory.contacts import Handoff
from directory.keepers import own_row
from directory.pages import Key, Listing

NEWEST_CONTACTS = Key.newest_first(Handoff.created_at, Handoff.id)


def my_contacts(user: User) -> Listing:
    """*user*'s contacts, newest first."""
    return Listing(select(Handoff).where(Handoff.user_id == user.id), NEWEST_CONTACTS)


def forget_contact(session: Session, user: User, contact_id: str) -> None:
    """Delete one of *user*'s contacts; NotFound when they have none with this id."""
    session.delete(own_row(session, user, Handoff, contact_id, "contact"))
    session.commit()


def forget_contacts(session: Session, user: User) -> int:
    """Delete every contact of *user*: how many there were."""
    gone = session.execute(delete(Handoff).where(Handoff.user_id == user.id)).rowcount
    session.commit()
    return gone or 0
