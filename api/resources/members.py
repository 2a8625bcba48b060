"""Who keeps a listing: its owners manage members and invitations, an invitee accepts with the
mailed code, a member leaves (the rules: directory/members.py; administrators:
api/resources/member_admin.py).

Invitations are accepted through the API (``POST /v1/me/invitations/accept`` with the code in
the body): the mail carries the code and no link, so no secret sits in a URL (logs, Referer,
history) and no address is made from the request's Host header.
"""

from __future__ import annotations

import logging

from flask import g, make_response, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import page_answer
from api.resources.common import PageArgsSchema, page_of
from api.resources.member_common import (
    ENTERPRISE,
    USER,
    InviteSchema,
    MemberListSchema,
    MemberSchema,
    RoleSchema,
    client_id,
    member_dump,
    members_page,
)
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import app_state, db_session
from api.writes import json_body_doc, kept_listing, load_body, no_store, protected_doc
from directory.mail import MailError, compose, send
from directory.members import (
    INVITATION_LIFETIME,
    Asker,
    Invitation,
    accept_invitation,
    change_role,
    find_invitation,
    invite,
    remove_member,
    revoke_invitation,
)
from directory.models import Enterprise, utcnow
from directory.pages import Key

blp = Blueprint("members", __name__, url_prefix="/v1",
                description="Who keeps a listing: owners manage members and invitations, an "
                            "invitee accepts, a member leaves (editors edit content only).")
log = logging.getLogger(__name__)

INVITATION = path_parameter("invitation_id", "Opaque id of the invitation.", "inv_3c4d5e6f7a8b9c0d")


class AcceptSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(1, 128), metadata={
        "description": "The invitation code from the mail (works once, for 7 days).",
        "example": "5VQm0fJ3kz8b2W1pXyRtN4aLcD7eHgUi9oSsKqBv6Mw"})


class InvitationSchema(Schema):
    id = fields.String(metadata={"description": "Opaque invitation id.", "example": "inv_3c4d5e6f7a8b9c0d"})
    enterprise_id = fields.String(metadata={"description": "The listing.", "example": "ent_9f7532f6acdd"})
    email = fields.String(metadata={"description": "The address invited (domain in ASCII).",
                                    "example": "li.lei@icbc.com.cn"})
    role = fields.String(metadata={"description": "The role it gives.", "example": "editor"})
    status = fields.String(metadata={"description": "`pending`, `expired`, `accepted` or `revoked`.",
                                     "example": "pending"})
    invited_by = fields.String(allow_none=True, metadata={"description": "The inviting owner.",
                                                          "example": "usr_7a8b9c0d1e2f3a4b"})
    created_at = fields.DateTime(metadata={"description": "When it was sent.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    expires_at = fields.DateTime(metadata={"description": "Until when it may be accepted.",
                                           "example": "2026-12-09T09:00:00+00:00"})


class AcceptedSchema(Schema):
    enterprise_id = fields.String(metadata={"description": "The listing you keep now.",
                                            "example": "ent_9f7532f6acdd"})
    role = fields.String(metadata={"description": "Your role on it.", "example": "editor"})
    invitation_id = fields.String(metadata={"description": "The invitation accepted.",
                                            "example": "inv_3c4d5e6f7a8b9c0d"})


InvitationListSchema = page_of("InvitationList", InvitationSchema,
                               "Pending (and expired, not revoked) invitations, newest first.")


def invitation_dump(invitation: Invitation) -> dict:
    return {"id": invitation.id, "enterprise_id": invitation.enterprise_id, "email": invitation.email,
            "role": invitation.role, "status": invitation.state_at(utcnow()),
            "invited_by": invitation.invited_by, "created_at": invitation.created_at,
            "expires_at": invitation.expires_at}


# --- owners ----------------------------------------------------------------------------------

