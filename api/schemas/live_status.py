"""The schemas of a channel's live status: as its keepers set it and read it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import StrictInteger, line
from directory.experiences import LIVE_STATES
from directory.instants import Instant


class LiveStatusWriteSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(LIVE_STATES), metadata={
        "description": "`open`, `closed`, or `incident` (open but in trouble).", "example": "open"})
    wait_minutes = StrictInteger(allow_none=True, load_default=None,
                                  validate=validate.Range(0, 20160), metadata={
        "description": "Your estimate of the wait now, in minutes (0-480 on channels answered "
                       "at once); none for a closed channel.", "example": 12})
    message = fields.String(allow_none=True, load_default=None, validate=line(500), metadata={
        "description": "What consumers should know now (1-500 characters).",
        "example": "来电较多，建议使用在线客服。"})
    expires_at = Instant(required=True, metadata={
        "description": "Until when it holds (RFC 3339 with offset), at most 24 hours ahead; "
                       "after that the listing falls back to consumers' reports.",
        "example": "2026-12-02T20:00:00+08:00"})


class LiveStatusSchema(Schema):
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    state = fields.String(metadata={"description": "`open`, `closed` or `incident`.", "example": "open"})
    wait_minutes = fields.Integer(allow_none=True, metadata={"description": "Estimated wait.",
                                                             "example": 12})
    message = fields.String(allow_none=True, metadata={"description": "The message.",
                                                       "example": "来电较多，建议使用在线客服。"})
    expires_at = fields.DateTime(metadata={"description": "When it expires.",
                                           "example": "2026-12-02T12:00:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "When it was set.",
                                           "example": "2026-12-02T10:00:00+00:00"})
    fresh = fields.Boolean(metadata={"description": "Whether it holds now (shown on the listing).",
                                     "example": True})
