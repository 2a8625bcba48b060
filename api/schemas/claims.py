"""The schemas of claims: a claim of a listing, a page of them, and an administrator's
decision."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import line, text
from directory.claims import CLAIM_METHODS


class ClaimCreateSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(CLAIM_METHODS), metadata={
        "description": "`email`: we mail a link to `email`, which must be at the listing's own "
                       "domain; `admin`: the c800 team decides.", "example": "email"})
    email = fields.String(allow_none=True, load_default=None, validate=line(254), metadata={
        "description": "One plain address (`local@domain`, no name, brackets, list or comment) "
                       "exactly at one of the listing's own registrable domains (method email); "
                       "the link goes to this address alone.",
        "example": "service@icbc.com.cn"})
    note = fields.String(allow_none=True, load_default=None, validate=text(2000), metadata={
        "description": "Anything that helps the team decide (1-2000 characters).",
        "example": "我是工行客服中心的运营负责人。"})


class ClaimSchema(Schema):
    id = fields.String(metadata={"description": "Opaque claim id.", "example": "clm_5e6f7a8b9c0d1e2f"})
    enterprise_id = fields.String(metadata={"description": "The listing claimed.",
                                            "example": "ent_9f7532f6acdd"})
    user_id = fields.String(metadata={"description": "Who claims it.", "example": "usr_0f3c9a7e1b2d4c5a"})
    method = fields.String(metadata={"description": "`email` or `admin`.", "example": "email"})
    email = fields.String(allow_none=True, metadata={"description": "Where the link was mailed.",
                                                     "example": "service@icbc.com.cn"})
    status = fields.String(metadata={"description": "`pending`, `verified` (by the link), "
                                     "`approved` or `rejected` (by an administrator).",
                                     "example": "pending"})
    note = fields.String(allow_none=True, metadata={"description": "The claimant's or the "
                                                    "team's note.", "example": None})
    created_at = fields.DateTime(metadata={"description": "When it was made.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    decided_at = fields.DateTime(allow_none=True, metadata={"description": "When it was decided.",
                                                            "example": None})


class ClaimListSchema(Schema):
    items = fields.List(fields.Nested(ClaimSchema), metadata={"description": "Claims, oldest first.",
                                                              "example": []})
    next = fields.String(allow_none=True, metadata={"description": "URL of the next page.",
                                                    "example": None})


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")), metadata={
        "description": "`approve` (the claimant becomes an owner) or `reject`.", "example": "approve"})
    note = fields.String(allow_none=True, load_default=None, validate=text(2000), metadata={
        "description": "Why (shown to the claimant).", "example": "营业执照已核实。"})
