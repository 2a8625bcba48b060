"""RFC 9457 problem details: every error the API answers is ``application/problem+json``.

The one map from the domain's refusals (``directory.errors``) to answers is here: the kind of
error decides the status (:data:`KIND_STATUS`), its message the detail, its ``field`` or
``errors`` the per-field ``errors``, and its details the headers (``Retry-After``, ``ETag``).
Routes never catch domain errors.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, g, json, request
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from api.problem_types import PROBLEM_CODES, TYPE_EXAMPLE, code_for, type_uri
from directory.db import connection_still_good, database_unavailable
from directory.errors import (
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    NotAllowed,
    NotFound,
    StaleVersion,
    TooMany,
    Unavailable,
    VersionRequired,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


class FieldErrorSchema(Schema):
    location = fields.String(
        metadata={"description": "Where the bad input is: query, path, header or json.",
                  "example": "query"})
    field = fields.String(
        metadata={"description": "The field or parameter, dotted for nested fields.",
                  "example": "limit"})
    message = fields.String(
        metadata={"description": "What is wrong with it.",
                  "example": "Must be greater than or equal to 1 and less than or equal to 100."})


class ProblemSchema(Schema):
    """An RFC 9457 problem details object."""

    type = fields.String(metadata={
        "description": "The URI of the kind of problem, `<PUBLIC_BASE_URL>/problems/<code>`: "
                       "opened, it says what the problem means and what to do (HTML, or JSON "
                       "with `Accept: application/json`; `GET /problems` lists every kind).",
        "example": TYPE_EXAMPLE})
    code = fields.String(validate=validate.OneOf(PROBLEM_CODES), metadata={
        "description": "The kind of problem, stable for clients to branch on: `validation_failed`, "
                       "`not_found`, `token_required`, `invalid_token`, `insufficient_scope`, "
                       "`forbidden`, `conflict`, `stale_version`, `version_required`, `gone`, "
                       "`rate_limited`, `database_unavailable`, `search_unavailable`, ... "
                       "(`http_error`: a status with no kind of its own).",
        "example": "validation_failed"})
    title = fields.String(metadata={"description": "Short summary of the problem type.",
                                    "example": "Unprocessable Content"})
    status = fields.Integer(metadata={"description": "The HTTP status code.", "example": 422})
    detail = fields.String(metadata={"description": "What went wrong in this occurrence.",
                                     "example": "The request's parameters are not valid."})
    instance = fields.String(metadata={"description": "The path of the request that failed.",
                                       "example": "/v1/enterprises"})
    errors = fields.List(fields.Nested(FieldErrorSchema), metadata={
        "description": "One entry per invalid field (validation problems only), at most 50; "
                       "`detail` says how many were left out.",
        "example": [{"location": "query", "field": "limit",
                     "message": "Must be greater than or equal to 1 and less than or equal to 100."}],
    })


def problem_response(status: int, detail: str, *, errors: list[dict[str, str]] | None = None,
                     headers: dict[str, str] | None = None, title: str | None = None,
                     code: str | None = None) -> Response:
    """The problem+json answer; *code* names its kind (api/problem_types.py), else its status."""
    code = code_for(status, code)
    body: dict[str, Any] = {
        "type": type_uri(code),
        "code": code,
        "title": title or STATUS_TITLES.get(status) or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype=PROBLEM_MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(messages: Any) -> list[dict[str, str]]:
    """webargs/marshmallow messages (``{"query": {"limit": [...]}}``) as a flat list."""
    from directory.validation import flatten_errors

    errors = []
    if isinstance(messages, dict):
        for location, per_field in messages.items():
            for path, message in flatten_errors(per_field):
                errors.append({"location": str(location), "field": path, "message": message})
    return errors


# RFC 9110 names; Python 3.11's http module still has the older phrases for these.
STATUS_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}

_DETAILS = {
    404: "No resource exists at this address.",
    405: "This resource does not support the request's method.",
    413: "The request is larger than this API accepts.",
    422: "The request's parameters are not valid.",
}


# A problem lists at most this many field errors; its detail says how many there were.
MAX_LISTED_ERRORS = 50


def _listed(detail: str, errors: list[dict[str, str]] | None) -> tuple[str, list | None]:
    """*detail* and *errors* with at most :data:`MAX_LISTED_ERRORS` errors (the detail says so)."""
    if errors is not None and len(errors) > MAX_LISTED_ERRORS:
        detail = (f"{detail} The first {MAX_LISTED_ERRORS} of {len(errors)} errors are listed; "
                  "the rest were left out.")
        errors = errors[:MAX_LISTED_ERRORS]
    return detail, errors


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    data = getattr(error, "data", None) or {}
    headers.update(data.get("headers") or {})
    messages = data.get("errors") or data.get("messages")
    errors = field_errors(messages) if messages else None
    detail = data.get("message") or (
        _DETAILS.get(status) if error.description == type(error).description else error.description
    ) or HTTPStatus(status).phrase
    detail, errors = _listed(detail, errors)
    if status >= 500:
        log.error("request failed with %s: %s", status, error)
    return problem_response(status, detail, errors=errors, headers=headers, code=data.get("code"))


# The kind of a domain error decides its status and its problem code, and nothing else does.
# A DomainError of no kind below (none is raised) is answered as a bad request.
KIND_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422, NotFound: 404, NotAllowed: 403, Conflict: 409, StaleVersion: 412,
    VersionRequired: 428, Gone: 410, TooMany: 429, Unavailable: 503, DomainError: 400,
}
KIND_CODE: dict[type[DomainError], str] = {
    InvalidInput: "validation_failed", NotFound: "not_found", NotAllowed: "forbidden",
    Conflict: "conflict", StaleVersion: "stale_version", VersionRequired: "version_required",
    Gone: "gone", TooMany: "rate_limited", Unavailable: "service_unavailable",
    DomainError: "bad_request",
}


def status_of(error: DomainError) -> int:
    """The HTTP status answering *error*: that of its kind."""
    return next(KIND_STATUS[kind] for kind in type(error).__mro__ if kind in KIND_STATUS)


def code_of(error: DomainError) -> str:
    """The problem code answering *error*: that of its kind."""
    return next(KIND_CODE[kind] for kind in type(error).__mro__ if kind in KIND_CODE)


def invalid_input_detail(detail: str) -> Callable:
    """Decorate a view (innermost): an :class:`InvalidInput` it raises is answered with *detail*
    as the problem's detail, the per-field ``errors`` carrying the error's own message."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.invalid_input_detail = detail
            return view(*args, **kwargs)

        return wrapper

    return decorate


