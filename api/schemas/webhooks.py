"""The schemas of webhooks: registration, the webhook as shown, its delivery log, and the payload
every delivery carries (`WebhookPayload`)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import page_of
from directory.claims import REPORT_STATUSES, REPORT_TOPICS
from directory.contacts import CALLBACK_STATUSES
from directory.links import PLATFORMS
from directory.webhooks import EVENTS

# What a webhook is sent: ids, states, enumerated topics, instants and a URL to read more at,
# never text a consumer wrote (the delivery log is kept 30 days, longer than what a consumer
# shared). Every string is an id, a code, a path or one of a list, so that no free text fits.
OPAQUE_ID = validate.Regexp(r"^[a-z]{2,4}_[0-9A-Za-z]{1,28}$", error="An opaque id.")


EVENT_STATUSES = (*CALLBACK_STATUSES, "expired", *REPORT_STATUSES)


class SentDateTime(fields.DateTime):
    """An RFC 3339 instant as a payload holds it (already text once sent) or as a datetime."""

    def _serialize(self, value, attr, obj, **kwargs):  # noqa: ANN001, ANN003, ANN202
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


class WebhookEventDataSchema(Schema):
    id = fields.String(validate=OPAQUE_ID, metadata={
        "description": "`callback.*`: the callback request; `report.filed`: the report.",
        "example": "cbk_4e5f6a7b8c9d0e1f"})
    handoff_id = fields.String(validate=OPAQUE_ID, metadata={
        "description": "`handoff.created`: the contact with a handoff.", "example": "ctc_6a7b8c9d0e1f2a3b"})
    channel_id = fields.String(allow_none=True, validate=OPAQUE_ID, metadata={
        "description": "The channel concerned (null for a report on the whole listing).",
        "example": "ch_5dd08e23240d7f37"})
    status = fields.String(validate=validate.OneOf(EVENT_STATUSES), metadata={
        "description": "`callback.*`: the request's status; `report.filed`: the report's.",
        "example": "requested"})
    topic = fields.String(validate=validate.OneOf(REPORT_TOPICS), metadata={
        "description": "`report.filed`: what is said to be wrong, one of "
                       + ", ".join(f"`{t}`" for t in REPORT_TOPICS) + " (the reporter's words "
                       "are for the c800 team only).", "example": "wrong_number"})
    code = fields.String(validate=validate.Regexp(r"^[0-9A-Z]{4}-[0-9A-Z]{4}$"), metadata={
        "description": "`handoff.created`: the short code the consumer may read out.",
        "example": "K7Q4-XPM2"})
    platform = fields.String(validate=validate.OneOf(PLATFORMS), metadata={
        "description": "`handoff.created`: the consumer's platform.", "example": "ios"})
    window_start = SentDateTime(metadata={"description": "`callback.*`: window start.",
                                             "example": "2026-12-02T06:00:00+00:00"})
    window_end = SentDateTime(metadata={"description": "`callback.*`: window end.",
                                           "example": "2026-12-02T08:00:00+00:00"})
    created_at = SentDateTime(metadata={"description": "`handoff.created`, `report.filed`: "
                                           "when.", "example": "2026-12-02T09:30:00+00:00"})
    expires_at = SentDateTime(metadata={"description": "`handoff.created`: when the handoff "
                                           "is erased.", "example": "2026-12-03T09:30:00+00:00"})
    url = fields.String(validate=validate.Regexp(r"^/v1/[A-Za-z0-9_/-]+$"), metadata={
        "description": "Where the listing's keepers read more (with a `listings:write` token): "
                       "the callback request, the handoff, or the listing a report is about.",
        "example": "/v1/manage/callbacks/cbk_4e5f6a7b8c9d0e1f"})


class WebhookPayloadSchema(Schema):
    id = fields.String(validate=OPAQUE_ID, metadata={
        "description": "The delivery id (also `C800-Delivery`, the same on every retry).",
        "example": "dlv_0a1b2c3d4e5f6a7b"})
    event = fields.String(validate=validate.OneOf(EVENTS), metadata={
        "description": "What happened (also `C800-Event`).", "example": "callback.requested"})
    created_at = SentDateTime(metadata={"description": "When it happened.",
                                           "example": "2026-12-02T09:30:00+00:00"})
    enterprise_id = fields.String(validate=OPAQUE_ID, metadata={
        "description": "The listing.", "example": "ent_9f7532f6acdd"})
    data = fields.Nested(WebhookEventDataSchema, metadata={
        "description": "What the event is about: ids, states and where to read more, never "
                       "what a consumer wrote. `callback.*`: id, channel_id, status, "
                       "window_start, window_end, url; `handoff.created`: handoff_id, "
                       "channel_id, code, platform, created_at, expires_at, url; "
                       "`report.filed`: id, channel_id, topic, status, created_at, url.",
        "example": {"id": "cbk_4e5f6a7b8c9d0e1f", "channel_id": "ch_5dd08e23240d7f37",
                    "status": "requested", "window_start": "2026-12-02T06:00:00+00:00",
                    "window_end": "2026-12-02T08:00:00+00:00",
                    "url": "/v1/manage/callbacks/cbk_4e5f6a7b8c9d0e1f"}})


class WebhookCreateSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(9, 2048), metadata={
        "description": "Where to POST events: https only, a host name whose addresses are all "
                       "public (no loopback, private, link-local, reserved, IPv4-embedding "
                       "(NAT64, 6to4, Teredo) or deprecated receivers). Events (the "
                       "`WebhookPayload` schema) say what happened and where to read it "
                       "(`data.url`), never what a consumer wrote.",
        "example": "https://hooks.example.com/c800"})
    events = fields.List(fields.String(validate=validate.OneOf(EVENTS)), load_default=list(EVENTS),
                         validate=validate.Length(1, len(EVENTS)), metadata={
        "description": "Which events: " + ", ".join(f"`{e}`" for e in EVENTS) + " (default all).",
        "example": ["callback.requested", "handoff.created"]})


class WebhookSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id.", "example": "whk_8c9d0e1f2a3b4c5d"})
    enterprise_id = fields.String(metadata={"description": "Your enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    url = fields.String(metadata={"description": "The receiver.", "example": "https://hooks.example.com/c800"})
    events = fields.List(fields.String(), metadata={"description": "The events it receives.",
                                                    "example": ["callback.requested"]})
    active = fields.Boolean(metadata={"description": "Whether it receives events.", "example": True})
    created_at = fields.DateTime(metadata={"description": "When it was registered.",
                                           "example": "2026-12-02T09:00:00+00:00"})


class NewWebhookSchema(WebhookSchema):
    secret = fields.String(metadata={
        "description": "The signing secret, shown only now. Each delivery carries "
                       "`C800-Signature: t=<unix time>,v1=<hex>` where hex is HMAC-SHA256 of "
                       "`<unix time>.<body>` under this secret; also `C800-Event` and "
                       "`C800-Delivery` (the same id on every retry).",
        "example": "whsec_Jq2v0c7YtW3mXb9Rk5ZsLp8nHd4Ge1Ua6fTo"})


WebhookListSchema = page_of("WebhookList", WebhookSchema, "Webhooks, newest first.")


class DeliverySchema(Schema):
    id = fields.String(metadata={"description": "Delivery id (`C800-Delivery`).",
                                 "example": "dlv_0a1b2c3d4e5f6a7b"})
    event = fields.String(metadata={"description": "The event.", "example": "callback.requested"})
    status = fields.String(metadata={"description": "`pending` (due or retrying), `delivered` "
                                     "or `failed` (retries exhausted).", "example": "delivered"})
    attempts = fields.Integer(metadata={"description": "Attempts so far.", "example": 1})
    last_status_code = fields.Integer(allow_none=True, metadata={
        "description": "HTTP status of the last attempt; null when none came back.", "example": 200})
    last_error = fields.String(allow_none=True, metadata={"description": "Why the last attempt "
                                                          "failed.", "example": None})
    next_attempt_at = fields.DateTime(allow_none=True, metadata={
        "description": "When it is tried next; null when done.", "example": None})
    created_at = fields.DateTime(metadata={"description": "When the event happened.",
                                           "example": "2026-12-02T09:30:00+00:00"})
    delivered_at = fields.DateTime(allow_none=True, metadata={"description": "When it was "
                                                              "delivered.", "example": None})
    payload = fields.Nested(WebhookPayloadSchema, metadata={
        "description": "The JSON body sent.", "example": {
            "id": "dlv_0a1b2c3d4e5f6a7b", "event": "callback.requested",
            "enterprise_id": "ent_9f7532f6acdd", "created_at": "2026-12-02T09:30:00+00:00",
            "data": {"id": "cbk_4e5f6a7b8c9d0e1f", "channel_id": "ch_5dd08e23240d7f37",
                     "status": "requested", "window_start": "2026-12-02T06:00:00+00:00",
                     "window_end": "2026-12-02T08:00:00+00:00",
                     "url": "/v1/manage/callbacks/cbk_4e5f6a7b8c9d0e1f"}}})


DeliveryListSchema = page_of("DeliveryList", DeliverySchema, "Deliveries, newest first.")
