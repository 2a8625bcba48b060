"""HTTP conventions shared by every resource: languages, ETags, caching and pagination links."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote_to_bytes, urlencode

import orjson
from flask import Flask, Response, current_app, g, request
from flask_smorest import abort

from api.problems import problem_response
from api.state import app_state
from directory.listings import name_in

DEFAULT_LANGUAGE = "zh-Hans"
_LANGUAGE_ALIASES = {
    "zh-hans": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "zh-my": "zh-Hans",
    "zh": "zh-Hans", "zh-hans-cn": "zh-Hans",
    "zh-hant": "zh-Hant", "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-mo": "zh-Hant",
    "zh-hant-tw": "zh-Hant", "zh-hant-hk": "zh-Hant",
    "en": "en",
}


def preferred_language() -> str:
    """zh-Hans, zh-Hant or en, from Accept-Language (zh-Hans when nothing fits).

    The answer's Content-Language says which one was used.
    """
    g.content_language = _negotiate_language()
    return g.content_language


def _negotiate_language() -> str:
    for value, _quality in request.accept_languages:
        tag = value.lower().replace("_", "-")
        if tag in _LANGUAGE_ALIASES:
            return _LANGUAGE_ALIASES[tag]
        if tag.startswith("en-"):
            return "en"
        if tag.startswith("zh-hant") or tag.startswith(("zh-tw", "zh-hk", "zh-mo")):
            return "zh-Hant"
        if tag.startswith("zh"):
            return "zh-Hans"
    return DEFAULT_LANGUAGE


def pick_name(names: dict[str, str | None], language: str) -> str:
    """The name in *language*, falling back through the other languages."""
    return name_in(names, language)


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The key a cursor points after; a 422 when it is not one of ours."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = ""
    # A key holds ids, instants, numbers or a name sort key (directory/listing_order.py: at most
    # NAME_KEY_BYTES bytes of UTF-8), never a control character.
    if not value or not value.isprintable() or len(value.encode()) > 150:
        abort(422, message="The request's parameters are not valid.",
              errors={"query": {"cursor": ["Not a cursor returned by this API."]}})
    return value


def public_url(path: str) -> str:
    """The absolute URL of *path* (starting with "/") at PUBLIC_BASE_URL: never made from the
    request's Host header, which any client can set."""
    return app_state().config.public_base_url + path


def next_page_url(cursor: str, args: dict[str, object]) -> str:
    """Absolute URL of the next page: the same query with the new cursor."""
    # a parameter loaded under another name ends in "_" (``fields_``: the query's ``fields``)
    query = {k.removesuffix("_"): v for k, v in args.items() if v is not None and k != "cursor"}
    query = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in query.items()}
    query["cursor"] = cursor
    return f"{public_url(request.script_root + request.path)}?{urlencode(query)}"


def json_answer(body: object) -> Response:
    """*body* as a JSON answer, encoded by orjson (UTF-8, not sorted: several times faster than
    ``jsonify`` on the read paths that skip the schema)."""
    return Response(orjson.dumps(body) + b"\n", mimetype="application/json")


def set_link_next(response: Response, url: str | None) -> None:
    if url:
        response.headers["Link"] = f'<{url}>; rel="next"'