def handle_domain_error(error: DomainError) -> Response:
    """A use case's refusal as a problem. Nothing of the request is kept: its session is rolled
    back here (and closed at teardown). Field errors are where the request carried its input:
    the JSON body of a POST, PUT or PATCH, the query otherwise."""
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except SQLAlchemyError:  # the connection is gone: teardown discards the session
            log.debug("rolling back after a refusal failed", exc_info=True)
    status = status_of(error)
    detail = str(error)
    if isinstance(error, InvalidInput):
        detail = g.get("invalid_input_detail") or detail
    per_field = error.errors if error.errors is not None else (
        {error.field: [str(error)]} if error.field else None)
    location = "json" if request.method in ("POST", "PUT", "PATCH") else "query"
    detail, errors = _listed(detail, field_errors({location: per_field}) if per_field is not None
                             else None)
    headers = {}
    retry_after = error.details.get("retry_after")
    if retry_after is not None and isinstance(error, (TooMany, Unavailable)):
        headers["Retry-After"] = str(retry_after)
    version = error.details.get("version")
    if version is not None and isinstance(error, StaleVersion):
        # the version the domain names is the listing's ETag (api/writes.py): said in HTTP's terms
        headers["ETag"] = f'"v{version}"'
        detail = (f'The listing changed since (it is at "v{version}"); read it again and redo '
                  "the change.")
    if isinstance(error, VersionRequired) and error.details.get("enterprise_id"):
        detail = ("Send If-Match with the listing's ETag (GET /v1/manage/enterprises/"
                  f"{error.details['enterprise_id']} gives it): writes never overwrite changes you "
                  "have not seen.")
    if status >= 500:
        log.error("request failed with %s: %s", status, error)
    return problem_response(status, detail, errors=errors, headers=headers, code=code_of(error))


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error")
    return handle_http_exception(InternalServerError())


# Seconds a client should wait after a database outage (a lock, a restart, a failover).
DATABASE_RETRY_AFTER = 5
DATABASE_UNAVAILABLE = ("The database is unavailable right now (locked, restarting or unreachable), "
                        f"so the request was not completed; retry after {DATABASE_RETRY_AFTER} seconds.")


def handle_database_error(error: SQLAlchemyError) -> Response:
    """A database outage is a 503 with Retry-After; any other database error is a 500.

    The request's session is rolled back and discarded, its connections invalidated unless
    they only met a SQLite lock, so the next request checks out a working connection: the
    service recovers by itself when the database is back.
    """
    if not database_unavailable(error):
        return handle_unexpected(error)
    session = g.pop("db_session", None)
    if session is not None:
        try:
            if connection_still_good(error):
                session.close()  # rolled back; the connection goes back to the pool
            else:
                session.invalidate()  # rolled back if it can be; the connections are not reused
        except Exception:  # noqa: BLE001 - the connection is gone already
            log.debug("discarding the session failed", exc_info=True)
    log.warning("database unavailable: %s: %s", type(error).__name__, str(error).splitlines()[0])
    return problem_response(503, DATABASE_UNAVAILABLE, code="database_unavailable",
                            headers={"Retry-After": str(DATABASE_RETRY_AFTER)})


def register_problem_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(SQLAlchemyError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
