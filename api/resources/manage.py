"""Enterprise self-service: the editable listing, edits of it, its channels and notices, and
its history. Owners and editors only (scope ``listings:write``); every write needs If-Match.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.pagination import page_answer
from api.resources.common import NAMES_EXAMPLE, NamesSchema, names_dump
from api.schemas.notices import NoticeLinkSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import db_session
from api.writes import (
    ETAG_HEADER,
    actor,
    check_if_match,
    json_body,
    json_body_doc,
    kept_listing,
    protected_doc,
    with_etag,
)
from directory.editing import (
    add_channel,
    add_notice,
    restore_version,
    update_channel,
    update_enterprise,
    update_notice,
)
from directory.models import CHANNEL_KINDS, CHECKERS, DIRECTIONS, REVIEW_STATUSES, SEVERITIES, Enterprise
from directory.pages import Key
from directory.versions import ListingVersion, ensure_base_version, get_version, snapshot

blp = Blueprint("manage", __name__, url_prefix="/v1",
                description="Enterprise self-service: keep your listing right (owners and editors).")

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
CHANNEL = path_parameter("channel_id", "Opaque id of the channel.", "ch_5dd08e23240d7f37")
NOTICE = path_parameter("notice_id", "Opaque id of the notice.", "nt_0c1d2e3f4a5b6c7d")
HOURS_EXAMPLE = {"timezone": "Asia/Shanghai", "weekly": {
    day: [{"open": "09:00", "close": "18:00"}] for day in ("mon", "tue", "wed", "thu", "fri")},
    "public_holidays": "closed"}
MENU_EXAMPLE = [{"intent": "信用卡挂失", "keys": "2,1"}]


class EnterprisePatchSchema(Schema):
    """The fields an owner or editor may change (a JSON merge patch: give only what changes)."""

    names = fields.Nested(NamesSchema, metadata={
        "description": "Names by language; the languages given replace the stored ones.",
        "example": {"en": "ICBC"}})
    aliases = fields.List(fields.String(), metadata={
        "description": "Abbreviations and other names (replaces the list).", "example": ["工行", "ICBC"]})
    industry = fields.String(metadata={"description": "Industry id from GET /v1/industries.",
                                       "example": "banking"})
    description = fields.String(allow_none=True, metadata={
        "description": "What the enterprise does.", "example": "个人及企业银行服务"})
    website = fields.String(allow_none=True, metadata={
        "description": "Official website (https).", "example": "https://www.icbc.com.cn/"})
    domains = fields.List(fields.String(), metadata={
        "description": "Web domains of the enterprise.", "example": ["icbc.com.cn"]})
    regions = fields.List(fields.String(), metadata={
        "description": "Regions served (CN, a GB/T 2260 code from GET /v1/regions).",
        "example": ["CN"]})


class MenuOptionSchema(Schema):
    intent = fields.String(metadata={"description": "What the option is for.", "example": "信用卡挂失"})
    keys = fields.String(metadata={"description": "Key steps separated by commas.", "example": "2,1"})


class ChannelWriteSchema(Schema):
    """A channel as an owner writes it (the import's rules; provenance is set by the system)."""

    kind = fields.String(validate=validate.OneOf(CHANNEL_KINDS), metadata={
        "description": "The kind of channel.", "example": "phone"})
    value = fields.String(metadata={
        "description": "Number (digits, + for abroad), address, URL or WeChat id, by kind.",
        "example": "95588"})
    label = fields.String(allow_none=True, metadata={"description": "Short label.",
                                                     "example": "客服热线"})
    purpose = fields.String(allow_none=True, metadata={"description": "What it is for.",
                                                       "example": "信用卡"})
    regions = fields.List(fields.String(), metadata={
        "description": "Regions the channel serves; empty for everywhere the listing serves.",
        "example": []})
    languages = fields.List(fields.String(), metadata={"description": "BCP 47 language tags.",
                                                       "example": ["zh", "en"]})
    hours = fields.Dict(allow_none=True, metadata={
        "description": "Opening hours: `timezone` with `always_open`, or `weekly` intervals per "
                       "day (`mon`..`sun`), `public_holidays` (`open`/`closed`), dated "
                       "`exceptions`; null when unknown.", "example": HOURS_EXAMPLE})
    direction = fields.String(validate=validate.OneOf(DIRECTIONS), metadata={
        "description": "`contact`, or `outbound_only` for numbers that only send or call out.",
        "example": "contact"})
    menu = fields.List(fields.Nested(MenuOptionSchema), metadata={
        "description": "The phone menu: which keys reach what.", "example": MENU_EXAMPLE})
    to_person = fields.String(allow_none=True, metadata={
        "description": "Key steps that reach a person.", "example": "0"})
    reaches_person = fields.Boolean(allow_none=True, metadata={
        "description": "Whether a human answers.", "example": True})
    topic_param = fields.String(allow_none=True, metadata={
        "description": "Query parameter of a webchat/web form/video URL that takes the topic.",
        "example": "q"})
    accepts_callbacks = fields.Boolean(metadata={
        "description": "You take callback requests on this channel (phone and callback "
                       "channels): consumers ask with POST /v1/channels/{channel_id}/callbacks, "
                       "you handle them under /v1/manage/.../callbacks.", "example": False})
    hidden = fields.Boolean(metadata={"description": "Hidden from the public (reversible).",
                                      "example": False})


class ManagedReviewSchema(Schema):
    status = fields.String(validate=validate.OneOf(REVIEW_STATUSES), metadata={
        "description": "`checked`: c800 vouches for `kind` and `value`; `pending`: your change "
                       "waits for a c800 administrator (shown on the listing, marked unchecked; "
                       "lookup keeps vouching for `checked_value`); `rejected`: an administrator "
                       "refused it and the channel was hidden (showing it again asks again).",
        "example": "pending"})
    checked_by = fields.String(allow_none=True, validate=validate.OneOf(CHECKERS), metadata={
        "description": "Who checked `checked_value`: `source` (a data set) or `admin`.",
        "example": "source"})
    checked_at = fields.String(allow_none=True, metadata={
        "description": "When (RFC 3339); null when never checked.", "example": "2026-11-23T10:00:00+00:00"})
    checked_kind = fields.String(allow_none=True, metadata={
        "description": "The kind of the checked value.", "example": "phone"})
    checked_value = fields.String(allow_none=True, metadata={
        "description": "The value lookup vouches for (the last checked one); null when none was "
                       "ever checked.", "example": "95588"})


class ManagedWebReviewSchema(Schema):
    status = fields.String(validate=validate.OneOf(("checked", "pending")), metadata={
        "description": "`pending` while a website or domain you added or changed waits for a c800 "
                       "administrator; lookup vouches only for `checked_website` and "
                       "`checked_domains` (those the listing still shows).", "example": "checked"})
    checked_by = fields.String(allow_none=True, validate=validate.OneOf(CHECKERS), metadata={
        "description": "Who checked them last: `source` or `admin`.", "example": "source"})
    checked_at = fields.String(allow_none=True, metadata={
        "description": "When (RFC 3339).", "example": "2026-11-23T10:00:00+00:00"})
    checked_website = fields.String(allow_none=True, metadata={
        "description": "The checked website.", "example": "https://www.icbc.com.cn/"})
    checked_domains = fields.List(fields.String(), metadata={
        "description": "The checked domains.", "example": ["icbc.com.cn"]})


class ManagedChannelSchema(ChannelWriteSchema):
    id = fields.String(metadata={"description": "Opaque channel id.", "example": "ch_5dd08e23240d7f37"})
    review = fields.Nested(ManagedReviewSchema, metadata={
        "description": "The review of the channel's kind and value (set by the system).",
        "example": {"status": "checked", "checked_by": "source", "checked_at": None,
                    "checked_kind": "phone", "checked_value": "95588"}})
    source = fields.String(allow_none=True, metadata={
        "description": "Provenance, set by the system.", "example": "self-service:usr_0f3c9a7e1b2d4c5a"})
    verified_at = fields.String(allow_none=True, metadata={
        "description": "When the c800 team last verified it; cleared when its number or "
                       "address changes.", "example": None})


class NoticeWriteSchema(Schema):
    title = fields.String(metadata={"description": "Title, 1-200 characters.",
                                    "example": "暴雨影响：部分列车停运"})
    body = fields.String(metadata={"description": "Text, 1-5000 characters.",
                                   "example": "停运车次可免费退票，请在线办理。"})
    severity = fields.String(validate=validate.OneOf(SEVERITIES), metadata={
        "description": "`info`, `warning` or `critical`.", "example": "warning"})
    valid_from = fields.String(allow_none=True, metadata={
        "description": "RFC 3339 start with an offset, within 10 years of now (default now).",
        "example": "2026-12-02T08:00:00+08:00"})
    valid_until = fields.String(allow_none=True, metadata={
        "description": "RFC 3339 end with an offset, within 10 years of now; null for until "
                       "hidden.", "example": "2026-12-05T00:00:00+08:00"})
    links = fields.List(fields.Nested(NoticeLinkSchema), metadata={
        "description": "Self-service links (at most 10).",
        "example": [{"label": "在线退票", "url": "https://www.12306.cn/"}]})
    hidden = fields.Boolean(metadata={"description": "Hidden from the public (reversible).",
                                      "example": False})


class NoticeSchema(NoticeWriteSchema):
    id = fields.String(metadata={"description": "Opaque notice id.", "example": "nt_0c1d2e3f4a5b6c7d"})


class ManagedListingSchema(Schema):
    id = fields.String(metadata={"description": "Opaque enterprise id.", "example": "ent_9f7532f6acdd"})
    version = fields.Integer(metadata={"description": "The listing's version (its ETag is "
                                       "`\"v<version>\"`).", "example": 3})
    verified = fields.Boolean(metadata={"description": "A claim proved that someone acts for the "
                                        "enterprise (see the public listing's `verification`).",
                                        "example": True})
    status = fields.String(metadata={"description": "`active`, `hidden` or `suspended`.",
                                     "example": "active"})
    names = fields.Nested(NamesSchema, metadata={"description": "Names by language.",
                                                      "example": NAMES_EXAMPLE})
    aliases = fields.List(fields.String(), metadata={"description": "Other names.",
                                                     "example": ["工行"]})
    industry = fields.String(metadata={"description": "Industry id.", "example": "banking"})
    description = fields.String(allow_none=True, metadata={"description": "Description.",
                                                           "example": None})
    website = fields.String(allow_none=True, metadata={"description": "Website.",
                                                       "example": "https://www.icbc.com.cn/"})
    domains = fields.List(fields.String(), metadata={"description": "Domains.",
                                                     "example": ["icbc.com.cn"]})
    regions = fields.List(fields.String(), metadata={"description": "Regions served.",
                                                     "example": ["CN"]})
    web_review = fields.Nested(ManagedWebReviewSchema, metadata={
        "description": "The review of `website` and `domains` (set by the system).",
        "example": {"status": "checked", "checked_by": "source", "checked_at": None,
                    "checked_website": "https://www.icbc.com.cn/", "checked_domains": ["icbc.com.cn"]}})
    channels = fields.List(fields.Nested(ManagedChannelSchema), metadata={
        "description": "Every channel, hidden ones included, in the listing's order.",
        "example": [{"id": "ch_5dd08e23240d7f37", "kind": "phone", "value": "95588",
                     "hidden": False}]})
    notices = fields.List(fields.Nested(NoticeSchema), metadata={
        "description": "Every notice, hidden and past ones included.", "example": []})


class VersionSchema(Schema):
    number = fields.Integer(metadata={"description": "The version number.", "example": 4})
    actor = fields.String(metadata={"description": "Who: a user id, `import`, or `admin:<id>`.",
                                    "example": "usr_0f3c9a7e1b2d4c5a"})
    client_id = fields.String(allow_none=True, metadata={"description": "The OAuth client used.",
                                                         "example": "cl_3f9a0c2e5b7d41a8"})
    action = fields.String(metadata={"description": "What kind of change (`update`, "
                                     "`add_channel`, `restore:2`, ...).", "example": "update"})
    changes = fields.List(fields.String(), metadata={
        "description": "What changed, as dotted field names.", "example": ["website"]})
    created_at = fields.DateTime(metadata={"description": "When.",
                                           "example": "2026-12-02T09:30:00+00:00"})
    listing = fields.Dict(metadata={"description": "The listing as it was after this change.",
                                    "example": {"names": NAMES_EXAMPLE, "channels": []}})


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(VersionSchema), metadata={
        "description": "Versions, newest first.", "example": []})
    next = fields.String(allow_none=True, metadata={"description": "URL of the next page.",
                                                    "example": None})


class VersionArgsSchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100), metadata={
        "description": "How many versions a page holds, 1 to 100.", "example": 20})
    cursor = fields.String(load_default=None, validate=validate.Length(1, 200), metadata={
        "description": "Opaque position returned as `next`.", "example": "NA"})


def managed_dump(enterprise: Enterprise) -> dict:
    state = snapshot(enterprise)
    state["names"] = names_dump(state["names"])
    return {"id": enterprise.id, "version": enterprise.version, "verified": enterprise.verified,
            "status": enterprise.status, **state}


def _commit_listing(enterprise: Enterprise, status: int = 200, location: str | None = None):  # noqa: ANN202
    db_session().commit()
    return with_etag(ManagedListingSchema().dump(managed_dump(enterprise)), enterprise, status,
                     location)


@blp.route("/manage/enterprises/<string:enterprise_id>", parameters=[ENTERPRISE])
class ManagedListing(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, ManagedListingSchema, headers=ETAG_HEADER)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, _args, enterprise_id: str):
        """Read your listing for editing

        Everything an owner or editor may change, hidden channels and notices included, with
        the `ETag` every write sends back in `If-Match`.
        """
        enterprise = kept_listing(db_session(), enterprise_id, write=False)
        return with_etag(ManagedListingSchema().dump(managed_dump(enterprise)), enterprise)


