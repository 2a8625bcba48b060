"""The schemas of suggested edits: a consumer's proposed change to a listing, its outcome, and
the keepers' and administrators' decision."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import page_of
from directory.suggestion_reviews import DECISIONS
from directory.suggestions import NOTE_LIMIT, SUGGESTABLE, SUGGESTION_KINDS, SUGGESTION_STATUSES

CHANGES_EXAMPLE = {"kind": "phone", "value": "4006695588", "label": "信用卡中心"}
KINDS = ("`add_channel` (a channel the listing lacks: `changes` is the channel), "
         "`change_channel` (`channel_id` and the fields that change) or `out_of_service` "
         "(`channel_id`: it no longer works; accepting it hides the channel).")


class SuggestedEditCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(SUGGESTION_KINDS), metadata={
        "description": f"What is proposed: {KINDS}", "example": "add_channel"})
    channel_id = fields.String(allow_none=True, load_default=None, validate=validate.Length(1, 32),
                               metadata={"description": "The listed channel it is about; null for "
                                         "`add_channel`.", "example": None})
    changes = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "The channel's fields, as an enterprise edits them, checked by the same "
                       f"rules (hours, menus, numbers, links): {', '.join(SUGGESTABLE)}. Empty "
                       "for `out_of_service`. A number or address another listing holds or "
                       "that lookup warns against is refused.", "example": CHANGES_EXAMPLE})
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=4 * NOTE_LIMIT),
                         metadata={"description": f"Why, for whoever decides (at most {NOTE_LIMIT} "
                                   "characters; never shown publicly).",
                                   "example": "官网联系我们页面列出了这个号码。"})


class SuggestedEditSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id of the suggestion.",
                                 "example": "sug_1a2b3c4d5e6f7a8b"})
    enterprise_id = fields.String(metadata={"description": "The listing.", "example": "ent_9f7532f6acdd"})
    channel_id = fields.String(allow_none=True, metadata={
        "description": "The channel it is about (for an accepted `add_channel`, the new one); "
                       "null otherwise.", "example": None})
    kind = fields.String(metadata={"description": KINDS, "example": "add_channel"})
    changes = fields.Dict(metadata={"description": "The proposed fields.", "example": CHANGES_EXAMPLE})
    note = fields.String(allow_none=True, metadata={"description": "The proposer's note.",
                                                    "example": "官网联系我们页面列出了这个号码。"})
    status = fields.String(metadata={"description": f"One of {', '.join(SUGGESTION_STATUSES)}.",
                                     "example": "pending"})
    created_at = fields.DateTime(metadata={"description": "When it was proposed.",
                                           "example": "2026-12-07T01:30:00+00:00"})
    decided_at = fields.DateTime(allow_none=True, metadata={"description": "When it was decided.",
                                                            "example": None})
    decided_by = fields.String(allow_none=True, metadata={
        "description": "`keeper` (the listing's owners or editors) or `admin` (c800); null "
                       "while pending. Never a person.", "example": None})
    reason = fields.String(allow_none=True, metadata={"description": "What the decider said.",
                                                      "example": None})
    version = fields.Integer(allow_none=True, metadata={
        "description": "The listing's version it became (action `community:<what>`), if accepted. "
                       "A number or address an owner accepted is shown on the listing but waits "
                       "for c800 before lookup vouches for it.", "example": None})


SuggestedEditListSchema = page_of("SuggestedEditList", SuggestedEditSchema, "Suggestions.")


class SuggestedEditQueueArgsSchema(Schema):
    status = fields.String(load_default=None, metadata={
        "description": f"Only suggestions in this state ({', '.join(SUGGESTION_STATUSES)}).",
        "example": "pending"})
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100), metadata={
        "description": "How many items a page holds, 1 to 100.", "example": 20})
    cursor = fields.String(load_default=None, validate=validate.Length(1, 200), metadata={
        "description": "Opaque position returned as `next`.", "example": "Y2xtXzE"})


class SuggestedEditDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS), metadata={
        "description": "`accept` (the change is made, as your edit, marked the community's) or "
                       "`reject`.", "example": "accept"})
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=4 * NOTE_LIMIT),
                           metadata={"description": f"What the proposer reads (at most {NOTE_LIMIT} "
                                     "characters).", "example": "已核实，谢谢。"})
