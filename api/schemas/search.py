"""The schemas of search: the query and its filters, a found listing with its best channels and
what matched, the facets, and as-you-type suggestions."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.channels import CHANNEL_EXAMPLE, ChannelSchema
from api.schemas.common import NAMES_EXAMPLE, NOT_BLANK, NamesSchema
from api.schemas.enterprises import EnterpriseListArgsSchema, EnterpriseSummarySchema
from directory.links import PLATFORMS
from directory.search_listings import MAIN_CHANNELS
from search.text import MAX_QUERY_LENGTH

MAX_SUGGESTIONS = 10


class QueryMixin(Schema):
    q = fields.String(required=True, validate=[validate.Length(1, MAX_QUERY_LENGTH), NOT_BLANK],
                      metadata={
        "description": "What the person typed, 1 to 100 characters: a Chinese name or word "
                       "(simplified or traditional), pinyin or its initials, an English name, "
                       "or a phone number in any format. It is data, never query syntax.",
        "example": "招商银行"})


class SearchArgsSchema(QueryMixin, EnterpriseListArgsSchema):
    class Meta:
        exclude = ("verified", "sort")  # search answers in relevance order

    limit = fields.Integer(load_default=20, validate=validate.Range(1, 50), metadata={
        "description": "How many results a page holds, 1 to 50.", "example": 20})
    platform = fields.String(load_default="any", validate=validate.OneOf(PLATFORMS), metadata={
        "description": "The consumer's platform, for the items' channel links: `ios`, "
                       "`android`, `web` or `any`.", "example": "any"})
    open_now = fields.Boolean(load_default=None, metadata={
        "description": "Only listings with a way in open now: a contact channel (serving "
                       "`region`, if given) whose opening hours say it is open at this instant "
                       "(unknown hours never count). The best 500 matches are checked; `total` "
                       "counts the open ones among them, estimated (`total_exact` false) when "
                       "there were more matches; `facets` count every match, open or not.",
        "example": True})


class SuggestArgsSchema(QueryMixin):
    q = fields.String(required=True, validate=[validate.Length(1, MAX_QUERY_LENGTH), NOT_BLANK],
                      metadata={
        "description": "What has been typed so far, 1 to 100 characters (Chinese, pinyin, "
                       "initials, English or digits).", "example": "zhaosh"})
    limit = fields.Integer(load_default=MAX_SUGGESTIONS, validate=validate.Range(1, MAX_SUGGESTIONS),
                           metadata={"description": "How many completions, 1 to 10.", "example": 10})


class HighlightSchema(Schema):
    field = fields.String(metadata={
        "description": "Where the query matched: `name` (the name in the answer's language), "
                       "`names.zh-Hans`, `names.zh-Hant`, `names.en`, `aliases`, `pinyin` (of "
                       "`text`), `phone` (a number of the listing) or `other` (description, "
                       "industry, domain).", "example": "name"})
    text = fields.String(allow_none=True, metadata={
        "description": "The matched text as displayed; null for `other`.", "example": "招商银行"})
    spans = fields.List(fields.List(fields.Integer()), metadata={
        "description": "`[start, end)` code-point ranges of `text` that matched (empty for "
                       "`pinyin` and `other`).", "example": [[0, 2]]})


class SearchItemSchema(EnterpriseSummarySchema):
    channels = fields.List(fields.Nested(ChannelSchema), metadata={
        "description": f"The listing's {MAIN_CHANNELS} best contact channels, ordered as in "
                       "the listing (open now, reaches a person, cost), those serving `region` "
                       "when one is given, ready to open.",
        "example": [CHANNEL_EXAMPLE]})
    highlight = fields.Nested(HighlightSchema, allow_none=True, metadata={
        "description": "What matched; null when it cannot be shown.",
        "example": {"field": "name", "text": "招商银行", "spans": [[0, 2]]}})


class IndustryFacetSchema(Schema):
    id = fields.String(metadata={"description": "Industry id, usable as `industry=`.",
                                 "example": "banking"})
    name = fields.String(metadata={"description": "Its name in the answer's language.",
                                   "example": "银行"})
    count = fields.Integer(metadata={"description": "Matching listings in it.", "example": 42})


class ChannelFacetSchema(Schema):
    kind = fields.String(metadata={"description": "Channel kind, usable as `channel=`.",
                                   "example": "phone"})
    count = fields.Integer(metadata={"description": "Matching listings reachable that way.",
                                     "example": 40})


class FacetsSchema(Schema):
    industry = fields.List(fields.Nested(IndustryFacetSchema), metadata={
        "description": "Matches per industry, most first.",
        "example": [{"id": "banking", "name": "银行", "count": 42}]})
    channel = fields.List(fields.Nested(ChannelFacetSchema), metadata={
        "description": "Matches per channel kind, most first.",
        "example": [{"kind": "phone", "count": 40}]})


class SearchResultsSchema(Schema):
    items = fields.List(fields.Nested(SearchItemSchema), metadata={
        "description": "Matching listings, best first.", "example": []})
    total = fields.Integer(metadata={
        "description": "How many listings match in all. Exact up to 5,000 matches; above, the "
                       "embedded engine estimates it (and the facet counts) from a fixed sample "
                       "of the index, and `total_exact` is false.", "example": 1})
    total_exact = fields.Boolean(metadata={
        "description": "Whether `total` and the facet counts are exact counts (true) or "
                       "estimates from a sample (false; only above 5,000 matches).",
        "example": True})
    facets = fields.Nested(FacetsSchema, metadata={
        "description": "Counts over every match (filters applied), to narrow the search.",
        "example": {"industry": [{"id": "banking", "name": "银行", "count": 1}],
                    "channel": [{"kind": "phone", "count": 1}]}})
    next = fields.String(allow_none=True, metadata={
        "description": "URL of the next page; null on the last.",
        "example": "http://127.0.0.1:8000/v1/search?q=%E9%93%B6%E8%A1%8C&limit=20&cursor=bzIw"})


class SuggestionSchema(Schema):
    id = fields.String(metadata={"description": "Enterprise id.", "example": "ent_9f7532f6acdd"})
    name = fields.String(metadata={"description": "Name in the answer's language.",
                                   "example": "中国工商银行"})
    names = fields.Nested(NamesSchema, metadata={"description": "Every name.",
                                                 "example": NAMES_EXAMPLE})
    industry = fields.String(metadata={"description": "Industry id.", "example": "banking"})
    verified = fields.Boolean(metadata={"description": "Verified by the enterprise itself.",
                                        "example": True})


class SuggestionsSchema(Schema):
    items = fields.List(fields.Nested(SuggestionSchema), metadata={
        "description": "Up to 10 completions, best first.", "example": []})
