"""A listing's status as administrators set it: suspended (off the directory and search,
nothing deleted) or active again, kept in the listing's history."""

from __future__ import annotations

from flask import g, jsonify
from flask.views import MethodView
from flask_smorest import abort

from api.oauth.protect import require_scope
from api.resources.common import ACCOUNTS
from api.schemas.listing_status import ListingStatusSchema, StatusChangeSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter
from api.state import db_session
from api.writes import json_body_doc, load_body, protected_doc
from directory.accounts import User
from directory.listings import ENTERPRISE_ID
from directory.models import Enterprise, utcnow
from directory.versions import ensure_base_version, record_version

blp = Blueprint("listing_status", __name__, url_prefix="/v1", tag=ACCOUNTS)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")


def _require_admin() -> User:
    user = g.current_user
    if not user.is_admin:
        abort(403, message="Only c800 administrators may do this.")
    return user


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
        admin = _require_admin()
        session = db_session()
        enterprise = session.get(Enterprise, enterprise_id) if ENTERPRISE_ID.match(enterprise_id) else None
        if enterprise is None:
            abort(404, message=f"No enterprise has the id {enterprise_id!r}.")
        body = load_body(StatusChangeSchema)
        status, reason = body["status"], body["reason"]
        if enterprise.status != status:
            ensure_base_version(session, enterprise)
            enterprise.status = status
            enterprise.version += 1
            enterprise.updated_at = utcnow()
            session.flush()
            version = record_version(session, enterprise, actor=f"admin:{admin.id}",
                                     client_id=g.oauth_token.client_id, action=status)
            version.changes = [f"status: {status}" + (f" ({reason})" if reason else "")]
        session.commit()
        return jsonify(ListingStatusSchema().dump({"id": enterprise.id, "status": enterprise.status,
                                                   "version": enterprise.version}))
