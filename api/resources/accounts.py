"""Signed-in people: their account, claims of listings, reports of wrong information, and the
administrators' queue (claims to decide, reports to handle, listings to suspend or restore).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import g, jsonify, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.http import public_url
from api.idempotency import idempotent
from api.limits import limit_reports
from api.oauth.protect import optional_user, require_scope
from api.pagination import page_answer
from api.resources.common import line, text
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import app_state, db_session
from api.writes import (
    json_body_doc,
    load_body,
    protected_doc,
    status_arg,
)
from directory.accounts import User, memberships_of
from directory.claims import (
    CLAIM_METHODS,
    CLAIM_STATUSES,
    REPORT_STATUSES,
    REPORT_TOPICS,
    Claim,
    Report,
    decide_claim,
    file_report,
    resolve_report,
    start_claim,
)
from directory.listings import ENTERPRISE_ID, get_public_enterprise
from directory.mail import MailError, compose, send
from directory.models import Enterprise, utcnow
from directory.pages import Key
from directory.versions import ensure_base_version, record_version
from directory.webhooks import emit

blp = Blueprint("accounts", __name__, url_prefix="/v1",
                description="Your account, claims of listings, reports, and administration.")
log = logging.getLogger(__name__)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
CLAIM = path_parameter("claim_id", "Opaque id of the claim.", "clm_5e6f7a8b9c0d1e2f")
REPORT = path_parameter("report_id", "Opaque id of the report.", "rep_7a8b9c0d1e2f3a4b")


class MembershipSchema(Schema):
    enterprise_id = fields.String(metadata={"description": "The enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    role = fields.String(metadata={"description": "`owner` or `editor`.", "example": "owner"})


class MeSchema(Schema):
    id = fields.String(metadata={"description": "Your user id.", "example": "usr_0f3c9a7e1b2d4c5a"})
    email = fields.String(metadata={"description": "Your e-mail address.", "example": "ada@example.com"})
    is_admin = fields.Boolean(metadata={"description": "Whether you are a c800 administrator.",
                                        "example": False})
    created_at = fields.DateTime(metadata={"description": "When the account was made.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    memberships = fields.List(fields.Nested(MembershipSchema), metadata={
        "description": "The listings you keep.", "example": [{"enterprise_id": "ent_9f7532f6acdd",
                                                               "role": "owner"}]})
    scope = fields.String(metadata={"description": "The scopes of the token you used.",
                                    "example": "directory:read me"})


class ClaimCreateSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(CLAIM_METHODS), metadata={
        "description": "`email`: we mail a link to `email`, which must be at the listing's own "
                       "domain; `admin`: the c800 team decides.", "example": "email"})
    email = fields.String(allow_none=True, load_default=None, validate=line(254), metadata={
        "description": "One plain address (`local@domain`, no name, brackets, list or comment) "
                       "exactly at one of the listing's own registrable domains (method email); "
                       "the link goes to this address alone.",
        "example": "service@icbc.com.cn"})
    note = fields.String(allow_none=True, load_default=None, validate=text(2000), metadata={
        "description": "Anything that helps the team decide (1-2000 characters).",
        "example": "我是工行客服中心的运营负责人。"})


class ClaimSchema(Schema):
    id = fields.String(metadata={"description": "Opaque claim id.", "example": "clm_5e6f7a8b9c0d1e2f"})
    enterprise_id = fields.String(metadata={"description": "The listing claimed.",
                                            "example": "ent_9f7532f6acdd"})
    user_id = fields.String(metadata={"description": "Who claims it.", "example": "usr_0f3c9a7e1b2d4c5a"})
    method = fields.String(metadata={"description": "`email` or `admin`.", "example": "email"})
    email = fields.String(allow_none=True, metadata={"description": "Where the link was mailed.",
                                                     "example": "service@icbc.com.cn"})
    status = fields.String(metadata={"description": "`pending`, `verified` (by the link), "
                                     "`approved` or `rejected` (by an administrator).",
                                     "example": "pending"})
    note = fields.String(allow_none=True, metadata={"description": "The claimant's or the "
                                                    "team's note.", "example": None})
    created_at = fields.DateTime(metadata={"description": "When it was made.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    decided_at = fields.DateTime(allow_none=True, metadata={"description": "When it was decided.",
                                                            "example": None})


class ClaimListSchema(Schema):
    items = fields.List(fields.Nested(ClaimSchema), metadata={"description": "Claims, oldest first.",
                                                              "example": []})
    next = fields.String(allow_none=True, metadata={"description": "URL of the next page.",
                                                    "example": None})


class ReportCreateSchema(Schema):
    topic = fields.String(required=True, validate=validate.OneOf(REPORT_TOPICS), metadata={
        "description": "What is wrong.", "example": "wrong_number"})
    message = fields.String(required=True, validate=text(2000), metadata={
        "description": "Details, 1-2000 characters.", "example": "这个号码已停用。"})
    channel_id = fields.String(allow_none=True, load_default=None, validate=line(32), metadata={
        "description": "The channel concerned, if one.", "example": "ch_5dd08e23240d7f37"})


class ReportSchema(Schema):
    id = fields.String(metadata={"description": "Opaque report id.", "example": "rep_7a8b9c0d1e2f3a4b"})
    enterprise_id = fields.String(metadata={"description": "The listing.", "example": "ent_9f7532f6acdd"})
    channel_id = fields.String(allow_none=True, metadata={"description": "The channel concerned.",
                                                          "example": None})
    topic = fields.String(metadata={"description": "What is wrong.", "example": "wrong_number"})
    message = fields.String(metadata={"description": "Details.", "example": "这个号码已停用。"})
    status = fields.String(metadata={"description": "`open`, `resolved` or `dismissed`.",
                                     "example": "open"})
    created_at = fields.DateTime(metadata={"description": "When it was filed.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    resolution = fields.String(allow_none=True, metadata={"description": "The team's answer.",
                                                          "example": None})


class ReportListSchema(Schema):
    items = fields.List(fields.Nested(ReportSchema), metadata={"description": "Reports, oldest first.",
                                                               "example": []})
    next = fields.String(allow_none=True, metadata={"description": "URL of the next page.",
                                                    "example": None})


class QueueArgsSchema(Schema):
    status = fields.String(load_default=None, metadata={
        "description": "Only items in this state (claims: pending, verified, approved, rejected; "
                       "reports: open, resolved, dismissed).", "example": "pending"})
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100), metadata={
        "description": "How many items a page holds, 1 to 100.", "example": 20})
    cursor = fields.String(load_default=None, validate=validate.Length(1, 200), metadata={
        "description": "Opaque position returned as `next`.", "example": "Y2xtXzE"})


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")), metadata={
        "description": "`approve` (the claimant becomes an owner) or `reject`.", "example": "approve"})
    note = fields.String(allow_none=True, load_default=None, validate=text(2000), metadata={
        "description": "Why (shown to the claimant).", "example": "营业执照已核实。"})


class ResolutionSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(REPORT_STATUSES), metadata={
        "description": "The report's new state.", "example": "resolved"})
    resolution = fields.String(allow_none=True, load_default=None, validate=text(2000), metadata={
        "description": "What was done.", "example": "号码已更正。"})


class StatusChangeSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("active", "suspended")), metadata={
        "description": "`suspended` takes the listing off the directory; `active` restores it.",
        "example": "suspended"})
    reason = fields.String(allow_none=True, load_default=None, validate=text(2000), metadata={
        "description": "Why (kept in the history).", "example": "冒充官方客服的号码，核实中。"})


class ListingStatusSchema(Schema):
    id = fields.String(metadata={"description": "The enterprise.", "example": "ent_9f7532f6acdd"})
    status = fields.String(metadata={"description": "Its status now.", "example": "suspended"})
    version = fields.Integer(metadata={"description": "Its version now.", "example": 5})


def claim_dump(claim: Claim) -> dict:
    return {name: getattr(claim, name) for name in ("id", "enterprise_id", "user_id", "method",
                                                    "email", "status", "note", "created_at",
                                                    "decided_at")}


def report_dump(report: Report) -> dict:
    return {name: getattr(report, name) for name in ("id", "enterprise_id", "channel_id", "topic",
                                                     "message", "status", "created_at",
                                                     "resolution")}


@blp.route("/me")
class Me(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, MeSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never: you exist.")
    @require_scope("me")
    def get(self, _args):
        """Your account

        Who the token acts for, and the listings you keep.
        """
        user: User = g.current_user
        memberships = [{"enterprise_id": m.enterprise_id, "role": m.role}
                       for m in memberships_of(db_session(), user)]
        response = jsonify(MeSchema().dump({"id": user.id, "email": user.email,
                                            "is_admin": user.is_admin, "created_at": user.created_at,
                                            "memberships": memberships,
                                            "scope": g.oauth_token.scope}))
        response.headers["Cache-Control"] = "no-store"
        return response


def _mail_claim_link(claim: Claim, token: str, enterprise: Enterprise) -> None:
    config = app_state().config
    link = public_url(f"{url_for('pages.confirm_claim')}?{_query(token)}")
    name = enterprise.name_zh_hans or enterprise.name_en or enterprise.id
    body = (f"有人（{g.current_user.email}）申请在 c800 上管理「{name}」的企业信息。\n"
            f"如果是你本人或你的同事，请打开下面的链接确认（72 小时内有效）：\n\n{link}\n\n"
            f"Someone ({g.current_user.email}) asked to keep the c800 listing of {name}. If that "
            f"was you or a colleague, open the link above within 72 hours to confirm. If not, "
            f"ignore this message.\n")
    message = compose(config.mail_from, claim.email, f"c800: 确认认领 / confirm your claim — {name}",
                      body)
    try:
        send(message, mail_dir=config.data_dir / "mail", mail_url=config.mail_url)
    except MailError as exc:
        log.error("claim %s: %s", claim.id, exc)
        abort(503, message="The confirmation mail could not be sent; try again later.",
              headers={"Retry-After": "60"})


def _query(token: str) -> str:
    return urlencode({"token": token})


@blp.route("/enterprises/<string:enterprise_id>/claims", parameters=[ENTERPRISE])
class Claims(MethodView):
    @blp.response(202, ClaimSchema, headers={**RATE_LIMIT_HEADERS, "Location": {
        "description": "The claim.", "schema": {"type": "string"},
        "example": "/v1/me/claims/clm_5e6f7a8b9c0d1e2f"}})
    @blp.doc(**json_body_doc(ClaimCreateSchema, {"method": "email", "email": "service@icbc.com.cn"}))
    @protected_doc(blp, idempotent=True, conflict="You keep this listing already, or your claim "
                   "on it is pending.")
    @require_scope("me")
    @idempotent
    def post(self, enterprise_id: str):
        """Claim a listing

        Ask to keep a listing. With `method: email` a confirmation link is mailed to `email`,
        one plain address exactly at the listing's own website domain (never at a mailbox
        provider such as gmail.com or qq.com); opening it makes you an owner. Listings whose
        own domain is a mailbox provider's (Gmail, QQ, NetEase 163, Mail.Ru, NAVER...) are
        claimed only with `method: admin`: the c800 team decides.
        """
        session = db_session()
        enterprise = get_public_enterprise(session, enterprise_id)
        if enterprise is None:
            abort(404, message=f"No listed enterprise has the id {enterprise_id!r}.")
        body = load_body(ClaimCreateSchema)
        method, email, note = body["method"], body["email"], body["note"]
        started = start_claim(session, enterprise, g.current_user, method, email, note)
        if started.token:
            _mail_claim_link(started.claim, started.token, enterprise)
        session.commit()
        response = jsonify(ClaimSchema().dump(claim_dump(started.claim)))
        response.status_code = 202
        response.headers["Location"] = url_for("accounts.MyClaim", claim_id=started.claim.id)
        return response


@blp.route("/me/claims/<string:claim_id>", parameters=[CLAIM])
class MyClaim(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, ClaimSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="You have no claim with this id.")
    @require_scope("me")
    def get(self, _args, claim_id: str):
        """One of your claims

        Its state: pending, verified, approved or rejected.
        """
        claim = db_session().get(Claim, claim_id)
        if claim is None or claim.user_id != g.current_user.id:
            abort(404, message=f"You have no claim {claim_id!r}.")
        response = jsonify(ClaimSchema().dump(claim_dump(claim)))
        response.headers["Cache-Control"] = "no-store"
        return response


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
            "url": url_for("enterprises.EnterpriseDetail", enterprise_id=report.enterprise_id)}


def _require_admin() -> User:
    user = g.current_user
    if not user.is_admin:
        abort(403, message="Only c800 administrators may do this.")
    return user


@blp.route("/admin/claims")
class AdminClaims(MethodView):
    @blp.arguments(QueueArgsSchema, location="query")
    @blp.response(200, ClaimListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("admin")
    def get(self, args):
        """Claims to decide

        Claims by state (all by default), oldest first.
        """
        _require_admin()
        status = status_arg(args, CLAIM_STATUSES)
        query = select(Claim)
        if status:
            query = query.where(Claim.status == status)
        return page_answer(query, Key.ascending(Claim.id), args, claim_dump, ClaimListSchema)


@blp.route("/admin/claims/<string:claim_id>/decision", parameters=[CLAIM])
class AdminClaimDecision(MethodView):
    @blp.response(200, ClaimSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(DecisionSchema, {"decision": "approve"}))
    @protected_doc(blp, idempotent=True, conflict="The claim was decided already.")
    @require_scope("admin")
    @idempotent
    def post(self, claim_id: str):
        """Approve or reject a claim

        Approving makes the claimant an owner and the listing verified.
        """
        admin = _require_admin()
        session = db_session()
        claim = session.get(Claim, claim_id)
        if claim is None:
            abort(404, message=f"No claim has the id {claim_id!r}.")
        body = load_body(DecisionSchema)
        decision = body["decision"]
        decide_claim(session, claim, decision == "approve", admin, body["note"])
        session.commit()
        return jsonify(ClaimSchema().dump(claim_dump(claim)))


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
