"""Administrators decide who keeps any listing: list, add, change and remove members, the last
owner included (e.g. one installed by a wrongful claim; the listing is then unowned).
"""

from __future__ import annotations

from flask import g, make_response
from flask.views import MethodView

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.members import member_dump
from api.schemas.common import PageArgsSchema
from api.schemas.members import MemberAddSchema, MemberListSchema, MemberSchema, RoleSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter
from api.state import db_session
from api.writes import client_id, json_body_doc, load_body, no_store, protected_doc
from directory.listing_members import (
    admin_add_member,
    admin_listing_members,
    admin_remove_member,
    admin_set_member_role,
)

blp = Blueprint("member_admin", __name__, url_prefix="/v1",
                description="Administrators: who keeps any listing (scope admin).")

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
USER = path_parameter("user_id", "The member's user id.", "usr_0f3c9a7e1b2d4c5a")


@blp.route("/admin/enterprises/<string:enterprise_id>/members", parameters=[ENTERPRISE])
class AdminMembers(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, MemberListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("admin")
    def get(self, args, enterprise_id: str):
        """A listing's members (administrators)

        Every owner and editor of any listing, suspended ones included.
        """
        return listing_answer(admin_listing_members(db_session(), g.current_user, enterprise_id),
                              args, member_dump, MemberListSchema)

    @blp.response(201, MemberSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(MemberAddSchema, {"email": "li.lei@icbc.com.cn", "role": "owner"}))
    @protected_doc(blp, idempotent=True, not_found="No such listing, or no user has the address.",
                   conflict="The user is a member already (change the role with PATCH).")
    @require_scope("admin")
    @idempotent
    def post(self, enterprise_id: str):
        """Add a member (administrators)

        Makes the user with the address an owner or editor at once, no invitation needed
        (e.g. after a claim decided outside c800).
        """
        body = load_body(MemberAddSchema)
        membership, user = admin_add_member(db_session(), g.current_user, enterprise_id, **body,
                                            client_id=client_id())
        return no_store(MemberSchema().dump(member_dump(membership, user)), 201)


@blp.route("/admin/enterprises/<string:enterprise_id>/members/<string:user_id>",
           parameters=[ENTERPRISE, USER])
class AdminMember(MethodView):
    @blp.response(200, MemberSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(RoleSchema, {"role": "editor"}))
    @protected_doc(blp, not_found="No such listing, or it has no such member.")
    @require_scope("admin")
    def patch(self, enterprise_id: str, user_id: str):
        """Change a member's role (administrators)

        The last owner may be made an editor: the listing is then unowned, no longer
        `verified` (until a claim or the team's data says so again), kept in its history.
        """
        role = load_body(RoleSchema)["role"]
        membership, user = admin_set_member_role(db_session(), g.current_user, enterprise_id,
                                                 user_id, role, client_id())
        return no_store(MemberSchema().dump(member_dump(membership, user)))

    @blp.response(204, description="Removed: the member's tokens no longer reach the listing.",
                  headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No such listing, or it has no such member.")
    @require_scope("admin")
    def delete(self, enterprise_id: str, user_id: str):
        """Remove a member (administrators)

        Anyone, the last owner included (e.g. one installed by a wrongful claim): the listing
        is then unowned, no longer `verified`, and the pending invitations that owner sent
        are revoked. Kept in the listing's history.
        """
        admin_remove_member(db_session(), g.current_user, enterprise_id, user_id, client_id())
        return make_response("", 204)
