"""Deciding consumers' suggested edits (``directory.suggestions``): the listing's keepers read
their listing's queue and decide; c800's administrators decide those of listings without an
owner (and may decide any). Accepting one makes the change through ``directory.editing`` as the
one who accepts it, marked as the community's: a new version (action ``community:<what>``), a
new channel with source ``community``, and an owner's acceptance of a number or address lookup
would trust waits for an administrator (``directory/reviews.py``), as the owner's own edit
would."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from directory.accounts import Membership, User, require_admin
from directory.crowd_rules import clean_text
from directory.editing import Actor, add_channel, update_channel
from directory.errors import Conflict, InvalidInput, NotAllowed, NotFound
from directory.keepers import kept_listing, require_writable
from directory.models import Channel, Enterprise, utcnow
from directory.pages import Key, Listing
from directory.suggestions import NOTE_LIMIT, SUGGESTION_STATUSES, Suggestion

DECISIONS = ("accept", "reject")
OLDEST_FIRST = Key(((Suggestion.created_at, False), (Suggestion.id, False)))


def _status_filter(query, status: str | None):  # noqa: ANN001, ANN202 - a Select
    if status is not None and status not in SUGGESTION_STATUSES:
        raise InvalidInput("The request's parameters are not valid.",
                           errors={"status": [f"One of: {', '.join(SUGGESTION_STATUSES)}."]})
    return query.where(Suggestion.status == status) if status else query


def listing_suggestions(session: Session, user: User, enterprise_id: str, status: str | None) -> Listing:
    """The suggestions on a listing *user* keeps (only those in *status* when given), oldest
    first."""
    enterprise = kept_listing(session, user, enterprise_id, write=False)
    query = select(Suggestion).where(Suggestion.enterprise_id == enterprise.id)
    return Listing(_status_filter(query, status), OLDEST_FIRST)


def ownerless_suggestions(user: User, status: str | None) -> Listing:
    """The administrators' queue: suggestions on listings without an owner, oldest first."""
    require_admin(user)
    owned = exists().where(Membership.enterprise_id == Suggestion.enterprise_id,
                           Membership.role == "owner")
    return Listing(_status_filter(select(Suggestion).where(~owned), status), OLDEST_FIRST)


def _apply(session: Session, enterprise: Enterprise, suggestion: Suggestion, actor: Actor) -> Channel:
    if suggestion.kind == "add_channel":
        return add_channel(session, enterprise, dict(suggestion.changes), actor)
    channel = next((c for c in enterprise.channels if c.id == suggestion.channel_id), None)
    if channel is None:
        raise Conflict("The channel this suggestion is about is no longer on the listing; "
                       "reject it.")
    changes = {"hidden": True} if suggestion.kind == "out_of_service" else dict(suggestion.changes)
    update_channel(session, enterprise, channel, changes, actor)
    return channel


def decide_suggestion(session: Session, user: User, suggestion_id: str, *, decision: str,
                      reason: str | None, client_id: str | None, as_admin: bool = False) -> Suggestion:
    """The listing's keeper (or, *as_admin*, an administrator) accepts or rejects a pending
    suggestion, saying why; an accepted one is made as the decider's edit, marked the
    community's. A suggestion no longer valid (the listing changed) is refused as an edit
    would be: reject it instead."""
    if as_admin:
        require_admin(user)
    suggestion = session.get(Suggestion, suggestion_id) if len(suggestion_id) <= 32 else None
    if suggestion is None:
        raise NotFound(f"No suggestion on a listing you keep has the id {suggestion_id!r}.")
    if as_admin:
        enterprise = session.get(Enterprise, suggestion.enterprise_id)
        require_writable(enterprise)
    else:
        try:
            enterprise = kept_listing(session, user, suggestion.enterprise_id)
        except (NotFound, NotAllowed):  # not said to exist
            raise NotFound(f"No suggestion on a listing you keep has the id {suggestion_id!r}.") from None
    if decision not in DECISIONS:
        raise InvalidInput("The decision is accept or reject.", field="decision")
    if suggestion.status != "pending":
        raise Conflict(f"This suggestion was {suggestion.status} already.")
    words = clean_text(reason, field="reason", limit=NOTE_LIMIT, contacts=True)
    if decision == "accept":
        actor = Actor(user.id, client_id, admin=as_admin, community=True)
        channel = _apply(session, enterprise, suggestion, actor)
        suggestion.channel_id, suggestion.version = channel.id, enterprise.version
    suggestion.status = "accepted" if decision == "accept" else "rejected"
    suggestion.decided_at, suggestion.decided_by = utcnow(), "admin" if as_admin else "keeper"
    suggestion.reason = words
    session.commit()
    return suggestion