@blp.route("/manage/enterprises/<string:enterprise_id>/members", parameters=[ENTERPRISE])
class Members(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, MemberListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, args, enterprise_id: str):
        """The listing's members

        Owners only: every owner and editor, with their address, role, since when and who
        invited them.
        """
        enterprise = kept_listing(db_session(), enterprise_id, write=False, owner=True)
        return members_page(enterprise.id, args)


@blp.route("/manage/enterprises/<string:enterprise_id>/members/<string:user_id>",
           parameters=[ENTERPRISE, USER])
class Member(MethodView):
    @blp.response(200, MemberSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(RoleSchema, {"role": "owner"}))
    @protected_doc(blp, not_found="No such listing, or it has no such member.",
                   conflict="The member is the listing's last owner, or the listing is suspended.")
    @require_scope("listings:write")
    def patch(self, enterprise_id: str, user_id: str):
        """Change a member's role

        Owners only. The last owner cannot be made an editor (409): make someone else an
        owner first. An owner made editor loses the invitations they sent that are pending.
        """
        session = db_session()
        enterprise = kept_listing(session, enterprise_id, owner=True)
        role = load_body(RoleSchema)["role"]
        membership, user = change_role(session, enterprise, user_id, role, Asker(g.current_user),
                                       client_id())
        session.commit()
        return no_store(MemberSchema().dump(member_dump(membership, user)))

    @blp.response(204, description="Removed: the member's tokens no longer reach the listing, "
                  "from the next request on.", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No such listing, or it has no such member.",
                   conflict="The member is the listing's last owner.")
    @require_scope("listings:write")
    def delete(self, enterprise_id: str, user_id: str):
        """Remove a member, or leave

        Owners remove anyone; any member removes themself (leaves). The last owner can do
        neither (409). What the member did stays: edits, webhooks, live statuses.
        """
        session = db_session()
        me = g.current_user
        enterprise = kept_listing(session, enterprise_id, write=False, owner=user_id != me.id)
        remove_member(session, enterprise, user_id, Asker(me), client_id())
        session.commit()
        return make_response("", 204)


@blp.route("/manage/enterprises/<string:enterprise_id>/invitations", parameters=[ENTERPRISE])
class Invitations(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, InvitationListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, args, enterprise_id: str):
        """Pending invitations

        Owners only; newest first, expired ones included (as `expired`) until revoked.
        """
        enterprise = kept_listing(db_session(), enterprise_id, write=False, owner=True)
        query = select(Invitation).where(Invitation.enterprise_id == enterprise.id,
                                         Invitation.status == "pending")
        return page_answer(query, Key.newest_first(Invitation.created_at, Invitation.id), args,
                           invitation_dump, InvitationListSchema)

    @blp.response(201, InvitationSchema, headers={**RATE_LIMIT_HEADERS, "Location": {
        "description": "The invitation.", "schema": {"type": "string"},
        "example": "/v1/manage/enterprises/ent_9f7532f6acdd/invitations/inv_3c4d5e6f7a8b9c0d"}})
    @blp.doc(**json_body_doc(InviteSchema, {"email": "li.lei@icbc.com.cn", "role": "editor"}))
    @protected_doc(blp, idempotent=True, conflict="The address is a member or invited already, "
                   "or the listing is suspended.")
    @require_scope("listings:write")
    @idempotent
    def post(self, enterprise_id: str):
        """Invite someone

        Owners only. A code is mailed to the address (it works once, for 7 days, and only for
        the account with that address); only its digest is stored. A listing sends at most
        `MEMBER_INVITATIONS_PER_DAY` invitations in 24 hours (20 by default; 429 after).
        """
        session = db_session()
        enterprise = kept_listing(session, enterprise_id, owner=True)
        body = load_body(InviteSchema)
        per_day = app_state().config.member_invitations_per_day
        invitation, token = invite(session, enterprise, body["email"], body["role"],
                                   Asker(g.current_user), per_day=per_day)
        _mail_invitation(invitation, token, enterprise)
        session.commit()
        response = no_store(InvitationSchema().dump(invitation_dump(invitation)), 201)
        response.headers["Location"] = url_for("members.InvitationOne", enterprise_id=enterprise.id,
                                               invitation_id=invitation.id)
        return response


