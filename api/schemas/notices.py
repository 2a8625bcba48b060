"""The schemas of a listing's notices: what an enterprise publishes and consumers read."""

from __future__ import annotations

from marshmallow import Schema, fields


class NoticeLinkSchema(Schema):
    label = fields.String(metadata={"description": "Link text.", "example": "在线改签"})
    url = fields.String(metadata={"description": "An https URL.", "example": "https://www.12306.cn/"})
