"""The administrators' queue of facts to check: numbers, addresses, domains and URLs that
enterprises added or changed, which ``/v1/lookup`` does not call official until approved.
"""

from __future__ import annotations

from flask import g, jsonify
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import page_answer
from api.schemas.common import text
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter
from api.state import db_session
from api.writes import json_body_doc, load_body, protected_doc
from directory.accounts import User
from directory.listings import ENTERPRISE_ID
from directory.models import Channel, Enterprise
from directory.pages import Key
from directory.reviews import FACTS, REVIEW_STATES, FactReview, decide_review, review_conflicts

blp = Blueprint("reviews", __name__, url_prefix="/v1",
                description="Administration: check the numbers, addresses and domains enterprises "
                            "enter before lookup calls them official.")

REVIEW = path_parameter("review_id", "Opaque id of the review.", "frv_01a24d5e9866fb41f35a")
PROPOSED_EXAMPLE = {"kind": "phone", "value": "95588"}


class FactQueueArgsSchema(Schema):
    status = fields.String(load_default="pending", validate=validate.OneOf(REVIEW_STATES), metadata={
        "description": "Only reviews in this state: `pending` (the default: waiting for a "
                       "decision), `approved`, `rejected` or `withdrawn` (the enterprise took "
                       "the change back or hid the channel).", "example": "pending"})
    enterprise_id = fields.String(load_default=None, validate=validate.Regexp(ENTERPRISE_ID), metadata={
        "description": "Only this listing's reviews.", "example": "ent_9f7532f6acdd"})
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100), metadata={
        "description": "How many reviews a page holds, 1 to 100.", "example": 20})
    cursor = fields.String(load_default=None, validate=validate.Length(1, 200), metadata={
        "description": "Opaque position returned as `next`.", "example": "ZnJ2XzAx"})


class ConflictSchema(Schema):
    key = fields.String(metadata={
        "description": "What the other listing holds: `tel:<number>`, `mail:<address>` or "
                       "`dom:<registrable domain>`.", "example": "tel:95588"})
    enterprise_id = fields.String(metadata={"description": "The other listing.",
                                            "example": "ent_9f7532f6acdd"})
    name = fields.String(metadata={"description": "Its name.", "example": "中国工商银行"})


class FactReviewSchema(Schema):
    id = fields.String(metadata={"description": "Opaque review id (ids sort oldest first).",
                                 "example": "frv_01a24d5e9866fb41f35a"})
    enterprise_id = fields.String(metadata={"description": "The listing.", "example": "ent_5c1e0b7d2a9f"})
    enterprise_name = fields.String(metadata={"description": "Its name.", "example": "招商银行"})
    fact = fields.String(validate=validate.OneOf(FACTS), metadata={
        "description": "`channel`: a channel's kind and value; `web`: the listing's website and "
                       "domains.", "example": "channel"})
    channel_id = fields.String(allow_none=True, metadata={
        "description": "The channel (fact `channel`); null for `web`.", "example": "ch_5dd08e23240d7f37"})
    status = fields.String(validate=validate.OneOf(REVIEW_STATES), metadata={
        "description": "`pending`, `approved`, `rejected` or `withdrawn`.", "example": "pending"})
    proposed = fields.Dict(metadata={
        "description": "What the enterprise shows: `kind` and `value` of a channel, or `website`, "
                       "`domains` and the `unchecked` ones among them.", "example": PROPOSED_EXAMPLE})
    checked = fields.Dict(allow_none=True, metadata={
        "description": "What c800 vouches for now instead: the channel's checked `kind` and "
                       "`value`, or the checked `website` and `domains`; null when the channel "
                       "never had a checked value.", "example": None})
    conflicts = fields.List(fields.Nested(ConflictSchema), metadata={
        "description": "Numbers, addresses or domains of the proposal that other listings hold "
                       "(approving gives them to this listing as well: check before you do).",
        "example": [{"key": "tel:95588", "enterprise_id": "ent_9f7532f6acdd", "name": "中国工商银行"}]})
    requested_by = fields.String(allow_none=True, metadata={
        "description": "The user who made the change.", "example": "usr_0f3c9a7e1b2d4c5a"})
    client_id = fields.String(allow_none=True, metadata={"description": "The OAuth client used.",
                                                         "example": "cl_3f9a0c2e5b7d41a8"})
    created_at = fields.DateTime(metadata={"description": "When the review was opened.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "When the proposal last changed.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    decided_at = fields.DateTime(allow_none=True, metadata={"description": "When it was decided.",
                                                            "example": None})
    decided_by = fields.String(allow_none=True, metadata={
        "description": "`admin:<user id>`, or `enterprise` when withdrawn.", "example": None})
    note = fields.String(allow_none=True, metadata={"description": "The administrator's note.",
                                                    "example": None})


class FactReviewListSchema(Schema):
    items = fields.List(fields.Nested(FactReviewSchema), metadata={
        "description": "Reviews, oldest first.", "example": []})
    next = fields.String(allow_none=True, metadata={"description": "URL of the next page.",
                                                    "example": None})


class FactDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")), metadata={
        "description": "`approve`: the value becomes checked and lookup calls it official; "
                       "`reject`: the checked value comes back (a channel that never had one is "
                       "hidden and marked rejected). Both are stored as a version of the listing.",
        "example": "approve"})
    note = fields.String(allow_none=True, load_default=None, validate=text(2000), metadata={
        "description": "Why (kept with the review).", "example": "已致电 95555 核实。"})


