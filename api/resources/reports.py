"""Reports of wrong information: anyone reports that a listing or a channel is wrong;
administrators read the queue and handle reports. The rules are ``directory.claims``'."""

from __future__ import annotations

from flask import g, jsonify, url_for
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from api.idempotency import idempotent
from api.limits import limit_reports
from api.oauth.protect import optional_user, require_scope
from api.pagination import page_answer
from api.presenters.reports import report_dump
from api.resources.common import ACCOUNTS
from api.schemas.queues import QueueArgsSchema
from api.schemas.reports import ReportCreateSchema, ReportListSchema, ReportSchema, ResolutionSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter
from api.state import db_session
from api.writes import json_body_doc, load_body, protected_doc, status_arg
from directory.accounts import User
from directory.claims import REPORT_STATUSES, Report, file_report, resolve_report
from directory.listings import get_public_enterprise
from directory.pages import Key
from directory.webhooks import emit

blp = Blueprint("reports", __name__, url_prefix="/v1", tag=ACCOUNTS)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
REPORT = path_parameter("report_id", "Opaque id of the report.", "rep_7a8b9c0d1e2f3a4b")


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
        session = db_session()
        enterprise = get_public_enterprise(session, enterprise_id)
        if enterprise is None:
            abort(404, message=f"No listed enterprise has the id {enterprise_id!r}.")
        body = load_body(ReportCreateSchema)
        topic, message, channel_id = body["topic"], body["message"], body["channel_id"]
        report = file_report(session, enterprise, topic, message, channel_id, optional_user())
        # the enterprise hears of it too (its webhooks): what is reported, never who reported it
        # nor their words
        emit(session, enterprise.id, "report.filed", report_event(report))
        session.commit()
        response = jsonify(ReportSchema().dump(report_dump(report)))
        response.status_code = 201
        return response


def report_event(report: Report) -> dict:
    """The ``report.filed`` webhook's data: which listing and channel, the topic, where to read
    the listing; never the reporter's message (see the WebhookPayload schema)."""
    return {"id": report.id, "channel_id": report.channel_id, "topic": report.topic,
            "status": report.status, "created_at": report.created_at.isoformat(),
            "url": url_for("manage.ListingEdit", enterprise_id=report.enterprise_id)}


def _require_admin() -> User:
    user = g.current_user
    if not user.is_admin:
        abort(403, message="Only c800 administrators may do this.")
    return user


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
        _require_admin()
        status = status_arg(args, REPORT_STATUSES)
        query = select(Report)
        if status:
            query = query.where(Report.status == status)
        return page_answer(query, Key.ascending(Report.id), args, report_dump, ReportListSchema)


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
        admin = _require_admin()
        session = db_session()
        report = session.get(Report, report_id)
        if report is None:
            abort(404, message=f"No report has the id {report_id!r}.")
        body = load_body(ResolutionSchema)
        resolve_report(session, report, body["status"], admin, body["resolution"])
        session.commit()
        return jsonify(ReportSchema().dump(report_dump(report)))
