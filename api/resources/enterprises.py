"""Enterprises: filtered, paginated listing and the full listing with its channels."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from api.cache import not_after
from api.http import (
    pick_name,
    preferred_language,
    public_url,
)
from api.jsonld import JSONLD_EXAMPLE, LD_JSON, organization
from api.pagination import cursor_values, page_response
from api.presenters.channels import channel_dump, context_for, public_source, review_dump
from api.resources.common import NAMES_EXAMPLE, NamesSchema, PageArgsSchema, names_dump
from api.schemas.channels import CHANNEL_EXAMPLE, REVIEW_EXAMPLE, ChannelSchema, ReviewSchema
from api.smorest import READ_HEADERS, Blueprint, path_parameter, public_read
from api.state import db_session
from directory.experience_summaries import expected_waits
from directory.instants import Instant
from directory.links import PLATFORMS
from directory.listings import (
    LISTING_ORDER,
    ListingFilter,
    get_public_enterprise,
    industry_exists,
    list_enterprises,
)
from directory.models import CHANNEL_KINDS, Enterprise
from directory.reach import channels_for, serves_region
from directory.regions import known_region_codes
from directory.reviews import unchecked_web, verification_of
from directory.validation import SLUG_PATTERN

blp = Blueprint("enterprises", __name__, url_prefix="/v1/enterprises",
                description="Listed enterprises and every channel to reach them.")

ICBC_ID = "ent_9f7532f6acdd"


# The spec lists every accepted code, so clients and the server agree on what is a region.
REGION_FIELD_VALIDATORS = [validate.OneOf(known_region_codes(), error=(
    "No such region {input!r}: use CN, another ISO 3166-1 alpha-2 country, or a GB/T 2260 "
    "code in use from GET /v1/regions."))]


class EnterpriseListArgsSchema(PageArgsSchema):
    industry = fields.String(load_default=None, validate=validate.Regexp(SLUG_PATTERN), metadata={
        "description": "Only enterprises in this industry or below it (an id from "
                       "`GET /v1/industries`).", "example": "banking"})
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNEL_KINDS), metadata={
        "description": "Only enterprises that can be reached through a channel of this kind.",
        "example": "phone"})
    region = fields.String(load_default=None, validate=REGION_FIELD_VALIDATORS, metadata={
        "description": "Only enterprises serving this region: an ISO 3166-1 alpha-2 "
                  "country (`CN`, `US`) or a GB/T 2260 division code (`440300`). A city is "
                  "served by enterprises serving its province or CN; enterprises whose regions "
                  "are unknown are included.", "example": "CN"})
    verified = fields.Boolean(load_default=None, metadata={
        "description": "Only enterprises whose listing is (`true`) or is not (`false`) verified "
                       "by a claim (see `verified`).", "example": True})


SUMMARY_EXAMPLE = {
    "id": ICBC_ID, "name": "中国工商银行", "names": NAMES_EXAMPLE, "aliases": ["工行", "ICBC"],
    "industry": "banking", "verified": False, "website": "https://www.icbc.com.cn/",
    "channel_kinds": ["phone", "email"],
}


class PublicLinkSchema(Schema):
    label = fields.String(metadata={"description": "Link text.", "example": "在线退票"})
    url = fields.String(metadata={"description": "An https URL.", "example": "https://www.12306.cn/"})


class PublicNoticeSchema(Schema):
    id = fields.String(metadata={"description": "Opaque notice id.", "example": "nt_0c1d2e3f4a5b6c7d"})
    title = fields.String(metadata={"description": "Title.", "example": "暴雨影响：部分列车停运"})
    body = fields.String(metadata={"description": "Text.", "example": "停运车次可免费退票。"})
    severity = fields.String(metadata={"description": "`info`, `warning` or `critical`.",
                                       "example": "warning"})
    valid_from = fields.DateTime(metadata={"description": "Shown from.",
                                           "example": "2026-12-02T00:00:00+00:00"})
    valid_until = fields.DateTime(allow_none=True, metadata={"description": "Shown until; null "
                                  "while the enterprise keeps it up.", "example": None})
    links = fields.List(fields.Nested(PublicLinkSchema), metadata={
        "description": "Self-service links.", "example": [{"label": "在线退票",
                                                            "url": "https://www.12306.cn/"}]})


class EnterpriseSummarySchema(Schema):
    id = fields.String(metadata={"description": "Opaque enterprise id.", "example": ICBC_ID})
    name = fields.String(metadata={
        "description": "Name in the language Accept-Language chose (falling back to another "
                       "language when that one is unknown).", "example": "中国工商银行"})
    names = fields.Nested(NamesSchema, metadata={"description": "Names in three languages.",
                                                 "example": NAMES_EXAMPLE})
    aliases = fields.List(fields.String(), metadata={
        "description": "Abbreviations and other names people use.",
        "example": ["工行", "ICBC"]})
    industry = fields.String(metadata={"description": "Industry id.", "example": "banking"})
    verified = fields.Boolean(metadata={
        "description": "True when someone proved, by a claim, that they act for the enterprise "
                       "(the detail's `verification` says how): they confirmed a link mailed to an "
                       "address at one of the listing's checked domains, or a c800 administrator "
                       "approved their claim. It does not vouch for every fact on the listing: "
                       "each channel's `review` and the listing's `web_review` say which facts "
                       "c800 has checked.", "example": False})
    website = fields.String(allow_none=True, metadata={
        "description": "Official website.", "example": "https://www.icbc.com.cn/"})
    channel_kinds = fields.List(fields.String(), metadata={
        "description": "Kinds of the channels that reach the enterprise (with `region`, "
                       "those serving that region: national ones and the region's own).",
        "example": ["phone", "email"]})


class EnterpriseListSchema(Schema):
    items = fields.List(fields.Nested(EnterpriseSummarySchema), metadata={
        "description": "This page's enterprises, in a stable order.",
        "example": [SUMMARY_EXAMPLE]})
    next = fields.String(allow_none=True, metadata={
        "description": "URL of the next page; null on the last page.",
        "example": "http://127.0.0.1:8000/v1/enterprises?limit=20&cursor=ZW50XzAwYjQ1ZjFlYTEyMw"})


class WebReviewSchema(ReviewSchema):
    unchecked = fields.List(fields.String(), metadata={
        "description": "The website and domains the listing shows that c800 has not checked yet "
                       "(the enterprise added or changed them): lookup does not call them "
                       "official. Empty when `status` is `checked`.", "example": []})


WEB_REVIEW_EXAMPLE = {**REVIEW_EXAMPLE, "unchecked": []}


class VerificationSchema(Schema):
    method = fields.String(validate=validate.OneOf(("email", "admin", "source")), metadata={
        "description": "`email`: a link mailed to an address at `domain`, one of the listing's "
                       "checked domains, was opened by the claimant; `admin`: a c800 "
                       "administrator approved the claim; `source`: the data set says so.",
        "example": "email"})
    domain = fields.String(allow_none=True, metadata={
        "description": "The registrable domain whose mailbox confirmed the claim (method "
                       "`email`); else null.", "example": "icbc.com.cn"})
    verified_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the claim was confirmed or approved; null for `source`.",
        "example": "2026-12-02T09:30:00+00:00"})


class EnterpriseSchema(EnterpriseSummarySchema):
    description = fields.String(allow_none=True, metadata={
        "description": "What the enterprise does; null when no source says.", "example": None})
    domains = fields.List(fields.String(), metadata={
        "description": "Web domains that belong to the enterprise.",
        "example": ["icbc.com.cn"]})
    regions = fields.List(fields.String(), metadata={
        "description": "Regions served (ISO 3166-1 or GB/T 2260 codes); empty when unknown.",
        "example": ["CN"]})
    version = fields.Integer(metadata={"description": "Incremented by every change.",
                                       "example": 1})
    source = fields.List(fields.String(), metadata={
        "description": "The source records the listing was built from (`enterprise` when the "
                       "enterprise wrote it itself). Never names a person.",
        "example": ["vcards:data/金融银行/中国工商银行.yaml"]})
    web_review = fields.Nested(WebReviewSchema, metadata={
        "description": "Whether c800 has checked the listing's `website` and `domains` (what "
                       "`/v1/lookup` calls the enterprise's domains), by whom and when.",
        "example": WEB_REVIEW_EXAMPLE})
    verification = fields.Nested(VerificationSchema, allow_none=True, metadata={
        "description": "What `verified` rests on; null when the listing is not verified.",
        "example": {"method": "email", "domain": "icbc.com.cn",
                    "verified_at": "2026-12-02T09:30:00+00:00"}})
    created_at = fields.DateTime(metadata={"description": "When the listing was created.",
                                           "example": "2026-11-23T10:00:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "When the listing last changed.",
                                           "example": "2026-11-23T10:00:00+00:00"})
    channels = fields.List(fields.Nested(ChannelSchema), metadata={
        "description": "Every channel (serving `region` when one is asked), best first: open "
                       "now (open, then unknown, then closed), reaches a person (yes, unknown, "
                       "no), lower cost (toll-free numbers first, international calls last; "
                       "local-rate calls and online channels in between), then the listing's "
                       "own order; outbound-only senders last.", "example": [CHANNEL_EXAMPLE]})
    notices = fields.List(fields.Nested(PublicNoticeSchema), metadata={
        "description": "The enterprise's current notices (at `at`), most severe first, then "
                       "newest.", "example": []})


TOPIC_TEXT = validate.Regexp(r"^[^\x00-\x1f\x7f-\x9f]*$",
                            error="A topic may not contain control characters.")


class DetailArgsSchema(Schema):
    platform = fields.String(load_default="any", validate=validate.OneOf(PLATFORMS), metadata={
        "description": "The consumer's platform, for links: `ios`, `android`, `web` or `any` "
                       "(every link, each marked with where it works).", "example": "ios"})
    topic = fields.String(load_default=None, validate=[validate.Length(1, 200), TOPIC_TEXT],
                          metadata={
        "description": "What the consumer wants to talk about, carried into links that take "
                       "one (mail subject, SMS body, WeCom `scene_param`, a webchat "
                       "parameter the listing declares).", "example": "信用卡挂失"})
    at = Instant(load_default=None, metadata={
        "description": "The instant `status` is computed for (RFC 3339 with an offset), within "
                       "a year of now; default now.", "example": "2026-11-24T09:30:00+08:00"})
    region = fields.String(load_default=None, validate=REGION_FIELD_VALIDATORS, metadata={
        "description": "Only the national channels and those serving this region (a city "
                       "inherits its province's): a GB/T 2260 code from `GET /v1/regions`, or "
                       "CN.", "example": "440300"})


def _channel_kinds(enterprise: Enterprise, region: str | None) -> list[str]:
    kinds = [c.kind for c in enterprise.channels if c.direction == "contact" and not c.hidden
             and serves_region(c, region)]
    return list(dict.fromkeys(kinds))


def summary_dump(enterprise: Enterprise, language: str, region: str | None = None) -> dict:
    """The summary of *enterprise*; with *region*, its channel kinds are those serving it."""
    names = enterprise.names()
    return {
        "id": enterprise.id,
        "name": pick_name(names, language),
        "names": names_dump(names),
        "aliases": list(enterprise.aliases or []),
        "industry": enterprise.industry_id,
        "verified": enterprise.verified,
        "website": enterprise.website,
        "channel_kinds": _channel_kinds(enterprise, region),
    }


# One instance each, reused: a schema instance copies its fields and builds its nested schemas,
# which cost more than the dump itself.
_LIST_SCHEMA, _DETAIL_SCHEMA = EnterpriseListSchema(), EnterpriseSchema()


@blp.route("")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseListArgsSchema, location="query")
    @blp.response(200, EnterpriseListSchema, headers={**READ_HEADERS, "Link": {
        "description": "RFC 8288 link to the next page (`rel=\"next\"`), absent on the last.",
        "schema": {"type": "string"},
        "example": '<http://127.0.0.1:8000/v1/enterprises?limit=20&cursor=ZW50X2Ex>; rel="next"'}})
    @public_read(blp)
    def get(self, args):
        """Browse enterprises

        Filter by industry, channel kind, region and verified flag; pages are cursor-based.
        """
        session = db_session()
        if args["industry"] is not None and not industry_exists(session, args["industry"]):
            abort(422, message="The request's parameters are not valid.",
                  errors={"query": {"industry": ["No such industry."]}})
        where = ListingFilter(industry=args["industry"], channel=args["channel"],
                              region=args["region"], verified=args["verified"])
        page = list_enterprises(session, where, cursor_values(LISTING_ORDER, args["cursor"]),
                                args["limit"])
        language = preferred_language()
        return page_response(page, args, lambda e: summary_dump(e, language, args["region"]),
                             _LIST_SCHEMA, cache=True)


@blp.route("/<string:enterprise_id>", parameters=[
    path_parameter("enterprise_id", "Opaque id of the enterprise.", ICBC_ID)])
class EnterpriseDetail(MethodView):
    @blp.arguments(DetailArgsSchema, location="query")
    @blp.response(200, EnterpriseSchema, headers=READ_HEADERS)
    @blp.doc(responses={"200": {
        "description": "The listing: as JSON by default, as schema.org JSON-LD when "
                       "`Accept: application/ld+json` prefers it (`Vary: Accept`).",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Enterprise"}},
            LD_JSON: {"schema": {"type": "object", "description": "schema.org Organization with "
                                 "one ContactPoint per way in."}, "example": JSONLD_EXAMPLE}},
        "headers": READ_HEADERS}})
    @public_read(blp, not_found="No listed enterprise has this id.")
    def get(self, args, enterprise_id: str):
        """Get an enterprise with all its channels

        Each channel carries links that open it on the asked `platform` (tel: with menu
        shortcuts, sms: and mailto: carrying the `topic`, https webchat and WeCom, app stores,
        wa.me, FaceTime), whether it is open at `at` (default now), what kind of number it is,
        and its phone menu. Channels come best first. With `Accept: application/ld+json` the
        answer is schema.org JSON-LD (Organization + ContactPoint) instead.
        """
        enterprise = get_public_enterprise(db_session(), enterprise_id)
        if enterprise is None:
            abort(404, message=f"No listed enterprise has the id {enterprise_id!r}.")
        language = preferred_language()
        at = args["at"] or datetime.now(UTC)
        channels = channels_for(enterprise, at, args["region"])
        context = context_for(enterprise, language=language, at=at, platform=args["platform"],
                              topic=args["topic"],
                              waits=expected_waits(db_session(), channels, at))
        if _wants_jsonld():
            body = organization(enterprise, channels, language, public_url(""))
            response = Response(json.dumps(body, ensure_ascii=False), mimetype=LD_JSON)
            response.headers["Vary"] = "Accept"
            return response
        response = jsonify(_DETAIL_SCHEMA.dump({
            **summary_dump(enterprise, language, args["region"]),
            "description": enterprise.description,
            "domains": list(enterprise.domains or []),
            "regions": enterprise.regions,
            "version": enterprise.version,
            "source": [public_source(s) for s in enterprise.source or []],
            "web_review": web_review_dump(enterprise),
            "verification": verification_dump(db_session(), enterprise),
            "created_at": enterprise.created_at,
            "updated_at": enterprise.updated_at,
            "channels": [channel_dump(c, context) for c in channels],
            "notices": current_notices(enterprise, at),
        }))
        response.headers["Vary"] = "Accept"
        return response


def web_review_dump(enterprise: Enterprise) -> dict:
    return {**review_dump(enterprise.web_review, enterprise.web_checked_by, enterprise.web_checked_at),
            "unchecked": unchecked_web(enterprise)}


def verification_dump(session, enterprise: Enterprise) -> dict | None:  # noqa: ANN001 - a Session
    found = verification_of(session, enterprise)
    if found is None:
        return None
    return {"method": found.method, "domain": found.domain, "verified_at": found.at}


_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def current_notices(enterprise: Enterprise, at: datetime) -> list[dict]:
    for notice in enterprise.notices:  # a cached answer lasts until the next one starts or ends
        not_after(notice.valid_from)
        not_after(notice.valid_until)
    notices = [n for n in enterprise.notices if n.is_current(at)]
    notices.sort(key=lambda n: n.valid_from, reverse=True)
    notices.sort(key=lambda n: _SEVERITY_ORDER.get(n.severity, 3))
    return [{"id": n.id, "title": n.title, "body": n.body, "severity": n.severity,
             "valid_from": n.valid_from, "valid_until": n.valid_until, "links": list(n.links or [])}
            for n in notices]


def _wants_jsonld() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", LD_JSON])
    return best == LD_JSON and request.accept_mimetypes[LD_JSON] > request.accept_mimetypes[
        "application/json"]