@blp.route("/enterprises/<string:enterprise_id>", parameters=[ENTERPRISE])
class ListingEdit(MethodView):
    @blp.response(200, ManagedListingSchema, headers=ETAG_HEADER)
    @blp.doc(**json_body_doc(EnterprisePatchSchema, {"website": "https://www.icbc.com.cn/"}))
    @protected_doc(blp, if_match=True, conflict="The listing is suspended.")
    @require_scope("listings:write")
    def patch(self, enterprise_id: str):
        """Edit your listing

        A JSON merge patch of the listing's own fields, validated by the same rules as the
        import. Read-only fields (`id`, `verified`, `version`, `status`, `source`, ...) are
        refused with 422, as are unknown ones. The change is stored as a new version. A new
        website or domain is shown at once but waits for a c800 administrator before lookup
        calls it yours (`web_review`); one another listing holds, one that mixes scripts or
        can pass for another name, or one lookup calls an imitation is refused with 422.
        """
        with editing(enterprise_id) as (session, enterprise):
            update_enterprise(session, enterprise, json_body(), actor())
        return _commit_listing(enterprise)


@blp.route("/enterprises/<string:enterprise_id>/channels", parameters=[ENTERPRISE])
class ChannelCreate(MethodView):
    @blp.response(201, ManagedListingSchema, headers={**ETAG_HEADER, "Location": {
        "description": "The new channel's edit URL.", "schema": {"type": "string"},
        "example": "/v1/enterprises/ent_9f7532f6acdd/channels/ch_5dd08e23240d7f37"}})
    @blp.doc(**json_body_doc(ChannelWriteSchema, {"kind": "phone", "value": "95588",
                                              "label": "客服热线", "to_person": "0"}))
    @protected_doc(blp, if_match=True, idempotent=True,
                   conflict="The channel exists already, the listing is suspended, or a request "
                            "with this Idempotency-Key is still running.")
    @require_scope("listings:write")
    @idempotent
    def post(self, enterprise_id: str):
        """Add a channel

        Adds a channel at the end of the listing; `source` is set to this edit. A number,
        address or URL you add is shown at once, marked unchecked (`review.status:
        pending`), and `/v1/lookup` calls it official only once a c800 administrator has
        checked it. One that another listing holds, or that lookup warns against (an imitation
        of a listed domain), is refused with 422.
        """
        with editing(enterprise_id) as (session, enterprise):
            channel = add_channel(session, enterprise, json_body(), actor())
        return _commit_listing(enterprise, 201, url_for(
            "manage.ChannelEdit", enterprise_id=enterprise.id, channel_id=channel.id))


