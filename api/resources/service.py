"""Enterprises serving consumers: live status of channels, handoffs, callback requests,
webhooks, and insight into how people reach them. Owners and editors, scope ``listings:write``.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import g, make_response, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import page_answer
from api.problems import invalid_input_detail
from api.resources.common import PageArgsSchema, StrictInteger, line, page_of, text
from api.resources.consumers import (
    CallbackListSchema,
    CallbackSchema,
    callback_dump,
)
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import app_state, db_session
from api.writes import (
    kept_by_you,
    kept_listing,
    load_body,
    no_store,
    protected_doc,
    status_arg,
)
from directory.accounts import memberships_of
from directory.channel_time import channel_zone
from directory.claims import REPORT_STATUSES, REPORT_TOPICS
from directory.contacts import (
    CALLBACK_STATUSES,
    INSIGHT_COUNTS,
    CallbackRequest,
    find_handoff,
    insights,
    move_callback,
)
from directory.experiences import LIVE_STATES, LiveStatus, set_live_status
from directory.instants import Day, Instant
from directory.links import PLATFORMS
from directory.models import Channel, utcnow
from directory.pages import Key
from directory.webhooks import EVENTS, Webhook, WebhookDelivery, register_webhook

blp = Blueprint("service", __name__, url_prefix="/v1/manage",
                description="Serving consumers: live status, handoffs, callback requests and "
                            "insights (owners and editors), webhooks (owners).")

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
CHANNEL = path_parameter("channel_id", "Opaque id of the channel.", "ch_5dd08e23240d7f37")
CALLBACK = path_parameter("callback_id", "Opaque id of the callback request.", "cbk_4e5f6a7b8c9d0e1f")
WEBHOOK = path_parameter("webhook_id", "Opaque id of the webhook.", "whk_8c9d0e1f2a3b4c5d")
HANDOFF = path_parameter("token", "The handoff's token (`hof_...`, from the link) or its short "
                         "code (`K7Q4-XPM2`, read out by the consumer).", "K7Q4-XPM2")
MAX_INSIGHT_DAYS = 92
INVALID = "The body is not valid; nothing was changed."


def kept_channel(channel_id: str, *, write: bool = True) -> Channel:
    """A channel of a listing the signed-in user keeps; 404 / 403 / 409 otherwise."""
    session = db_session()
    channel = session.get(Channel, channel_id) if len(channel_id) <= 32 else None
    if channel is None:
        abort(404, message=f"No channel has the id {channel_id!r}.")
    kept_listing(session, channel.enterprise_id, write=write)
    return channel


# --- live status -----------------------------------------------------------------------------

class LiveStatusWriteSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(LIVE_STATES), metadata={
        "description": "`open`, `closed`, or `incident` (open but in trouble).", "example": "open"})
    wait_minutes = StrictInteger(allow_none=True, load_default=None,
                                  validate=validate.Range(0, 20160), metadata={
        "description": "Your estimate of the wait now, in minutes (0-480 on channels answered "
                       "at once); none for a closed channel.", "example": 12})
    message = fields.String(allow_none=True, load_default=None, validate=line(500), metadata={
        "description": "What consumers should know now (1-500 characters).",
        "example": "来电较多，建议使用在线客服。"})
    expires_at = Instant(required=True, metadata={
        "description": "Until when it holds (RFC 3339 with offset), at most 24 hours ahead; "
                       "after that the listing falls back to consumers' reports.",
        "example": "2026-12-02T20:00:00+08:00"})


class LiveStatusSchema(Schema):
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    state = fields.String(metadata={"description": "`open`, `closed` or `incident`.", "example": "open"})
    wait_minutes = fields.Integer(allow_none=True, metadata={"description": "Estimated wait.",
                                                             "example": 12})
    message = fields.String(allow_none=True, metadata={"description": "The message.",
                                                       "example": "来电较多，建议使用在线客服。"})
    expires_at = fields.DateTime(metadata={"description": "When it expires.",
                                           "example": "2026-12-02T12:00:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "When it was set.",
                                           "example": "2026-12-02T10:00:00+00:00"})
    fresh = fields.Boolean(metadata={"description": "Whether it holds now (shown on the listing).",
                                     "example": True})


def _live_dump(status: LiveStatus) -> dict:
    return {"channel_id": status.channel_id, "state": status.state,
            "wait_minutes": status.wait_minutes, "message": status.message,
            "expires_at": status.expires_at, "updated_at": status.updated_at,
            "fresh": status.fresh_at(utcnow())}


@blp.route("/channels/<string:channel_id>/status", parameters=[CHANNEL])
class ChannelLiveStatus(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, LiveStatusSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No such channel, or it has no live status.")
    @require_scope("listings:write")
    def get(self, _args, channel_id: str):
        """A channel's live status

        As last set, fresh or expired.
        """
        channel = kept_channel(channel_id, write=False)
        status = db_session().get(LiveStatus, channel.id)
        if status is None:
            abort(404, message="This channel has no live status.")
        return no_store(LiveStatusSchema().dump(_live_dump(status)))

    @blp.response(200, LiveStatusSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(requestBody={"required": True, "content": {"application/json": {
        "schema": LiveStatusWriteSchema,
        "example": {"state": "open", "wait_minutes": 12, "message": "来电较多，建议使用在线客服。",
                    "expires_at": "2026-12-02T20:00:00+08:00"}}}})
    @protected_doc(blp, not_found="No channel has this id.", conflict="The listing is suspended.")
    @require_scope("listings:write")
    @invalid_input_detail(INVALID)
    def put(self, channel_id: str):
        """Set a channel's live status

        Open / closed / incident, the wait now and a message, until `expires_at` (at most 24
        hours). While fresh it is shown on the listing and its wait beats consumers' reports.
        A PUT replaces the previous status; it is not a listing edit (no version, no If-Match).
        """
        channel = kept_channel(channel_id)
        body = load_body(LiveStatusWriteSchema)
        session = db_session()
        token = g.get("oauth_token")
        status = set_live_status(session, channel, state=body["state"],
                                 wait_minutes=body["wait_minutes"], message=body["message"],
                                 expires_at=body["expires_at"], actor=g.current_user.id,
                                 client_id=token.client_id if token is not None else None)
        session.commit()
        return no_store(LiveStatusSchema().dump(_live_dump(status)))

    @blp.response(204, description="No live status any more.", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No channel has this id.", conflict="The listing is suspended.")
    @require_scope("listings:write")
    def delete(self, channel_id: str):
        """Withdraw a channel's live status

        The listing falls back to consumers' reports at once.
        """
        channel = kept_channel(channel_id)
        session = db_session()
        status = session.get(LiveStatus, channel.id)
        if status is not None:
            session.delete(status)
            session.commit()
        return make_response("", 204)


# --- handoffs --------------------------------------------------------------------------------

class HandoffSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id of the contact.",
                                 "example": "ctc_6a7b8c9d0e1f2a3b"})
    enterprise_id = fields.String(metadata={"description": "Your enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    channel_id = fields.String(metadata={"description": "The channel the consumer opened.",
                                         "example": "ch_5dd08e23240d7f37"})
    topic = fields.String(metadata={"description": "What it is about, in their words.",
                                    "example": "航班取消改签"})
    details = fields.Dict(metadata={
        "description": "What else they chose to share (`message`, `reference`, `name`); "
                       "nothing else about them is given.", "example": {"reference": "CA1234-PNR-ABC123"}})
    platform = fields.String(metadata={"description": "Where they opened it from.", "example": "ios"})
    created_at = fields.DateTime(metadata={"description": "When.",
                                           "example": "2026-12-02T09:30:00+00:00"})
    expires_at = fields.DateTime(metadata={"description": "When it is erased.",
                                           "example": "2026-12-03T09:30:00+00:00"})
    first_read_at = fields.DateTime(allow_none=True, metadata={
        "description": "When one of your people first read it (before this read).", "example": None})


@blp.route("/handoffs/<string:token>", parameters=[HANDOFF])
class HandoffRead(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, HandoffSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No handoff of a listing you keep has this token or code.")
    @blp.alt_response(410, description="The handoff expired (24 hours) and was erased.")
    @require_scope("listings:write")
    def get(self, _args, token: str):
        """Read a handoff

        What the consumer chose to share before contacting you, so the agent need not ask
        again. Only the enterprise of the listing can read it, for 24 hours.
        """
        session = db_session()
        kept = {m.enterprise_id for m in memberships_of(session, g.current_user)}
        handoff = find_handoff(session, token, kept) if 4 <= len(token) <= 64 else None
        if handoff is None:
            abort(404, message="No handoff of a listing you keep has this token or code.")
        now = utcnow()
        if handoff.expired(now):
            abort(410, message="This handoff expired and was erased.")
        body = {name: getattr(handoff, name) for name in (
            "id", "enterprise_id", "channel_id", "topic", "platform", "created_at", "expires_at",
            "first_read_at")}
        body["details"] = handoff.details or {}
        if handoff.first_read_at is None:
            handoff.first_read_at = now
            session.commit()
        return no_store(HandoffSchema().dump(body))


# --- callback requests ----------------------------------------------------------------------

class CallbackQueueArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, metadata={
        "description": "Only requests in this state (requested, accepted, completed, declined, "
                       "cancelled).", "example": "requested"})


class CallbackMoveSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("accepted", "completed", "declined")),
                           metadata={
        "description": "`accepted` (you will call), then `completed`; or `declined`.",
        "example": "accepted"})
    note = fields.String(load_default=None, validate=text(2000), metadata={
        "description": "A note the consumer sees.", "example": "我们将在 15:00 前致电。"})


@blp.route("/enterprises/<string:enterprise_id>/callbacks", parameters=[ENTERPRISE])
class CallbackQueue(MethodView):
    @blp.arguments(CallbackQueueArgsSchema, location="query")
    @blp.response(200, CallbackListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, args, enterprise_id: str):
        """Callback requests to your listing

        Newest first, by state (all by default), with the numbers to call while open.
        """
        enterprise = kept_listing(db_session(), enterprise_id, write=False)
        status = status_arg(args, CALLBACK_STATUSES)
        query = select(CallbackRequest).where(CallbackRequest.enterprise_id == enterprise.id)
        if status:
            query = query.where(CallbackRequest.status == status)
        return page_answer(query, Key.newest_first(CallbackRequest.created_at, CallbackRequest.id), args,
                           callback_dump, CallbackListSchema)


@blp.route("/callbacks/<string:callback_id>", parameters=[CALLBACK])
class CallbackHandle(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, CallbackSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No callback request to a listing you keep has this id.")
    @require_scope("listings:write")
    def get(self, _args, callback_id: str):
        """A callback request to your listing

        With the number to call while it is open (webhooks give only its id and this URL).
        """
        return no_store(CallbackSchema().dump(callback_dump(
            kept_by_you(CallbackRequest, callback_id, "callback request", write=False))))

    @blp.response(200, CallbackSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(requestBody={"required": True, "content": {"application/json": {
        "schema": CallbackMoveSchema, "example": {"status": "accepted", "note": "我们将在 15:00 前致电。"}}}})
    @protected_doc(blp, not_found="No callback request to a listing you keep has this id.",
                   conflict="The request cannot move to this state from where it is.")
    @require_scope("listings:write")
    @invalid_input_detail(INVALID)
    def patch(self, callback_id: str):
        """Accept, complete or decline a callback request

        requested → accepted or declined; accepted → completed or declined. The consumer sees
        the status and your note; their number is erased once the request is over.
        """
        session = db_session()
        callback = kept_by_you(CallbackRequest, callback_id, "callback request")
        body = load_body(CallbackMoveSchema)
        move_callback(callback, body["status"], body["note"], by_consumer=False)
        session.commit()
        return no_store(CallbackSchema().dump(callback_dump(callback)))


# --- webhooks --------------------------------------------------------------------------------

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


def _webhook_dump(webhook: Webhook) -> dict:
    return {name: getattr(webhook, name) for name in ("id", "enterprise_id", "url", "events",
                                                      "active", "created_at")}


@blp.route("/enterprises/<string:enterprise_id>/webhooks", parameters=[ENTERPRISE])
class Webhooks(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, WebhookListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, args, enterprise_id: str):
        """Your webhooks

        Newest first; secrets are never shown again. Owners only: webhooks carry what happens
        on the listing to other systems, so editors neither see nor change them.
        """
        enterprise = kept_listing(db_session(), enterprise_id, write=False, owner=True)
        query = select(Webhook).where(Webhook.enterprise_id == enterprise.id)
        return page_answer(query, Key.newest_first(Webhook.created_at, Webhook.id), args, _webhook_dump,
                           WebhookListSchema)

    @blp.response(201, NewWebhookSchema, headers={**RATE_LIMIT_HEADERS, "Location": {
        "description": "The webhook's delivery log.", "schema": {"type": "string"},
        "example": "/v1/manage/webhooks/whk_8c9d0e1f2a3b4c5d/deliveries"}})
    @blp.doc(requestBody={"required": True, "content": {"application/json": {
        "schema": WebhookCreateSchema,
        "example": {"url": "https://hooks.example.com/c800", "events": ["callback.requested"]}}}})
    @protected_doc(blp, idempotent=True, conflict="The listing has 10 webhooks already, or is "
                   "suspended.")
    @require_scope("listings:write")
    @idempotent
    @invalid_input_detail(INVALID)
    def post(self, enterprise_id: str):
        """Register a webhook

        Callback requests, handoffs and reports of wrong information are POSTed to it as they
        happen, signed with HMAC-SHA256, retried with backoff (30 s, 2 min, 10 min, 1 h, 6 h)
        until a 2xx answer; the delivery log is readable for 30 days. Owners only.
        """
        session = db_session()
        enterprise = kept_listing(session, enterprise_id, owner=True)
        body = load_body(WebhookCreateSchema)
        settings = app_state().webhook_settings
        webhook = register_webhook(session, enterprise.id, body["url"], body["events"],
                                   g.current_user.id, allowed=settings.allowed,
                                   resolve=settings.resolve)
        session.commit()
        response = no_store(NewWebhookSchema().dump({**_webhook_dump(webhook),
                                                      "secret": webhook.secret}), 201)
        response.headers["Location"] = url_for("service.Deliveries", webhook_id=webhook.id)
        return response


def _kept_webhook(webhook_id: str, *, write: bool) -> Webhook:
    return kept_by_you(Webhook, webhook_id, "webhook", write=write, owner=True)


@blp.route("/webhooks/<string:webhook_id>", parameters=[WEBHOOK])
class WebhookOne(MethodView):
    @blp.response(204, description="Removed; nothing more is delivered to it.",
                  headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No webhook of a listing you keep has this id.")
    @require_scope("listings:write")
    def delete(self, webhook_id: str):
        """Remove a webhook

        Pending deliveries are dropped with it. Owners only.
        """
        webhook = _kept_webhook(webhook_id, write=False)
        session = db_session()
        session.delete(webhook)
        session.commit()
        return make_response("", 204)


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


@blp.route("/webhooks/<string:webhook_id>/deliveries", parameters=[WEBHOOK])
class Deliveries(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, DeliveryListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No webhook of a listing you keep has this id.")
    @require_scope("listings:write")
    def get(self, args, webhook_id: str):
        """A webhook's delivery log

        Every delivery of the last 30 days, newest first: attempts, last answer, next try.
        Owners only.
        """
        webhook = _kept_webhook(webhook_id, write=False)
        query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
        return page_answer(query, Key.newest_first(WebhookDelivery.created_at, WebhookDelivery.id), args,
                           lambda d: {name: getattr(d, name) for name in (
                               "id", "event", "status", "attempts", "last_status_code",
                               "last_error", "next_attempt_at", "created_at", "delivered_at",
                               "payload")}, DeliveryListSchema)


# --- insights --------------------------------------------------------------------------------

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


@blp.route("/enterprises/<string:enterprise_id>/insights", parameters=[ENTERPRISE])
class Insights(MethodView):
    @blp.arguments(InsightArgsSchema, location="query")
    @blp.response(200, InsightsSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, args, enterprise_id: str):
        """How people reach you

        Per channel and day: how many opened it from the app, with a handoff, reported how it
        went (reached a person, resolved) and asked for a call back. Counts only.
        """
        session = db_session()
        enterprise = kept_listing(session, enterprise_id, write=False)
        zone = channel_zone(enterprise.channels[0]) if enterprise.channels else None
        today = utcnow().astimezone(zone).date() if zone else date.today()
        end = args["end"] or today
        start = args["start"] or end - timedelta(days=29)
        if start > end or (end - start).days >= MAX_INSIGHT_DAYS:
            abort(422, message="The request's parameters are not valid.", errors={"query": {
                "from": [f"`from` is on or before `to`, at most {MAX_INSIGHT_DAYS} days apart."]}})
        kinds = {c.id: c.kind for c in enterprise.channels}
        rows = insights(session, enterprise.id, start, end)
        items = [{"channel_id": r.channel_id, "kind": kinds.get(r.channel_id), "day": r.day,
                  **{name: getattr(r, name) for name in INSIGHT_COUNTS}} for r in rows]
        totals = {name: sum(item[name] for item in items) for name in INSIGHT_COUNTS}
        return no_store(InsightsSchema().dump({"enterprise_id": enterprise.id, "start": start,
                                                "end": end, "items": items, "totals": totals}))
