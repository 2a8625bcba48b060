"""The schemas of a listing's history: its versions, who made each, and the listing after it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import NAMES_EXAMPLE


class VersionSchema(Schema):
    number = fields.Integer(metadata={"description": "The version number.", "example": 4})
    actor = fields.String(metadata={"description": "Who: a user id, `import`, or `admin:<id>`.",
                                    "example": "usr_0f3c9a7e1b2d4c5a"})
    client_id = fields.String(allow_none=True, metadata={"description": "The OAuth client used.",
                                                         "example": "cl_3f9a0c2e5b7d41a8"})
    action = fields.String(metadata={"description": "What kind of change (`update`, "
                                     "`add_channel`, `restore:2`, ...).", "example": "update"})
    changes = fields.List(fields.String(), metadata={
        "description": "What changed, as dotted field names.", "example": ["website"]})
    created_at = fields.DateTime(metadata={"description": "When.",
                                           "example": "2026-12-02T09:30:00+00:00"})
    listing = fields.Dict(metadata={"description": "The listing as it was after this change.",
                                    "example": {"names": NAMES_EXAMPLE, "channels": []}})


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(VersionSchema), metadata={
        "description": "Versions, newest first.", "example": []})
    next = fields.String(allow_none=True, metadata={"description": "URL of the next page.",
                                                    "example": None})


class VersionArgsSchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100), metadata={
        "description": "How many versions a page holds, 1 to 100.", "example": 20})
    cursor = fields.String(load_default=None, validate=validate.Length(1, 200), metadata={
        "description": "Opaque position returned as `next`.", "example": "NA"})
