"""Notifications: a person's inbox (/v1/me/notifications) and its read marks. The use cases are
``directory.notifications``'; pushing them to devices is ``directory.push``'s."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from api.http import preferred_language
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.notifications import notification_dump
from api.resources.common import CONSUMERS
from api.schemas.notifications import (
    NotificationArgsSchema,
    NotificationListSchema,
    ReadMarksSchema,
    UnreadSchema,
)
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema
from api.state import db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.notifications import mark_read, my_notifications, unread_count

blp = Blueprint("notifications", __name__, url_prefix="/v1", tag=CONSUMERS)


@blp.route("/me/notifications")
class Notifications(MethodView):
    @blp.arguments(NotificationArgsSchema, location="query")
    @blp.response(200, NotificationListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Your notifications

        Newest first, kept 30 days: notices of enterprises you follow, answers to your callback
        requests, and followed enterprises' channels opening, closing or failing — the same
        ones pushed to your devices (`PUT /v1/me/devices/{device_id}`), in the language of
        `Accept-Language`. `unread=true` for those not marked read.
        """
        language = preferred_language()
        return listing_answer(my_notifications(g.current_user, args["unread"]), args,
                              lambda row: notification_dump(*row, language), NotificationListSchema)


@blp.route("/me/notifications/unread")
class Unread(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, UnreadSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, _args):
        """How many are unread

        The count of your notifications not marked read, for a badge.
        """
        return no_store({"unread": unread_count(db_session(), g.current_user)})


@blp.route("/me/notifications/read")
class ReadMarks(MethodView):
    @blp.response(200, UnreadSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(ReadMarksSchema, {"up_to": "ntf_3a4b5c6d7e8f9a0b"}))
    @protected_doc(blp, not_found="`up_to` is not one of your notifications.")
    @require_scope("me")
    def post(self):
        """Mark notifications read

        `ids` marks those; `up_to` marks that one and every older one. Marking again changes
        nothing. Answers how many are still unread.
        """
        body = load_body(ReadMarksSchema)
        return no_store({"unread": mark_read(db_session(), g.current_user, body.get("ids"),
                                             body.get("up_to"))})
