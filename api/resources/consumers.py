"""Consumers in charge: follow enterprises and read their notices first, report how a contact
went (and read the waits others reported), start a contact with context that travels, and ask
for a call back.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import phonenumbers
from flask import g, make_response, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.http import pick_name, preferred_language
from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import page_answer
from api.presenters.channels import link_dump, wait_dump
from api.resources.common import PageArgsSchema, StrictBoolean, StrictInteger, line, page_of, text
from api.schemas.channels import LinkSchema
from api.schemas.notices import NoticeLinkSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter, public_read
from api.state import db_session
from api.writes import load_body, no_store, protected_doc, yours
from directory.channel_time import channel_zone
from directory.contacts import (
    MAX_FOLLOWS,
    MAX_OPEN_CALLBACKS,
    CallbackRequest,
    Follow,
    followed_notices,
    move_callback,
    request_callback,
    start_contact,
)
from directory.experience_summaries import expected_waits, hourly_summaries, wait_summaries
from directory.experiences import Experience, record_experience, withdraw_experience
from directory.instants import Instant
from directory.links import PLATFORMS, HandoffRef, deep_links_for
from directory.listings import get_public_enterprise
from directory.models import Channel, Enterprise, Notice, utcnow
from directory.pages import Key
from directory.webhooks import emit

blp = Blueprint("consumers", __name__, url_prefix="/v1",
                description="Consumers: follow enterprises and their notices, report how a "
                            "contact went, share context with a contact, ask for a call back.")

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
CHANNEL = path_parameter("channel_id", "Opaque id of the channel.", "ch_5dd08e23240d7f37")
CALLBACK = path_parameter("callback_id", "Opaque id of the callback request.", "cbk_4e5f6a7b8c9d0e1f")
# --- follow ----------------------------------------------------------------------------------

class FollowSchema(Schema):
    enterprise_id = fields.String(metadata={"description": "The enterprise followed.",
                                            "example": "ent_9f7532f6acdd"})
    name = fields.String(metadata={"description": "Its name in the answer's language.",
                                   "example": "中国工商银行"})
    since = fields.DateTime(metadata={"description": "Since when you follow it.",
                                      "example": "2026-12-02T09:00:00+00:00"})


FollowListSchema = page_of("FollowList", FollowSchema, "Enterprises you follow, latest first.")


def _follow_dump(follow: Follow, enterprise: Enterprise | None = None) -> dict:
    enterprise = enterprise or db_session().get(Enterprise, follow.enterprise_id)
    return {"enterprise_id": follow.enterprise_id,
            "name": pick_name(enterprise.names(), preferred_language()), "since": follow.created_at}


@blp.route("/me/following")
class Following(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, FollowListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Enterprises you follow

        Latest first; suspended listings are left out while suspended.
        """
        query = (select(Follow, Enterprise).join(Enterprise, Enterprise.id == Follow.enterprise_id)
                 .where(Follow.user_id == g.current_user.id, Enterprise.status == "active"))
        return page_answer(query, Key.newest_first(Follow.created_at, Follow.enterprise_id), args,
                           lambda pair: _follow_dump(*pair), FollowListSchema, scalars=False,
                           key_of=lambda pair: (pair[0].created_at, pair[0].enterprise_id))


def _public_enterprise(enterprise_id: str) -> Enterprise:
    enterprise = get_public_enterprise(db_session(), enterprise_id)
    if enterprise is None:
        abort(404, message=f"No listed enterprise has the id {enterprise_id!r}.")
    return enterprise