@contextmanager
def editing(enterprise_id: str) -> Iterator[tuple[Session, Enterprise]]:
    """The kept listing, its If-Match checked. A refused edit (EditError, EditConflict) is
    answered by api/problems.py, which rolls the request's session back: nothing is kept."""
    session = db_session()
    enterprise = kept_listing(session, enterprise_id, write=False)
    check_if_match(enterprise)  # preconditions first: a write without If-Match is a 428
    kept_listing(session, enterprise_id)
    yield session, enterprise


def _find(items, ident: str, what: str):  # noqa: ANN001, ANN202
    found = next((item for item in items if item.id == ident), None)
    if found is None:
        abort(404, message=f"The listing has no {what} {ident!r}.")
    return found


@blp.route("/enterprises/<string:enterprise_id>/channels/<string:channel_id>",
           parameters=[ENTERPRISE, CHANNEL])
class ChannelEdit(MethodView):
    @blp.response(200, ManagedListingSchema, headers=ETAG_HEADER)
    @blp.doc(**json_body_doc(ChannelWriteSchema, {"hours": HOURS_EXAMPLE, "menu": MENU_EXAMPLE}))
    @protected_doc(blp, if_match=True, conflict="Another channel has this kind and value, or "
                   "the listing is suspended.")
    @require_scope("listings:write")
    def patch(self, enterprise_id: str, channel_id: str):
        """Edit, hide or show a channel

        A merge patch of the channel: hours, phone menu, label, ... `hidden: true` hides it
        from the public and `false` shows it again; nothing is deleted. A new kind or value
        waits for a c800 administrator as a new channel does; lookup keeps vouching for the
        checked one meanwhile.
        """
        with editing(enterprise_id) as (session, enterprise):
            channel = _find(enterprise.channels, channel_id, "channel")
            update_channel(session, enterprise, channel, json_body(), actor())
        return _commit_listing(enterprise)


