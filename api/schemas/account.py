"""The schemas of the account a person owns: deleting it, its data given back, its address."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

PASSWORD = {"description": "Your current password.", "example": "correct horse battery staple"}


class DeleteAccountSchema(Schema):
    password = fields.String(validate=validate.Length(min=1, max=1024), metadata={
        **PASSWORD, "description": "Your current password. Needed unless this token's sign-in "
                                   "(authorization code) is less than 10 minutes old."})


class EmailChangeSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254), metadata={
        "description": "The new address: a single-use link is mailed there (24 hours); the "
                       "current address is told.", "example": "ada.lovelace@example.org"})
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024),
                             metadata=PASSWORD)


class EmailChangeAnswerSchema(Schema):
    status = fields.String(metadata={
        "description": "Always `mailed`: open the link sent to the new address (the same "
                       "answer whether or not another account has that address).",
        "example": "mailed"})


class ExportSchema(Schema):
    class Meta:
        unknown = INCLUDE  # one array per table holding the person's rows (see follows)

    profile = fields.Dict(metadata={
        "description": "Your account: id, address, whether it is verified, administrator, "
                       "creation time.",
        "example": {"id": "usr_0f3c9a7e1b2d4c5a", "email": "ada@example.com",
                    "email_verified": True, "is_admin": False,
                    "created_at": "2026-12-02T09:00:00+00:00"}})
    reports = fields.List(fields.Dict(), metadata={
        "description": "The reports you sent about listings.",
        "example": [{"id": "rep_1", "enterprise_id": "ent_9f7532f6acdd", "topic": "wrong_number",
                     "message": "该号码已停用。", "status": "open"}]})
    follows = fields.List(fields.Dict(), metadata={
        "description": "The enterprises you follow. Every other table holding rows of yours "
                       "is an array named after it too: handoffs (your contacts), "
                       "callback_requests, experiences, memberships, claims, user_sessions, "
                       "oauth_tokens, oauth_clients, and any added later; never a secret.",
        "example": [{"user_id": "usr_0f3c9a7e1b2d4c5a", "enterprise_id": "ent_9f7532f6acdd",
                     "created_at": "2026-12-03T08:00:00+00:00"}]})
