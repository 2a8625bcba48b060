"""Insights: how people reach a listing, per channel and day, for its keepers. The use case is
``directory.insights``'."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from api.oauth.protect import require_scope
from api.presenters.insights import insights_dump
from api.resources.common import SERVICE
from api.schemas.insights import InsightArgsSchema, InsightsSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter
from api.state import db_session
from api.writes import no_store, protected_doc
from directory.insights import enterprise_insights

blp = Blueprint("insights", __name__, url_prefix="/v1/manage", tag=SERVICE)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")


@blp.route("/enterprises/<string:enterprise_id>/insights", parameters=[ENTERPRISE])
class Insights(MethodView):
    @blp.arguments(InsightArgsSchema, location="query")
    @blp.response(200, InsightsSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, args, enterprise_id: str):
        """How people reach you

        Per channel and day: how many opened it from the app, with a handoff, reported how it
        went (reached a person, resolved) and asked for a call back. Counts only.
        """
        insights = enterprise_insights(db_session(), g.current_user, enterprise_id, args["start"],
                                       args["end"])
        return no_store(InsightsSchema().dump(insights_dump(insights)))
