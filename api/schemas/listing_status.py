"""The schemas of a listing's status as administrators set it (suspended or active)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import text


class StatusChangeSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("active", "suspended")), metadata={
        "description": "`suspended` takes the listing off the directory; `active` restores it.",
        "example": "suspended"})
    reason = fields.String(allow_none=True, load_default=None, validate=text(2000), metadata={
        "description": "Why (kept in the history).", "example": "冒充官方客服的号码，核实中。"})


class ListingStatusSchema(Schema):
    id = fields.String(metadata={"description": "The enterprise.", "example": "ent_9f7532f6acdd"})
    status = fields.String(metadata={"description": "Its status now.", "example": "suspended"})
    version = fields.Integer(metadata={"description": "Its version now.", "example": 5})
