"""The arguments of the administrators' queues (claims to decide, reports to handle)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class QueueArgsSchema(Schema):
    status = fields.String(load_default=None, metadata={
        "description": "Only items in this state (claims: pending, verified, approved, rejected; "
                       "reports: open, resolved, dismissed).", "example": "pending"})
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100), metadata={
        "description": "How many items a page holds, 1 to 100.", "example": 20})
    cursor = fields.String(load_default=None, validate=validate.Length(1, 200), metadata={
        "description": "Opaque position returned as `next`.", "example": "Y2xtXzE"})
