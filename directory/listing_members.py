"""The use cases of a listing's members, as the API calls them: who asks and on which listing
(an owner or editor of it, the member themself, an administrator of any listing), the rule
(``directory.members``), the commit, and the invitation's mail.

Owners list, change and remove members and invite people; any member leaves; an invitee
accepts with the mailed code; administrators (``admin_*``) do the same on any listing, the
last owner included.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from directory.accounts import Membership, User, require_admin
from directory.errors import NotFound
from directory.keepers import kept_listing
from directory.listings import ENTERPRISE_ID
from directory.mail import Mailer
from directory.members import (
    INVITATION_LIFETIME,
    Asker,
    Invitation,
    accept_invitation,
    add_member,
    change_role,
    find_invitation,
    invite,
    remove_member,
    revoke_invitation,
)
from directory.models import Enterprise
from directory.pages import Key, Listing

BY_USER = Key.ascending(Membership.user_id)
NEWEST_INVITATIONS = Key.newest_first(Invitation.created_at, Invitation.id)


def _members(enterprise_id: str) -> Listing:
    return Listing(select(Membership).where(Membership.enterprise_id == enterprise_id)
                   .options(joinedload(Membership.user)), BY_USER)


# --- owners and members ----------------------------------------------------------------------

def listing_members(session: Session, user: User, enterprise_id: str) -> Listing:
    """The members of a listing *user* owns, by user id."""
    return _members(kept_listing(session, user, enterprise_id, write=False, owner=True).id)


def set_member_role(session: Session, user: User, enterprise_id: str, member_id: str, role: str,
                    client_id: str | None) -> tuple[Membership, User]:
    """An owner makes member *member_id* an owner or an editor; never the last owner an editor."""
    enterprise = kept_listing(session, user, enterprise_id, owner=True)
    membership, member = change_role(session, enterprise, member_id, role, Asker(user), client_id)
    session.commit()
    return membership, member


def remove_listing_member(session: Session, user: User, enterprise_id: str, member_id: str,
                          client_id: str | None) -> None:
    """An owner removes member *member_id*, or a member leaves (*member_id* is themself)."""
    enterprise = kept_listing(session, user, enterprise_id, write=False, owner=member_id != user.id)
    remove_member(session, enterprise, member_id, Asker(user), client_id)
    session.commit()


def pending_invitations(session: Session, user: User, enterprise_id: str) -> Listing:
    """The pending (and expired, not revoked) invitations of a listing *user* owns, newest first."""
    enterprise = kept_listing(session, user, enterprise_id, write=False, owner=True)
    return Listing(select(Invitation).where(Invitation.enterprise_id == enterprise.id,
                                            Invitation.status == "pending"), NEWEST_INVITATIONS)


def invite_member(session: Session, user: User, enterprise_id: str, *, email: str, role: str,
                  per_day: int, mailer: Mailer, accept_with: str) -> Invitation:
    """An owner invites *email* as *role*: the code is mailed (saying where apps accept it,
    *accept_with*), then the invitation kept; when the mail cannot be handed over nothing is
    kept (Unavailable)."""
    enterprise = kept_listing(session, user, enterprise_id, owner=True)
    invitation, token = invite(session, enterprise, email, role, Asker(user), per_day=per_day)
    _mail_invitation(mailer, invitation, token, enterprise, user, accept_with)
    session.commit()
    return invitation


def _mail_invitation(mailer: Mailer, invitation: Invitation, token: str, enterprise: Enterprise,
                     inviter: User, accept_with: str) -> None:
    name = enterprise.name_zh_hans or enterprise.name_en or enterprise.id
    role = {"owner": "所有者 (owner)", "editor": "编辑 (editor)"}[invitation.role]
    days = INVITATION_LIFETIME.days
    body = (f"{inviter.email} 邀请你以「{role}」身份管理 c800 上「{name}」的企业信息。\n"
            f"请用本邮箱（{invitation.email}）的 c800 账户登录，在应用中输入下面的邀请码"
            f"（{days} 天内有效，只能使用一次）：\n\n{token}\n\n"
            f"{inviter.email} invited you to keep the c800 listing of {name} as {role}. "
            f"Sign in to c800 with the account of this address ({invitation.email}) and enter the "
            f"code above within {days} days; it works once. (Apps accept it with "
            f"{accept_with}.) If you do not know the sender, ignore this message.\n")
    mailer.send_or_refuse(invitation.email, f"c800: 邀请 / invitation — {name}", body,
                          about=f"invitation {invitation.id}",
                          refusal="The invitation mail could not be sent; nothing was kept. "
                                  "Try again later.")


def listing_invitation(session: Session, user: User, enterprise_id: str,
                       invitation_id: str) -> Invitation:
    """An invitation of a listing *user* owns, whatever its state."""
    enterprise = kept_listing(session, user, enterprise_id, write=False, owner=True)
    return find_invitation(session, enterprise.id, invitation_id)


def withdraw_invitation(session: Session, user: User, enterprise_id: str, invitation_id: str) -> None:
    """An owner revokes a pending or expired invitation; its code stops working."""
    enterprise = kept_listing(session, user, enterprise_id, write=False, owner=True)
    revoke_invitation(session, enterprise, invitation_id, Asker(user))
    session.commit()


def join_listing(session: Session, user: User, token: str) -> tuple[Membership, Invitation]:
    """*user* accepts the invitation whose code is *token* (it must be for their address)."""
    membership, invitation = accept_invitation(session, token, user)
    session.commit()
    return membership, invitation


# --- administrators --------------------------------------------------------------------------

def _any_listing(session: Session, user: User, enterprise_id: str) -> Enterprise:
    require_admin(user)
    enterprise = session.get(Enterprise, enterprise_id) if ENTERPRISE_ID.match(enterprise_id) else None
    if enterprise is None:
        raise NotFound(f"No enterprise has the id {enterprise_id!r}.")
    return enterprise


def admin_listing_members(session: Session, user: User, enterprise_id: str) -> Listing:
    """The members of any listing, suspended ones included (administrators)."""
    return _members(_any_listing(session, user, enterprise_id).id)


def admin_add_member(session: Session, user: User, enterprise_id: str, *, email: str, role: str,
                     client_id: str | None) -> tuple[Membership, User]:
    """An administrator makes the user with *email* a member of any listing, no invitation
    needed; Conflict when they are one already."""
    enterprise = _any_listing(session, user, enterprise_id)
    membership, member, _new = add_member(session, enterprise, email, role,
                                          Asker(user, admin=True), client_id, only_new=True)
    session.commit()
    return membership, member


def admin_set_member_role(session: Session, user: User, enterprise_id: str, member_id: str,
                          role: str, client_id: str | None) -> tuple[Membership, User]:
    """An administrator changes a member's role, the last owner's included (then unowned)."""
    enterprise = _any_listing(session, user, enterprise_id)
    membership, member = change_role(session, enterprise, member_id, role,
                                     Asker(user, admin=True), client_id)
    session.commit()
    return membership, member


def admin_remove_member(session: Session, user: User, enterprise_id: str, member_id: str,
                        client_id: str | None) -> None:
    """An administrator removes any member, the last owner included (the listing is then
    unowned, and that owner's pending invitations revoked)."""
    enterprise = _any_listing(session, user, enterprise_id)
    remove_member(session, enterprise, member_id, Asker(user, admin=True), client_id)
    session.commit()
