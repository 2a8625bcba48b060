"""The schemas of the API clients a person registers themselves (``/v1/me/clients``)."""

from __future__ import annotations

from marshmallow import Schema, fields

from directory.client_registry import MAX_CLIENTS_PER_PERSON

CLIENT_ID = "cl_3f9a0c2e5b7d41a8"
USAGE_EXAMPLE = {"day": "2026-12-07", "requests_today": 1342, "limit": "1200/minute"}
CLIENT_EXAMPLE = {
    "client_id": CLIENT_ID, "name": "Alpha 数据看板", "scope": "directory:read",
    "grant_types": ["client_credentials"], "token_endpoint": "http://127.0.0.1:8000/oauth/token",
    "created_at": "2026-12-07T04:30:00+00:00", "previous_secret_until": None, "usage": USAGE_EXAMPLE,
}
SECRET_EXAMPLE = "k3J9yq0Vb6m1TzY8wQe5hX2cR7uN4pLs0aD1fG6jH9o"


class ClientCreateSchema(Schema):
    name = fields.String(required=True, metadata={
        "description": "What you call the client (3 to 60 letters, digits, spaces and "
                       "`- _ . , & ' ( )`, letters of one script; never `c800`, `official`, "
                       "`官方` or the like, however written).", "example": "Alpha 数据看板"})


class UsageSchema(Schema):
    day = fields.Date(metadata={"description": "The UTC day counted.", "example": "2026-12-07"})
    requests_today = fields.Integer(metadata={
        "description": "Requests to /v1 made with the client's tokens this UTC day so far.",
        "example": 1342})
    limit = fields.String(metadata={
        "description": "The client's rate limit (`RATE_LIMIT_CLIENT`, e.g. `1200/minute`): "
                       "past it the API answers 429 with `Retry-After`.", "example": "1200/minute"})


class ClientSchema(Schema):
    client_id = fields.String(metadata={"description": "The client's id (HTTP Basic user name "
                                        "at the token endpoint).", "example": CLIENT_ID})
    name = fields.String(metadata={"description": "Its name.", "example": "Alpha 数据看板"})
    scope = fields.String(metadata={
        "description": "Scopes it may ask for, space-separated: `directory:read` unless a c800 "
                       "administrator granted more.", "example": "directory:read"})
    grant_types = fields.List(fields.String(), metadata={
        "description": "Always `client_credentials`.", "example": ["client_credentials"]})
    token_endpoint = fields.String(metadata={
        "description": "Where it gets tokens: POST `grant_type=client_credentials` with HTTP "
                       "Basic (client_id, secret).", "example": "http://127.0.0.1:8000/oauth/token"})
    created_at = fields.DateTime(metadata={"description": "When it was registered.",
                                           "example": "2026-12-07T04:30:00+00:00"})
    previous_secret_until = fields.DateTime(allow_none=True, metadata={
        "description": "After a rotation: until when the secret before the current one still "
                       "works (24 hours after the rotation); null otherwise.",
        "example": "2026-12-08T04:30:00+00:00"})
    usage = fields.Nested(UsageSchema, metadata={"description": "Its requests today and its "
                                                 "limit.", "example": USAGE_EXAMPLE})


class NewClientSchema(ClientSchema):
    client_secret = fields.String(metadata={
        "description": "The secret, shown on this answer only (c800 keeps only its digest): "
                       "store it now.", "example": SECRET_EXAMPLE})


class ClientListSchema(Schema):
    items = fields.List(fields.Nested(ClientSchema), metadata={
        "description": "Your clients, oldest first.", "example": [CLIENT_EXAMPLE]})
    max_clients = fields.Integer(metadata={
        "description": "How many clients one person may have.", "example": MAX_CLIENTS_PER_PERSON})
