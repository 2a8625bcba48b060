"""What every write shares: the JSON body, the listing's version ETag and If-Match, the edit a
use case reads them through, and the answers' caching. (Who may edit a listing is
directory/keepers.py's; the domain's refusals become problems in api/problems.py.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from flask import Response, g, jsonify, request
from flask_smorest import abort
from marshmallow import RAISE, Schema, ValidationError

from api.smorest import RATE_LIMIT_HEADERS, Blueprint, rate_limited
from directory.editing import Actor
from directory.models import Enterprise
from directory.self_service import Edit

# A compressed answer's ETag names its content coding too (flask-compress: "v3" sent gzipped is
# "v3:gzip"); the listing's version is the same whatever the coding, so either is accepted.
CONTENT_CODING_SUFFIX = re.compile(r':(?:gzip|deflate|br|zstd)"$')
_IF_MATCH_TAG = '"v[0-9]{1,10}(:(gzip|deflate|br|zstd))?"'
IF_MATCH_TAGS = f"^{_IF_MATCH_TAG}( *, *{_IF_MATCH_TAG})*$"
IF_MATCH = {
    "in": "header", "name": "If-Match", "required": True,
    "description": "The listing's current ETag as received (`\"v<version>\"`, or "
                   "`\"v<version>:gzip\"` on a compressed answer; from GET "
                   "/v1/manage/enterprises/{enterprise_id} or the last write): 412 when the "
                   "listing changed since, 428 when missing or `*`, 422 when not such a tag.",
    "schema": {"type": "string", "pattern": IF_MATCH_TAGS},
    "example": '"v3"',
}
ETAG_HEADER = {"ETag": {"description": "The listing's version ETag, for the next If-Match as received "
                                       "(`:gzip` appended when the answer is compressed).",
                        "schema": {"type": "string"}, "example": '"v4"'}, **RATE_LIMIT_HEADERS}


def listing_etag(enterprise: Enterprise) -> str:
    return f'"v{enterprise.version}"'


def if_match_versions() -> set[int] | None:
    """The listing versions the request's ``If-Match`` names, as received (a content coding's
    suffix ignored); None when it names none. ``If-Match: *`` is a 428 and a header that is not
    such a tag a 422: HTTP's syntax, answered here; whether the version is current is the
    domain's precondition (``directory.keepers.require_version``)."""
    sent = request.headers.get("If-Match")
    if sent is None or not sent.strip():
        return None
    tags = [tag.strip() for tag in sent.split(",")]
    if "*" in tags:
        abort(428, message="If-Match: * would overwrite changes you have not seen; send the "
                           "listing's ETag.")
    if not re.match(IF_MATCH_TAGS, sent.strip()):
        abort(422, message="If-Match is not the listing's ETag.", errors={"header": {
            "If-Match": ['An ETag of this API, like "v3" (several separated by commas).']}})
    return {int(CONTENT_CODING_SUFFIX.sub('"', tag).strip('"')[1:]) for tag in tags}


# A JSON body is refused before any schema looks at it when it holds more than MAX_JSON_VALUES
# values in all (object members and array items, at any depth), or names more than
# MAX_UNKNOWN_FIELDS fields its schema does not define (load_body): validating a 1 MiB body of
# 95k unknown keys would cost hundreds of milliseconds and list 95k errors.
MAX_JSON_VALUES = 10_000
MAX_UNKNOWN_FIELDS = 20


def _json_values(data: Any, limit: int) -> int:
    """How many values *data* holds at any depth; counting stops past *limit* (no recursion)."""
    count, pending = 0, [data]
    while pending and count <= limit:
        item = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            count += 1
            if isinstance(child, (dict, list)):
                pending.append(child)
    return count


def json_body() -> dict[str, Any]:
    """The request's JSON object; a 415 or 422 problem otherwise (also when it holds more than
    :data:`MAX_JSON_VALUES` values)."""
    if not request.is_json:
        abort(415, message="Send the body as application/json.")
    try:
        text = request.get_data().decode("utf-8")  # strictly: no byte is silently replaced
    except UnicodeDecodeError:
        abort(422, message="The body is not UTF-8.", errors={"json": {"(body)": ["Not UTF-8."]}})
    try:
        body = json.loads(text or "null")
    except (ValueError, RecursionError):
        abort(422, message="The body is not valid JSON.", errors={"json": {"(body)": ["Not JSON."]}})
    if not isinstance(body, dict):
        abort(422, message="The body must be a JSON object.",
              errors={"json": {"(body)": ["Not an object."]}})
    if _json_values(body, MAX_JSON_VALUES) > MAX_JSON_VALUES:
        abort(422, message="The body is not valid; nothing was changed.",
              errors={"json": {"(body)": [f"The body holds more than {MAX_JSON_VALUES} values."]}})
    holding_nul = sorted(set(_fields_holding_nul(body)))
    if holding_nul:  # no text column takes it (PostgreSQL refuses it outright)
        abort(422, message="The body is not valid; nothing was changed.",
              errors={"json": {name: ["Contains a NUL character (U+0000)."] for name in holding_nul}})
    return body


