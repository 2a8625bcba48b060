"""A channel's live status, as the listing's keepers read, set and withdraw it. The use cases
are ``directory.live_status``'."""

from __future__ import annotations

from flask import g, make_response
from flask.views import MethodView

from api.oauth.protect import require_scope
from api.presenters.live_status import live_dump
from api.problems import invalid_input_detail
from api.resources.common import SERVICE
from api.schemas.live_status import LiveStatusSchema, LiveStatusWriteSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import db_session
from api.writes import actor, json_body_doc, load_body, no_store, protected_doc
from directory.live_status import live_status_of, put_live_status, withdraw_live_status

blp = Blueprint("live_status", __name__, url_prefix="/v1/manage", tag=SERVICE)

CHANNEL = path_parameter("channel_id", "Opaque id of the channel.", "ch_5dd08e23240d7f37")
INVALID = "The body is not valid; nothing was changed."


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
        status = live_status_of(db_session(), g.current_user, channel_id)
        return no_store(LiveStatusSchema().dump(live_dump(status)))

    @blp.response(200, LiveStatusSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(LiveStatusWriteSchema, {
        "state": "open", "wait_minutes": 12, "message": "来电较多，建议使用在线客服。",
        "expires_at": "2026-12-02T20:00:00+08:00"}))
    @protected_doc(blp, not_found="No channel has this id.", conflict="The listing is suspended.")
    @require_scope("listings:write")
    @invalid_input_detail(INVALID)
    def put(self, channel_id: str):
        """Set a channel's live status

        Open / closed / incident, the wait now and a message, until `expires_at` (at most 24
        hours). While fresh it is shown on the listing and its wait beats consumers' reports.
        A PUT replaces the previous status; it is not a listing edit (no version, no If-Match).
        A new state notifies the listing's followers (at most 10 notice and live-status
        notifications a listing a day).
        """
        body = load_body(LiveStatusWriteSchema)
        status = put_live_status(db_session(), g.current_user, channel_id, **body,
                                 client_id=actor().client_id)
        return no_store(LiveStatusSchema().dump(live_dump(status)))

    @blp.response(204, description="No live status any more.", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No channel has this id.", conflict="The listing is suspended.")
    @require_scope("listings:write")
    def delete(self, channel_id: str):
        """Withdraw a channel's live status

        The listing falls back to consumers' reports at once.
        """
        withdraw_live_status(db_session(), g.current_user, channel_id)
        return make_response("", 204)