def _conditional_and_cached(response: Response) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    vary = {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    vary.add("Accept-Language")
    if "content_language" in g:
        response.headers["Content-Language"] = g.content_language
    response.headers["Vary"] = ", ".join(sorted(vary))
    if response.is_streamed or response.direct_passthrough:
        return response
    if "Cache-Control" not in response.headers:
        public = request.path.startswith("/v1/") or request.path in ("/openapi.json",)
        response.headers["Cache-Control"] = (
            f"public, max-age={app_state().config.public_cache_seconds}" if public else "no-store")
    response.add_etag()
    return response.make_conditional(request)


def register_http_conventions(app: Flask) -> None:
    app.after_request(_conditional_and_cached)


# Parameters of a form body (the OAuth 2.0 endpoints and pages take a handful): more are
# refused with 413 before anything parses them (werkzeug's MAX_FORM_PARTS counts only
# multipart parts; a 1 MiB urlencoded body holds 120k parameters).
MAX_FORM_FIELDS = 100


def _form_fields(body: bytes) -> int:
    return body.count(b"&") + 1 if body else 0


def register_body_limit(app: Flask) -> None:
    """Refuse an oversized body with 413 before any view runs, whether or not it reads it, and
    a form with more than :data:`MAX_FORM_FIELDS` parameters or parts."""
    app.config["MAX_FORM_PARTS"] = MAX_FORM_FIELDS

    @app.before_request
    def _limit_body() -> None:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and request.content_length is not None and request.content_length > limit:
            abort(413, message=f"The request body is larger than {limit} bytes.")
        if (request.mimetype == "application/x-www-form-urlencoded"
                and _form_fields(request.get_data(cache=True)) > MAX_FORM_FIELDS):
            abort(413, message=f"The form has more than {MAX_FORM_FIELDS} parameters.")


# C0 control characters and DEL: never part of a parameter (a tab is fine in a header value).
_CONTROL_BYTES = re.compile(rb"[\x00-\x1f\x7f]")
_HEADER_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
# Where the API answers a bad request with 400 (OAuth 2.0's endpoints and the claim pages
# document 400); everywhere else a bad parameter is a 422. api.smorest documents both.
_BAD_REQUEST_PREFIXES = ("/oauth/", "/claims/")
NOT_UTF8 = "Not UTF-8."
HAS_CONTROL = "Contains a control character (U+0000-U+001F or U+007F)."


def _latin1(value: str) -> bytes:
    """The bytes behind a WSGI string (PEP 3333: bytes as latin-1), or its UTF-8 when it
    holds characters no byte gives (a test client's ready-decoded text)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _shown(raw: bytes) -> str:
    """A parameter's name fit for a problem: undecodable bytes and controls as \\xNN."""
    text = raw.decode("utf-8", "backslashreplace")
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", text)


def _problem_in(raw: bytes, control: re.Pattern[bytes] = _CONTROL_BYTES) -> str | None:
    if control.search(raw):
        return HAS_CONTROL
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return NOT_UTF8
    return None


def _query_problems(query: bytes) -> list[dict[str, str]]:
    errors = []
    for part in query.split(b"&"):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        name, value = (unquote_to_bytes(x.replace(b"+", b" ")) for x in (name, value))
        why = _problem_in(name) or _problem_in(value)
        if why:
            errors.append({"location": "query", "field": _shown(name), "message": why})
    return errors


def _path_problems() -> list[dict[str, str]]:
    environ = request.environ
    raws = [_latin1(environ.get("PATH_INFO", ""))]
    # The request target as received (gunicorn's RAW_URI, werkzeug's REQUEST_URI): a test
    # client has already decoded PATH_INFO, replacing bytes that are not UTF-8.
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if target:
        path = target.split("?", 1)[0]
        if "://" in path:  # absolute-form: http://host/path
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        raws.append(unquote_to_bytes(_latin1(path)))
    for raw in raws:
        segments = raw.split(b"/")
        bad = {index: why for index, segment in enumerate(segments) if (why := _problem_in(segment))}
        if bad:
            return [{"location": "path", "field": name, "message": bad[index]}
                    for index, name in _path_parameter_names(segments, bad).items()]
    return []


_RULE_VARIABLE = re.compile(r"^<(?:[^:<>]+:)?([^<>]+)>$")


def _path_parameter_names(segments: list[bytes], bad: dict[int, str]) -> dict[int, str]:
    """The route's parameter name for each bad segment ("path" when no route has one there):
    the path is matched with a harmless stand-in for each bad segment."""
    names = {index: "path" for index in bad}
    stand_in = "/".join("0" if index in bad else segment.decode("utf-8")
                        for index, segment in enumerate(segments))
    try:
        rule, _ = current_app.url_map.bind("localhost").match(
            stand_in, method=request.method, return_rule=True)
    except Exception:  # noqa: BLE001 - no route (404, 405, a redirect): the path it is
        return names
    parts = rule.rule.split("/")
    for index in bad:
        found = _RULE_VARIABLE.match(parts[index]) if index < len(parts) else None
        if found:
            names[index] = found.group(1)
    return names


def _header_problems() -> list[dict[str, str]]:
    errors = []
    for name, value in request.headers.items():
        why = _problem_in(_latin1(value), _HEADER_CONTROL_BYTES)
        if why:
            errors.append({"location": "header", "field": name, "message": why})
    return errors


def _refused(errors: list[dict[str, str]]) -> Response | None:
    if not errors:
        return None
    status = 400 if request.path.startswith(_BAD_REQUEST_PREFIXES) else 422
    return problem_response(status, "The request's parameters are not valid: they hold control "
                            "characters or bytes that are not UTF-8.", errors=errors)


def register_header_checks(app: Flask) -> None:
    """Refuse NUL and other control characters (a tab aside), and bytes that are not UTF-8, in
    any header value, before authentication or any view reads one: a 422 problem naming each
    header (400 under /oauth/ and /claims/)."""

    @app.before_request
    def _refuse_hostile_headers() -> Response | None:
        return _refused(_header_problems())


def register_parameter_checks(app: Flask) -> None:
    """The same for the query string (names and values) and the path, once the bearer token
    has been checked (an unauthenticated caller of a protected operation gets its 401 first),
    before any view or database sees them."""

    @app.before_request
    def _refuse_hostile_parameters() -> Response | None:
        return _refused(_query_problems(_latin1(request.environ.get("QUERY_STRING", "")))
                        + _path_problems())


API_CSP = "default-src 'none'; frame-ancestors 'none'"
PAGES_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
# The server-rendered pages (api/oauth/pages.py, api/oauth/account_pages.py).
PAGES = ("/oauth/authorize", "/oauth/signup", "/oauth/forgot", "/oauth/verify", "/oauth/reset",
         "/claims/")
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")


def register_security_headers(app: Flask) -> None:
    """Headers every answer carries, errors included."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-site")
        csp = (DOCS_CSP if request.path.startswith("/docs") else
               PAGES_CSP if request.path.startswith(PAGES) else API_CSP)
        headers.setdefault("Content-Security-Policy", csp)
        return response


# What a browser page on an allowed origin may send and read (CORS, flask-cors).
CORS_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key",
                "Accept-Language", "X-Request-ID"]
CORS_EXPOSED = ["ETag", "Link", "Location", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining",
                "RateLimit-Reset", "X-Request-ID", "Content-Language", "Idempotent-Replayed"]


def register_cors(app: Flask, origins: str) -> None:
    """CORS only for the configured origins (none by default: no CORS header at all)."""
    allowed = [origin.strip().rstrip("/") for origin in origins.split(",") if origin.strip()]
    for origin in allowed:
        if origin != "*" and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", origin):
            raise ValueError(f"CORS_ORIGINS: {origin!r} is not an origin like https://app.example")
    if not allowed:
        return
    from flask_cors import CORS

    CORS(app, resources={r"/v1/*": {}, r"/oauth/token": {}, r"/oauth/revoke": {}},
         origins=allowed, allow_headers=CORS_HEADERS, expose_headers=CORS_EXPOSED,
         methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"], supports_credentials=False,
         max_age=600, vary_header=True)