def _fields_holding_nul(value: Any, at: str = ""):  # noqa: ANN202 - yields dotted field names
    if isinstance(value, str):
        if "\x00" in value:
            yield at or "(body)"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{at}.{key}" if at else str(key)
            if "\x00" in str(key):
                yield name.replace("\x00", "\\x00")
            else:
                yield from _fields_holding_nul(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _fields_holding_nul(item, f"{at}.{index}" if at else str(index))


def _refuse_many_unknown_fields(body: dict[str, Any], schema: Schema) -> None:
    if len(body) <= MAX_UNKNOWN_FIELDS:
        return
    known = {field.data_key or name for name, field in schema.load_fields.items()}
    unknown = [key for key in body if key not in known]
    if len(unknown) > MAX_UNKNOWN_FIELDS:
        listed = {key: ["Unknown field."] for key in unknown[:MAX_UNKNOWN_FIELDS]}
        abort(422, message="The body is not valid; nothing was changed.", errors={"json": {
            **listed, "(body)": [f"{len(unknown)} unknown fields; the first "
                                 f"{MAX_UNKNOWN_FIELDS} are listed."]}})


def load_body(schema: type) -> dict[str, Any]:
    """The request's JSON object loaded by the marshmallow *schema* (unknown fields refused);
    a 415 or 422 problem otherwise."""
    body = json_body()
    _refuse_many_unknown_fields(body, schema())
    try:
        return schema(unknown=RAISE).load(body)
    except ValidationError as exc:
        abort(422, message="The body is not valid; nothing was changed.",
              errors={"json": exc.messages})
        raise  # unreachable: abort raised


def json_body_doc(schema: type, example: dict) -> dict:
    """``blp.doc`` arguments documenting a required JSON body of *schema* with *example*."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": schema, "example": example}}}}


def edit(changes: Callable[[], dict[str, Any]] = dict) -> Edit:
    """The request as an edit of a listing: the signed-in user acting through the token, the
    versions its If-Match names, and the change (*changes*, e.g. :func:`json_body`) — read by
    the use case after it checked who asks and the version."""
    return Edit(g.current_user, actor(), if_match_versions, changes)


def actor() -> Actor:
    """Who makes this edit; an administrator counts as one only with a token carrying the
    ``admin`` scope (their numbers, addresses and domains are then checked as entered)."""
    token = g.get("oauth_token")
    user = g.current_user
    admin = bool(user.is_admin and token is not None and "admin" in (token.scope or "").split())
    return Actor(user.id, token.client_id if token is not None else None, admin)


def client_id() -> str | None:
    """The OAuth client the request's token was issued to (None without a token)."""
    token = g.get("oauth_token")
    return token.client_id if token is not None else None




def no_store(body: dict[str, Any], status: int = 200) -> Response:
    """A JSON answer about one person's or one enterprise's data: never cached."""
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response




def with_etag(body: dict[str, Any], enterprise: Enterprise, status: int = 200,
              location: str | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = listing_etag(enterprise)
    response.headers["Cache-Control"] = "no-store"
    if location:
        response.headers["Location"] = location
    return response


def protected_doc(blp: Blueprint, *, if_match: bool = False, idempotent: bool = False,
                  not_found: str = "No such enterprise (or channel, notice, version).",
                  conflict: str | None = None):  # noqa: ANN201 - decorator
    """Document the errors of a protected operation, and its If-Match / Idempotency-Key."""
    from api.idempotency import HEADER as IDEMPOTENCY_HEADER

    def decorate(view):  # noqa: ANN001, ANN202
        view._apidoc = deepcopy(getattr(view, "_apidoc", {}))
        parameters = view._apidoc.setdefault("arguments", {}).setdefault("parameters", [])
        if if_match:
            parameters.append(dict(IF_MATCH))
        if idempotent:
            parameters.append(dict(IDEMPOTENCY_HEADER))
        view = rate_limited(blp)(view)
        view = blp.alt_response(401, description="No token, or an unknown, expired or revoked "
                                "one (`WWW-Authenticate` says which).")(view)
        view = blp.alt_response(403, description="The token lacks the scope, or its user may "
                                "not do this here.")(view)
        view = blp.alt_response(404, description=not_found)(view)
        view = blp.alt_response(422, description="The body is not valid; per-field `errors` "
                                "say why (read-only and unknown fields included).")(view)
        view = blp.alt_response(415, description="The body is not application/json.")(view)
        if if_match:
            view = blp.alt_response(412, description="If-Match does not match: the listing "
                                    "changed since it was read.")(view)
            view = blp.alt_response(428, description="If-Match is missing.")(view)
        if idempotent or conflict:
            view = blp.alt_response(409, description=conflict or "A request with this "
                                    "Idempotency-Key is still running.")(view)
        return view

    return decorate
