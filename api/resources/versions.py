"""A listing's history as its owners and editors read it, and the restore of a version."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.enterprises import managed_dump
from api.presenters.versions import version_dump
from api.resources.common import MANAGE
from api.schemas.enterprises import ManagedListingSchema
from api.schemas.versions import VersionArgsSchema, VersionListSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter
from api.state import db_session
from api.writes import ETAG_HEADER, edit, protected_doc, with_etag
from directory.self_service import listing_versions, restore_listing_version

blp = Blueprint("versions", __name__, url_prefix="/v1", tag=MANAGE)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
NUMBER = {"in": "path", "name": "number", "required": True, "description": "The version to restore.",
          "schema": {"type": "integer", "minimum": 1}, "example": 2}


@blp.route("/enterprises/<string:enterprise_id>/versions", parameters=[ENTERPRISE])
class Versions(MethodView):
    @blp.arguments(VersionArgsSchema, location="query")
    @blp.response(200, VersionListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, args, enterprise_id: str):
        """The listing's history

        Every stored version, newest first: who changed what, when, and the listing after it.
        """
        return listing_answer(listing_versions(db_session(), g.current_user, enterprise_id), args,
                              version_dump, VersionListSchema)


@blp.route("/enterprises/<string:enterprise_id>/versions/<int:number>/restore",
           parameters=[ENTERPRISE, NUMBER])
class VersionRestore(MethodView):
    @blp.response(200, ManagedListingSchema, headers=ETAG_HEADER)
    @protected_doc(blp, if_match=True, idempotent=True)
    @require_scope("listings:write")
    @idempotent
    def post(self, enterprise_id: str, number: int):
        """Restore a version

        Makes the listing what version `number` was, as a new version. Channels and notices
        that version did not have are hidden, not deleted; `verified` and `status` stay.
        """
        enterprise = restore_listing_version(db_session(), edit(), enterprise_id, number)
        return with_etag(ManagedListingSchema().dump(managed_dump(enterprise)), enterprise)
