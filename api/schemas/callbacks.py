"""The schemas of callback requests: as a consumer asks for one, as both sides read it, as the
enterprise answers it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import PageArgsSchema, line, page_of, text
from directory.instants import Instant


class CallbackCreateSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(3, 32), metadata={
        "description": "The number to call you on: a mainland number as you write it, or "
                       "+<country code> for one abroad. Erased once the request is over.",
        "example": "138 0013 8000"})
    window_start = Instant(required=True, metadata={
        "description": "From when you can take the call (RFC 3339 with offset), within 14 days.",
        "example": "2026-12-02T14:00:00+08:00"})
    window_end = Instant(required=True, metadata={
        "description": "Until when (15 minutes to 12 hours after the start).",
        "example": "2026-12-02T16:00:00+08:00"})
    topic = fields.String(required=True, validate=line(200), metadata={
        "description": "What it is about.", "example": "信用卡账单疑问"})
    details = fields.String(load_default=None, validate=text(2000), metadata={
        "description": "Anything else you choose to share.", "example": "11 月账单多扣了一笔年费。"})


class CallbackSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id.", "example": "cbk_4e5f6a7b8c9d0e1f"})
    enterprise_id = fields.String(metadata={"description": "The enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    phone = fields.String(allow_none=True, metadata={
        "description": "The number to call (E.164); null once the request is over.",
        "example": "+8613800138000"})
    topic = fields.String(metadata={"description": "What it is about.", "example": "信用卡账单疑问"})
    details = fields.String(allow_none=True, metadata={"description": "What else was shared.",
                                                       "example": None})
    window_start = fields.DateTime(metadata={"description": "Window start.",
                                             "example": "2026-12-02T06:00:00+00:00"})
    window_end = fields.DateTime(metadata={"description": "Window end.",
                                           "example": "2026-12-02T08:00:00+00:00"})
    status = fields.String(metadata={
        "description": "`requested`, `accepted` (the enterprise will call), `completed`, "
                       "`declined`, `cancelled` (by you), or `expired` (nobody took it before "
                       "the window ended).", "example": "requested"})
    note = fields.String(allow_none=True, metadata={"description": "The enterprise's note.",
                                                    "example": None})
    created_at = fields.DateTime(metadata={"description": "When it was asked.",
                                           "example": "2026-12-02T05:00:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "When it last changed.",
                                           "example": "2026-12-02T05:00:00+00:00"})


CallbackListSchema = page_of("CallbackList", CallbackSchema, "Callback requests, newest first.")


class CallbackQueueArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, metadata={
        "description": "Only requests in this state (requested, accepted, completed, declined, "
                       "cancelled).", "example": "requested"})


class CallbackMoveSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("accepted", "completed", "declined")),
                           metadata={
        "description": "`accepted` (you will call), then `completed`; or `declined`.",
        "example": "accepted"})
    note = fields.String(load_default=None, validate=text(2000), metadata={
        "description": "A note the consumer sees.", "example": "我们将在 15:00 前致电。"})
