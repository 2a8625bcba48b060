"""The kinds of problem the API answers: each has a stable ``code`` and its own ``type`` URI.

A problem's ``type`` is ``<PUBLIC_BASE_URL>/problems/<code>`` (RFC 9457 section 3.1.1: a URI
identifying the kind of problem, which people can open): ``GET /problems/<code>`` answers a
small page saying what the problem means and what to do, in HTML, or as JSON when asked
(``Accept: application/json``); ``GET /problems`` lists every kind. Clients branch on
``code``, which never changes for a kind (the URI's origin is the deployment's).

:data:`PROBLEM_TYPES` is the one list; a problem of a status without a kind of its own is of
the kind :data:`STATUS_CODES` names for it, and the domain's errors (``directory.errors``)
are of the kind ``api.problems.KIND_CODE`` names.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass

from flask import Flask, Response, abort, current_app, jsonify, request

from api.config import DEVELOPMENT_BASE_URL


@dataclass(frozen=True)
class ProblemType:
    code: str
    status: int
    title: str
    description: str


PROBLEM_TYPES: dict[str, ProblemType] = {kind.code: kind for kind in (
    ProblemType("bad_request", 400, "Bad Request",
                "The request could not be read (a malformed request line, header or form)."),
    ProblemType("token_required", 401, "Unauthorized",
                "This operation needs an OAuth 2.0 bearer token: get one from /oauth/token "
                "(see /.well-known/oauth-authorization-server) and send it in Authorization."),
    ProblemType("invalid_token", 401, "Unauthorized",
                "The bearer token sent is unknown, expired or revoked: refresh it or sign in again."),
    ProblemType("insufficient_scope", 403, "Forbidden",
                "The token does not carry the scope the operation needs (WWW-Authenticate names it)."),
    ProblemType("forbidden", 403, "Forbidden",
                "The caller may not do this here (not a member of the listing, not an "
                "administrator, a token acting for no user)."),
    ProblemType("not_found", 404, "Not Found",
                "Nothing is at this address, or nothing the caller may see."),
    ProblemType("method_not_allowed", 405, "Method Not Allowed",
                "This resource does not support the request's method; `Allow` lists those it does."),
    ProblemType("not_acceptable", 406, "Not Acceptable",
                "No representation of this resource is of a type the request accepts."),
    ProblemType("request_timeout", 408, "Request Timeout",
                "The request line and headers did not arrive in time (HEADER_TIMEOUT)."),
    ProblemType("conflict", 409, "Conflict",
                "The state of things does not allow the request (a duplicate, a decision made "
                "already, a request with the same Idempotency-Key still running)."),
    ProblemType("gone", 410, "Gone",
                "It existed but can no longer be used (an expired link or invitation)."),
    ProblemType("stale_version", 412, "Precondition Failed",
                "The listing changed since the version sent in If-Match (`ETag` gives the current "
                "one): read it again and redo the change."),
    ProblemType("content_too_large", 413, "Content Too Large",
                "The request body is larger than the API accepts (MAX_CONTENT_LENGTH)."),
    ProblemType("uri_too_long", 414, "URI Too Long", "The request line is over 8190 bytes."),
    ProblemType("unsupported_media_type", 415, "Unsupported Media Type",
                "The body is not of a type the operation takes (send application/json)."),
    ProblemType("validation_failed", 422, "Unprocessable Content",
                "A parameter, header or field of the body is not valid; `errors` lists each with "
                "its `location`, `field` and `message`. Nothing was changed."),
    ProblemType("version_required", 428, "Precondition Required",
                "A change must name the version it is based on: send If-Match with the ETag."),
    ProblemType("rate_limited", 429, "Too Many Requests",
                "Asked too often: wait `Retry-After` seconds (RateLimit-* headers say which limit)."),
    ProblemType("header_fields_too_large", 431, "Request Header Fields Too Large",
                "A header, the number of headers or the whole request head is over its limit."),
    ProblemType("internal_error", 500, "Internal Server Error",
                "The server failed; the answer's X-Request-ID lets its operators find out why."),
    ProblemType("not_implemented", 501, "Not Implemented",
                "The server does not support what the request needs (a transfer coding)."),
    ProblemType("database_unavailable", 503, "Service Unavailable",
                "The database is locked, restarting or unreachable; the request was not completed "
                "(a write was not acknowledged): retry after `Retry-After` seconds."),
    ProblemType("search_unavailable", 503, "Service Unavailable",
                "The search engine is unreachable; browsing still works: retry search after "
                "`Retry-After` seconds."),
    ProblemType("service_unavailable", 503, "Service Unavailable",
                "Something the operation needs (mail, a dependency) is out of service for now: "
                "retry after `Retry-After` seconds."),
)}
# The kind of a problem known only by its status.
STATUS_CODES: dict[int, str] = {
    400: "bad_request", 401: "token_required", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 408: "request_timeout", 409: "conflict",
    410: "gone", 412: "stale_version", 413: "content_too_large", 414: "uri_too_long",
    415: "unsupported_media_type", 422: "validation_failed", 428: "version_required",
    429: "rate_limited", 431: "header_fields_too_large", 500: "internal_error",
    501: "not_implemented", 503: "service_unavailable",
}
OTHER_CODE = "http_error"  # a status with no kind of its own (none is answered today)
PROBLEM_CODES = (*PROBLEM_TYPES, OTHER_CODE)
TYPE_PATH = "/problems/"
TYPE_EXAMPLE = "http://127.0.0.1:8000/problems/validation_failed"


def code_for(status: int, code: str | None = None) -> str:
    """The problem code: *code* if it is a known kind, else the kind of *status*."""
    if code in PROBLEM_TYPES:
        return code
    return STATUS_CODES.get(status, OTHER_CODE)


def type_uri(code: str) -> str:
    """The problem ``type`` of *code*: ``<PUBLIC_BASE_URL>/problems/<code>`` (never made from
    the request's Host)."""
    state = current_app.extensions.get("c800")
    base = state.config.public_base_url if state is not None else DEVELOPMENT_BASE_URL
    return base + TYPE_PATH + code


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — c800 problem {code}</title></head>
<body><main><h1>{title}</h1><p>Problem <code>{code}</code>, HTTP status {status}.</p>
<p>{description}</p><p><a href="/problems">Every kind of problem</a> ·
<a href="/docs">API documentation</a></p></main></body></html>
"""


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def register_problem_pages(app: Flask) -> None:
    """``GET /problems`` (every kind, JSON) and ``GET /problems/<code>`` (one kind)."""

    @app.get("/problems")
    def problem_index() -> Response:
        response = jsonify({"items": [{**asdict(kind), "type": type_uri(kind.code)}
                                      for kind in PROBLEM_TYPES.values()]})
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @app.get("/problems/<code>")
    def problem_page(code: str) -> Response:
        kind = PROBLEM_TYPES.get(code)
        if kind is None:
            abort(404)
        if _wants_json():
            response = jsonify({**asdict(kind), "type": type_uri(code)})
        else:
            response = Response(_PAGE.format(**{key: html.escape(str(value))
                                                for key, value in asdict(kind).items()}),
                                mimetype="text/html")
        response.headers["Cache-Control"] = "public, max-age=3600"
        response.headers["Vary"] = "Accept"
        return response
