"""The schemas of contacts: a contact with a handoff as the consumer starts it, and the handoff
as the enterprise reads it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.channels import LinkSchema
from api.schemas.common import line, text
from directory.links import PLATFORMS


class ContactDetailsSchema(Schema):
    message = fields.String(validate=text(2000), metadata={
        "description": "Your matter in your words (1-2000 characters).",
        "example": "上周五的航班被取消，想改签到周日。"})
    reference = fields.String(validate=line(100), metadata={
        "description": "An order, booking or account reference (1-100 characters).",
        "example": "CA1234-PNR-ABC123"})
    name = fields.String(validate=line(100), metadata={
        "description": "How the agent should address you.", "example": "王女士"})


class ContactCreateSchema(Schema):
    channel_id = fields.String(required=True, validate=validate.Length(1, 32), metadata={
        "description": "The enterprise's channel you are about to use.",
        "example": "ch_5dd08e23240d7f37"})
    topic = fields.String(required=True, validate=line(200), metadata={
        "description": "What it is about (1-200 characters).", "example": "航班取消改签"})
    details = fields.Nested(ContactDetailsSchema, load_default=None, metadata={
        "description": "What else you choose to share with the agent; only what you give is "
                       "kept, and only for 24 hours.",
        "example": {"reference": "CA1234-PNR-ABC123"}})
    platform = fields.String(load_default="any", validate=validate.OneOf(PLATFORMS), metadata={
        "description": "Links for `ios`, `android`, `web`, or `any` (all, each marked).",
        "example": "ios"})


class ContactLinkSchema(LinkSchema):
    handoff = fields.Boolean(metadata={
        "description": "Whether this link carries the handoff (its token in a web page's "
                       "`c800_handoff` parameter or a WeCom `scene_param`, its code in the text "
                       "of a mail, SMS or WhatsApp message).", "example": True})


class HandoffRefSchema(Schema):
    token = fields.String(metadata={
        "description": "The handoff's token: the enterprise reads the handoff with it "
                       "(GET /v1/manage/handoffs/{token}).", "example": "hof_Zk3v9QyR1sXo2bWc8nTt4uPa"})
    code = fields.String(metadata={
        "description": "A short code to read out or type when the link cannot carry the "
                       "handoff (a phone call); it works like the token.", "example": "K7Q4-XPM2"})
    expires_at = fields.DateTime(metadata={"description": "When the handoff is erased (24 h).",
                                           "example": "2026-12-03T09:30:00+00:00"})


class ContactSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id of the contact.",
                                 "example": "ctc_6a7b8c9d0e1f2a3b"})
    enterprise_id = fields.String(metadata={"description": "The enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    topic = fields.String(metadata={"description": "The topic you gave.", "example": "航班取消改签"})
    handoff = fields.Nested(HandoffRefSchema, metadata={"description": "How the agent gets your "
                                                        "context.", "example": None})
    carries_handoff = fields.Boolean(metadata={
        "description": "Whether some link carries the handoff by itself (else give the code).",
        "example": True})
    links = fields.List(fields.Nested(ContactLinkSchema), metadata={
        "description": "Links that open the channel with your topic, and the handoff where "
                       "the channel can take it.",
        "example": [{"uri": "https://kefu.example.com/chat?c800_handoff=hof_Zk3v9QyR1sXo2bWc8nTt4uPa",
                     "platform": "any", "role": "primary", "steps": None, "label": None,
                     "handoff": True}]})
    created_at = fields.DateTime(metadata={"description": "When.",
                                           "example": "2026-12-02T09:30:00+00:00"})


class HandoffSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id of the contact.",
                                 "example": "ctc_6a7b8c9d0e1f2a3b"})
    enterprise_id = fields.String(metadata={"description": "Your enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    channel_id = fields.String(metadata={"description": "The channel the consumer opened.",
                                         "example": "ch_5dd08e23240d7f37"})
    topic = fields.String(metadata={"description": "What it is about, in their words.",
                                    "example": "航班取消改签"})
    details = fields.Dict(metadata={
        "description": "What else they chose to share (`message`, `reference`, `name`); "
                       "nothing else about them is given.", "example": {"reference": "CA1234-PNR-ABC123"}})
    platform = fields.String(metadata={"description": "Where they opened it from.", "example": "ios"})
    created_at = fields.DateTime(metadata={"description": "When.",
                                           "example": "2026-12-02T09:30:00+00:00"})
    expires_at = fields.DateTime(metadata={"description": "When it is erased.",
                                           "example": "2026-12-03T09:30:00+00:00"})
    first_read_at = fields.DateTime(allow_none=True, metadata={
        "description": "When one of your people first read it (before this read).", "example": None})
