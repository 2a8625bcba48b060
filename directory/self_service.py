"""Enterprise self-service: the use cases of an owner or editor keeping their listing right.

Each use case checks who asks (``directory.keepers``: an owner or editor of the listing), then
the edit's precondition — the listing is still at a version the caller has read — and only
then reads the change (a stale write is refused whatever it holds), applies it with the
import's rules (``directory.editing``), and commits it as one new version. What runs after the
commit (the search index, the cached answers' stamp) is the session's after-commit work.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts import User
from directory.editing import (
    Actor,
    add_channel,
    add_notice,
    restore_version,
    update_channel,
    update_enterprise,
    update_notice,
)
from directory.errors import NotFound
from directory.keepers import kept_listing, require_version, require_writable
from directory.models import Channel, Enterprise, Notice
from directory.notifications import notify_notice
from directory.pages import Key, Listing
from directory.versions import ListingVersion, ensure_base_version, get_version

Item = TypeVar("Item", Channel, Notice)


@dataclass(frozen=True)
class Edit:
    """An edit of a listing as asked: who asks (*user*, acting as *actor*), the versions of the
    listing they have read (*seen*; None when they named none) and the change (*changes*).
    Both are read when the use case needs them, in this order: a refused precondition is
    answered whatever the change holds."""

    user: User
    actor: Actor
    seen: Callable[[], Collection[int] | None]
    changes: Callable[[], dict[str, Any]] = field(default=dict)


def listing_to_edit(session: Session, user: User, enterprise_id: str) -> Enterprise:
    """The listing *user* keeps, as they may edit it (hidden channels and notices included)."""
    return kept_listing(session, user, enterprise_id, write=False)


def _kept_for_edit(session: Session, edit: Edit, enterprise_id: str) -> Enterprise:
    enterprise = kept_listing(session, edit.user, enterprise_id, write=False)
    require_version(enterprise, edit.seen())  # preconditions first: a write naming no version
    require_writable(enterprise)  # then a suspended listing refuses writes
    return enterprise


def _one_of(items: Iterable[Item], ident: str, what: str) -> Item:
    found = next((item for item in items if item.id == ident), None)
    if found is None:
        raise NotFound(f"The listing has no {what} {ident!r}.")
    return found


def edit_listing(session: Session, edit: Edit, enterprise_id: str) -> Enterprise:
    """A merge patch of the listing's own fields, stored as a new version."""
    enterprise = _kept_for_edit(session, edit, enterprise_id)
    update_enterprise(session, enterprise, edit.changes(), edit.actor)
    session.commit()
    return enterprise


def add_listing_channel(session: Session, edit: Edit, enterprise_id: str
                        ) -> tuple[Enterprise, Channel]:
    """A new channel at the end of the listing; the listing and the channel."""
    enterprise = _kept_for_edit(session, edit, enterprise_id)
    channel = add_channel(session, enterprise, edit.changes(), edit.actor)
    session.commit()
    return enterprise, channel


def edit_listing_channel(session: Session, edit: Edit, enterprise_id: str,
                         channel_id: str) -> Enterprise:
    """A merge patch of one of the listing's channels (``hidden`` hides or shows it)."""
    enterprise = _kept_for_edit(session, edit, enterprise_id)
    channel = _one_of(enterprise.channels, channel_id, "channel")
    update_channel(session, enterprise, channel, edit.changes(), edit.actor)
    session.commit()
    return enterprise


def publish_notice(session: Session, edit: Edit, enterprise_id: str) -> tuple[Enterprise, Notice]:
    """A new notice on the listing; the listing and the notice."""
    enterprise = _kept_for_edit(session, edit, enterprise_id)
    notice = add_notice(session, enterprise, edit.changes(), edit.actor)
    notify_notice(session, enterprise, notice)
    session.commit()
    return enterprise, notice


def edit_listing_notice(session: Session, edit: Edit, enterprise_id: str,
                        notice_id: str) -> Enterprise:
    """A merge patch of one of the listing's notices (``hidden`` withdraws it, reversibly)."""
    enterprise = _kept_for_edit(session, edit, enterprise_id)
    notice = _one_of(enterprise.notices, notice_id, "notice")
    update_notice(session, enterprise, notice, edit.changes(), edit.actor)
    session.commit()
    return enterprise


def listing_versions(session: Session, user: User, enterprise_id: str) -> Listing:
    """Every stored version of a listing *user* keeps, newest first (the listing as imported is
    stored as its first version when it has none yet)."""
    enterprise = kept_listing(session, user, enterprise_id, write=False)
    ensure_base_version(session, enterprise)
    session.commit()
    return Listing(select(ListingVersion).where(ListingVersion.enterprise_id == enterprise.id),
                   Key.descending(ListingVersion.number))


def restore_listing_version(session: Session, edit: Edit, enterprise_id: str,
                            number: int) -> Enterprise:
    """Make the listing what version *number* was, as a new version."""
    enterprise = _kept_for_edit(session, edit, enterprise_id)
    version = get_version(session, enterprise.id, number)
    if version is None:
        raise NotFound(f"The listing has no version {number}.")
    restore_version(session, enterprise, version.snapshot, number, edit.actor)
    session.commit()
    return enterprise