@blp.route("/me/following/<string:enterprise_id>", parameters=[ENTERPRISE])
class FollowOne(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, FollowSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="You do not follow this enterprise (or it is not listed).")
    @require_scope("me")
    def get(self, _args, enterprise_id: str):
        """Whether you follow an enterprise

        200 with since when, 404 when you do not.
        """
        follow = db_session().get(Follow, (g.current_user.id, enterprise_id))
        if follow is None:
            abort(404, message="You do not follow this enterprise.")
        return no_store(FollowSchema().dump(_follow_dump(follow)))

    @blp.response(200, FollowSchema, headers=RATE_LIMIT_HEADERS)
    @blp.alt_response(201, schema=FollowSchema, description="Now followed.", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No listed enterprise has this id.",
                   conflict="You follow 1000 enterprises already.")
    @require_scope("me")
    def put(self, enterprise_id: str):
        """Follow an enterprise

        Its current and future notices reach you in GET /v1/me/notices. 201 when new, 200 when
        you followed it already (nothing changes).
        """
        session = db_session()
        enterprise = _public_enterprise(enterprise_id)
        follow = session.get(Follow, (g.current_user.id, enterprise.id))
        status = 200
        if follow is None:
            count = len(session.scalars(select(Follow.enterprise_id).where(
                Follow.user_id == g.current_user.id)).all())
            if count >= MAX_FOLLOWS:
                abort(409, message=f"You follow {MAX_FOLLOWS} enterprises already; unfollow some.")
            follow = Follow(user_id=g.current_user.id, enterprise_id=enterprise.id,
                            created_at=utcnow())
            session.add(follow)
            try:
                session.commit()
                status = 201
            except IntegrityError:  # a concurrent PUT made it first
                session.rollback()
                follow = session.get(Follow, (g.current_user.id, enterprise.id))
        return no_store(FollowSchema().dump(_follow_dump(follow, enterprise)), status)

    @blp.response(204, description="Not followed (any more).", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def delete(self, enterprise_id: str):
        """Unfollow an enterprise

        204 whether or not you followed it, so a retry is harmless.
        """
        session = db_session()
        follow = session.get(Follow, (g.current_user.id, enterprise_id))
        if follow is not None:
            session.delete(follow)
            session.commit()
        return make_response("", 204)


# --- notices of followed enterprises ---------------------------------------------------------

class FollowedNoticeSchema(Schema):
    id = fields.String(metadata={"description": "Opaque notice id.", "example": "nt_0c1d2e3f4a5b6c7d"})
    enterprise_id = fields.String(metadata={"description": "Who published it.",
                                            "example": "ent_9f7532f6acdd"})
    enterprise_name = fields.String(metadata={"description": "Its name in the answer's language.",
                                              "example": "中国国际航空"})
    title = fields.String(metadata={"description": "Title.", "example": "航班取消：在线改签"})
    body = fields.String(metadata={"description": "Text.", "example": "受天气影响，CA1234 取消。"})
    severity = fields.String(metadata={"description": "`info`, `warning` or `critical`.",
                                       "example": "critical"})
    valid_from = fields.DateTime(metadata={"description": "Shown since.",
                                           "example": "2026-12-02T08:00:00+00:00"})
    valid_until = fields.DateTime(allow_none=True, metadata={"description": "Shown until; null "
                                                             "until withdrawn.", "example": None})
    links = fields.List(fields.Nested(NoticeLinkSchema), metadata={
        "description": "Self-service links.",
        "example": [{"label": "在线改签", "url": "https://www.airchina.com.cn/"}]})


FollowedNoticeListSchema = page_of("FollowedNoticeList", FollowedNoticeSchema,
                                   "Current notices, newest first.")


@blp.route("/me/notices")
class MyNotices(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, FollowedNoticeListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Notices of the enterprises you follow

        Every notice current now (published, not withdrawn, not past its end) of every listed
        enterprise you follow, newest first — so "flight cancelled: rebook here" reaches you
        before you call.
        """
        language = preferred_language()
        query = followed_notices(g.current_user.id, utcnow())

        def dump(pair) -> dict:  # noqa: ANN001
            notice, enterprise = pair
            return {"id": notice.id, "enterprise_id": enterprise.id,
                    "enterprise_name": pick_name(enterprise.names(), language),
                    "title": notice.title, "body": notice.body, "severity": notice.severity,
                    "valid_from": notice.valid_from, "valid_until": notice.valid_until,
                    "links": list(notice.links or [])}

        return page_answer(query, Key.newest_first(Notice.valid_from, Notice.id), args, dump,
                           FollowedNoticeListSchema, scalars=False,
                           key_of=lambda pair: (pair[0].valid_from, pair[0].id))


# --- experiences and waits -------------------------------------------------------------------

def public_channel(channel_id: str) -> tuple[Enterprise, Channel]:
    """A channel people can use (shown, a way in) of a listed enterprise; 404 otherwise."""
    session = db_session()
    channel = session.get(Channel, channel_id) if len(channel_id) <= 32 else None
    enterprise = get_public_enterprise(session, channel.enterprise_id) if channel else None
    if channel is None or enterprise is None or channel.hidden or channel.direction != "contact":
        abort(404, message=f"No listed channel has the id {channel_id!r}.")
    return enterprise, channel


class ExperienceCreateSchema(Schema):
    waited_minutes = StrictInteger(required=True, validate=validate.Range(0, 20160),
                                    metadata={
        "description": "How long you waited for an answer, in minutes: 0-480 on channels "
                       "answered at once (phone, chat, video, ...), 0-20160 (14 days) on mail, "
                       "SMS, web forms and social media.", "example": 12})
    reached_person = StrictBoolean(required=True, metadata={
        "description": "Whether you reached a person (not only a machine).", "example": True})
    resolved = StrictBoolean(allow_none=True, load_default=None, metadata={
        "description": "Whether your matter was resolved; null when you do not know yet.",
        "example": False})
    at = Instant(allow_none=True, load_default=None, metadata={
        "description": "When the contact began (RFC 3339 with offset), within the last 24 "
                       "hours; default now.", "example": "2026-12-02T09:30:00+08:00"})


class ExperienceSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id of your report.",
                                 "example": "exp_2b3c4d5e6f7a8b9c"})
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    enterprise_id = fields.String(metadata={"description": "Its enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    day = fields.Date(metadata={"description": "The day it counts for (the channel's time zone): "
                                "one report per channel and day.", "example": "2026-12-02"})
    hour_of_week = fields.Integer(metadata={"description": "0 (Monday 00:00) to 167 (Sunday "
                                            "23:00), the channel's time zone.", "example": 57})
    waited_minutes = fields.Integer(metadata={"description": "Minutes waited.", "example": 12})
    reached_person = fields.Boolean(metadata={"description": "Reached a person.", "example": True})
    resolved = fields.Boolean(allow_none=True, metadata={"description": "Resolved; null: unknown.",
                                                         "example": False})
    at = fields.DateTime(metadata={"description": "When the contact began.",
                                   "example": "2026-12-02T01:30:00+00:00"})
    counted = fields.Boolean(metadata={
        "description": "Whether it counts in the channel's public waits: one report per "
                       "account, channel and week (Monday to Sunday) does, the first; another "
                       "of that week takes its place if it is withdrawn.", "example": True})


@blp.route("/channels/<string:channel_id>/experiences", parameters=[CHANNEL])
class Experiences(MethodView):
    @blp.response(201, ExperienceSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(requestBody={"required": True, "content": {"application/json": {
        "schema": ExperienceCreateSchema,
        "example": {"waited_minutes": 12, "reached_person": True, "resolved": False}}}})
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
        _enterprise, channel = public_channel(channel_id)
        body = load_body(ExperienceCreateSchema)
        session = db_session()
        try:
            experience = record_experience(
                session, channel, g.current_user.id, waited_minutes=body["waited_minutes"],
                reached_person=body["reached_person"], resolved=body["resolved"], at=body["at"],
                experience_id=f"exp_{secrets.token_hex(8)}")
            session.commit()
        except IntegrityError:  # a concurrent first report of the same day won
            session.rollback()
            abort(409, message="You reported on this channel for that day already.")
        return no_store(ExperienceSchema().dump(experience_dump(experience)), 201)


ExperienceListSchema = page_of("ExperienceList", ExperienceSchema, "Your reports, newest first.")


EXPERIENCE = path_parameter("experience_id", "Opaque id of your report.", "exp_2b3c4d5e6f7a8b9c")


def experience_dump(experience: Experience) -> dict:
    return {**{name: getattr(experience, name) for name in (
        "id", "channel_id", "enterprise_id", "day", "hour_of_week", "waited_minutes",
        "reached_person", "resolved", "at")}, "counted": experience.weight > 0}


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
        query = select(Experience).where(Experience.user_id == g.current_user.id)
        return page_answer(query, Key.newest_first(Experience.created_at, Experience.id), args,
                           experience_dump, ExperienceListSchema)


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
        session = db_session()
        experience = yours(Experience, experience_id, "report")
        withdraw_experience(session, experience, session.get(Channel, experience.channel_id))
        session.commit()
        return make_response("", 204)


class WaitSummarySchema(Schema):
    sample_size = fields.Integer(metadata={
        "description": "How many reports count (one per account, channel and week).",
        "example": 42})
    accounts = fields.Integer(metadata={"description": "How many distinct accounts they come from.",
                                        "example": 37})
    median_minutes = fields.Integer(allow_none=True, metadata={
        "description": "Median wait (nearest rank, weighted: reports of accounts younger than "
                       "7 days weigh a quarter); null without reports.", "example": 8})
    p90_minutes = fields.Integer(allow_none=True, metadata={
        "description": "90th-percentile wait (nearest rank, weighted); null without reports.",
        "example": 25})
    reached_person_share = fields.Float(allow_none=True, metadata={
        "description": "Share of reports that reached a person (0-1, weighted).", "example": 0.81})
    resolved_share = fields.Float(allow_none=True, metadata={
        "description": "Share resolved, of the reports that say (0-1, weighted).", "example": 0.6})
    small_sample = fields.Boolean(metadata={"description": "Fewer than 10 distinct accounts.",
                                            "example": False})


class HourSummarySchema(WaitSummarySchema):
    hour_of_week = fields.Integer(metadata={"description": "0 (Monday 00:00) to 167 (Sunday "
                                            "23:00) in `timezone`.", "example": 57})


class WaitsSchema(Schema):
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    enterprise_id = fields.String(metadata={"description": "Its enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    timezone = fields.String(metadata={"description": "The time zone of hours of week.",
                                       "example": "Asia/Shanghai"})
    overall = fields.Nested(WaitSummarySchema, metadata={
        "description": "All reports.", "example": {"sample_size": 42, "accounts": 37,
                                                   "median_minutes": 8,
                                                   "p90_minutes": 25, "reached_person_share": 0.81,
                                                   "resolved_share": 0.6, "small_sample": False}})
    by_hour_of_week = fields.List(fields.Nested(HourSummarySchema), metadata={
        "description": "Per hour of week that has reports, in order.", "example": []})
    live = fields.Raw(allow_none=True, metadata={
        "description": "The enterprise's live status while fresh (as on the listing).",
        "example": None})
    expected_wait = fields.Raw(metadata={
        "description": "What to expect at `at` (as on the listing: live beats reports).",
        "example": {"basis": "reported", "minutes": 8, "p90_minutes": 25, "sample_size": 42,
                    "small_sample": False, "hour_of_week": 57, "reached_person_share": 0.81}})


class WaitArgsSchema(Schema):
    at = Instant(load_default=None, metadata={
        "description": "The instant `expected_wait` is for (RFC 3339 with offset), within a "
                       "year of now; default now.", "example": "2026-12-02T09:30:00+08:00"})


def _summary_dump(summary) -> dict:  # noqa: ANN001
    return {"sample_size": summary.sample_size, "accounts": summary.accounts,
            "median_minutes": summary.median_minutes,
            "p90_minutes": summary.p90_minutes,
            "reached_person_share": summary.reached_person_share,
            "resolved_share": summary.resolved_share, "small_sample": summary.small_sample}


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
        enterprise, channel = public_channel(channel_id)
        session = db_session()
        at = args["at"] or datetime.now(UTC)
        wait = expected_waits(session, [channel], at)[channel.id]
        hourly = hourly_summaries(session, channel.id)
        return {"channel_id": channel.id, "enterprise_id": enterprise.id,
                "timezone": channel_zone(channel).key,
                "overall": _summary_dump(wait_summaries(session, [channel.id])[channel.id]),
                "by_hour_of_week": [{"hour_of_week": hour, **_summary_dump(s)}
                                    for hour, s in sorted(hourly.items())],
                **wait_dump(wait)}


# --- contacts with a handoff ----------------------------------------------------------------

class ContactDetailsSchema(Schema):
    message = fields.String(validate=text(2000), metadata={
        "description": "Your matter in your words (1-2000 characters).",
        "example": "上周五的航班被取消，想改签到周日。"})
    reference = fields.String(validate=line(100), metadata={
        "description": "An order, booking or account reference (1-100 characters).",
        "example": "CA1234-PNR-ABC123"})
    name = fields.String(validate=line(100), metadata={
        "description": "How the agent should address you.", "example": "王女士"})


class ContactCreateSchema(Schema):
    channel_id = fields.String(required=True, validate=validate.Length(1, 32), metadata={
        "description": "The enterprise's channel you are about to use.",
        "example": "ch_5dd08e23240d7f37"})
    topic = fields.String(required=True, validate=line(200), metadata={
        "description": "What it is about (1-200 characters).", "example": "航班取消改签"})
    details = fields.Nested(ContactDetailsSchema, load_default=None, metadata={
        "description": "What else you choose to share with the agent; only what you give is "
                       "kept, and only for 24 hours.",
        "example": {"reference": "CA1234-PNR-ABC123"}})
    platform = fields.String(load_default="any", validate=validate.OneOf(PLATFORMS), metadata={
        "description": "Links for `ios`, `android`, `web`, or `any` (all, each marked).",
        "example": "ios"})


class ContactLinkSchema(LinkSchema):
    handoff = fields.Boolean(metadata={
        "description": "Whether this link carries the handoff (its token in a web page's "
                       "`c800_handoff` parameter or a WeCom `scene_param`, its code in the text "
                       "of a mail, SMS or WhatsApp message).", "example": True})


class HandoffRefSchema(Schema):
    token = fields.String(metadata={
        "description": "The handoff's token: the enterprise reads the handoff with it "
                       "(GET /v1/manage/handoffs/{token}).", "example": "hof_Zk3v9QyR1sXo2bWc8nTt4uPa"})
    code = fields.String(metadata={
        "description": "A short code to read out or type when the link cannot carry the "
                       "handoff (a phone call); it works like the token.", "example": "K7Q4-XPM2"})
    expires_at = fields.DateTime(metadata={"description": "When the handoff is erased (24 h).",
                                           "example": "2026-12-03T09:30:00+00:00"})


class ContactSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id of the contact.",
                                 "example": "ctc_6a7b8c9d0e1f2a3b"})
    enterprise_id = fields.String(metadata={"description": "The enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    topic = fields.String(metadata={"description": "The topic you gave.", "example": "航班取消改签"})
    handoff = fields.Nested(HandoffRefSchema, metadata={"description": "How the agent gets your "
                                                        "context.", "example": None})
    carries_handoff = fields.Boolean(metadata={
        "description": "Whether some link carries the handoff by itself (else give the code).",
        "example": True})
    links = fields.List(fields.Nested(ContactLinkSchema), metadata={
        "description": "Links that open the channel with your topic, and the handoff where "
                       "the channel can take it.",
        "example": [{"uri": "https://kefu.example.com/chat?c800_handoff=hof_Zk3v9QyR1sXo2bWc8nTt4uPa",
                     "platform": "any", "role": "primary", "steps": None, "label": None,
                     "handoff": True}]})
    created_at = fields.DateTime(metadata={"description": "When.",
                                           "example": "2026-12-02T09:30:00+00:00"})


@blp.route("/enterprises/<string:enterprise_id>/contacts", parameters=[ENTERPRISE])
class Contacts(MethodView):
    @blp.response(201, ContactSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(requestBody={"required": True, "content": {"application/json": {
        "schema": ContactCreateSchema,
        "example": {"channel_id": "ch_5dd08e23240d7f37", "topic": "航班取消改签",
                    "details": {"reference": "CA1234-PNR-ABC123"}, "platform": "ios"}}}})
    @protected_doc(blp, idempotent=True, not_found="No listed enterprise has this id.")
    @require_scope("me")
    @idempotent
    def post(self, enterprise_id: str):
        """Contact an enterprise, with context that travels

        Gives the channel's links carrying your topic and a handoff — what you chose to share
        — so the agent need not ask again: web pages and WeCom links carry its token, mail,
        SMS and WhatsApp its short code; on a call, read the code out. Only the enterprise
        reads it, for 24 hours. Counts as an open of the channel in the enterprise's insights.
        """
        enterprise = _public_enterprise(enterprise_id)
        body = load_body(ContactCreateSchema)
        channel = next((c for c in enterprise.channels if c.id == body["channel_id"]), None)
        if channel is None or channel.hidden or channel.direction != "contact":
            abort(422, message="The body is not valid; nothing was changed.", errors={"json": {
                "channel_id": ["The listing has no channel with this id one can contact."]}})
        session = db_session()
        details = {k: v for k, v in (body["details"] or {}).items() if v is not None}
        handoff, token, code = start_contact(session, enterprise, channel, g.current_user.id,
                                             topic=body["topic"], details=details,
                                             platform=body["platform"])
        emit(session, enterprise.id, "handoff.created", handoff_event(handoff, code))
        session.commit()
        language = preferred_language()
        links = deep_links_for(channel, body["platform"], body["topic"], HandoffRef(token, code))
        return no_store(ContactSchema().dump({
            "id": handoff.id, "enterprise_id": enterprise.id, "channel_id": channel.id,
            "topic": handoff.topic, "handoff": {"token": token, "code": code,
                                                "expires_at": handoff.expires_at},
            "carries_handoff": any(link.handoff for link in links),
            "links": [{**link_dump(link, language), "handoff": link.handoff} for link in links],
            "created_at": handoff.created_at}), 201)


# Webhook payloads say that something happened and where to read it, never what a consumer
# wrote: the delivery log is kept 30 days, longer than a handoff (24 h) or a callback number.
def handoff_event(handoff, code: str) -> dict:  # noqa: ANN001
    return {"handoff_id": handoff.id, "channel_id": handoff.channel_id, "code": code,
            "platform": handoff.platform, "created_at": handoff.created_at.isoformat(),
            "expires_at": handoff.expires_at.isoformat(),
            "url": url_for("service.HandoffRead", token=code)}


# --- callbacks -------------------------------------------------------------------------------

class CallbackCreateSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(3, 32), metadata={
        "description": "The number to call you on: a mainland number as you write it, or "
                       "+<country code> for one abroad. Erased once the request is over.",
        "example": "138 0013 8000"})
    window_start = Instant(required=True, metadata={
        "description": "From when you can take the call (RFC 3339 with offset), within 14 days.",
        "example": "2026-12-02T14:00:00+08:00"})
    window_end = Instant(required=True, metadata={
        "description": "Until when (15 minutes to 12 hours after the start).",
        "example": "2026-12-02T16:00:00+08:00"})
    topic = fields.String(required=True, validate=line(200), metadata={
        "description": "What it is about.", "example": "信用卡账单疑问"})
    details = fields.String(load_default=None, validate=text(2000), metadata={
        "description": "Anything else you choose to share.", "example": "11 月账单多扣了一笔年费。"})


class CallbackSchema(Schema):
    id = fields.String(metadata={"description": "Opaque id.", "example": "cbk_4e5f6a7b8c9d0e1f"})
    enterprise_id = fields.String(metadata={"description": "The enterprise.",
                                            "example": "ent_9f7532f6acdd"})
    channel_id = fields.String(metadata={"description": "The channel.", "example": "ch_5dd08e23240d7f37"})
    phone = fields.String(allow_none=True, metadata={
        "description": "The number to call (E.164); null once the request is over.",
        "example": "+8613800138000"})
    topic = fields.String(metadata={"description": "What it is about.", "example": "信用卡账单疑问"})
    details = fields.String(allow_none=True, metadata={"description": "What else was shared.",
                                                       "example": None})
    window_start = fields.DateTime(metadata={"description": "Window start.",
                                             "example": "2026-12-02T06:00:00+00:00"})
    window_end = fields.DateTime(metadata={"description": "Window end.",
                                           "example": "2026-12-02T08:00:00+00:00"})
    status = fields.String(metadata={
        "description": "`requested`, `accepted` (the enterprise will call), `completed`, "
                       "`declined`, `cancelled` (by you), or `expired` (nobody took it before "
                       "the window ended).", "example": "requested"})
    note = fields.String(allow_none=True, metadata={"description": "The enterprise's note.",
                                                    "example": None})
    created_at = fields.DateTime(metadata={"description": "When it was asked.",
                                           "example": "2026-12-02T05:00:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "When it last changed.",
                                           "example": "2026-12-02T05:00:00+00:00"})


CallbackListSchema = page_of("CallbackList", CallbackSchema, "Callback requests, newest first.")


def callback_dump(callback: CallbackRequest) -> dict:
    return {**{name: getattr(callback, name) for name in (
        "id", "enterprise_id", "channel_id", "phone", "topic", "details", "window_start",
        "window_end", "note", "created_at", "updated_at")}, "status": callback.shown_status(utcnow())}


def callback_event(callback: CallbackRequest) -> dict:
    return {"id": callback.id, "channel_id": callback.channel_id,
            "status": callback.shown_status(utcnow()),
            "window_start": callback.window_start.isoformat(),
            "window_end": callback.window_end.isoformat(),
            "url": url_for("service.CallbackHandle", callback_id=callback.id)}


def _phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number) or phonenumbers.number_type(
            number) not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE,
                            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        abort(422, message="The body is not valid; nothing was changed.", errors={"json": {
            "phone": ["Not a mobile or landline number one can call back."]}})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@blp.route("/channels/<string:channel_id>/callbacks", parameters=[CHANNEL])
class Callbacks(MethodView):
    @blp.response(201, CallbackSchema, headers={**RATE_LIMIT_HEADERS, "Location": {
        "description": "The request's URL.", "schema": {"type": "string"},
        "example": "/v1/me/callbacks/cbk_4e5f6a7b8c9d0e1f"}})
    @blp.doc(requestBody={"required": True, "content": {"application/json": {
        "schema": CallbackCreateSchema,
        "example": {"phone": "138 0013 8000", "window_start": "2026-12-02T14:00:00+08:00",
                    "window_end": "2026-12-02T16:00:00+08:00", "topic": "信用卡账单疑问"}}}})
    @protected_doc(blp, idempotent=True, not_found="No listed channel has this id.",
                   conflict="The channel takes no callback requests, you have an open one on it, "
                            f"or you have {MAX_OPEN_CALLBACKS} open already (on any channels).")
    @require_scope("me")
    @idempotent
    def post(self, channel_id: str):
        """Ask to be called back

        On a channel whose enterprise takes callback requests (`accepts_callbacks`): a call
        back within your time window. Follow it at GET /v1/me/callbacks/{callback_id}. At most
        3 of your requests are open at once (409), and you make at most 5 in any 24 hours,
        cancelled ones included: a sixth is a 429 whose `Retry-After` says when the oldest of
        them is a day old.
        """
        _enterprise, channel = public_channel(channel_id)
        body = load_body(CallbackCreateSchema)
        phone = _phone(body["phone"])
        session = db_session()
        callback = request_callback(
            session, channel, g.current_user.id, phone=phone, topic=body["topic"],
            details=body["details"], window_start=body["window_start"],
            window_end=body["window_end"])
        emit(session, channel.enterprise_id, "callback.requested", callback_event(callback))
        session.commit()
        response = no_store(CallbackSchema().dump(callback_dump(callback)), 201)
        response.headers["Location"] = url_for("consumers.MyCallback", callback_id=callback.id)
        return response


@blp.route("/me/callbacks")
class MyCallbacks(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, CallbackListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Your callback requests

        Newest first, with their status.
        """
        query = select(CallbackRequest).where(CallbackRequest.user_id == g.current_user.id)
        return page_answer(query, Key.newest_first(CallbackRequest.created_at, CallbackRequest.id), args,
                           callback_dump, CallbackListSchema)


@blp.route("/me/callbacks/<string:callback_id>", parameters=[CALLBACK])
class MyCallback(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, CallbackSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="You have no callback request with this id.")
    @require_scope("me")
    def get(self, _args, callback_id: str):
        """One of your callback requests

        Its status (`requested`, `accepted`, ... `expired`) and the enterprise's note.
        """
        callback = yours(CallbackRequest, callback_id, "callback request")
        return no_store(CallbackSchema().dump(callback_dump(callback)))


@blp.route("/me/callbacks/<string:callback_id>/cancel", parameters=[CALLBACK])
class MyCallbackCancel(MethodView):
    @blp.response(200, CallbackSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, idempotent=True, not_found="You have no callback request with this id.",
                   conflict="The request is over already (completed, declined, cancelled or expired).")
    @require_scope("me")
    @idempotent
    def post(self, callback_id: str):
        """Cancel a callback request

        While it is requested or accepted; your number is erased.
        """
        session = db_session()
        callback = yours(CallbackRequest, callback_id, "callback request")
        move_callback(callback, "cancelled", None, by_consumer=True)
        emit(session, callback.enterprise_id, "callback.cancelled", callback_event(callback))
        session.commit()
        return no_store(CallbackSchema().dump(callback_dump(callback)))
