"""The schemas of tips: the keys that reach a person on a phone channel, the best time, a few
words, and what other accounts said of them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import StrictBoolean, page_of
from directory.crowd_rules import MAX_STEP_LENGTH, MAX_STEPS
from directory.tips import BEST_TIME_LIMIT, REPORT_REASONS, TEXT_LIMIT

KEYS_DESCRIPTION = (f"The key presses that reach a person, one step per menu prompt: 1 to "
                    f"{MAX_STEPS} steps of 1 to {MAX_STEP_LENGTH} keys of 0-9, * and #. The "
                    "pause between steps is the dialler's (`tel:95588,,2,,1`).")
NO_CONTACTS = ("Numbers of 5 or more digits (full-width and Chinese numerals included), links, "
               "domain names, e-mail addresses and @handles are refused: a tip cannot carry "
               "another way to reach anyone.")


class TipCreateSchema(Schema):
    keys = fields.List(fields.String(validate=validate.Length(1, MAX_STEP_LENGTH)), required=True,
                       validate=validate.Length(1, MAX_STEPS), metadata={
                           "description": KEYS_DESCRIPTION, "example": ["2", "1", "0"]})
    best_time = fields.String(allow_none=True, load_default=None,
                              validate=validate.Length(max=4 * BEST_TIME_LIMIT), metadata={
        "description": f"When it works best, in words (at most {BEST_TIME_LIMIT} characters, "
                       f"trimmed). {NO_CONTACTS}", "example": "工作日上午9点前"})
    text = fields.String(allow_none=True, load_default=None,
                         validate=validate.Length(max=4 * TEXT_LIMIT), metadata={
        "description": f"A few words (at most {TEXT_LIMIT} characters, trimmed). {NO_CONTACTS}",
        "example": "听到语音提示后直接按0，不用输入卡号。"})


class TipSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id of the tip.", "example": "tip_1a2b3c4d5e6f7a8b"})
    channel_id = fields.String(metadata={"description": "The phone channel.",
                                         "example": "ch_5dd08e23240d7f37"})
    enterprise_id = fields.String(metadata={"description": "Its enterprise.", "example": "ent_9f7532f6acdd"})
    keys = fields.List(fields.String(), metadata={"description": KEYS_DESCRIPTION,
                                                  "example": ["2", "1", "0"]})
    best_time = fields.String(allow_none=True, metadata={
        "description": "When it works best, in the author's words; null when not said.",
        "example": "工作日上午9点前"})
    text = fields.String(allow_none=True, metadata={
        "description": "The author's words (a consumer's, not the enterprise's nor c800's); "
                       "null when none.", "example": "听到语音提示后直接按0，不用输入卡号。"})
    created_at = fields.DateTime(metadata={"description": "When it was written.",
                                           "example": "2026-12-02T01:30:00+00:00"})
    worked = fields.Integer(metadata={"description": "How many accounts said it worked.", "example": 5})
    failed = fields.Integer(metadata={"description": "How many accounts said it did not.", "example": 1})
    confidence = fields.Float(metadata={
        "description": "The lower bound of the 95 % Wilson interval of the share that said it "
                       "worked (accounts younger than 7 days weigh a quarter): what tips are "
                       "ranked by, 0 to 1.", "example": 0.436})
    confirmed = fields.Boolean(metadata={
        "description": "Whether enough accounts confirmed it: at least 4 distinct accounts said "
                       "it worked and `confidence` is at least 0.5. The most trusted confirmed "
                       "tip becomes the channel's `to_person` (source `community`) unless the "
                       "channel's source or its enterprise gave one.", "example": False})
    hidden = fields.Boolean(metadata={
        "description": "Hidden (only its author and the listing's keepers see it): reported by "
                       "3 accounts, or hidden by the listing's keepers or c800.", "example": False})
    source = fields.String(metadata={"description": "Always `community`: a consumer's word.",
                                     "example": "community"})


TipListSchema = page_of("TipList", TipSchema, "Tips, most trusted first (by `confidence`).")
MyTipListSchema = page_of("MyTipList", TipSchema, "Your tips, newest first, hidden ones too.")


class VoteSchema(Schema):
    worked = StrictBoolean(required=True, metadata={
        "description": "Whether the keys reached a person for you.", "example": True})


class TipReportSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(REPORT_REASONS), metadata={
        "description": "`wrong` (does not reach a person), `scam`, `offensive` or `other`.",
        "example": "scam"})


class TipReportAnswerSchema(Schema):
    tip_id = fields.String(metadata={"description": "The tip.", "example": "tip_1a2b3c4d5e6f7a8b"})
    hidden = fields.Boolean(metadata={
        "description": "Whether the tip is hidden now (3 distinct accounts reported it).",
        "example": False})


class ModerationSchema(Schema):
    hidden = StrictBoolean(required=True, metadata={
        "description": "true hides the tip; false shows it again (reports made before do not "
                       "hide it again; only c800 shows again what c800 hid).", "example": True})
