"""The schemas of experiences: a consumer's report of how a contact went, and a channel's waits."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import StrictBoolean, StrictInteger, page_of
from directory.instants import Instant


class ExperienceCreateSchema(Schema):
    waited_minutes = StrictInteger(required=True, validate=validate.Range(0, 20160),
                                    metadata={
        "description": "How long you waited for an answer, in minutes: 0-480 on channels "
                       "answered at once (phone, chat, video, ...), 0-20160 (14 days) on mail, "
                       "SMS, web forms and social media.", "example": 12})
    reached_person = StrictBoolean(required=True, metadata={
        "description": "Whether you reached a person (not only a machine).", "example": True})
    resolved = StrictBoolean(allow_none=True, load_default=None, metadata={
        "description": "Whether your matter was resolved; null when you do not know yet.",
        "example": False})
    at = Instant(allow_none=True, load_default=None, metadata={
        "description": "When the contact began (RFC 3339 with offset), within the last 24 "
                       "hours; default now.", "example": "2026-12-02T09:30:00+08:00"})


class ExperienceSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id of your report.",
                                 "example": "exp_2b3c4d5e6f7a8b9c"})
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    enterprise_id = fields.String(metadata={"description": "Its enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    day = fields.Date(metadata={"description": "The day it counts for (the channel's time zone): "
                                "one report per channel and day.", "example": "2026-12-02"})
    hour_of_week = fields.Integer(metadata={"description": "0 (Monday 00:00) to 167 (Sunday "
                                            "23:00), the channel's time zone.", "example": 57})
    waited_minutes = fields.Integer(metadata={"description": "Minutes waited.", "example": 12})
    reached_person = fields.Boolean(metadata={"description": "Reached a person.", "example": True})
    resolved = fields.Boolean(allow_none=True, metadata={"description": "Resolved; null: unknown.",
                                                         "example": False})
    at = fields.DateTime(metadata={"description": "When the contact began.",
                                   "example": "2026-12-02T01:30:00+00:00"})
    counted = fields.Boolean(metadata={
        "description": "Whether it counts in the channel's public waits: one report per "
                       "account, channel and week (Monday to Sunday) does, the first; another "
                       "of that week takes its place if it is withdrawn.", "example": True})


ExperienceListSchema = page_of("ExperienceList", ExperienceSchema, "Your reports, newest first.")


class WaitSummarySchema(Schema):
    sample_size = fields.Integer(metadata={
        "description": "How many reports count (one per account, channel and week).",
        "example": 42})
    accounts = fields.Integer(metadata={"description": "How many distinct accounts they come from.",
                                        "example": 37})
    median_minutes = fields.Integer(allow_none=True, metadata={
        "description": "Median wait (nearest rank, weighted: reports of accounts younger than "
                       "7 days weigh a quarter); null without reports.", "example": 8})
    p90_minutes = fields.Integer(allow_none=True, metadata={
        "description": "90th-percentile wait (nearest rank, weighted); null without reports.",
        "example": 25})
    reached_person_share = fields.Float(allow_none=True, metadata={
        "description": "Share of reports that reached a person (0-1, weighted).", "example": 0.81})
    resolved_share = fields.Float(allow_none=True, metadata={
        "description": "Share resolved, of the reports that say (0-1, weighted).", "example": 0.6})
    small_sample = fields.Boolean(metadata={"description": "Fewer than 10 distinct accounts.",
                                            "example": False})


class HourSummarySchema(WaitSummarySchema):
    hour_of_week = fields.Integer(metadata={"description": "0 (Monday 00:00) to 167 (Sunday "
                                            "23:00) in `timezone`.", "example": 57})


class WaitsSchema(Schema):
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    enterprise_id = fields.String(metadata={"description": "Its enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    timezone = fields.String(metadata={"description": "The time zone of hours of week.",
                                       "example": "Asia/Shanghai"})
    overall = fields.Nested(WaitSummarySchema, metadata={
        "description": "All reports.", "example": {"sample_size": 42, "accounts": 37,
                                                   "median_minutes": 8,
                                                   "p90_minutes": 25, "reached_person_share": 0.81,
                                                   "resolved_share": 0.6, "small_sample": False}})
    by_hour_of_week = fields.List(fields.Nested(HourSummarySchema), metadata={
        "description": "Per hour of week that has reports, in order.", "example": []})
    live = fields.Raw(allow_none=True, metadata={
        "description": "The enterprise's live status while fresh (as on the listing).",
        "example": None})
    expected_wait = fields.Raw(metadata={
        "description": "What to expect at `at` (as on the listing: live beats reports).",
        "example": {"basis": "reported", "minutes": 8, "p90_minutes": 25, "sample_size": 42,
                    "small_sample": False, "hour_of_week": 57, "reached_person_share": 0.81}})


class WaitArgsSchema(Schema):
    at = Instant(load_default=None, metadata={
        "description": "The instant `expected_wait` is for (RFC 3339 with offset), within a "
                       "year of now; default now.", "example": "2026-12-02T09:30:00+08:00"})
