"""The schemas of follows: the enterprises a consumer follows and their current notices."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.common import page_of
from api.schemas.notices import NoticeLinkSchema


class FollowSchema(Schema):
    enterprise_id = fields.String(metadata={"description": "The enterprise followed.",
                                            "example": "ent_9f7532f6acdd"})
    name = fields.String(metadata={"description": "Its name in the answer's language.",
                                   "example": "中国工商银行"})
    since = fields.DateTime(metadata={"description": "Since when you follow it.",
                                      "example": "2026-12-02T09:00:00+00:00"})


FollowListSchema = page_of("FollowList", FollowSchema, "Enterprises you follow, latest first.")


class FollowedNoticeSchema(Schema):
    id = fields.String(metadata={"description": "Opaque notice id.", "example": "nt_0c1d2e3f4a5b6c7d"})
    enterprise_id = fields.String(metadata={"description": "Who published it.",
                                            "example": "ent_9f7532f6acdd"})
    enterprise_name = fields.String(metadata={"description": "Its name in the answer's language.",
                                              "example": "中国国际航空"})
    title = fields.String(metadata={"description": "Title.", "example": "航班取消：在线改签"})
    body = fields.String(metadata={"description": "Text.", "example": "受天气影响，CA1234 取消。"})
    severity = fields.String(metadata={"description": "`info`, `warning` or `critical`.",
                                       "example": "critical"})
    valid_from = fields.DateTime(metadata={"description": "Shown since.",
                                           "example": "2026-12-02T08:00:00+00:00"})
    valid_until = fields.DateTime(allow_none=True, metadata={"description": "Shown until; null "
                                                             "until withdrawn.", "example": None})
    links = fields.List(fields.Nested(NoticeLinkSchema), metadata={
        "description": "Self-service links.",
        "example": [{"label": "在线改签", "url": "https://www.airchina.com.cn/"}]})


FollowedNoticeListSchema = page_of("FollowedNoticeList", FollowedNoticeSchema,
                                   "Current notices, newest first.")
