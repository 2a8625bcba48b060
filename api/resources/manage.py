"""Enterprise self-service: the listing as its owners and editors read it for editing, with the
ETag every write sends back in If-Match. Its edits are the listing's own resources (PATCH
/v1/enterprises/{id}, its channels, notices and versions), one tag in the docs."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from api.oauth.protect import require_scope
from api.presenters.enterprises import managed_dump
from api.resources.common import MANAGE
from api.schemas.enterprises import ManagedListingSchema
from api.smorest import Blueprint, NoQuerySchema, path_parameter
from api.state import db_session
from api.writes import ETAG_HEADER, protected_doc, with_etag
from directory.self_service import listing_to_edit

blp = Blueprint("manage", __name__, url_prefix="/v1", tag=MANAGE)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")


@blp.route("/manage/enterprises/<string:enterprise_id>", parameters=[ENTERPRISE])
class ManagedListing(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, ManagedListingSchema, headers=ETAG_HEADER)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, _args, enterprise_id: str):
        """Read your listing for editing

        Everything an owner or editor may change, hidden channels and notices included, with
        the `ETag` every write sends back in `If-Match`.
        """
        enterprise = listing_to_edit(db_session(), g.current_user, enterprise_id)
        return with_etag(ManagedListingSchema().dump(managed_dump(enterprise)), enterprise)
