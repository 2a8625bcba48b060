"""The schemas of a listing's notices: what an enterprise publishes and consumers read."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from directory.models import SEVERITIES


class NoticeLinkSchema(Schema):
    label = fields.String(metadata={"description": "Link text.", "example": "在线改签"})
    url = fields.String(metadata={"description": "An https URL.", "example": "https://www.12306.cn/"})


class PublicLinkSchema(Schema):
    label = fields.String(metadata={"description": "Link text.", "example": "在线退票"})
    url = fields.String(metadata={"description": "An https URL.", "example": "https://www.12306.cn/"})


class PublicNoticeSchema(Schema):
    id = fields.String(metadata={"description": "Opaque notice id.", "example": "nt_0c1d2e3f4a5b6c7d"})
    title = fields.String(metadata={"description": "Title.", "example": "暴雨影响：部分列车停运"})
    body = fields.String(metadata={"description": "Text.", "example": "停运车次可免费退票。"})
    severity = fields.String(metadata={"description": "`info`, `warning` or `critical`.",
                                       "example": "warning"})
    valid_from = fields.DateTime(metadata={"description": "Shown from.",
                                           "example": "2026-12-02T00:00:00+00:00"})
    valid_until = fields.DateTime(allow_none=True, metadata={"description": "Shown until; null "
                                  "while the enterprise keeps it up.", "example": None})
    links = fields.List(fields.Nested(PublicLinkSchema), metadata={
        "description": "Self-service links.", "example": [{"label": "在线退票",
                                                            "url": "https://www.12306.cn/"}]})


class NoticeWriteSchema(Schema):
    title = fields.String(metadata={"description": "Title, 1-200 characters.",
                                    "example": "暴雨影响：部分列车停运"})
    body = fields.String(metadata={"description": "Text, 1-5000 characters.",
                                   "example": "停运车次可免费退票，请在线办理。"})
    severity = fields.String(validate=validate.OneOf(SEVERITIES), metadata={
        "description": "`info`, `warning` or `critical`.", "example": "warning"})
    valid_from = fields.String(allow_none=True, metadata={
        "description": "RFC 3339 start with an offset, within 10 years of now (default now).",
        "example": "2026-12-02T08:00:00+08:00"})
    valid_until = fields.String(allow_none=True, metadata={
        "description": "RFC 3339 end with an offset, within 10 years of now; null for until "
                       "hidden.", "example": "2026-12-05T00:00:00+08:00"})
    links = fields.List(fields.Nested(NoticeLinkSchema), metadata={
        "description": "Self-service links (at most 10).",
        "example": [{"label": "在线退票", "url": "https://www.12306.cn/"}]})
    hidden = fields.Boolean(metadata={"description": "Hidden from the public (reversible).",
                                      "example": False})


class NoticeSchema(NoticeWriteSchema):
    id = fields.String(metadata={"description": "Opaque notice id.", "example": "nt_0c1d2e3f4a5b6c7d"})
