"""Follows: a consumer follows enterprises (/v1/me/following) and reads their current notices
first (/v1/me/notices). The use cases are ``directory.follows``'."""

from __future__ import annotations

from flask import g, make_response
from flask.views import MethodView

from api.http import preferred_language
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.follows import follow_dump, followed_notice_dump
from api.resources.common import CONSUMERS
from api.schemas.common import PageArgsSchema
from api.schemas.follows import FollowedNoticeListSchema, FollowListSchema, FollowSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import db_session
from api.writes import no_store, protected_doc
from directory.follows import (
    follow_enterprise,
    follow_of,
    followed_enterprises,
    notices_of_followed,
    unfollow_enterprise,
)

blp = Blueprint("follows", __name__, url_prefix="/v1", tag=CONSUMERS)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")


@blp.route("/me/following")
class Following(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, FollowListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Enterprises you follow

        Latest first; suspended listings are left out while suspended.
        """
        language = preferred_language()
        return listing_answer(followed_enterprises(g.current_user), args,
                              lambda row: follow_dump(*row, language), FollowListSchema)


@blp.route("/me/following/<string:enterprise_id>", parameters=[ENTERPRISE])
class FollowOne(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, FollowSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="You do not follow this enterprise (or it is not listed).")
    @require_scope("me")
    def get(self, _args, enterprise_id: str):
        """Whether you follow an enterprise

        200 with since when, 404 when you do not.
        """
        follow, enterprise = follow_of(db_session(), g.current_user, enterprise_id)
        return no_store(FollowSchema().dump(follow_dump(follow, enterprise, preferred_language())))

    @blp.response(200, FollowSchema, headers=RATE_LIMIT_HEADERS)
    @blp.alt_response(201, schema=FollowSchema, description="Now followed.", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No listed enterprise has this id.",
                   conflict="You follow 1000 enterprises already.")
    @require_scope("me")
    def put(self, enterprise_id: str):
        """Follow an enterprise

        Its current and future notices reach you in GET /v1/me/notices. 201 when new, 200 when
        you followed it already (nothing changes).
        """
        follow, enterprise, new = follow_enterprise(db_session(), g.current_user, enterprise_id)
        return no_store(FollowSchema().dump(follow_dump(follow, enterprise, preferred_language())),
                        201 if new else 200)

    @blp.response(204, description="Not followed (any more).", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def delete(self, enterprise_id: str):
        """Unfollow an enterprise

        204 whether or not you followed it, so a retry is harmless.
        """
        unfollow_enterprise(db_session(), g.current_user, enterprise_id)
        return make_response("", 204)


@blp.route("/me/notices")
class MyNotices(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, FollowedNoticeListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Notices of the enterprises you follow

        Every notice current now (published, not withdrawn, not past its end) of every listed
        enterprise you follow, newest first — so "flight cancelled: rebook here" reaches you
        before you call.
        """
        language = preferred_language()
        return listing_answer(notices_of_followed(g.current_user), args,
                              lambda row: followed_notice_dump(*row, language),
                              FollowedNoticeListSchema)
