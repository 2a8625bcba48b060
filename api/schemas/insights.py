"""The schemas of insights: the period asked for and the counts per channel and day."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from directory.insights import MAX_INSIGHT_DAYS
from directory.instants import Day


class InsightArgsSchema(Schema):
    start = Day(data_key="from", load_default=None, metadata={
        "description": "First day (YYYY-MM-DD, Asia/Shanghai unless the channel's hours say "
                       "otherwise), within 10 years of today; default 29 days before `to`.",
        "example": "2026-11-03"})
    end = Day(data_key="to", load_default=None, metadata={
        "description": "Last day, within 10 years of today; default today. At most 92 days "
                       "from `from`.",
        "example": "2026-12-02"})

    @validates_schema
    def _span(self, data: dict, **_: object) -> None:
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError("`from` is after `to`.", field_name="from")
        if start and end and (end - start).days >= MAX_INSIGHT_DAYS:
            raise ValidationError(f"At most {MAX_INSIGHT_DAYS} days.", field_name="to")


class InsightDaySchema(Schema):
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    kind = fields.String(metadata={"description": "Its kind.", "example": "phone"})
    day = fields.Date(metadata={"description": "The day.", "example": "2026-12-02"})
    opens = fields.Integer(metadata={"description": "Contacts started from the app "
                                     "(POST .../contacts).", "example": 31})
    handoffs = fields.Integer(metadata={"description": "Of them, with context handed over.",
                                        "example": 31})
    experiences = fields.Integer(metadata={"description": "Reports of how a contact went.",
                                           "example": 9})
    reached_person = fields.Integer(metadata={"description": "Reports that reached a person.",
                                              "example": 7})
    resolved = fields.Integer(metadata={"description": "Reports that say it was resolved.",
                                        "example": 5})
    callbacks = fields.Integer(metadata={"description": "Callback requests.", "example": 2})


class InsightsSchema(Schema):
    enterprise_id = fields.String(metadata={"description": "Your enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    start = fields.Date(data_key="from", metadata={"description": "First day.", "example": "2026-11-03"})
    end = fields.Date(data_key="to", metadata={"description": "Last day.", "example": "2026-12-02"})
    items = fields.List(fields.Nested(InsightDaySchema), metadata={
        "description": "Counts per channel and day, days with activity only, by day. "
                       "Aggregated counts only: no person and no single report is shown.",
        "example": []})
    totals = fields.Dict(metadata={"description": "The counts summed over the period.",
                                   "example": {"opens": 31, "handoffs": 31, "experiences": 9,
                                               "reached_person": 7, "resolved": 5, "callbacks": 2}})
