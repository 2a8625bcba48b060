"""Protecting resources with bearer tokens, with RFC 9457 problems and RFC 6750 challenges.

``require_scope("listings:write")`` guards a view: no token → 401 with ``WWW-Authenticate``;
an expired, revoked or unknown token → 401 ``invalid_token``; a token without the scope → 403
``insufficient_scope``. :func:`identify_client` runs before every ``/v1`` request: a valid token
on a public read names the client (for rate limits) and must carry ``directory:read``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6750 import BearerTokenValidator
from flask import Flask, current_app, g, request
from flask_smorest import abort
from sqlalchemy import select

from api.limit_counts import count_usage
from api.oauth.server import acting_user
from api.state import db_session
from directory.accounts import User
from directory.credentials import OAuthToken, digest

REALM = "c800"
READ_SCOPE = "directory:read"


class _Validator(BearerTokenValidator):
    def authenticate_token(self, token_string):  # noqa: ANN001, ANN201
        if len(token_string) > 512:
            return None
        return db_session().scalar(select(OAuthToken).where(
            OAuthToken.access_token_hash == digest(token_string)))


_protector = ResourceProtector()
_protector.register_token_validator(_Validator(realm=REALM))

_DETAILS = {
    "missing_authorization": "This operation needs a bearer token (OAuth2; see "
                             "/.well-known/oauth-authorization-server).",
    "invalid_token": "The bearer token is not valid: unknown, expired or revoked.",
    "unsupported_token_type": "Only Bearer tokens are accepted.",
    "insufficient_scope": "The token does not carry the scope this operation needs.",
}


def _refuse(error: OAuth2Error, scopes: list[str] | None = None) -> None:
    headers = dict(error.get_headers())
    headers.pop("Content-Type", None)
    status = error.status_code or 401
    if error.error == "insufficient_scope":
        status = 403
        headers["WWW-Authenticate"] = (f'Bearer realm="{REALM}", error="insufficient_scope", '
                                       f'scope="{" ".join(scopes or [])}"')
    elif error.error == "invalid_token":
        headers["WWW-Authenticate"] = (f'Bearer realm="{REALM}", error="invalid_token", '
                                       'error_description="The access token is unknown, expired or revoked."')
    else:  # no token at all (RFC 6750 3: no error code), or not a bearer token
        headers["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
    if status == 400:  # an Authorization header that is not a bearer token
        status = 401
    detail = _DETAILS.get(error.error, error.description or "Not authorized.")
    code = error.error if error.error in ("invalid_token", "insufficient_scope") else "token_required"
    abort(status, message=detail, headers=headers, code=code)


def current_token(scopes: list[str] | None = None) -> OAuthToken:
    try:
        return _protector.acquire_token(scopes)
    except OAuth2Error as error:
        _refuse(error, scopes)
        raise  # unreachable: abort raised


def require_scope(*scopes: str, user: bool = True) -> Callable:
    """Guard a view: a valid token with every one of *scopes* (and, by default, a user)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            # identify_client checked it already, before the query was parsed
            checked = g.get("checked_scopes") == scopes and g.get("oauth_token") is not None
            token = g.oauth_token if checked else current_token(list(scopes))
            g.oauth_token = token
            g.current_user = acting_user(token)
            if user and g.current_user is None:
                abort(403, message="This token acts for no user; this operation needs one "
                                   "(sign in, or a client registered for a user).")
            return view(*args, **kwargs)

        guarded._c800_scopes = scopes  # type: ignore[attr-defined]
        doc = dict(getattr(view, "_apidoc", {}))
        doc["manual_doc"] = {**doc.get("manual_doc", {}), "security": [{"oauth2": list(scopes)}]}
        guarded._apidoc = doc  # type: ignore[attr-defined]
        return guarded

    return decorate


def optional_user() -> User | None:
    """The user of the request's token when one is sent (already checked by identify_client)."""
    token = g.get("oauth_token")
    return acting_user(token) if token is not None else None


def _scopes(endpoint: str | None) -> tuple[str, ...] | None:
    """The scopes the view of *endpoint* requires for this request's method (None: public)."""
    view = current_app.view_functions.get(endpoint or "")
    target = getattr(view, "view_class", None)
    name = "get" if request.method == "HEAD" else request.method.lower()
    method = getattr(target, name, None) if target is not None else view
    return getattr(method, "_c800_scopes", None)


def identify_client() -> None:
    """Before every /v1 request: check a sent bearer token and remember its client.

    A protected operation's token is checked here with the operation's scopes, before its
    query or body is looked at: without a valid token the answer is 401 (or 403), whatever
    else the request holds.
    """
    if not request.path.startswith("/v1/"):
        return
    scopes = _scopes(request.endpoint)
    if scopes:
        token = current_token(list(scopes))
        g.oauth_token, g.checked_scopes = token, scopes
        g.rate_limit_client = _limit_key(token)
        count_usage(token.client_id)
        return
    if "Authorization" not in request.headers:
        return
    token = current_token([READ_SCOPE] if request.method in ("GET", "HEAD") else None)
    g.oauth_token = token
    g.rate_limit_client = _limit_key(token)
    count_usage(token.client_id)


def _limit_key(token: OAuthToken) -> str:
    # every user of the public mobile app shares its client id: count each user on their own
    return f"{token.client_id}:{token.user_id}" if token.user_id else token.client_id


def register_protection(app: Flask) -> None:
    app.before_request(identify_client)
