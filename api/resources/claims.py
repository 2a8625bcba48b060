"""Claims of listings: a signed-in person claims a listing (by a mailed link or for the c800
team to decide) and reads their claim; administrators list claims and decide them. The rules
are ``directory.claims``'."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import g, jsonify, url_for
from flask.views import MethodView

from api.http import public_url
from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.claims import claim_dump
from api.resources.common import ACCOUNTS
from api.schemas.claims import ClaimCreateSchema, ClaimListSchema, ClaimSchema, DecisionSchema
from api.schemas.queues import QueueArgsSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import app_state, db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.claims import claim_listing, claims_queue, decide_claim, my_claim

blp = Blueprint("claims", __name__, url_prefix="/v1", tag=ACCOUNTS)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
CLAIM = path_parameter("claim_id", "Opaque id of the claim.", "clm_5e6f7a8b9c0d1e2f")


def claim_link(token: str) -> str:
    """The page a claim's link opens (at PUBLIC_BASE_URL, never the request's Host)."""
    return public_url(f"{url_for('pages.confirm_claim')}?{urlencode({'token': token})}")


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
        body = load_body(ClaimCreateSchema)
        claim = claim_listing(db_session(), g.current_user, enterprise_id, **body,
                              mailer=app_state().mailer, link_for=claim_link)
        response = jsonify(ClaimSchema().dump(claim_dump(claim)))
        response.status_code = 202
        response.headers["Location"] = url_for("claims.MyClaim", claim_id=claim.id)
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
        claim = my_claim(db_session(), g.current_user, claim_id)
        return no_store(ClaimSchema().dump(claim_dump(claim)))


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
        return listing_answer(claims_queue(g.current_user, args["status"]), args, claim_dump,
                              ClaimListSchema)


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
        body = load_body(DecisionSchema)
        claim = decide_claim(db_session(), g.current_user, claim_id,
                             approve=body["decision"] == "approve", note=body["note"])
        return jsonify(ClaimSchema().dump(claim_dump(claim)))
