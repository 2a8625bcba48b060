"""flask-smorest adapted to c800's conventions: problem+json errors, unknown query params refused."""

from __future__ import annotations

import http
from copy import deepcopy
from typing import NamedTuple

import flask_smorest
from apispec import BasePlugin
from flask_smorest.utils import prepare_response
from marshmallow import RAISE, Schema
from webargs.flaskparser import FlaskParser

from api.cache import cached
from api.problems import PROBLEM_MEDIA_TYPE, STATUS_TITLES, ProblemSchema
from api.spec_names import SpecNamesPlugin
from api.state import reads_only


class StrictParser(FlaskParser):
    """Query strings with a parameter the operation does not define are a 422, not ignored."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE}


class Tag(NamedTuple):
    """A group of operations in the docs (the spec's ``tags``): several resources may share one."""

    name: str
    description: str


class Blueprint(flask_smorest.Blueprint):
    """A resource. Its operations are tagged with its *tag* when it gives one (resources that
    are one group in the docs), else with its name; a route may name other ``tags``."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, name: str, import_name: str, *args, tag: Tag | None = None,  # noqa: ANN002, ANN003
                 **kwargs) -> None:
        if tag is not None:
            kwargs["description"] = tag.description
        super().__init__(name, import_name, *args, **kwargs)
        self.tag = tag.name if tag is not None else name

    def add_url_rule(self, rule, endpoint=None, view_func=None,  # noqa: ANN001, ANN003, ANN201
                     provide_automatic_options=None, *, parameters=None, tags=None, **options):
        return super().add_url_rule(rule, endpoint, view_func, provide_automatic_options,
                                    parameters=parameters, tags=tags or [self.tag], **options)


class NoQuerySchema(Schema):
    """For operations without query parameters: any parameter given is refused."""


# What api.http's header and parameter checks refuse in every query, path and header value
# (422, or 400 under /oauth/ and /claims/): stated in the spec as the pattern of each free-text
# parameter, so that clients and fuzzers know it. A tab is white space in a header value.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
NO_CONTROL_CHARACTERS_IN_HEADERS = r"^[^\x00-\x08\x0a-\x1f\x7f]*$"
BAD_REQUEST_PREFIXES = ("/oauth/", "/claims/")
HOSTILE_400 = ("A parameter holding control characters or bytes that are not UTF-8: an "
               "application/problem+json naming it.")


def _no_control_characters(parameters: list) -> bool:
    """Give the free-text string parameters their pattern; whether there are any parameters."""
    found = False
    for parameter in parameters:
        schema = parameter.get("schema") if isinstance(parameter, dict) else None
        if not isinstance(schema, dict) or parameter.get("in") not in ("query", "path", "header"):
            continue
        found = True
        types = schema.get("type")
        is_string = "string" in types if isinstance(types, list) else types == "string"
        if is_string and not {"enum", "pattern", "format", "const"} & schema.keys():
            schema["pattern"] = (NO_CONTROL_CHARACTERS_IN_HEADERS if parameter["in"] == "header"
                                 else NO_CONTROL_CHARACTERS)
    return found


class NoControlCharactersPlugin(BasePlugin):
    """Gives every free-text string parameter the pattern NO_CONTROL_CHARACTERS, and the 400 of
    the OAuth 2.0 and claim pages (documented as HTML) its problem+json."""

    def path_helper(self, path=None, operations=None, parameters=None, **kwargs):  # noqa: ANN001, ANN003, ANN201
        _no_control_characters(parameters or [])

    def operation_helper(self, path=None, operations=None, **kwargs):  # noqa: ANN001, ANN003, ANN201
        for operation in (operations or {}).values():
            if not isinstance(operation, dict):
                continue
            if (_no_control_characters(operation.get("parameters") or [])
                    and str(path).startswith(BAD_REQUEST_PREFIXES)):
                responses = operation.setdefault("responses", {})
                key = 400 if 400 in responses else "400"
                response = responses.setdefault(key, {"description": HOSTILE_400})
                if isinstance(response, dict) and "content" in response:
                    response["content"].setdefault(PROBLEM_MEDIA_TYPE, {
                        "schema": {"$ref": "#/components/schemas/Problem"}})
                    if HOSTILE_400 not in response.get("description", ""):
                        response["description"] = f"{response.get('description', '')} {HOSTILE_400}".strip()


class Api(flask_smorest.Api):
    """The API object: error responses documented as RFC 9457 problem+json; each tag listed
    once, with the description of the first resource registered that carries it."""

    ERROR_SCHEMA = ProblemSchema

    def register_blueprint(self, blp, *, parameters=None, **options):  # noqa: ANN001, ANN003, ANN201
        super().register_blueprint(blp, parameters=parameters, **options)
        listed = self.spec._tags  # apispec's list; flask-smorest just appended the blueprint's name
        added = listed.pop()
        tag = getattr(blp, "tag", added["name"])
        if all(known["name"] != tag for known in listed):
            listed.append({**added, "name": tag})

    def _init_spec(self, *, extra_plugins=None, **options):  # noqa: ANN001, ANN003, ANN202
        # After flask-smorest's Marshmallow plugin: it turns argument schemas into parameters.
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), NoControlCharactersPlugin(),
                                          SpecNamesPlugin()], **options)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response = {"description": STATUS_TITLES.get(status, status.phrase)}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            if status == 429:
                response.update(deepcopy(TOO_MANY_REQUESTS))
            if status == 503:
                response.update(deepcopy(DATABASE_UNAVAILABLE))
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    # c800 documents its own ETag and pagination headers (see READ_HEADERS and the `Link`
    # header); flask-smorest's built-in ones describe features it does not use.
    def _register_etag_headers(self) -> None:
        return None

    def _register_pagination_header(self) -> None:
        return None


ACCEPT_LANGUAGE = {
    "in": "header", "name": "Accept-Language", "required": False,
    "description": "Language of `name`: zh-Hans (default), zh-Hant or en; zh-TW, zh-HK and "
                   "zh-MO mean zh-Hant, zh-CN and zh mean zh-Hans.",
    "schema": {"type": "string"}, "example": "zh-Hans",
}
IF_NONE_MATCH = {
    "in": "header", "name": "If-None-Match", "required": False,
    "description": "An ETag from an earlier answer: 304 with no body when nothing changed.",
    "schema": {"type": "string"}, "example": '"3f2e2c175b943150badf93f15736dd5d87cc34a6"',
}
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {"description": "Requests allowed in the current window by the limit "
                                       "that applies to this request.",
                        "schema": {"type": "integer", "minimum": 0}, "example": 120},
    "RateLimit-Remaining": {"description": "Requests left in the current window.",
                            "schema": {"type": "integer", "minimum": 0}, "example": 119},
    "RateLimit-Reset": {"description": "Seconds until the current window ends and the "
                                       "count starts again.",
                        "schema": {"type": "integer", "minimum": 0}, "example": 42},
}
RETRY_AFTER = {"description": "Seconds to wait before retrying.",
               "schema": {"type": "integer", "minimum": 1}, "example": 42}
TOO_MANY_REQUESTS = {
    "description": "Too Many Requests: the caller's rate limit is used up (per OAuth client, "
                   "else per address); retry after `Retry-After` seconds.",
    "headers": {name: {**header, "required": True}
                for name, header in {"Retry-After": RETRY_AFTER, **RATE_LIMIT_HEADERS}.items()},
    "example": {"type": "http://127.0.0.1:8000/problems/rate_limited", "code": "rate_limited",
                "title": "Too Many Requests", "status": 429,
                "detail": "Too many requests: 120 per 1 minute; retry after 42 seconds.",
                "instance": "/v1/enterprises"},
}
DATABASE_UNAVAILABLE = {
    "description": "Service Unavailable: the database is locked, restarting or unreachable, so "
                   "the request was not completed (a write answered 503 was not acknowledged); "
                   "retry after `Retry-After` seconds.",
    "headers": {"Retry-After": {**RETRY_AFTER, "required": True, "example": 5}},
    "example": {"type": "http://127.0.0.1:8000/problems/database_unavailable",
                "code": "database_unavailable", "title": "Service Unavailable", "status": 503,
                "detail": "The database is unavailable right now (locked, restarting or "
                          "unreachable), so the request was not completed; retry after 5 seconds.",
                "instance": "/v1/enterprises"},
}
READ_HEADERS = {
    "ETag": {"description": "Validator of this representation; send it back in "
                            "If-None-Match.", "schema": {"type": "string"},
             "example": '"3f2e2c175b943150badf93f15736dd5d87cc34a6"'},
    "Cache-Control": {"description": "How long shared caches may keep the answer.",
                      "schema": {"type": "string"}, "example": "public, max-age=60"},
    **RATE_LIMIT_HEADERS,
}


def path_parameter(name: str, description: str, example: str) -> dict:
    return {"in": "path", "name": name, "required": True, "description": description,
            "schema": {"type": "string"}, "example": example}


def rate_limited(blp: Blueprint):  # noqa: ANN201 - decorator
    """Document what every /v1 operation shares: the 429 of the rate limits (problem+json,
    Retry-After, RateLimit-*) and the 503 of a database outage (problem+json, Retry-After).

    Every operation under /v1 is limited (api/limits.py) and reads the database;
    public_read and protected_doc add this already. Document the RateLimit-* headers of the
    success answer with RATE_LIMIT_HEADERS. An operation with more reasons for a 503 says so
    with :func:`unavailable`.
    """

    def decorate(view):  # noqa: ANN001, ANN202
        view = blp.alt_response(503, "SERVICE_UNAVAILABLE")(view)
        return blp.alt_response(429, "TOO_MANY_REQUESTS")(view)

    return decorate


def unavailable(blp: Blueprint, description: str):  # noqa: ANN201 - decorator
    """Document the 503 of an operation that depends on more than the database (*description*
    says what), instead of the shared database one; the same problem+json and Retry-After."""

    def decorate(view):  # noqa: ANN001, ANN202
        view = blp.alt_response(503, description=description, schema=ProblemSchema,
                                content_type=PROBLEM_MEDIA_TYPE,
                                headers=deepcopy(DATABASE_UNAVAILABLE["headers"]),
                                example=deepcopy(DATABASE_UNAVAILABLE["example"]))(view)
        responses = view._apidoc["response"]["responses"]
        responses[503] = [doc for doc in responses[503] if isinstance(doc, dict)]  # not the ref
        return view

    return decorate


def public_read(blp: Blueprint, *, not_found: str | None = None):  # noqa: ANN201 - decorator
    """Document what every public GET shares: languages, ETags and 304, a 404 if any, the 429;
    its answers may be kept (``api.cache.cached``) and its session autocommits
    (``api.state.reads_only``)."""

    def decorate(view):  # noqa: ANN001, ANN202
        # Added beside the query parameters of @blp.arguments: blp.doc(parameters=...) would
        # replace them in the spec instead.
        view._apidoc = deepcopy(getattr(view, "_apidoc", {}))
        view._apidoc.setdefault("arguments", {}).setdefault("parameters", []).extend(
            [dict(ACCEPT_LANGUAGE), dict(IF_NONE_MATCH)])
        # Anyone may read; a client's token (scope directory:read) is counted per client.
        manual = view._apidoc.setdefault("manual_doc", {})
        manual["security"] = [{}, {"oauth2": ["directory:read"]}]
        view = blp.alt_response(401, description="A token was sent and it is unknown, expired "
                                "or revoked (reading without one is fine).")(view)
        view = blp.alt_response(403, description="The token sent lacks `directory:read`.")(view)
        view = blp.alt_response(304, description="Not Modified: the ETag in If-None-Match "
                                "still matches; no body.")(view)
        if not_found:
            view = blp.alt_response(404, description=not_found)(view)
        return rate_limited(blp)(cached(reads_only(view)))

    return decorate