@blp.route("/enterprises/<string:enterprise_id>/notices", parameters=[ENTERPRISE])
class NoticeCreate(MethodView):
    @blp.response(201, ManagedListingSchema, headers={**ETAG_HEADER, "Location": {
        "description": "The new notice's edit URL.", "schema": {"type": "string"},
        "example": "/v1/enterprises/ent_9f7532f6acdd/notices/nt_0c1d2e3f4a5b6c7d"}})
    @blp.doc(**json_body_doc(NoticeWriteSchema, {"title": "系统维护",
                                                 "body": "今晚 23:00-01:00 网银暂停服务。",
                                                 "severity": "info"}))
    @protected_doc(blp, if_match=True, idempotent=True)
    @require_scope("listings:write")
    @idempotent
    def post(self, enterprise_id: str):
        """Publish a notice

        Shown on the listing from `valid_from` (default now) until `valid_until`. A link to a
        host `/v1/lookup` warns against (an imitation of a listed domain, a host hidden behind
        `name@`, an IP address) is refused with 422, as is a host that can pass for another.
        """
        with editing(enterprise_id) as (session, enterprise):
            notice = add_notice(session, enterprise, json_body(), actor())
        return _commit_listing(enterprise, 201, url_for(
            "manage.NoticeEdit", enterprise_id=enterprise.id, notice_id=notice.id))


@blp.route("/enterprises/<string:enterprise_id>/notices/<string:notice_id>",
           parameters=[ENTERPRISE, NOTICE])
class NoticeEdit(MethodView):
    @blp.response(200, ManagedListingSchema, headers=ETAG_HEADER)
    @blp.doc(**json_body_doc(NoticeWriteSchema, {"hidden": True}))
    @protected_doc(blp, if_match=True)
    @require_scope("listings:write")
    def patch(self, enterprise_id: str, notice_id: str):
        """Edit or hide a notice

        A merge patch of the notice; `hidden: true` takes it off the listing (reversibly).
        """
        with editing(enterprise_id) as (session, enterprise):
            notice = _find(enterprise.notices, notice_id, "notice")
            update_notice(session, enterprise, notice, json_body(), actor())
        return _commit_listing(enterprise)


def version_dump(version) -> dict:  # noqa: ANN001
    return {"number": version.number, "actor": version.actor, "client_id": version.client_id,
            "action": version.action, "changes": version.changes, "created_at": version.created_at,
            "listing": version.snapshot}


@blp.route("/enterprises/<string:enterprise_id>/versions", parameters=[ENTERPRISE])
class Versions(MethodView):
    @blp.arguments(VersionArgsSchema, location="query")
    @blp.response(200, VersionListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp)
    @require_scope("listings:write")
    def get(self, args, enterprise_id: str):
        """The listing's history

        Every stored version, newest first: who changed what, when, and the listing after it.
        """
        session = db_session()
        enterprise = kept_listing(session, enterprise_id, write=False)
        ensure_base_version(session, enterprise)
        session.commit()
        query = select(ListingVersion).where(ListingVersion.enterprise_id == enterprise.id)
        return page_answer(query, Key.descending(ListingVersion.number), args, version_dump,
                           VersionListSchema)


@blp.route("/enterprises/<string:enterprise_id>/versions/<int:number>/restore",
           parameters=[ENTERPRISE, {"in": "path", "name": "number", "required": True,
                                    "description": "The version to restore.",
                                    "schema": {"type": "integer", "minimum": 1}, "example": 2}])
class VersionRestore(MethodView):
    @blp.response(200, ManagedListingSchema, headers=ETAG_HEADER)
    @protected_doc(blp, if_match=True, idempotent=True)
    @require_scope("listings:write")
    @idempotent
    def post(self, enterprise_id: str, number: int):
        """Restore a version

        Makes the listing what version `number` was, as a new version. Channels and notices
        that version did not have are hidden, not deleted; `verified` and `status` stay.
        """
        with editing(enterprise_id) as (session, enterprise):
            version = get_version(session, enterprise.id, number)
            if version is None:
                abort(404, message=f"The listing has no version {number}.")
            restore_version(session, enterprise, version.snapshot, number, actor())
        return _commit_listing(enterprise)
