"""The schemas of GET /v1/me/contacts: the contacts a consumer made, as they see them."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.common import page_of


class MyContactSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id of the contact.",
                                 "example": "hof_5f2a9c0e1b7d4e3a"})
    enterprise_id = fields.String(metadata={"description": "The enterprise you contacted.",
                                            "example": "ent_9f7532f6acdd"})
    channel_id = fields.String(metadata={"description": "The channel you opened.",
                                         "example": "ch_5dd08e23240d7f37"})
    topic = fields.String(allow_none=True, metadata={
        "description": "The topic you gave; null once the handoff expired (it is erased then).",
        "example": "航班取消改签"})
    platform = fields.String(metadata={"description": "Where you opened it from.", "example": "ios"})
    created_at = fields.DateTime(metadata={"description": "When.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    expires_at = fields.DateTime(metadata={
        "description": "Until when the enterprise may read what you shared (24 hours).",
        "example": "2026-12-03T09:00:00+00:00"})


MyContactListSchema = page_of("MyContactList", MyContactSchema, "Your contacts, newest first.")
