"""Share links: ``GET /e/{id}``, a listing's small server-rendered page (zh-Hans, zh-Hant, en)
that a link shared in a chat app previews (Open Graph, Twitter card) and opens: its contact
channels as tel:, mailto: and https: buttons, whether each is open now, and the listing as
schema.org JSON-LD. Where the app is installed the same link opens the app instead
(``api/resources/app_links.py``).

Every absolute URL on the page starts with PUBLIC_BASE_URL, never the request's Host header.
The page runs no script (the JSON-LD is a data block, which browsers never run) and its one
style block is allowed by its hash in a strict Content-Security-Policy; Jinja escapes every
value (a listing's name is text, never markup).
"""

from __future__ import annotations

import base64
import hashlib
from copy import deepcopy
from datetime import UTC, datetime
from pathlib import Path

from flask import Response, g, render_template
from flask.views import MethodView
from markupsafe import Markup
from marshmallow import Schema, fields, validate

from api.http import preferred_language, public_url
from api.presenters.share import PAGE_LANGUAGES, TEXT, share_page, share_url
from api.smorest import ACCEPT_LANGUAGE, IF_NONE_MATCH, Blueprint, path_parameter, rate_limited
from api.state import app_state, db_session
from directory.errors import NotFound
from directory.listing_detail import listing_detail

blp = Blueprint("share", __name__, url_prefix="/e",
                description="Share links: a listing's page for people, in a browser or a chat app.")

CSS = Markup((Path(__file__).parent.parent / "templates" / "share.css").read_text("utf-8").strip())
_CSS_HASH = base64.b64encode(hashlib.sha256(str(CSS).encode("utf-8")).digest()).decode()
SHARE_CSP = (f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src 'self' data:; "
             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
OG_LOCALES = {"zh-Hans": "zh_CN", "zh-Hant": "zh_TW", "en": "en_US"}
HTML = {"text/html": {"schema": {"type": "string"}, "example": "<!DOCTYPE html>..."}}


def _header_parameters(view):  # noqa: ANN001, ANN202 - decorator
    """Accept-Language and If-None-Match beside the query parameters of @blp.arguments."""
    view._apidoc = deepcopy(getattr(view, "_apidoc", {}))
    view._apidoc.setdefault("arguments", {}).setdefault("parameters", []).extend(
        [dict(ACCEPT_LANGUAGE), dict(IF_NONE_MATCH)])
    return view


class ShareArgsSchema(Schema):
    lang = fields.String(load_default=None, validate=validate.OneOf([c for c, _ in PAGE_LANGUAGES]),
                         metadata={"description": "The page's language (default: from "
                                   "Accept-Language, else zh-Hans).", "example": "en"})


def _language(asked: str | None) -> str:
    language = preferred_language()
    if asked:
        g.content_language = language = asked
    return language


def _page(template: str, status: int, language: str, cache: str, **context: object) -> Response:
    body = render_template(template, lang=language, css=CSS, languages=PAGE_LANGUAGES, **context)
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = SHARE_CSP
    response.headers["Cache-Control"] = cache
    return response


@blp.route("/<string:enterprise_id>", parameters=[
    path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")])
class SharePage(MethodView):
    @blp.arguments(ShareArgsSchema, location="query")
    @_header_parameters
    @blp.doc(security=[{}], responses={
        "200": {"description": "The page (HTML), with an `ETag`; public, cached like the API's "
                               "reads.", "content": HTML},
        "304": {"description": "Not Modified: the ETag in If-None-Match still matches; no body."},
        "404": {"description": "No listed enterprise has this id: a page saying so.",
                "content": HTML}})
    @rate_limited(blp)
    def get(self, args, enterprise_id: str):
        """A listing's share page

        A small mobile-first HTML page for people: the listing's contact channels as buttons
        (tel:, mailto:, https:; outbound-only senders are never shown), whether each is open
        now, which facts c800 has not checked yet, Open Graph and Twitter card tags (chat apps
        preview a shared link with them) and the schema.org JSON-LD of the listing. The
        listing's `url` in the API is this page. Runs no script.
        """
        language = _language(args["lang"])
        at = datetime.now(UTC)
        try:
            detail = listing_detail(db_session(), enterprise_id, at=at)
        except NotFound:
            return _page("share_missing.html", 404, language, "no-store", text=TEXT[language])
        page = share_page(detail, language=language, at=at, url=share_url(enterprise_id),
                          base_url=public_url(""))
        return _page("share.html", 200, language,
                     f"public, max-age={app_state().config.public_cache_seconds}",
                     page=page, og_locale=OG_LOCALES[language])
