"""Enterprises: filtered, paginated listing and the full listing with its channels."""

from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from api.http import (
    decode_cursor,
    encode_cursor,
    next_page_url,
    pick_name,
    preferred_language,
    set_link_next,
)
from api.resources.common import NAMES_EXAMPLE, NamesSchema, PageArgsSchema, names_dump
from api.smorest import READ_HEADERS, Blueprint, NoQuerySchema, path_parameter, public_read
from api.state import db_session
from directory.links import deep_links_for
from directory.listings import (
    ListingFilter,
    get_public_enterprise,
    industry_exists,
    list_enterprises,
)
from directory.models import CHANNEL_KINDS, DIRECTIONS, Channel, Enterprise
from directory.phones import display_phone
from directory.validation import REGION_PATTERN, SLUG_PATTERN

blp = Blueprint("enterprises", __name__, url_prefix="/v1/enterprises",
                description="Listed enterprises and every channel to reach them.")

ICBC_ID = "ent_9f7532f6acdd"


class EnterpriseListArgsSchema(PageArgsSchema):
    industry = fields.String(load_default=None, validate=validate.Regexp(SLUG_PATTERN), metadata={
        "description": "Only enterprises in this industry or below it (an id from "
                       "`GET /v1/industries`).", "example": "banking"})
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNEL_KINDS), metadata={
        "description": "Only enterprises that can be reached through a channel of this kind.",
        "example": "phone"})
    region = fields.String(load_default=None, validate=validate.Regexp(
        REGION_PATTERN, error="Not an ISO 3166-1 alpha-2 code (CN) or a GB/T 2260 code (440300)."),
        metadata={"description": "Only enterprises serving this region: an ISO 3166-1 alpha-2 "
                  "country (`CN`, `US`) or a GB/T 2260 division code (`440300`). A city is "
                  "served by enterprises serving its province or CN; enterprises whose regions "
                  "are unknown are included.", "example": "CN"})
    verified = fields.Boolean(load_default=None, metadata={
        "description": "Only enterprises whose listing is (`true`) or is not (`false`) verified "
                       "by the enterprise itself.", "example": True})


class LinkSchema(Schema):
    uri = fields.String(metadata={"description": "The link; only tel:, sms:, mailto:, https: "
                                  "and http: are ever emitted.", "example": "tel:95588"})
    platform = fields.String(validate=validate.OneOf(("any", "ios", "android", "web")), metadata={
        "description": "Where the link works: `any`, `ios`, `android` or `web`.",
        "example": "any"})


class ChannelSchema(Schema):
    id = fields.String(metadata={"description": "Opaque channel id.",
                                 "example": "ch_1b2f0c8e9a7d6c5b"})
    kind = fields.String(validate=validate.OneOf(CHANNEL_KINDS), metadata={
        "description": "What the channel is: " + ", ".join(CHANNEL_KINDS) + ".",
        "example": "phone"})
    value = fields.String(metadata={
        "description": "The address: digits for phone and sms (`+` and country code for "
                       "numbers abroad), an e-mail address, a URL or a WeChat id.",
        "example": "95588"})
    display = fields.String(metadata={"description": "The value formatted for people.",
                                      "example": "95588"})
    label = fields.String(allow_none=True, metadata={
        "description": "What the source calls this channel; null when it says nothing.",
        "example": "信用卡客服热线"})
    purpose = fields.String(allow_none=True, metadata={
        "description": "What the channel is for (credit cards, complaints, ...); null when "
                       "unknown.", "example": None})
    regions = fields.List(fields.String(), metadata={
        "description": "Regions the channel serves; empty means no restriction is known.",
        "example": []})
    languages = fields.List(fields.String(), metadata={
        "description": "BCP 47 languages spoken on the channel; empty when unknown.",
        "example": ["zh", "en"]})
    direction = fields.String(validate=validate.OneOf(DIRECTIONS), metadata={
        "description": "`contact` for a way to reach the company; `outbound_only` for a "
                       "sender the company only uses to reach people (106… SMS numbers, "
                       "no-reply addresses): recognisable, but not a way in, so it has no links.",
        "example": "contact"})
    hours = fields.Dict(allow_none=True, metadata={
        "description": "Opening hours: `{\"timezone\", \"always_open\": true}` or "
                       "`{\"timezone\", \"weekly\": {\"mon\": [{\"open\", \"close\"}], ...}}`; "
                       "null when unknown (unknown is not \"always open\").",
        "example": None})
    source = fields.String(allow_none=True, metadata={
        "description": "Where this channel comes from: a data set and its record.",
        "example": "vcards:data/金融银行/中国工商银行.yaml"})
    verified_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the channel was last checked; null when never.", "example": None})
    links = fields.List(fields.Nested(LinkSchema), metadata={
        "description": "Deep links that open the channel, derived from the value, best first.",
        "example": [{"uri": "tel:95588", "platform": "any"}]})


