"""A listing's notices as its owners and editors publish them: publish one, edit or withdraw
one. Every write needs If-Match and answers the listing as they read it, with its new ETag."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.presenters.enterprises import managed_dump
from api.resources.common import MANAGE
from api.schemas.enterprises import ManagedListingSchema
from api.schemas.notices import NoticeWriteSchema
from api.smorest import Blueprint, path_parameter
from api.state import db_session
from api.writes import ETAG_HEADER, edit, json_body, json_body_doc, protected_doc, with_etag
from directory.self_service import edit_listing_notice, publish_notice

blp = Blueprint("notices", __name__, url_prefix="/v1", tag=MANAGE)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
NOTICE = path_parameter("notice_id", "Opaque id of the notice.", "nt_0c1d2e3f4a5b6c7d")


@blp.route("/enterprises/<string:enterprise_id>/notices", parameters=[ENTERPRISE])
class NoticeCreate(MethodView):
    @blp.response(201, ManagedListingSchema, headers={**ETAG_HEADER, "Location": {
        "description": "The new notice's edit URL.", "schema": {"type": "string"},
        "example": "/v1/enterprises/ent_9f7532f6acdd/notices/nt_0c1d2e3f4a5b6c7d"}})
    @blp.doc(**json_body_doc(NoticeWriteSchema, {"title": "系统维护",
                                                 "body": "今晚 23:00-01:00 网银暂停服务。",
                                                 "severity": "info"}))
    @protected_doc(blp, if_match=True, idempotent=True)
    @require_scope("listings:write")
    @idempotent
    def post(self, enterprise_id: str):
        """Publish a notice

        Shown on the listing from `valid_from` (default now) until `valid_until`. A link to a
        host `/v1/lookup` warns against (an imitation of a listed domain, a host hidden behind
        `name@`, an IP address) is refused with 422, as is a host that can pass for another.
        """
        enterprise, notice = publish_notice(db_session(), edit(json_body), enterprise_id)
        return with_etag(ManagedListingSchema().dump(managed_dump(enterprise)), enterprise, 201,
                         url_for("notices.NoticeEdit", enterprise_id=enterprise.id,
                                 notice_id=notice.id))


@blp.route("/enterprises/<string:enterprise_id>/notices/<string:notice_id>",
           parameters=[ENTERPRISE, NOTICE])
class NoticeEdit(MethodView):
    @blp.response(200, ManagedListingSchema, headers=ETAG_HEADER)
    @blp.doc(**json_body_doc(NoticeWriteSchema, {"hidden": True}))
    @protected_doc(blp, if_match=True)
    @require_scope("listings:write")
    def patch(self, enterprise_id: str, notice_id: str):
        """Edit or hide a notice

        A merge patch of the notice; `hidden: true` takes it off the listing (reversibly).
        """
        enterprise = edit_listing_notice(db_session(), edit(json_body), enterprise_id, notice_id)
        return with_etag(ManagedListingSchema().dump(managed_dump(enterprise)), enterprise)
