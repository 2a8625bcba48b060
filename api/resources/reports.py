"""Reports of wrong information: anyone reports that a listing or a channel is wrong;
administrators read the queue and handle reports. The use cases are ``directory.reports``'."""

from __future__ import annotations

from flask import g, jsonify, url_for
from flask.views import MethodView

from api.idempotency import idempotent
from api.limits import limit_reports
from api.oauth.protect import optional_user, require_scope
from api.pagination import listing_answer
from api.presenters.reports import report_dump
from api.resources.common import ACCOUNTS
from api.schemas.queues import QueueArgsSchema
from api.schemas.reports import ReportCreateSchema, ReportListSchema, ReportSchema, ResolutionSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter
from api.state import db_session
from api.writes import json_body_doc, load_body, protected_doc
from directory.reports import handle_report, report_listing, reports_queue

blp = Blueprint("reports", __name__, url_prefix="/v1", tag=ACCOUNTS)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
REPORT = path_parameter("report_id", "Opaque id of the report.", "rep_7a8b9c0d1e2f3a4b")


def listing_url(enterprise_id: str) -> str:
    """Where a listing's keepers read it (the ``report.filed`` webhook says so)."""
    return url_for("enterprises.EnterpriseDetail", enterprise_id=enterprise_id)


@blp.route("/enterprises/<string:enterprise_id>/reports", parameters=[ENTERPRISE])
class Reports(MethodView):
    @blp.response(201, ReportSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(ReportCreateSchema, {"topic": "wrong_number", "message": "这个号码已停用。"}),
             security=[{}, {"oauth2": []}])
    @protected_doc(blp, idempotent=True)
    @limit_reports
    @idempotent
    def post(self, enterprise_id: str):
        """Report wrong information

        Anyone (a token is optional) can say that a listing or one of its channels is wrong;
        reports wait for the c800 team. Rate-limited per caller.
        """
        body = load_body(ReportCreateSchema)
        report = report_listing(db_session(), optional_user(), enterprise_id, **body,
                                listing_at=listing_url)
        response = jsonify(ReportSchema().dump(report_dump(report)))
        response.status_code = 201
        return response


@blp.route("/admin/reports")
class AdminReports(MethodView):
    @blp.arguments(QueueArgsSchema, location="query")
    @blp.response(200, ReportListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("admin")
    def get(self, args):
        """Reports of wrong information

        The queue by state (all by default), oldest first.
        """
        return listing_answer(reports_queue(g.current_user, args["status"]), args, report_dump,
                              ReportListSchema)


@blp.route("/admin/reports/<string:report_id>", parameters=[REPORT])
class AdminReport(MethodView):
    @blp.response(200, ReportSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(ResolutionSchema, {"status": "resolved", "resolution": "号码已更正。"}))
    @protected_doc(blp)
    @require_scope("admin")
    def patch(self, report_id: str):
        """Handle a report

        Mark it resolved or dismissed (or open again), with what was done.
        """
        body = load_body(ResolutionSchema)
        report = handle_report(db_session(), g.current_user, report_id, **body)
        return jsonify(ReportSchema().dump(report_dump(report)))
