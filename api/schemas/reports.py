"""The schemas of reports of wrong information: a report, a page of them, and how an
administrator handled one."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import line, text
from directory.claims import REPORT_STATUSES, REPORT_TOPICS


class ReportCreateSchema(Schema):
    topic = fields.String(required=True, validate=validate.OneOf(REPORT_TOPICS), metadata={
        "description": "What is wrong.", "example": "wrong_number"})
    message = fields.String(required=True, validate=text(2000), metadata={
        "description": "Details, 1-2000 characters.", "example": "这个号码已停用。"})
    channel_id = fields.String(allow_none=True, load_default=None, validate=line(32), metadata={
        "description": "The channel concerned, if one.", "example": "ch_5dd08e23240d7f37"})


class ReportSchema(Schema):
    id = fields.String(metadata={"description": "Opaque report id.", "example": "rep_7a8b9c0d1e2f3a4b"})
    enterprise_id = fields.String(metadata={"description": "The listing.", "example": "ent_9f7532f6acdd"})
    channel_id = fields.String(allow_none=True, metadata={"description": "The channel concerned.",
                                                          "example": None})
    topic = fields.String(metadata={"description": "What is wrong.", "example": "wrong_number"})
    message = fields.String(metadata={"description": "Details.", "example": "这个号码已停用。"})
    status = fields.String(metadata={"description": "`open`, `resolved` or `dismissed`.",
                                     "example": "open"})
    created_at = fields.DateTime(metadata={"description": "When it was filed.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    resolution = fields.String(allow_none=True, metadata={"description": "The team's answer.",
                                                          "example": None})


class ReportListSchema(Schema):
    items = fields.List(fields.Nested(ReportSchema), metadata={"description": "Reports, oldest first.",
                                                               "example": []})
    next = fields.String(allow_none=True, metadata={"description": "URL of the next page.",
                                                    "example": None})


class ResolutionSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(REPORT_STATUSES), metadata={
        "description": "The report's new state.", "example": "resolved"})
    resolution = fields.String(allow_none=True, load_default=None, validate=text(2000), metadata={
        "description": "What was done.", "example": "号码已更正。"})
