"""Webhooks of a listing and their delivery log, for its owners (editors neither see nor change
them). The use cases are ``directory.webhooks``'; sending is ``directory.webhook_delivery``'s."""

from __future__ import annotations

from flask import g, make_response, url_for
from flask.views import MethodView

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.webhooks import delivery_dump, new_webhook_dump, webhook_dump
from api.problems import invalid_input_detail
from api.resources.common import SERVICE
from api.schemas.common import PageArgsSchema
from api.schemas.webhooks import (
    DeliveryListSchema,
    NewWebhookSchema,
    WebhookCreateSchema,
    WebhookListSchema,
)
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter
from api.state import app_state, db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.webhooks import add_webhook, deliveries_of, remove_webhook, webhooks_of

blp = Blueprint("webhooks", __name__, url_prefix="/v1/manage", tag=SERVICE)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
WEBHOOK = path_parameter("webhook_id", "Opaque id of the webhook.", "whk_8c9d0e1f2a3b4c5d")
INVALID = "The body is not valid; nothing was changed."


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
        return listing_answer(webhooks_of(db_session(), g.current_user, enterprise_id), args,
                              webhook_dump, WebhookListSchema)

    @blp.response(201, NewWebhookSchema, headers={**RATE_LIMIT_HEADERS, "Location": {
        "description": "The webhook's delivery log.", "schema": {"type": "string"},
        "example": "/v1/manage/webhooks/whk_8c9d0e1f2a3b4c5d/deliveries"}})
    @blp.doc(**json_body_doc(WebhookCreateSchema, {"url": "https://hooks.example.com/c800",
                                                   "events": ["callback.requested"]}))
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
        body = load_body(WebhookCreateSchema)
        webhook = add_webhook(db_session(), g.current_user, enterprise_id, **body,
                              settings=app_state().webhook_settings)
        response = no_store(NewWebhookSchema().dump(new_webhook_dump(webhook)), 201)
        response.headers["Location"] = url_for("webhooks.Deliveries", webhook_id=webhook.id)
        return response


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
        remove_webhook(db_session(), g.current_user, webhook_id)
        return make_response("", 204)


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
        return listing_answer(deliveries_of(db_session(), g.current_user, webhook_id), args,
                              delivery_dump, DeliveryListSchema)
