"""Search and as-you-type suggestions over the directory.

The configured search port (embedded index or Elasticsearch) returns ids in rank order; the
listings are then read from the database (``directory.search_listings``), so every answer
shows current data whichever engine ran.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import abort

from api.field_masks import field_mask, masked
from api.http import (
    decode_cursor,
    encode_cursor,
    json_answer,
    next_page_url,
    preferred_language,
    set_link_next,
)
from api.list_facts import list_fact
from api.observability import SEARCH_LATENCY
from api.presenters.search import facets_dump, found_dump, suggestion_dump
from api.problems import problem_response
from api.schemas.search import (
    SearchArgsSchema,
    SearchItemSchema,
    SearchResultsSchema,
    SuggestArgsSchema,
    SuggestionsSchema,
)
from api.search_items import found_items
from api.smorest import READ_HEADERS, Blueprint, public_read, unavailable
from api.state import app_state, db_session
from directory.indexing.queries import listing_query
from directory.listings import require_industry
from directory.open_now import OPEN_SEARCH_WINDOW, open_among
from directory.search_listings import (
    facets_of,
    found_listings,
    industry_names,
    suggested_in_order,
)
from search.base import MAX_WINDOW, SearchResults, SearchUnavailable

blp = Blueprint("search", __name__, url_prefix="/v1",
                description="Find an enterprise the way people type: Chinese words, traditional "
                            "characters, pinyin, initials, English, phone numbers.")

UNAVAILABLE = "Search is temporarily unavailable; browsing /v1/enterprises still works."


def _offset(cursor: str | None) -> int:
    value = decode_cursor(cursor)
    if value is None:
        return 0
    if not (value.startswith("o") and value[1:].isdigit() and int(value[1:]) < MAX_WINDOW):
        abort(422, message="The request's parameters are not valid.",
              errors={"query": {"cursor": ["Not a cursor returned by this API."]}})
    return int(value[1:])


# Reused: building a schema instance (fields copied, nested schemas made) costs more than a dump.
_RESULTS_SCHEMA, _ITEM_SCHEMA = SearchResultsSchema(), SearchItemSchema()


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchArgsSchema(), location="query")
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
        names = list_fact(("industry names",), lambda: industry_names(session))
        if args["industry"] is not None and args["industry"] not in names:
            require_industry(session, args["industry"])  # the 422 it makes
        mask = field_mask(args["fields_"], _ITEM_SCHEMA)
        offset = _offset(args["cursor"])
        limit = min(args["limit"], MAX_WINDOW - offset)
        now = datetime.now(UTC)
        # open_now: the first OPEN_SEARCH_WINDOW matches, narrowed to those open, then the page
        window = (OPEN_SEARCH_WINDOW, 0) if args["open_now"] else (limit, offset)
        query = listing_query(args["q"], industry=args["industry"], channel=args["channel"],
                              region=args["region"], limit=window[0], offset=window[1])
        language = preferred_language()
        if query.analyzed.empty:
            results = SearchResults(ids=[], total=0)
        else:
            try:
                backend = app_state().search
                with SEARCH_LATENCY.labels(backend.name, "search").time():
                    results = backend.search(query)
            except SearchUnavailable:
                return problem_response(503, UNAVAILABLE, headers={"Retry-After": "10"},
                                        code="search_unavailable")
        reachable = min(results.total, MAX_WINDOW)
        if args["open_now"]:
            results = open_among(session, results, now, args["region"])
            reachable = len(results.ids)
            results.ids = results.ids[offset:offset + limit]
        shown = len(results.ids)
        more = offset + shown < reachable and shown == limit
        url = next_page_url(encode_cursor(f"o{offset + shown}"), args) if more else None
        if args["platform"] == "any":  # the read model's view: items kept dumped
            # already as SearchResultsSchema dumps it (tests/api/test_search_items.py)
            body = {"items": found_items(session, results.ids, query.analyzed, language=language,
                                         region=args["region"], at=now),
                    "total": results.total, "total_exact": results.exact,
                    "facets": facets_dump(facets_of(session, results, names), language),
                    "next": url}
        else:
            facets = found_listings(session, results, query.analyzed, language=language,
                                    region=args["region"], at=now, names=names)
            body = _RESULTS_SCHEMA.dump({
                "items": found_dump(facets, language=language, platform=args["platform"],
                                    region=args["region"], at=now),
                "total": results.total, "total_exact": results.exact,
                "facets": facets_dump(facets, language), "next": url})
        if mask is not None:
            body["items"] = masked(body["items"], mask)
        response = json_answer(body)
        set_link_next(response, url)
        return response


@blp.route("/suggest")
class Suggest(MethodView):
    @blp.arguments(SuggestArgsSchema(), location="query")
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
            return problem_response(503, UNAVAILABLE, headers={"Retry-After": "10"},
                                    code="search_unavailable")
        # already as SuggestionsSchema dumps it (tests/api/test_search_items.py)
        return json_answer({"items": [suggestion_dump(row, language)
                                      for row in suggested_in_order(db_session(), ids)]})
