"""Tips: a signed-in consumer tells which keys reach a person on a phone channel; others say
whether it worked or report it; anyone reads a channel's tips, most trusted first; the
listing's keepers and c800 hide them. The use cases are ``directory.tip_cases``'."""

from __future__ import annotations

from flask import g, make_response
from flask.views import MethodView

from api.idempotency import idempotent
from api.limits import limit_crowd
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.tips import tip_dump
from api.resources.common import CONSUMERS
from api.schemas.common import PageArgsSchema
from api.schemas.tips import (
    ModerationSchema,
    MyTipListSchema,
    TipCreateSchema,
    TipListSchema,
    TipReportAnswerSchema,
    TipReportSchema,
    TipSchema,
    VoteSchema,
)
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter, public_read
from api.state import db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.tip_cases import (
    add_tip,
    channel_tips,
    moderate_tip,
    my_tips,
    report_tip,
    vote_on_tip,
    withdraw_tip,
    withdraw_vote,
)

blp = Blueprint("tips", __name__, url_prefix="/v1", tag=CONSUMERS)

CHANNEL = path_parameter("channel_id", "Opaque id of the channel.", "ch_5dd08e23240d7f37")
TIP = path_parameter("tip_id", "Opaque id of the tip.", "tip_1a2b3c4d5e6f7a8b")
@blp.route("/channels/<string:channel_id>/tips", parameters=[CHANNEL])
class Tips(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, TipListSchema, headers=RATE_LIMIT_HEADERS)
    @public_read(blp, not_found="No listed channel has this id.")
    def get(self, args, channel_id: str):
        """Tips on a channel

        Consumers' tips on reaching a person (keys, best time, a few words), most trusted
        first: by the lower bound of the Wilson interval of the share of accounts that said it
        worked, not by the raw share. Hidden tips are not shown; who wrote or voted never is.
        """
        return listing_answer(channel_tips(db_session(), channel_id), args, tip_dump,
                              TipListSchema, cache=True)

    @blp.response(201, TipSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(TipCreateSchema, {"keys": ["2", "1", "0"], "best_time": "工作日上午9点前",
                                               "text": "听到语音提示后直接按0，不用输入卡号。"}))
    @protected_doc(blp, idempotent=True, not_found="No listed channel has this id.",
                   conflict="A shown tip with these keys is on this channel already (`tip` "
                            "names it): vote on it instead.")
    @require_scope("me")
    @limit_crowd
    @idempotent
    def post(self, channel_id: str):
        """Add a tip to a phone channel

        The keys that reach a person, and optionally the best time and a few words. Numbers,
        links and addresses in the words are refused (422): a tip shows the channel's own
        number and keys, never another way to reach anyone. Once 4 distinct accounts say it
        worked (accounts younger than 7 days weigh a quarter) with a confidence of at least
        0.5, its keys become the channel's `to_person` (source `community`) unless the
        channel's source or its enterprise gave one.
        At most 5 tips, 60 votes and 20 reports of tips a day per account (429 with
        Retry-After beyond), and a per-account burst limit (`RATE_LIMIT_CROWD`).
        """
        body = load_body(TipCreateSchema)
        tip = add_tip(db_session(), g.current_user, channel_id, **body)
        return no_store(TipSchema().dump(tip_dump(tip)), 201)


@blp.route("/tips/<string:tip_id>/vote", parameters=[TIP])
class TipVote(MethodView):
    @blp.response(200, TipSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(VoteSchema, {"worked": True}))
    @protected_doc(blp, not_found="No shown tip has this id.")
    @require_scope("me")
    @limit_crowd
    def put(self, tip_id: str):
        """Say whether a tip worked

        One vote per account and tip: a second one replaces the first. Not on your own tip
        (403).
        At most 5 tips, 60 votes and 20 reports of tips a day per account (429 with
        Retry-After beyond), and a per-account burst limit (`RATE_LIMIT_CROWD`).
        """
        body = load_body(VoteSchema)
        tip = vote_on_tip(db_session(), g.current_user, tip_id, **body)
        return no_store(TipSchema().dump(tip_dump(tip)))

    @blp.response(204, description="Your vote is taken back.", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="You have no vote on this tip.")
    @require_scope("me")
    def delete(self, tip_id: str):
        """Take back your vote on a tip

        It no longer counts in the tip's `worked`, `failed` and `confidence`.
        """
        withdraw_vote(db_session(), g.current_user, tip_id)
        return make_response("", 204)


@blp.route("/tips/<string:tip_id>/reports", parameters=[TIP])
class TipReports(MethodView):
    @blp.response(201, TipReportAnswerSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(TipReportSchema, {"reason": "scam"}))
    @protected_doc(blp, not_found="No shown tip has this id.",
                   conflict="You reported this tip already.")
    @require_scope("me")
    @limit_crowd
    def post(self, tip_id: str):
        """Report a tip

        Once per account, not your own. A tip reported by 3 distinct accounts is hidden until
        the listing's keepers or c800 show it again.
        At most 5 tips, 60 votes and 20 reports of tips a day per account (429 with
        Retry-After beyond), and a per-account burst limit (`RATE_LIMIT_CROWD`).
        """
        body = load_body(TipReportSchema)
        tip = report_tip(db_session(), g.current_user, tip_id, **body)
        return no_store(TipReportAnswerSchema().dump({"tip_id": tip.id, "hidden": tip.hidden}), 201)


@blp.route("/me/tips")
class MyTips(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, MyTipListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Your tips

        Newest first, hidden ones too.
        """
        return listing_answer(my_tips(g.current_user), args, tip_dump, MyTipListSchema)


@blp.route("/me/tips/<string:tip_id>", parameters=[TIP])
class MyTip(MethodView):
    @blp.response(204, description="Deleted, with its votes and reports.", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="You have no tip with this id.")
    @require_scope("me")
    def delete(self, tip_id: str):
        """Withdraw a tip of yours

        If it was the channel's way to a person, the next confirmed tip (or none) takes its place.
        """
        withdraw_tip(db_session(), g.current_user, tip_id)
        return make_response("", 204)


@blp.route("/manage/tips/<string:tip_id>", parameters=[TIP])
class ManagedTip(MethodView):
    @blp.response(200, TipSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(ModerationSchema, {"hidden": True}))
    @protected_doc(blp, not_found="No tip of a listing you keep has this id.")
    @require_scope("listings:write")
    def patch(self, tip_id: str):
        """Hide a tip, or show it again

        For the listing's owners and editors. A tip c800 hid stays hidden (403): only c800
        shows it again.
        """
        body = load_body(ModerationSchema)
        tip = moderate_tip(db_session(), g.current_user, tip_id, **body)
        return no_store(TipSchema().dump(tip_dump(tip)))


@blp.route("/admin/tips/<string:tip_id>", parameters=[TIP])
class AdminTip(MethodView):
    @blp.response(200, TipSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(ModerationSchema, {"hidden": True}))
    @protected_doc(blp, not_found="No tip has this id.")
    @require_scope("admin")
    def patch(self, tip_id: str):
        """Hide any tip, or show it again (administrators)

        A tip c800 hides stays hidden until c800 shows it again; the listing's keepers cannot.
        """
        body = load_body(ModerationSchema)
        tip = moderate_tip(db_session(), g.current_user, tip_id, **body, as_admin=True)
        return no_store(TipSchema().dump(tip_dump(tip)))
