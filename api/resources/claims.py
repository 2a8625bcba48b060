"""Claims of listings: a signed-in person claims a listing (by a mailed link or for the c800
team to decide) and reads their claim; administrators list claims and decide them. The rules
are ``directory.claims``'."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import g, jsonify, url_for
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from api.http import public_url
from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import page_answer
from api.presenters.claims import claim_dump
from api.resources.common import ACCOUNTS
from api.schemas.claims import ClaimCreateSchema, ClaimListSchema, ClaimSchema, DecisionSchema
from api.schemas.queues import QueueArgsSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import app_state, db_session
from api.writes import json_body_doc, load_body, protected_doc, status_arg
from directory.accounts import User
from directory.claims import CLAIM_STATUSES, Claim, decide_claim, start_claim
from directory.listings import get_public_enterprise
from directory.mail import MailError, compose, send
from directory.models import Enterprise
from directory.pages import Key

blp = Blueprint("claims", __name__, url_prefix="/v1", tag=ACCOUNTS)
log = logging.getLogger(__name__)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
CLAIM = path_parameter("claim_id", "Opaque id of the claim.", "clm_5e6f7a8b9c0d1e2f")


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
        response.headers["Location"] = url_for("claims.MyClaim", claim_id=started.claim.id)
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