def _checked(review: FactReview, enterprise: Enterprise) -> dict | None:
    if review.channel_id is None:
        return {"website": enterprise.checked_website, "domains": list(enterprise.checked_domains or [])}
    channel = db_session().get(Channel, review.channel_id)
    if channel is None or channel.checked_value is None:
        return None
    return {"kind": channel.checked_kind, "value": channel.checked_value}


def fact_review_dump(review: FactReview) -> dict:
    session = db_session()
    enterprise = session.get(Enterprise, review.enterprise_id)
    names = enterprise.names()
    return {
        **{name: getattr(review, name) for name in (
            "id", "enterprise_id", "fact", "channel_id", "status", "proposed", "requested_by",
            "client_id", "created_at", "updated_at", "decided_at", "decided_by", "note")},
        "enterprise_name": names["zh-Hans"] or names["en"] or names["zh-Hant"] or enterprise.id,
        "checked": _checked(review, enterprise),
        "conflicts": [{"key": c.key, "enterprise_id": c.enterprise_id, "name": c.name}
                      for c in review_conflicts(session, review)],
    }


def _require_admin() -> User:
    user = g.current_user
    if not user.is_admin:
        abort(403, message="Only c800 administrators may do this.")
    return user


@blp.route("/admin/facts")
class AdminFacts(MethodView):
    @blp.arguments(FactQueueArgsSchema, location="query")
    @blp.response(200, FactReviewListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("admin")
    def get(self, args):
        """Facts to check

        Numbers, addresses, domains and URLs enterprises added or changed, across listings,
        oldest first (pending ones by default), each with what c800 vouches for instead and
        the other listings that hold any of it.
        """
        _require_admin()
        query = select(FactReview).where(FactReview.status == args["status"])
        if args["enterprise_id"]:
            query = query.where(FactReview.enterprise_id == args["enterprise_id"])
        return page_answer(query, Key.ascending(FactReview.id), args, fact_review_dump, FactReviewListSchema)


@blp.route("/admin/facts/<string:review_id>/decision", parameters=[REVIEW])
class AdminFactDecision(MethodView):
    @blp.response(200, FactReviewSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(FactDecisionSchema, {"decision": "approve", "note": "已核实。"}))
    @protected_doc(blp, idempotent=True, not_found="No review has this id.",
                   conflict="The review was decided already, or the listing changed since.")
    @require_scope("admin")
    @idempotent
    def post(self, review_id: str):
        """Approve or reject a fact

        Approving makes the value checked (by `admin`): `/v1/lookup` calls it the listing's
        from now on, even where `conflicts` shows another listing holding it. Rejecting puts
        the checked value back (a channel that never had one is hidden, marked rejected). The
        listing gets a new version either way.
        """
        admin = _require_admin()
        session = db_session()
        review = session.get(FactReview, review_id) if len(review_id) <= 32 else None
        if review is None:
            abort(404, message=f"No review has the id {review_id!r}.")
        body = load_body(FactDecisionSchema)
        decide_review(session, review, body["decision"] == "approve", admin.id,
                      g.oauth_token.client_id, body["note"])
        session.commit()
        response = jsonify(FactReviewSchema().dump(fact_review_dump(review)))
        response.headers["Cache-Control"] = "no-store"
        return response
