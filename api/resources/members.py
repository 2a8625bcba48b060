"""Who keeps a listing: its owners manage members and invitations, an invitee accepts with the
mailed code, a member leaves (the use cases: directory/listing_members.py, the rules:
directory/members.py; administrators: api/resources/member_admin.py).

Invitations are accepted through the API (``POST /v1/me/invitations/accept`` with the code in
the body): the mail carries the code and no link, so no secret sits in a URL (logs, Referer,
history) and no address is made from the request's Host header.
"""

from __future__ import annotations

from flask import g, make_response, url_for
from flask.views import MethodView

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.members import invitation_dump, member_dump
from api.schemas.common import PageArgsSchema
from api.schemas.members import (
    AcceptedSchema,
    AcceptSchema,
    InvitationListSchema,
    InvitationSchema,
    InviteSchema,
    MemberListSchema,
    MemberSchema,
    RoleSchema,
)
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import app_state, db_session
from api.writes import client_id, json_body_doc, load_body, no_store, protected_doc
from directory.listing_members import (
    invite_member,
    join_listing,
    listing_invitation,
    listing_members,
    pending_invitations,
    remove_listing_member,
    set_member_role,
    withdraw_invitation,
)

blp = Blueprint("members", __name__, url_prefix="/v1",
                description="Who keeps a listing: owners manage members and invitations, an "
                            "invitee accepts, a member leaves (editors edit content only).")

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
USER = path_parameter("user_id", "The member's user id.", "usr_0f3c9a7e1b2d4c5a")
INVITATION = path_parameter("invitation_id", "Opaque id of the invitation.", "inv_3c4d5e6f7a8b9c0d")


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
        return listing_answer(listing_members(db_session(), g.current_user, enterprise_id), args,
                              member_dump, MemberListSchema)


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
        role = load_body(RoleSchema)["role"]
        membership, user = set_member_role(db_session(), g.current_user, enterprise_id, user_id, role,
                                           client_id())
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
        remove_listing_member(db_session(), g.current_user, enterprise_id, user_id, client_id())
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
        return listing_answer(pending_invitations(db_session(), g.current_user, enterprise_id), args,
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
        body = load_body(InviteSchema)
        state = app_state()
        invitation = invite_member(db_session(), g.current_user, enterprise_id, **body,
                                   per_day=state.config.member_invitations_per_day,
                                   mailer=state.mailer,
                                   accept_with=f"POST {url_for('members.InvitationAccept')}")
        response = no_store(InvitationSchema().dump(invitation_dump(invitation)), 201)
        response.headers["Location"] = url_for("members.InvitationOne",
                                               enterprise_id=invitation.enterprise_id,
                                               invitation_id=invitation.id)
        return response


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
        invitation = listing_invitation(db_session(), g.current_user, enterprise_id, invitation_id)
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
        withdraw_invitation(db_session(), g.current_user, enterprise_id, invitation_id)
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
        token = load_body(AcceptSchema)["token"]
        membership, invitation = join_listing(db_session(), g.current_user, token)
        return no_store(AcceptedSchema().dump({"enterprise_id": membership.enterprise_id,
                                               "role": membership.role, "invitation_id": invitation.id}))
