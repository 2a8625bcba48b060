"""Search and as-you-type suggestions over the directory.

The configured backend (embedded index or Elasticsearch) returns ids in rank order; listings
are then read from the database, so every answer shows current data whichever engine ran.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import jsonify
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.http import (
    decode_cursor,
    encode_cursor,
    next_page_url,
    pick_name,
    preferred_language,
    set_link_next,
)
from api.observability import SEARCH_LATENCY
from api.presenters.channels import channel_dump, context_for
from api.presenters.enterprises import summary_dump
from api.problems import problem_response
from api.resources.common import NAMES_EXAMPLE, NOT_BLANK, NamesSchema, names_dump
from api.schemas.channels import CHANNEL_EXAMPLE, ChannelSchema
from api.schemas.enterprises import EnterpriseListArgsSchema, EnterpriseSummarySchema
from api.smorest import READ_HEADERS, Blueprint, public_read, unavailable
from api.state import app_state, db_session
from directory.experience_summaries import expected_waits
from directory.indexing.queries import listing_query
from directory.links import PLATFORMS
from directory.listings import industry_exists
from directory.models import Enterprise, Industry
from directory.phones import PHONE_KINDS, display_phone
from directory.reach import channels_for
from search.base import MAX_WINDOW, SearchUnavailable
from search.text import MAX_QUERY_LENGTH, AnalyzedQuery, fold, highlight_spans, phone_terms, pinyin_terms

blp = Blueprint("search", __name__, url_prefix="/v1",
                description="Find an enterprise the way people type: Chinese words, traditional "
                            "characters, pinyin, initials, English, phone numbers.")

MAIN_CHANNELS = 3
MAX_SUGGESTIONS = 10
UNAVAILABLE = "Search is temporarily unavailable; browsing /v1/enterprises still works."




class QueryMixin(Schema):
    q = fields.String(required=True, validate=[validate.Length(1, MAX_QUERY_LENGTH), NOT_BLANK],
                      metadata={
        "description": "What the person typed, 1 to 100 characters: a Chinese name or word "
                       "(simplified or traditional), pinyin or its initials, an English name, "
                       "or a phone number in any format. It is data, never query syntax.",
        "example": "招商银行"})


class SearchArgsSchema(QueryMixin, EnterpriseListArgsSchema):
    class Meta:
        exclude = ("verified",)

    limit = fields.Integer(load_default=20, validate=validate.Range(1, 50), metadata={
        "description": "How many results a page holds, 1 to 50.", "example": 20})
    platform = fields.String(load_default="any", validate=validate.OneOf(PLATFORMS), metadata={
        "description": "The consumer's platform, for the items' channel links: `ios`, "
                       "`android`, `web` or `any`.", "example": "any"})


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
        "description": "How many listings match in all. Exact up to 20,000 matches; above, the "
                       "embedded engine estimates it (and the facet counts) from a fixed sample "
                       "of the index, and `total_exact` is false.", "example": 1})
    total_exact = fields.Boolean(metadata={
        "description": "Whether `total` and the facet counts are exact counts (true) or "
                       "estimates from a sample (false; only above 20,000 matches).",
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


def _offset(cursor: str | None) -> int:
    value = decode_cursor(cursor)
    if value is None:
        return 0
    if not (value.startswith("o") and value[1:].isdigit() and int(value[1:]) < MAX_WINDOW):
        abort(422, message="The request's parameters are not valid.",
              errors={"query": {"cursor": ["Not a cursor returned by this API."]}})
    return int(value[1:])


def _listings(ids: list[str]) -> list[Enterprise]:
    """Public listings for *ids*, in that order (ids the index still had but are gone: skipped)."""
    if not ids:
        return []
    rows = db_session().scalars(select(Enterprise).options(selectinload(Enterprise.channels))
                                .where(Enterprise.id.in_(ids), Enterprise.status == "active"))
    found = {row.id: row for row in rows}
    return [found[i] for i in ids if i in found]


def highlight(enterprise: Enterprise, query: AnalyzedQuery, language: str) -> dict | None:
    names = enterprise.names()
    texts = [("name", pick_name(names, language))]
    texts += [(f"names.{lang}", name) for lang, name in names.items() if name]
    texts += [("aliases", alias) for alias in enterprise.aliases or []]
    best: dict | None = None
    for field_name, text in texts:
        spans = highlight_spans(text, query)
        covered = sum(end - start for start, end in spans)
        if spans and (best is None or covered > best["covered"]):
            best = {"field": field_name, "text": text, "spans": [list(s) for s in spans],
                    "covered": covered}
    if best is not None:
        best.pop("covered")
        return best
    if query.phone:
        for channel in enterprise.channels:
            if channel.kind in PHONE_KINDS and not channel.hidden and any(
                    term.startswith(query.phone) for term in phone_terms(channel.value)):
                display = display_phone(channel.value)
                return {"field": "phone", "text": display, "spans": [[0, len(display)]]}
    for _field_name, text in texts:
        terms = pinyin_terms(fold(text))
        if query.words and all(any(t.startswith(w) for t in terms) for w in query.words):
            return {"field": "pinyin", "text": text, "spans": []}
    return {"field": "other", "text": None, "spans": []}


def _facets(facets: dict[str, dict[str, int]], language: str) -> dict:
    industry_counts = facets.get("industry", {})
    industries = {row.id: row for row in db_session().scalars(
        select(Industry).where(Industry.id.in_(list(industry_counts))))} if industry_counts else {}
    return {
        "industry": [
            {"id": ident, "count": count, "name": pick_name(
                {"zh-Hans": industries[ident].name_zh_hans, "zh-Hant": industries[ident].name_zh_hant,
                 "en": industries[ident].name_en}, language) if ident in industries else ident}
            for ident, count in sorted(industry_counts.items(), key=lambda kv: (-kv[1], kv[0]))],
        "channel": [{"kind": kind, "count": count} for kind, count in
                    sorted(facets.get("channel", {}).items(), key=lambda kv: (-kv[1], kv[0]))],
    }


# Reused: building a schema instance (fields copied, nested schemas made) costs more than a dump.
_RESULTS_SCHEMA = SearchResultsSchema()


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, SearchResultsSchema, headers={**READ_HEADERS, "Link": {
        "description": "RFC 8288 link to the next page (`rel=\"next\"`), absent on the last.",
        "schema": {"type": "string"},
        "example": '<http://127.0.0.1:8000/v1/search?q=bank&limit=20&cursor=bzIw>; rel="next"'}})
    @unavailable(blp, "Service Unavailable: the search engine or the database is unreachable "
                 "(or the database is locked or restarting); retry after `Retry-After` seconds.")
    @public_read(blp)
    def get(self, args):
        """Search the directory

        Finds listings by Chinese name or word (1–2 characters are enough; simplified or
        traditional), full pinyin, pinyin initials or a pinyin prefix, English name or
        abbreviation (prefixes too), and phone number in any format. Best first: exact name or
        alias, name prefix, match in the name, match elsewhere; verified listings win ties.
        """
        session = db_session()
        if args["industry"] is not None and not industry_exists(session, args["industry"]):
            abort(422, message="The request's parameters are not valid.",
                  errors={"query": {"industry": ["No such industry."]}})
        offset = _offset(args["cursor"])
        limit = min(args["limit"], MAX_WINDOW - offset)
        query = listing_query(args["q"], industry=args["industry"], channel=args["channel"],
                              region=args["region"], limit=limit, offset=offset)
        language = preferred_language()
        if query.analyzed.empty:
            ids, total, facets, exact = [], 0, {}, True
        else:
            try:
                backend = app_state().search
                with SEARCH_LATENCY.labels(backend.name, "search").time():
                    results = backend.search(query)
            except SearchUnavailable:
                return problem_response(503, UNAVAILABLE, headers={"Retry-After": "10"})
            ids, total, facets, exact = results.ids, results.total, results.facets, results.exact
        rows = _listings(ids)
        more = offset + len(ids) < min(total, MAX_WINDOW) and len(ids) == limit
        url = next_page_url(encode_cursor(f"o{offset + len(ids)}"), args) if more else None
        now = datetime.now(UTC)
        shown = {enterprise.id: [c for c in channels_for(enterprise, now, args["region"])
                                 if c.direction == "contact"][:MAIN_CHANNELS] for enterprise in rows}
        waits = expected_waits(db_session(), [c for cs in shown.values() for c in cs], now)
        items = []
        for enterprise in rows:
            context = context_for(enterprise, language=language, at=now, platform=args["platform"],
                                  waits=waits)
            channels = shown[enterprise.id]
            items.append({**summary_dump(enterprise, language, args["region"]),
                          "channels": [channel_dump(c, context) for c in channels],
                          "highlight": highlight(enterprise, query.analyzed, language)})
        body = _RESULTS_SCHEMA.dump({"items": items, "total": total, "total_exact": exact,
                                           "facets": _facets(facets, language), "next": url})
        response = jsonify(body)
        set_link_next(response, url)
        return response


@blp.route("/suggest")
class Suggest(MethodView):
    @blp.arguments(SuggestArgsSchema, location="query")
    @blp.response(200, SuggestionsSchema, headers=READ_HEADERS)
    @unavailable(blp, "Service Unavailable: the search engine or the database is unreachable "
                 "(or the database is locked or restarting); retry after `Retry-After` seconds.")
    @public_read(blp)
    def get(self, args):
        """Complete what is being typed

        Up to 10 listings whose name, alias, pinyin, initials or number starts with `q`:
        an exact match first, then verified listings, then the shortest names.
        """
        language = preferred_language()
        try:
            backend = app_state().search
            with SEARCH_LATENCY.labels(backend.name, "suggest").time():
                ids = backend.suggest(args["q"], limit=args["limit"])
        except SearchUnavailable:
            return problem_response(503, UNAVAILABLE, headers={"Retry-After": "10"})
        items = [{"id": e.id, "name": pick_name(e.names(), language), "names": names_dump(e.names()),
                  "industry": e.industry_id, "verified": e.verified} for e in _listings(ids)]
        return {"items": items}
