"""The schemas of a listing's members: a member and their role, invitations, accepting one,
and an administrator adding a member."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import line, page_of
from directory.accounts import ROLES


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


class MemberAddSchema(RoleSchema):
    email = fields.String(required=True, validate=line(254), metadata={
        "description": "The address of an existing user (their sign-in name).",
        "example": "li.lei@icbc.com.cn"})


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
