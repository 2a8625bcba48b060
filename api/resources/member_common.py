"""What the owners' and the administrators' members resources share: the member and role
schemas, and a page of members.
"""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from api.pagination import page_answer
from api.resources.common import line, page_of
from api.smorest import path_parameter
from directory.accounts import ROLES, Membership, User
from directory.pages import Key

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
USER = path_parameter("user_id", "The member's user id.", "usr_0f3c9a7e1b2d4c5a")


class RoleSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES), metadata={
        "description": "`owner` (manages members and webhooks, and edits) or `editor` (edits the "
                       "listing, its channels and notices, and serves consumers).", "example": "editor"})


class InviteSchema(RoleSchema):
    email = fields.String(required=True, validate=line(254), metadata={
        "description": "One plain address (no display name, comment or list); the invitation "
                       "is mailed there and only the account with this address may accept it.",
        "example": "li.lei@icbc.com.cn"})


class MemberSchema(Schema):
    user_id = fields.String(metadata={"description": "The member's user id.",
                                      "example": "usr_0f3c9a7e1b2d4c5a"})
    email = fields.String(metadata={"description": "The member's e-mail address.",
                                    "example": "li.lei@icbc.com.cn"})
    role = fields.String(metadata={"description": "`owner` or `editor`.", "example": "editor"})
    since = fields.DateTime(metadata={"description": "When they became a member.",
                                      "example": "2026-12-02T09:00:00+00:00"})
    invited_by = fields.String(allow_none=True, metadata={
        "description": "Who brought them in: the inviting owner's user id, `admin:<user id>` or "
                       "`cli` for the c800 team; null for an owner by a claim.",
        "example": "usr_7a8b9c0d1e2f3a4b"})


MemberListSchema = page_of("MemberList", MemberSchema, "Members, by user id.")


def member_dump(membership: Membership, user: User | None = None) -> dict:
    user = user or membership.user
    return {"user_id": membership.user_id, "email": user.email, "role": membership.role,
            "since": membership.created_at, "invited_by": membership.invited_by}


def client_id() -> str | None:
    token = g.get("oauth_token")
    return token.client_id if token is not None else None


def members_page(enterprise_id: str, args: dict):  # noqa: ANN202 - a response
    query = select(Membership).where(Membership.enterprise_id == enterprise_id) \
        .options(joinedload(Membership.user))
    return page_answer(query, Key.ascending(Membership.user_id), args, member_dump, MemberListSchema)
