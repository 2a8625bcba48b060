"""The schemas of /v1/me: who a token acts for and the listings they keep."""

from __future__ import annotations

from marshmallow import Schema, fields


class MembershipSchema(Schema):
    enterprise_id = fields.String(metadata={"description": "The enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    role = fields.String(metadata={"description": "`owner` or `editor`.", "example": "owner"})


class MeSchema(Schema):
    id = fields.String(metadata={"description": "Your user id.", "example": "usr_0f3c9a7e1b2d4c5a"})
    email = fields.String(metadata={"description": "Your e-mail address.", "example": "ada@example.com"})
    is_admin = fields.Boolean(metadata={"description": "Whether you are a c800 administrator.",
                                        "example": False})
    created_at = fields.DateTime(metadata={"description": "When the account was made.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    memberships = fields.List(fields.Nested(MembershipSchema), metadata={
        "description": "The listings you keep.", "example": [{"enterprise_id": "ent_9f7532f6acdd",
                                                               "role": "owner"}]})
    scope = fields.String(metadata={"description": "The scopes of the token you used.",
                                    "example": "directory:read me"})
