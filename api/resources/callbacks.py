"""Callback requests, one resource with two sides: a consumer asks a channel to call them back,
follows and cancels their requests (/v1/me/callbacks); the listing's keepers read the queue and
accept, complete or decline them (/v1/manage/.../callbacks). The use cases are
``directory.callbacks``'."""

from __future__ import annotations

from flask import g, url_for
from flask.views import MethodView

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.callbacks import callback_dump
from api.problems import invalid_input_detail
from api.resources.common import CONSUMERS, SERVICE
from api.schemas.callbacks import (
    CallbackCreateSchema,
    CallbackListSchema,
    CallbackMoveSchema,
    CallbackQueueArgsSchema,
    CallbackSchema,
)
from api.schemas.common import PageArgsSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.callbacks import (
    MAX_OPEN_CALLBACKS,
    answer_callback,
    ask_callback,
    callback_queue,
    cancel_callback,
    kept_callback,
    my_callback,
    my_callbacks,
)

blp = Blueprint("callbacks", __name__, url_prefix="/v1", tag=CONSUMERS)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
CHANNEL = path_parameter("channel_id", "Opaque id of the channel.", "ch_5dd08e23240d7f37")
CALLBACK = path_parameter("callback_id", "Opaque id of the callback request.", "cbk_4e5f6a7b8c9d0e1f")
INVALID = "The body is not valid; nothing was changed."


def keepers_url(callback_id: str) -> str:
    """Where the listing's keepers read a callback request (a webhook tells them)."""
    return url_for("callbacks.CallbackHandle", callback_id=callback_id)


# --- the consumer's side ---------------------------------------------------------------------

@blp.route("/channels/<string:channel_id>/callbacks", parameters=[CHANNEL])
class Callbacks(MethodView):
    @blp.response(201, CallbackSchema, headers={**RATE_LIMIT_HEADERS, "Location": {
        "description": "The request's URL.", "schema": {"type": "string"},
        "example": "/v1/me/callbacks/cbk_4e5f6a7b8c9d0e1f"}})
    @blp.doc(**json_body_doc(CallbackCreateSchema, {
        "phone": "138 0013 8000", "window_start": "2026-12-02T14:00:00+08:00",
        "window_end": "2026-12-02T16:00:00+08:00", "topic": "信用卡账单疑问"}))
    @protected_doc(blp, idempotent=True, not_found="No listed channel has this id.",
                   conflict="The channel takes no callback requests, you have an open one on it, "
                            f"or you have {MAX_OPEN_CALLBACKS} open already (on any channels).")
    @require_scope("me")
    @idempotent
    def post(self, channel_id: str):
        """Ask to be called back

        On a channel whose enterprise takes callback requests (`accepts_callbacks`): a call
        back within your time window. Follow it at GET /v1/me/callbacks/{callback_id}. At most
        3 of your requests are open at once (409), and you make at most 5 in any 24 hours,
        cancelled ones included: a sixth is a 429 whose `Retry-After` says when the oldest of
        them is a day old.
        """
        body = load_body(CallbackCreateSchema)
        callback = ask_callback(db_session(), g.current_user, channel_id, **body, read_at=keepers_url)
        response = no_store(CallbackSchema().dump(callback_dump(callback)), 201)
        response.headers["Location"] = url_for("callbacks.MyCallback", callback_id=callback.id)
        return response


@blp.route("/me/callbacks")
class MyCallbacks(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CallbackListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Your callback requests

        Newest first, with their status.
        """
        return listing_answer(my_callbacks(g.current_user), args, callback_dump, CallbackListSchema)


@blp.route("/me/callbacks/<string:callback_id>", parameters=[CALLBACK])
class MyCallback(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, CallbackSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="You have no callback request with this id.")
    @require_scope("me")
    def get(self, _args, callback_id: str):
        """One of your callback requests

        Its status (`requested`, `accepted`, ... `expired`) and the enterprise's note.
        """
        callback = my_callback(db_session(), g.current_user, callback_id)
        return no_store(CallbackSchema().dump(callback_dump(callback)))


@blp.route("/me/callbacks/<string:callback_id>/cancel", parameters=[CALLBACK])
class MyCallbackCancel(MethodView):
    @blp.response(200, CallbackSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, idempotent=True, not_found="You have no callback request with this id.",
                   conflict="The request is over already (completed, declined, cancelled or expired).")
    @require_scope("me")
    @idempotent
    def post(self, callback_id: str):
        """Cancel a callback request

        While it is requested or accepted; your number is erased.
        """
        callback = cancel_callback(db_session(), g.current_user, callback_id, keepers_url)
        return no_store(CallbackSchema().dump(callback_dump(callback)))


# --- the enterprise's side -------------------------------------------------------------------

@blp.route("/manage/enterprises/<string:enterprise_id>/callbacks", parameters=[ENTERPRISE],
           tags=[SERVICE.name])
class CallbackQueue(MethodView):
    @blp.arguments(CallbackQueueArgsSchema, location="query")
    @blp.response(200, CallbackListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, args, enterprise_id: str):
        """Callback requests to your listing

        Newest first, by state (all by default), with the numbers to call while open.
        """
        listing = callback_queue(db_session(), g.current_user, enterprise_id, args["status"])
        return listing_answer(listing, args, callback_dump, CallbackListSchema)


@blp.route("/manage/callbacks/<string:callback_id>", parameters=[CALLBACK], tags=[SERVICE.name])
class CallbackHandle(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, CallbackSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No callback request to a listing you keep has this id.")
    @require_scope("listings:write")
    def get(self, _args, callback_id: str):
        """A callback request to your listing

        With the number to call while it is open (webhooks give only its id and this URL).
        """
        callback = kept_callback(db_session(), g.current_user, callback_id)
        return no_store(CallbackSchema().dump(callback_dump(callback)))

    @blp.response(200, CallbackSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(CallbackMoveSchema, {"status": "accepted", "note": "我们将在 15:00 前致电。"}))
    @protected_doc(blp, not_found="No callback request to a listing you keep has this id.",
                   conflict="The request cannot move to this state from where it is.")
    @require_scope("listings:write")
    @invalid_input_detail(INVALID)
    def patch(self, callback_id: str):
        """Accept, complete or decline a callback request

        requested → accepted or declined; accepted → completed or declined. The consumer sees
        the status and your note, and is notified; their number is erased once the request is
        over.
        """
        body = load_body(CallbackMoveSchema)
        callback = answer_callback(db_session(), g.current_user, callback_id, **body)
        return no_store(CallbackSchema().dump(callback_dump(callback)))
