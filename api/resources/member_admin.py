"""Administrators decide who keeps any listing: list, add, change and remove members, the last
owner included (e.g. one installed by a wrongful claim; the listing is then unowned).
"""

from __future__ import annotations

from flask import g, make_response
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.resources.common import PageArgsSchema, line
from api.resources.member_common import (
    ENTERPRISE,
    USER,
    MemberListSchema,
    MemberSchema,
    RoleSchema,
    client_id,
    member_dump,
    members_page,
)
from api.smorest import RATE_LIMIT_HEADERS, Blueprint
from api.state import db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.listings import ENTERPRISE_ID
from directory.members import Asker, add_member, change_role, remove_member
from directory.models import Enterprise


class MemberAddSchema(RoleSchema):
    email = fields.String(required=True, validate=line(254), metadata={
        "description": "The address of an existing user (their sign-in name).",
        "example": "li.lei@icbc.com.cn"})

blp = Blueprint("member_admin", __name__, url_prefix="/v1",
                description="Administrators: who keeps any listing (scope admin).")


# --- administrators --------------------------------------------------------------------------

def _admin_listing(enterprise_id: str) -> Enterprise:
    if not g.current_user.is_admin:
        abort(403, message="Only c800 administrators may do this.")
    enterprise = db_session().get(Enterprise, enterprise_id) if ENTERPRISE_ID.match(enterprise_id) else None
    if enterprise is None:
        abort(404, message=f"No enterprise has the id {enterprise_id!r}.")
    return enterprise


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
        return members_page(_admin_listing(enterprise_id).id, args)

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
        session = db_session()
        enterprise = _admin_listing(enterprise_id)
        body = load_body(MemberAddSchema)
        membership, user, _new = add_member(session, enterprise, body["email"], body["role"],
                                            Asker(g.current_user, admin=True), client_id(),
                                            only_new=True)
        session.commit()
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
        session = db_session()
        enterprise = _admin_listing(enterprise_id)
        role = load_body(RoleSchema)["role"]
        membership, user = change_role(session, enterprise, user_id, role,
                                       Asker(g.current_user, admin=True), client_id())
        session.commit()
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
        session = db_session()
        enterprise = _admin_listing(enterprise_id)
        remove_member(session, enterprise, user_id, Asker(g.current_user, admin=True),
                      client_id())
        session.commit()
        return make_response("", 204)