CHANNEL_EXAMPLE = {
    "id": "ch_1b2f0c8e9a7d6c5b", "kind": "phone", "value": "95588", "display": "95588",
    "label": None, "purpose": None, "regions": [], "languages": [], "direction": "contact",
    "hours": None, "source": "vcards:data/金融银行/中国工商银行.yaml", "verified_at": None,
    "links": [{"uri": "tel:95588", "platform": "any"}],
}
SUMMARY_EXAMPLE = {
    "id": ICBC_ID, "name": "中国工商银行", "names": NAMES_EXAMPLE, "aliases": ["工行", "ICBC"],
    "industry": "banking", "verified": False, "website": "https://www.icbc.com.cn/",
    "channel_kinds": ["phone", "email"],
}


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
        "description": "True when the enterprise itself has verified the listing.",
        "example": False})
    website = fields.String(allow_none=True, metadata={
        "description": "Official website.", "example": "https://www.icbc.com.cn/"})
    channel_kinds = fields.List(fields.String(), metadata={
        "description": "Kinds of the channels that reach the enterprise.",
        "example": ["phone", "email"]})


class EnterpriseListSchema(Schema):
    items = fields.List(fields.Nested(EnterpriseSummarySchema), metadata={
        "description": "This page's enterprises, in a stable order.",
        "example": [SUMMARY_EXAMPLE]})
    next = fields.String(allow_none=True, metadata={
        "description": "URL of the next page; null on the last page.",
        "example": "http://127.0.0.1:8000/v1/enterprises?limit=20&cursor=ZW50XzAwYjQ1ZjFlYTEyMw"})


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
        "description": "The source records the listing was built from.",
        "example": ["vcards:data/金融银行/中国工商银行.yaml"]})
    created_at = fields.DateTime(metadata={"description": "When the listing was created.",
                                           "example": "2026-11-23T10:00:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "When the listing last changed.",
                                           "example": "2026-11-23T10:00:00+00:00"})
    channels = fields.List(fields.Nested(ChannelSchema), metadata={
        "description": "Every channel, in the listing's order.", "example": [CHANNEL_EXAMPLE]})


def _channel_kinds(enterprise: Enterprise) -> list[str]:
    kinds = [c.kind for c in enterprise.channels if c.direction == "contact" and not c.hidden]
    return list(dict.fromkeys(kinds))


def summary_dump(enterprise: Enterprise, language: str) -> dict:
    names = enterprise.names()
    return {
        "id": enterprise.id,
        "name": pick_name(names, language),
        "names": names_dump(names),
        "aliases": list(enterprise.aliases or []),
        "industry": enterprise.industry_id,
        "verified": enterprise.verified,
        "website": enterprise.website,
        "channel_kinds": _channel_kinds(enterprise),
    }


def channel_dump(channel: Channel) -> dict:
    display = display_phone(channel.value) if channel.kind in ("phone", "sms") else channel.value
    return {
        "id": channel.id, "kind": channel.kind, "value": channel.value, "display": display,
        "label": channel.label, "purpose": channel.purpose,
        "regions": list(channel.regions or []), "languages": list(channel.languages or []),
        "direction": channel.direction, "hours": channel.hours, "source": channel.source,
        "verified_at": channel.verified_at,
        "links": [{"uri": link.uri, "platform": link.platform}
                  for link in deep_links_for(channel)],
    }


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
        rows, more = list_enterprises(session, where, decode_cursor(args["cursor"]),
                                      args["limit"])
        language = preferred_language()
        url = next_page_url(encode_cursor(rows[-1].id), args) if more and rows else None
        body = EnterpriseListSchema().dump(
            {"items": [summary_dump(e, language) for e in rows], "next": url})
        response = jsonify(body)
        set_link_next(response, url)
        return response


@blp.route("/<string:enterprise_id>", parameters=[
    path_parameter("enterprise_id", "Opaque id of the enterprise.", ICBC_ID)])
class EnterpriseDetail(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, EnterpriseSchema, headers=READ_HEADERS)
    @public_read(blp, not_found="No listed enterprise has this id.")
    def get(self, _args, enterprise_id: str):
        """Get an enterprise with all its channels

        Each channel carries its links (tel:, sms:, mailto:, https:) derived from its value.
        """
        enterprise = get_public_enterprise(db_session(), enterprise_id)
        if enterprise is None:
            abort(404, message=f"No listed enterprise has the id {enterprise_id!r}.")
        language = preferred_language()
        return {
            **summary_dump(enterprise, language),
            "description": enterprise.description,
            "domains": list(enterprise.domains or []),
            "regions": enterprise.regions,
            "version": enterprise.version,
            "source": list(enterprise.source or []),
            "created_at": enterprise.created_at,
            "updated_at": enterprise.updated_at,
            "channels": [channel_dump(c) for c in enterprise.channels if not c.hidden],
        }
