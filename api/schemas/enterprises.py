"""The schemas of listings as the public reads them (the browse filters, a listing's summary
also in search and lookup answers, the full listing with its channels, notices and reviews),
and as its owners and editors change and read it (the merge patch, the managed listing)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.field_masks import mask_field
from api.schemas.channels import (
    CHANNEL_EXAMPLE,
    REVIEW_EXAMPLE,
    ChannelSchema,
    ManagedChannelSchema,
    ReviewSchema,
)
from api.schemas.common import NAMES_EXAMPLE, NamesSchema, PageArgsSchema
from api.schemas.notices import NoticeSchema, PublicNoticeSchema
from directory.instants import Instant
from directory.links import PLATFORMS
from directory.listings import SORTS
from directory.models import CHANNEL_KINDS, CHECKERS
from directory.regions import known_region_codes
from directory.validation import SLUG_PATTERN

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
    sort = fields.String(load_default="prominence", validate=validate.OneOf(SORTS), metadata={
        "description": "The order of the list. `prominence` (the default): the listings people "
                       "most likely look for first — verified, in Wikidata, with a Chinese name, "
                       "serving mainland China, with more contact channels, aliases and "
                       "experience reports (docs/search.md lists the points). `name`: by the "
                       "name in the Accept-Language's language, a to z: Chinese names by their "
                       "pinyin (syllable by syllable), other names by their words, "
                       "case-insensitive, in one order (阿里巴巴 beside Apple); digits first. "
                       "A cursor belongs to the order that made it.",
        "example": "name"})
    open_now = fields.Boolean(load_default=None, metadata={
        "description": "Only enterprises with a way in open now: a contact channel (serving "
                       "`region`, if given) whose opening hours say it is open at this instant. "
                       "Unknown hours never count as open. A page scans at most 2,000 "
                       "listings: it may then hold fewer than `limit` items and still have a "
                       "`next`; `total` is exact when every candidate was checked, else an "
                       "estimate (`total_exact` false).", "example": True})
    fields_ = mask_field(
        "Only these fields of each item (a field mask, as Google APIs' `fields`): names "
        "separated by commas, nested ones joined with dots; an unknown name is a 422. "
        "Default: every field.", "id,name,channel_kinds")


SUMMARY_EXAMPLE = {
    "id": ICBC_ID, "name": "中国工商银行", "names": NAMES_EXAMPLE, "aliases": ["工行", "ICBC"],
    "industry": "banking", "verified": False, "website": "https://www.icbc.com.cn/",
    "channel_kinds": ["phone", "email"], "dissolved": None,
    "url": "http://127.0.0.1:8000/e/ent_9f7532f6acdd",
}
LOGO_EXAMPLE = {"url": "https://commons.wikimedia.org/wiki/Special:FilePath/ICBC%20logo.svg",
                "source": "name-suggestion-index:wikidata.json#Q26463", "retrieved": "2026-09-18"}


class LogoSchema(Schema):
    url = fields.String(metadata={
        "description": "Where the logo image is (https); shown only with its `source`.",
        "example": LOGO_EXAMPLE["url"]})
    source = fields.String(metadata={
        "description": "The data set and record the logo comes from; credit it wherever the "
                       "logo is shown.", "example": LOGO_EXAMPLE["source"]})
    retrieved = fields.String(metadata={
        "description": "The ISO date the source was read (its release or commit date).",
        "example": LOGO_EXAMPLE["retrieved"]})


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
    url = fields.String(metadata={
        "description": "The listing's share link: a page for people (`GET /e/{id}`) that chat "
                       "apps preview and that opens the c800 app where it is installed.",
        "example": "http://127.0.0.1:8000/e/ent_9f7532f6acdd"})
    dissolved = fields.String(allow_none=True, metadata={
        "description": "The ISO date the brand or company was dissolved, as its source says "
                       "(its channels may no longer answer); null when it is not known to be.",
        "example": None})


class EnterpriseListSchema(Schema):
    items = fields.List(fields.Nested(EnterpriseSummarySchema), metadata={
        "description": "This page's enterprises, in a stable order (with `fields`, only those "
                       "fields of each).", "example": [SUMMARY_EXAMPLE]})
    total = fields.Integer(metadata={
        "description": "How many enterprises match in all: exact up to 10,000; above, 10,000 "
                       "and `total_exact` is false. With `region`, the enterprises that have "
                       "regions are counted up to 1,000 (those serving everywhere up to "
                       "10,000): beyond, `total` is a lower bound and `total_exact` false "
                       "(with `open_now`, see there).",
        "example": 1})
    total_exact = fields.Boolean(metadata={
        "description": "Whether `total` is an exact count (false: a lower bound, or with "
                       "`open_now` an estimate).", "example": True})
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
    wikidata = fields.String(allow_none=True, metadata={
        "description": "The enterprise's Wikidata item id; null when no source names one.",
        "example": "Q26463"})
    logo = fields.Nested(LogoSchema, allow_none=True, metadata={
        "description": "The logo, with the source it comes from and when that was read; null "
                       "when no source has one.", "example": LOGO_EXAMPLE})
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
    fields_ = mask_field(
        "Only these fields of the listing (a field mask, as Google APIs' `fields`): names "
        "separated by commas, nested ones joined with dots (`channels.links.uri`); an unknown "
        "name is a 422. Default: every field. Ignored for JSON-LD.",
        "id,name,channels.value,channels.links")


# A listing as its owners and editors change and read it


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
