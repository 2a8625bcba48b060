"""A listing's status as administrators set it: suspended (off the directory and search,
nothing deleted) or active again, kept in the listing's history (``directory.listing_status``)."""

from __future__ import annotations

from flask import g, jsonify
from flask.views import MethodView

from api.oauth.protect import require_scope
from api.presenters.listing_status import listing_status_dump
from api.resources.common import ACCOUNTS
from api.schemas.listing_status import ListingStatusSchema, StatusChangeSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter
from api.state import db_session
from api.writes import json_body_doc, load_body, protected_doc
from directory.listing_status import set_listing_status

blp = Blueprint("listing_status", __name__, url_prefix="/v1", tag=ACCOUNTS)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")


@blp.route("/admin/enterprises/<string:enterprise_id>/status", parameters=[ENTERPRISE])
class AdminListingStatus(MethodView):
    @blp.response(200, ListingStatusSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(StatusChangeSchema, {"status": "suspended", "reason": "核实中"}))
    @protected_doc(blp)
    @require_scope("admin")
    def put(self, enterprise_id: str):
        """Suspend or restore a listing

        A suspended listing leaves the directory and search (nothing is deleted) and cannot be
        edited until restored. Kept in the listing's history.
        """
        body = load_body(StatusChangeSchema)
        enterprise = set_listing_status(db_session(), g.current_user, enterprise_id, **body,
                                        client_id=g.oauth_token.client_id)
        return jsonify(ListingStatusSchema().dump(listing_status_dump(enterprise)))
