"""The schemas of notifications: a person's inbox and its read marks."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.schemas.common import PageArgsSchema, page_of
from directory.notifications import KINDS, MAX_READ_IDS

NOTIFICATION_ID = validate.Regexp(r"^ntf_[0-9a-f]{16}$", error="A notification id.")


class NotificationSchema(Schema):
    id = fields.String(metadata={"description": "Opaque notification id.",
                                 "example": "ntf_3a4b5c6d7e8f9a0b"})
    kind = fields.String(metadata={
        "description": f"What happened: {', '.join(f'`{k}`' for k in KINDS)}.",
        "example": "notice.published"})
    enterprise_id = fields.String(metadata={"description": "The listing it is about.",
                                            "example": "ent_9f7532f6acdd"})
    subject_id = fields.String(metadata={
        "description": "The notice (`notice.published`), your callback request "
                       "(`callback.answered`) or the channel (`live_status.changed`).",
        "example": "nt_0c1d2e3f4a5b6c7d"})
    title = fields.String(metadata={"description": "The listing's name in the answer's language.",
                                    "example": "中国国际航空"})
    body = fields.String(metadata={"description": "What happened, in the answer's language (a "
                                                  "notice's title as its enterprise wrote it).",
                                   "example": "航班取消：在线改签"})
    created_at = fields.DateTime(metadata={"description": "When it happened.",
                                           "example": "2026-12-07T08:00:00+00:00"})
    read = fields.Boolean(metadata={"description": "Whether you marked it read.", "example": False})


NotificationListSchema = page_of("NotificationList", NotificationSchema,
                                 "Your notifications, newest first (kept 30 days).")


class NotificationArgsSchema(PageArgsSchema):
    unread = fields.Boolean(load_default=False, truthy={"true"}, falsy={"false"}, metadata={
        "description": "`true`: only those not marked read.", "example": True})


class ReadMarksSchema(Schema):
    ids = fields.List(fields.String(validate=NOTIFICATION_ID),
                      validate=validate.Length(1, MAX_READ_IDS), metadata={
                          "description": f"Mark these read (1 to {MAX_READ_IDS}); ids not yours "
                                         "are ignored.", "example": ["ntf_3a4b5c6d7e8f9a0b"]})
    up_to = fields.String(validate=NOTIFICATION_ID, metadata={
        "description": "Mark this one and every older one read (your newest seen one marks "
                       "all).", "example": "ntf_3a4b5c6d7e8f9a0b"})

    @validates_schema
    def _one_of(self, data: dict, **_kwargs: object) -> None:
        if ("ids" in data) == ("up_to" in data):
            raise ValidationError("Send either `ids` or `up_to`.", "ids")


class UnreadSchema(Schema):
    unread = fields.Integer(metadata={"description": "How many of your notifications are not "
                                                    "marked read.", "example": 3})
