"""Enterprises: filtered, paginated listing, the full listing with its channels, and its
owners' and editors' edit of it (PATCH, documented with the self-service operations)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Response, jsonify, request
from flask.views import MethodView

from api.field_masks import field_mask, masked
from api.http import json_answer, preferred_language, public_url
from api.jsonld import JSONLD_EXAMPLE, LD_JSON, organization
from api.list_cards import page_items
from api.list_facts import list_fact
from api.oauth.protect import require_scope
from api.pagination import counted_answer, spliced_answer
from api.presenters.enterprises import listing_dump, managed_dump, summary_dump
from api.read_model import ready_answer
from api.resources.common import MANAGE
from api.schemas.enterprises import (
    ICBC_ID,
    DetailArgsSchema,
    EnterpriseListArgsSchema,
    EnterpriseListSchema,
    EnterprisePatchSchema,
    EnterpriseSchema,
    EnterpriseSummarySchema,
    ManagedListingSchema,
)
from api.smorest import READ_HEADERS, Blueprint, path_parameter, public_read
from api.state import db_session
from api.writes import ETAG_HEADER, edit, json_body, json_body_doc, protected_doc, with_etag
from directory.listing_detail import listing_detail
from directory.listing_reads import with_cards
from directory.listings import ListingFilter, browse_listings
from directory.self_service import edit_listing
from directory.summaries import keys_only

blp = Blueprint("enterprises", __name__, url_prefix="/v1/enterprises",
                description="Listed enterprises and every channel to reach them.")


# One instance each, reused: a schema instance copies its fields and builds its nested schemas,
# which cost more than the dump itself.
_LIST_SCHEMA, _DETAIL_SCHEMA = EnterpriseListSchema(), EnterpriseSchema()
_SUMMARY_SCHEMA = EnterpriseSummarySchema()


@blp.route("")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseListArgsSchema(), location="query")
    @blp.response(200, EnterpriseListSchema, headers={**READ_HEADERS, "Link": {
        "description": "RFC 8288 link to the next page (`rel=\"next\"`), absent on the last.",
        "schema": {"type": "string"},
        "example": '<http://127.0.0.1:8000/v1/enterprises?limit=20&cursor=ZW50X2Ex>; rel="next"'}})
    @public_read(blp)
    def get(self, args):
        """Browse enterprises

        Filter by industry, channel kind, region, verified flag and whether a way in is open
        now; the most prominent listings first, or `sort=name`; pages are cursor-based, with
        the `total` that match. `fields` asks for only some fields of each item.
        """
        where = ListingFilter(industry=args["industry"], channel=args["channel"],
                              region=args["region"], verified=args["verified"])
        language = preferred_language()
        listing = list_fact(("listing", where, args["sort"], language),
                            lambda: browse_listings(db_session(), where, args["sort"], language))
        mask = field_mask(args["fields_"], _SUMMARY_SCHEMA)
        session = db_session()
        if args["open_now"]:
            return counted_answer(listing, args, lambda e: summary_dump(e, language, args["region"]),
                                  _LIST_SCHEMA, open_at=datetime.now(UTC), region=args["region"],
                                  mask=mask)
        return spliced_answer(keys_only(listing), args, lambda rows: page_items(
            session, rows, language, mask, args["region"]), filtered=where, attach=with_cards,
            bound={"language": language})


@blp.route("/<string:enterprise_id>", parameters=[
    path_parameter("enterprise_id", "Opaque id of the enterprise.", ICBC_ID)])
class EnterpriseDetail(MethodView):
    @blp.arguments(DetailArgsSchema(), location="query")
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
        and its phone menu. Channels come best first; for zh-Hans readers (Accept-Language)
        channels on platforms most users in mainland China cannot open (X, Facebook,
        YouTube...) come after every other way in, and every such channel says so in
        `reachability`. With `Accept: application/ld+json` the
        answer is schema.org JSON-LD (Organization + ContactPoint) instead.
        """
        language = preferred_language()
        mask = field_mask(args["fields_"], _DETAIL_SCHEMA)
        wants_jsonld = _wants_jsonld()
        if not wants_jsonld and args["at"] is None and args["platform"] == "any" and not (
                args["topic"] or args["region"]):  # the default view: from the read model
            answer = ready_answer(db_session(), enterprise_id, language)
            response = json_answer(masked(answer, mask))
            response.headers["Vary"] = "Accept"
            return response
        at = args["at"] or datetime.now(UTC)
        detail = listing_detail(db_session(), enterprise_id, at=at, region=args["region"],
                                language=language)
        if wants_jsonld:
            body = organization(detail.enterprise, detail.channels, language, public_url(""))
            response = Response(json.dumps(body, ensure_ascii=False), mimetype=LD_JSON)
            response.headers["Vary"] = "Accept"
            return response
        response = jsonify(masked(_DETAIL_SCHEMA.dump(listing_dump(
            detail, language=language, platform=args["platform"], topic=args["topic"],
            region=args["region"], at=at)), mask))
        response.headers["Vary"] = "Accept"
        return response

    @blp.response(200, ManagedListingSchema, headers=ETAG_HEADER)
    @blp.doc(tags=[MANAGE.name],
             **json_body_doc(EnterprisePatchSchema, {"website": "https://www.icbc.com.cn/"}))
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
        enterprise = edit_listing(db_session(), edit(json_body), enterprise_id)
        return with_etag(ManagedListingSchema().dump(managed_dump(enterprise)), enterprise)


def _wants_jsonld() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", LD_JSON])
    return best == LD_JSON and request.accept_mimetypes[LD_JSON] > request.accept_mimetypes[
        "application/json"]
