"""Suggested edits: a signed-in consumer proposes a change to a listing and reads the outcome;
the listing's keepers (or c800, for listings without an owner) decide. The use cases are
``directory.suggestions``' and ``directory.suggestion_reviews``'."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from api.idempotency import idempotent
from api.limits import limit_crowd
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.suggestions import suggestion_dump
from api.resources.common import CONSUMERS
from api.schemas.common import PageArgsSchema
from api.schemas.suggestions import (
    CHANGES_EXAMPLE,
    SuggestedEditCreateSchema,
    SuggestedEditDecisionSchema,
    SuggestedEditListSchema,
    SuggestedEditQueueArgsSchema,
    SuggestedEditSchema,
)
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter
from api.state import db_session
from api.writes import client_id, json_body_doc, load_body, no_store, protected_doc
from directory.suggestion_reviews import decide_suggestion, listing_suggestions, ownerless_suggestions
from directory.suggestions import my_suggestions, propose

blp = Blueprint("suggestions", __name__, url_prefix="/v1", tag=CONSUMERS)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
SUGGESTION = path_parameter("suggestion_id", "Opaque id of the suggestion.", "sug_1a2b3c4d5e6f7a8b")
DECISION_EXAMPLE = {"decision": "accept", "reason": "已核实，谢谢。"}


@blp.route("/enterprises/<string:enterprise_id>/suggestions", parameters=[ENTERPRISE])
class Suggestions(MethodView):
    @blp.response(201, SuggestedEditSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(SuggestedEditCreateSchema, {"kind": "add_channel", "changes": CHANGES_EXAMPLE,
                                                      "note": "官网联系我们页面列出了这个号码。"}))
    @protected_doc(blp, idempotent=True, not_found="No listed enterprise has this id.",
                   conflict="You have 3 suggestions waiting on this listing, or the listing has "
                            "this channel already.")
    @require_scope("me")
    @limit_crowd
    @idempotent
    def post(self, enterprise_id: str):
        """Suggest a change to a listing

        A missing channel, a change of a channel (hours, menu, way to a person, label, number)
        or a channel that no longer works, checked as an enterprise's edit would be (422 with
        the fields at fault). It waits for the listing's owners and editors, or c800 when the
        listing has no owner; read the outcome at GET /v1/me/suggestions. Who proposed is shown
        to nobody. At most 10 a day per account, 3 waiting on one listing.
        """
        body = load_body(SuggestedEditCreateSchema)
        suggestion = propose(db_session(), g.current_user, enterprise_id, **body)
        return no_store(SuggestedEditSchema().dump(suggestion_dump(suggestion)), 201)


@blp.route("/me/suggestions")
class MySuggestions(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, SuggestedEditListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Your suggestions and their outcomes

        Newest first: pending, accepted (with the listing's version it became) or rejected,
        with what the decider said.
        """
        return listing_answer(my_suggestions(g.current_user), args, suggestion_dump, SuggestedEditListSchema)


@blp.route("/manage/enterprises/<string:enterprise_id>/suggestions", parameters=[ENTERPRISE])
class ListingSuggestions(MethodView):
    @blp.arguments(SuggestedEditQueueArgsSchema, location="query")
    @blp.response(200, SuggestedEditListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No enterprise has this id.")
    @require_scope("listings:write")
    def get(self, args, enterprise_id: str):
        """Suggestions on your listing

        Consumers' proposed changes, oldest first (by `status` when given); who proposed is
        not shown.
        """
        listing = listing_suggestions(db_session(), g.current_user, enterprise_id, args["status"])
        return listing_answer(listing, args, suggestion_dump, SuggestedEditListSchema)


@blp.route("/manage/suggestions/<string:suggestion_id>/decision", parameters=[SUGGESTION])
class SuggestionDecision(MethodView):
    @blp.response(200, SuggestedEditSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(SuggestedEditDecisionSchema, DECISION_EXAMPLE))
    @protected_doc(blp, not_found="No suggestion on a listing you keep has this id.",
                   conflict="It was decided already, or the listing changed so that it no "
                            "longer applies (reject it).")
    @require_scope("listings:write")
    def post(self, suggestion_id: str):
        """Accept or reject a suggestion on your listing

        Accepting makes the change as your edit, marked the community's (a version with action
        `community:<what>`; a new channel's source `community`), by the same rules as your own
        edits: a number or address lookup would trust waits for c800's check. A suggestion the
        listing no longer fits is refused like an edit (422 or 409): reject it.
        """
        body = load_body(SuggestedEditDecisionSchema)
        suggestion = decide_suggestion(db_session(), g.current_user, suggestion_id, **body,
                                       client_id=client_id())
        return no_store(SuggestedEditSchema().dump(suggestion_dump(suggestion)))


@blp.route("/admin/suggestions")
class AdminSuggestions(MethodView):
    @blp.arguments(SuggestedEditQueueArgsSchema, location="query")
    @blp.response(200, SuggestedEditListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("admin")
    def get(self, args):
        """Suggestions on listings without an owner

        The administrators' queue, oldest first (by `status` when given).
        """
        return listing_answer(ownerless_suggestions(g.current_user, args["status"]), args,
                              suggestion_dump, SuggestedEditListSchema)


@blp.route("/admin/suggestions/<string:suggestion_id>/decision", parameters=[SUGGESTION])
class AdminSuggestionDecision(MethodView):
    @blp.response(200, SuggestedEditSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(SuggestedEditDecisionSchema, DECISION_EXAMPLE))
    @protected_doc(blp, not_found="No suggestion has this id.",
                   conflict="It was decided already, or it no longer applies.")
    @require_scope("admin")
    def post(self, suggestion_id: str):
        """Accept or reject any suggestion (administrators)

        An administrator's acceptance is checked as entered, like their own edits.
        """
        body = load_body(SuggestedEditDecisionSchema)
        suggestion = decide_suggestion(db_session(), g.current_user, suggestion_id, **body,
                                       client_id=client_id(), as_admin=True)
        return no_store(SuggestedEditSchema().dump(suggestion_dump(suggestion)))
