"""A listing's channels as its owners and editors keep them: add one, edit, hide or show one.
Every write needs If-Match and answers the listing as they read it, with its new ETag."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.presenters.enterprises import managed_dump
from api.resources.common import MANAGE
from api.schemas.channels import HOURS_EXAMPLE, MENU_EXAMPLE, ChannelWriteSchema
from api.schemas.enterprises import ManagedListingSchema
from api.smorest import Blueprint, path_parameter
from api.state import db_session
from api.writes import ETAG_HEADER, edit, json_body, json_body_doc, protected_doc, with_etag
from directory.self_service import add_listing_channel, edit_listing_channel

blp = Blueprint("channels", __name__, url_prefix="/v1", tag=MANAGE)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
CHANNEL = path_parameter("channel_id", "Opaque id of the channel.", "ch_5dd08e23240d7f37")


@blp.route("/enterprises/<string:enterprise_id>/channels", parameters=[ENTERPRISE])
class ChannelCreate(MethodView):
    @blp.response(201, ManagedListingSchema, headers={**ETAG_HEADER, "Location": {
        "description": "The new channel's edit URL.", "schema": {"type": "string"},
        "example": "/v1/enterprises/ent_9f7532f6acdd/channels/ch_5dd08e23240d7f37"}})
    @blp.doc(**json_body_doc(ChannelWriteSchema, {"kind": "phone", "value": "95588",
                                              "label": "客服热线", "to_person": "0"}))
    @protected_doc(blp, if_match=True, idempotent=True,
                   conflict="The channel exists already, the listing is suspended, or a request "
                            "with this Idempotency-Key is still running.")
    @require_scope("listings:write")
    @idempotent
    def post(self, enterprise_id: str):
        """Add a channel

        Adds a channel at the end of the listing; `source` is set to this edit. A number,
        address or URL you add is shown at once, marked unchecked (`review.status:
        pending`), and `/v1/lookup` calls it official only once a c800 administrator has
        checked it. One that another listing holds, or that lookup warns against (an imitation
        of a listed domain), is refused with 422.
        """
        enterprise, channel = add_listing_channel(db_session(), edit(json_body), enterprise_id)
        return with_etag(ManagedListingSchema().dump(managed_dump(enterprise)), enterprise, 201,
                         url_for("channels.ChannelEdit", enterprise_id=enterprise.id,
                                 channel_id=channel.id))


@blp.route("/enterprises/<string:enterprise_id>/channels/<string:channel_id>",
           parameters=[ENTERPRISE, CHANNEL])
class ChannelEdit(MethodView):
    @blp.response(200, ManagedListingSchema, headers=ETAG_HEADER)
    @blp.doc(**json_body_doc(ChannelWriteSchema, {"hours": HOURS_EXAMPLE, "menu": MENU_EXAMPLE}))
    @protected_doc(blp, if_match=True, conflict="Another channel has this kind and value, or "
                   "the listing is suspended.")
    @require_scope("listings:write")
    def patch(self, enterprise_id: str, channel_id: str):
        """Edit, hide or show a channel

        A merge patch of the channel: hours, phone menu, label, ... `hidden: true` hides it
        from the public and `false` shows it again; nothing is deleted. A new kind or value
        waits for a c800 administrator as a new channel does; lookup keeps vouching for the
        checked one meanwhile.
        """
        enterprise = edit_listing_channel(db_session(), edit(json_body), enterprise_id, channel_id)
        return with_etag(ManagedListingSchema().dump(managed_dump(enterprise)), enterprise)
