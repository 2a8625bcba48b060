"""A listing's members and invitations as the API shows them."""

from __future__ import annotations

from directory.accounts import Membership, User
from directory.members import Invitation
from directory.models import utcnow


def member_dump(membership: Membership, user: User | None = None) -> dict:
    user = user or membership.user
    return {"user_id": membership.user_id, "email": user.email, "role": membership.role,
            "since": membership.created_at, "invited_by": membership.invited_by}


def invitation_dump(invitation: Invitation) -> dict:
    return {"id": invitation.id, "enterprise_id": invitation.enterprise_id, "email": invitation.email,
            "role": invitation.role, "status": invitation.state_at(utcnow()),
            "invited_by": invitation.invited_by, "created_at": invitation.created_at,
            "expires_at": invitation.expires_at}
