"""The schemas of lookup: what was pasted, how it was read, the enterprises and channels it
belongs to, and the hint of what to make of it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import CONTROL, SPACE, SpecPattern
from api.schemas.enterprises import SUMMARY_EXAMPLE, EnterpriseSummarySchema
from directory.lookup import HINT_CODES, MATCHED_BY
from directory.lookup_input import INPUT_KINDS, MAX_INPUT
from directory.models import CHANNEL_KINDS, DIRECTIONS
from directory.phones import PHONE_TYPES

PASTED_TEXT = SpecPattern(f"^[^{CONTROL}]*[^{SPACE}{CONTROL}][^{CONTROL}]*$",
                          "Paste some text without control characters (it may not be only spaces).",
                          whole=True)


class LookupArgsSchema(Schema):
    q = fields.String(required=True, validate=[validate.Length(1, MAX_INPUT), PASTED_TEXT], metadata={
        "description": "Whatever reached the person, pasted as is: a phone number in any format "
                       "(`+86 10 95588`, `400-820-8820`, `(021) 6087 6100`, `tel:95588`), a URL, "
                       "a bare domain (`icbc.com.cn`) or an e-mail address (`mailto:` accepted).",
        "example": "https://icbc.com.cn.secure-login.top/verify"})


class MatchedChannelSchema(Schema):
    id = fields.String(metadata={"description": "Channel id.", "example": "ch_1b2f0c8e9a7d6c5b"})
    kind = fields.String(validate=validate.OneOf(CHANNEL_KINDS), metadata={
        "description": "Kind of the matching channel.", "example": "phone"})
    value = fields.String(metadata={"description": "The channel's checked value (what c800 vouches "
                                    "for; the listing may show a newer one waiting for review).",
                                    "example": "95588"})
    display = fields.String(metadata={"description": "The value formatted for people.",
                                      "example": "95588"})
    label = fields.String(allow_none=True, metadata={"description": "The channel's label.",
                                                     "example": "客服热线"})
    direction = fields.String(validate=validate.OneOf(DIRECTIONS), metadata={
        "description": "`contact`: a way to reach the enterprise; `outbound_only`: a sender it only "
                       "uses to reach people (do not call back or reply to it).",
        "example": "contact"})


class LookupMatchSchema(Schema):
    enterprise = fields.Nested(EnterpriseSummarySchema, metadata={
        "description": "The enterprise the input belongs to.", "example": SUMMARY_EXAMPLE})
    channel = fields.Nested(MatchedChannelSchema, allow_none=True, metadata={
        "description": "The listed channel that matched; null when the match is the enterprise's "
                       "domain rather than one channel.",
        "example": {"id": "ch_1b2f0c8e9a7d6c5b", "kind": "phone", "value": "95588",
                    "display": "95588", "label": "客服热线", "direction": "contact"}})
    matched_by = fields.String(validate=validate.OneOf(MATCHED_BY), metadata={
        "description": "`phone`: the number (in any of its forms); `email`: the exact address; "
                       "`url`: a listed page; `domain`: the registrable domain (Public Suffix List).",
        "example": "phone"})


IMITATION_TEXT = ("小心仿冒：真正的域名是 secure-login.top，不是 中国工商银行 的域名，"
                  "只是把它的名字写在了前面。")


class HintSchema(Schema):
    code = fields.String(validate=validate.OneOf(HINT_CODES), metadata={
        "description": "Stable code: `official_contact`, `official_sender` (an outgoing-only "
                       "sender), `official_domain`, `official_page`; for unknown input "
                       "`unknown_domain`, `unknown_email`, `imitation` (a listed domain written in "
                       "front of another one), `user_info` (a `name@` prefix hiding the real host), "
                       "`ip_address`, `unsafe_scheme`, `mailbox_provider`, `user_content`, "
                       "`unrecognised` (none of the forms below could be read); for an "
                       "unknown number the kind of number: " + ", ".join(f"`{t}`" for t in PHONE_TYPES)
                       + ".", "example": "imitation"})
    text = fields.String(metadata={
        "description": "The hint for people, in the language Accept-Language chose.",
        "example": IMITATION_TEXT})


LOOKUP_EXAMPLE = {
    "query": "https://icbc.com.cn.secure-login.top/verify", "input_kind": "url",
    "normalized": "icbc.com.cn.secure-login.top", "registrable_domain": "secure-login.top",
    "phone_type": None, "official": False, "matches": [],
    "hint": {"code": "imitation",
             "text": IMITATION_TEXT},
}


class LookupSchema(Schema):
    query = fields.String(metadata={"description": "The text as received.",
                                    "example": LOOKUP_EXAMPLE["query"]})
    input_kind = fields.String(validate=validate.OneOf(INPUT_KINDS), metadata={
        "description": "How the text was read: `phone`, `email`, `url`, `domain`, `link` (a "
                       "link of a scheme no company uses to be contacted, e.g. `javascript:`), or "
                       "`unknown` when it is none of these (never official).",
        "example": "url"})
    normalized = fields.String(metadata={
        "description": "The canonical number (digits; `+` and country code abroad), the lower-case "
                       "address, the host of a URL or domain, the scheme of a link, or the text itself.",
        "example": LOOKUP_EXAMPLE["normalized"]})
    registrable_domain = fields.String(allow_none=True, metadata={
        "description": "The registrable domain of a URL, domain or address under the Public "
                       "Suffix List; null for phone numbers, IP addresses and links.",
        "example": "secure-login.top"})
    phone_type = fields.String(allow_none=True, validate=validate.OneOf(PHONE_TYPES), metadata={
        "description": "For a phone number, what kind of number it is; else null.",
        "example": None})
    official = fields.Boolean(metadata={
        "description": "True only when the input belongs to a listed, active enterprise, as a "
                       "fact c800 has checked (from a data source or by an administrator): an "
                       "enterprise's own new number, address or domain is not official until "
                       "checked. Never true for an unknown number, a public mailbox or a page "
                       "anyone can publish.",
        "example": False})
    matches = fields.List(fields.Nested(LookupMatchSchema), metadata={
        "description": "The enterprises (and channels) the input belongs to, at most 10: "
                       "the most prominent listings first (`official` and `hint` weigh them all).",
        "example": []})
    hint = fields.Nested(HintSchema, metadata={"description": "What to make of the answer.",
                                               "example": LOOKUP_EXAMPLE["hint"]})
