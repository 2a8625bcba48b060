"""Experiences: a consumer reports how a contact through a channel went, lists and withdraws
their reports, and anyone reads what a channel's reports add up to (its waits). The use cases
are ``directory.experiences``' and ``directory.experience_summaries``'."""

from __future__ import annotations

from flask import g, make_response
from flask.views import MethodView

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.experiences import experience_dump, waits_dump
from api.resources.common import CONSUMERS
from api.schemas.common import PageArgsSchema
from api.schemas.experiences import (
    ExperienceCreateSchema,
    ExperienceListSchema,
    ExperienceSchema,
    WaitArgsSchema,
    WaitsSchema,
)
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, path_parameter, public_read
from api.state import db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.experience_summaries import channel_waits
from directory.experiences import my_experiences, report_experience, withdraw_report

blp = Blueprint("experiences", __name__, url_prefix="/v1", tag=CONSUMERS)

CHANNEL = path_parameter("channel_id", "Opaque id of the channel.", "ch_5dd08e23240d7f37")
EXPERIENCE = path_parameter("experience_id", "Opaque id of your report.", "exp_2b3c4d5e6f7a8b9c")


@blp.route("/channels/<string:channel_id>/experiences", parameters=[CHANNEL])
class Experiences(MethodView):
    @blp.response(201, ExperienceSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(ExperienceCreateSchema,
                             {"waited_minutes": 12, "reached_person": True, "resolved": False}))
    @protected_doc(blp, idempotent=True, not_found="No listed channel has this id.",
                   conflict="You reported on this channel for that day already.")
    @require_scope("me")
    @idempotent
    def post(self, channel_id: str):
        """Report how a contact went

        How long you waited, whether you reached a person, whether it was resolved, within 24
        hours of the contact. One report per channel and day (in the channel's time zone); your
        first of the week on a channel counts at once in its waits (GET
        /v1/channels/{channel_id}/waits) and its `expected_wait` (`counted`), a quarter as
        much while your account is younger than 7 days. Values out of range are refused with 422.
        """
        body = load_body(ExperienceCreateSchema)
        experience = report_experience(db_session(), g.current_user, channel_id, **body)
        return no_store(ExperienceSchema().dump(experience_dump(experience)), 201)


@blp.route("/me/experiences")
class MyExperiences(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ExperienceListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Your reports of how contacts went

        Newest first. Nobody else sees them: channels show only their aggregates.
        """
        return listing_answer(my_experiences(g.current_user), args, experience_dump,
                              ExperienceListSchema)


@blp.route("/me/experiences/<string:experience_id>", parameters=[EXPERIENCE])
class MyExperience(MethodView):
    @blp.response(204, description="Withdrawn, and taken out of the channel's aggregates.",
                  headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="You have no report with this id.")
    @require_scope("me")
    def delete(self, experience_id: str):
        """Withdraw a report

        It is deleted and taken out of the channel's waits at once; another of your reports on
        the channel that week, if any, counts in its place.
        """
        withdraw_report(db_session(), g.current_user, experience_id)
        return make_response("", 204)


@blp.route("/channels/<string:channel_id>/waits", parameters=[CHANNEL])
class Waits(MethodView):
    @blp.arguments(WaitArgsSchema, location="query")
    @blp.response(200, WaitsSchema, headers=RATE_LIMIT_HEADERS)
    @public_read(blp, not_found="No listed channel has this id.")
    def get(self, args, channel_id: str):
        """Waits people reported on a channel

        Median and 90th-percentile wait, share that reached a person, sample size and how many
        distinct accounts it rests on, over all reports and per hour of week, with the
        `expected_wait` the listing shows. One report per account, channel and week counts,
        and reports of accounts younger than 7 days weigh a quarter, so that a few accounts
        cannot move the figures. Aggregates only: no report and no reporter is shown.
        """
        return waits_dump(channel_waits(db_session(), channel_id, args["at"]))