def _mail_invitation(invitation: Invitation, token: str, enterprise: Enterprise) -> None:
    config = app_state().config
    name = enterprise.name_zh_hans or enterprise.name_en or enterprise.id
    role = {"owner": "所有者 (owner)", "editor": "编辑 (editor)"}[invitation.role]
    days = INVITATION_LIFETIME.days
    body = (f"{g.current_user.email} 邀请你以「{role}」身份管理 c800 上「{name}」的企业信息。\n"
            f"请用本邮箱（{invitation.email}）的 c800 账户登录，在应用中输入下面的邀请码"
            f"（{days} 天内有效，只能使用一次）：\n\n{token}\n\n"
            f"{g.current_user.email} invited you to keep the c800 listing of {name} as {role}. "
            f"Sign in to c800 with the account of this address ({invitation.email}) and enter the "
            f"code above within {days} days; it works once. (Apps accept it with "
            f"POST /v1/me/invitations/accept.) If you do not know the sender, ignore this message.\n")
    message = compose(config.mail_from, invitation.email, f"c800: 邀请 / invitation — {name}", body)
    try:
        send(message, mail_dir=config.data_dir / "mail", mail_url=config.mail_url)
    except MailError as exc:
        log.error("invitation %s: %s", invitation.id, exc)
        db_session().rollback()
        abort(503, message="The invitation mail could not be sent; nothing was kept. Try again "
                           "later.", headers={"Retry-After": "60"})


@blp.route("/manage/enterprises/<string:enterprise_id>/invitations/<string:invitation_id>",
           parameters=[ENTERPRISE, INVITATION])
class InvitationOne(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, InvitationSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No such listing, or it has no such invitation.")
    @require_scope("listings:write")
    def get(self, _args, enterprise_id: str, invitation_id: str):
        """An invitation

        Owners only: its state (`pending`, `expired`, `accepted`, `revoked`).
        """
        session = db_session()
        enterprise = kept_listing(session, enterprise_id, write=False, owner=True)
        invitation = find_invitation(session, enterprise.id, invitation_id)
        return no_store(InvitationSchema().dump(invitation_dump(invitation)))

    @blp.response(204, description="Revoked: its code no longer works.", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No such listing, or no pending invitation with this id.",
                   conflict="The invitation was accepted already.")
    @require_scope("listings:write")
    def delete(self, enterprise_id: str, invitation_id: str):
        """Revoke an invitation

        Owners only; a pending or expired invitation. An accepted one is a 409: remove the
        member instead.
        """
        session = db_session()
        enterprise = kept_listing(session, enterprise_id, write=False, owner=True)
        revoke_invitation(session, enterprise, invitation_id, Asker(g.current_user))
        session.commit()
        return make_response("", 204)


# --- the invitee -----------------------------------------------------------------------------

@blp.route("/me/invitations/accept")
class InvitationAccept(MethodView):
    @blp.response(200, AcceptedSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(AcceptSchema, {"token": "5VQm0fJ3kz8b2W1pXyRtN4aLcD7eHgUi9oSsKqBv6Mw"}))
    @protected_doc(blp, idempotent=True, not_found="The code is not valid, or was used or revoked.")
    @blp.alt_response(410, description="The invitation expired.")
    @require_scope("me")
    @idempotent
    def post(self):
        """Accept an invitation

        With the code the invitation mail carries, signed in as the account of the address it
        was sent to (403 for any other account, and the code stays usable). You become a
        member with the role it gives; a member already keeps their role or becomes an owner
        when invited as one.
        """
        session = db_session()
        token = load_body(AcceptSchema)["token"]
        membership, invitation = accept_invitation(session, token, g.current_user)
        session.commit()
        return no_store(AcceptedSchema().dump({"enterprise_id": membership.enterprise_id,
                                               "role": membership.role, "invitation_id": invitation.id}))
