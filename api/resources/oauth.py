"""The OAuth2 endpoints (token, revocation, introspection, metadata) and their OpenAPI entries.

authlib answers these itself (RFC 6749 JSON errors such as ``{"error": "invalid_grant"}``, not
problem+json, as OAuth2 clients expect); :func:`document_oauth` writes them into the spec.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from flask import Blueprint, Response, g, jsonify, request

from api.http import MAX_FORM_FIELDS
from api.limit_counts import client_quota_wait, count_client_request
from api.oauth.server import oauth_server, oauth_values_ok, server_metadata
from api.oauth.throttle import client_auth_failed, client_auth_succeeded, client_auth_wait
from api.problems import PROBLEM_MEDIA_TYPE, problem_response
from api.smorest import RATE_LIMIT_HEADERS, RETRY_AFTER
from directory.credentials import SCOPES

oauth = Blueprint("oauth", __name__)


def _oauth_error(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="c800"'
    return response


def _too_many(seconds: int, why: str) -> Response:
    unit = "second" if seconds == 1 else "seconds"
    return problem_response(429, f"{why}; retry after {seconds} {unit}.",
                            headers={"Retry-After": str(seconds)})


def _guarded(answer) -> Response:  # noqa: ANN001 - a callable giving authlib's response
    """authlib's *answer*, unless the request is malformed or its client must wait: failed
    client authentications back off per client and address and per address, and an
    authenticated confidential client's requests count against RATE_LIMIT_CLIENT."""
    if not oauth_values_ok(request.form.to_dict()):
        return _oauth_error(400, "invalid_request", "Parameters are visible ASCII characters.")
    claimed = request.form.get("client_id", "")
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            basic = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return _oauth_error(401, "invalid_client", "The Basic credentials cannot be read.")
        claimed = unquote(basic.partition(":")[0])
    wait = client_auth_wait(claimed)
    if wait is not None:
        return _too_many(wait, "Too many failed client authentications from this address")
    quota = client_quota_wait(f"client:{claimed[:64]}") if claimed else None
    if quota is not None:
        return _too_many(quota, "This client's rate limit is used up")
    response = answer()
    if g.get("oauth_client_failed"):
        client_auth_failed(claimed)
    elif g.get("oauth_client"):
        client_id, method = g.oauth_client
        client_auth_succeeded(client_id)
        if method != "none":  # a public client's id proves nothing: anyone could use up its quota
            count_client_request(f"client:{client_id}")
    return response


@oauth.post("/oauth/token")
def token() -> Response:
    return _guarded(oauth_server().create_token_response)


@oauth.post("/oauth/revoke")
def revoke() -> Response:
    return _guarded(lambda: oauth_server().create_endpoint_response("revocation"))


@oauth.post("/oauth/introspect")
def introspect() -> Response:
    return _guarded(lambda: oauth_server().create_endpoint_response("introspection"))


@oauth.get("/.well-known/oauth-authorization-server")
def metadata() -> Response:
    response = jsonify(server_metadata())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


FORM = "application/x-www-form-urlencoded"
TOKEN_EXAMPLE = {"access_token": "kX8b1mZs0Q5vW3yJ7nR2tA9cE4fH6gL1pD8uB0xK5iO", "token_type": "Bearer",
                 "expires_in": 900, "refresh_token": "Yc3Ra7Pq1Ls9Kd5Jh2Gf8Ds4Az6Xw0Ve3Bn7Mm1Qu5Io9Tt2Rr",
                 "scope": "directory:read me"}
OAUTH_ERROR = {"$ref": "#/components/schemas/OAuthError"}


def _form(properties: dict, required: list[str], example: dict) -> dict:
    return {"required": True, "content": {FORM: {"schema": {
        "type": "object", "properties": properties, "required": required}, "example": example}}}


def _string(description: str, example: str, **extra: object) -> dict:
    return {"type": "string", "description": description, "example": example, **extra}


PROBLEM = {"$ref": "#/components/schemas/Problem"}
FORM_TOO_LARGE = {
    "description": "Content Too Large: the body is over 1 MiB, or the form has more than "
                   f"{MAX_FORM_FIELDS} parameters.",
    "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM, "example": {
        "type": "http://127.0.0.1:8000/problems/content_too_large", "code": "content_too_large",
        "title": "Content Too Large", "status": 413,
        "detail": f"The form has more than {MAX_FORM_FIELDS} parameters.",
        "instance": "/oauth/token"}}}}
_TOO_MANY_TEXT = ("Too Many Requests: this address sent more than `RATE_LIMIT_OAUTH` requests "
                  "to /oauth/* (120 a minute by default), or failed to authenticate a client "
                  "too often (after 5 failures for one client, 30 in all, each failure doubles "
                  "the wait from 1 s up to 15 minutes), or the authenticated confidential "
                  "client used up its `RATE_LIMIT_CLIENT`; retry after `Retry-After` seconds.")
OAUTH_TOO_MANY_REQUESTS = {
    "description": _TOO_MANY_TEXT,
    "headers": {name: {**header, "required": True}
                for name, header in {"Retry-After": RETRY_AFTER, **RATE_LIMIT_HEADERS}.items()},
    "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM, "example": {
        "type": "http://127.0.0.1:8000/problems/rate_limited", "code": "rate_limited",
        "title": "Too Many Requests", "status": 429,
        "detail": "Too many failed client authentications from this address; retry after 8 "
                  "seconds.", "instance": "/oauth/token"}}}}


def _errors(*statuses: int) -> dict:
    texts = {400: "The request is not valid (`invalid_request`, `invalid_grant`, "
                  "`unsupported_grant_type`, `invalid_scope`, `unsupported_token_type`).",
             401: "The client did not authenticate (`invalid_client`); `WWW-Authenticate` says how.",
             405: "Only POST is accepted here."}
    # Every one of these endpoints reads the database: a 503 problem when it is unavailable;
    # all of them are rate limited (429) and take small forms (413).
    found = {"503": {"$ref": "#/components/responses/SERVICE_UNAVAILABLE"},
             "413": FORM_TOO_LARGE, "429": OAUTH_TOO_MANY_REQUESTS}
    for status in statuses:
        if status == 405:
            found["405"] = {"$ref": "#/components/responses/METHOD_NOT_ALLOWED"}
            continue
        found[str(status)] = {"description": texts[status], "content": {"application/json": {
            "schema": OAUTH_ERROR, "example": {"error": "invalid_grant"}}}}
    return found


CLIENT_FIELDS = {
    "client_id": _string("The client's id (public clients send it here; confidential clients "
                         "may use HTTP Basic instead).", "cl_3f9a0c2e5b7d41a8"),
    "client_secret": _string("The confidential client's secret, if not sent with HTTP Basic.",
                             "s3cr3t-from-flask-clients-create"),
}


def document_oauth(spec, app) -> None:  # noqa: ANN001 - an apispec.APISpec, a Flask app
    rules = {rule.rule: rule for rule in app.url_map.iter_rules()}

    def path(path: str, operations: dict) -> None:
        spec.path(rule=rules[path], operations=operations)

    spec.components.schema("OAuthError", {"type": "object", "properties": {
        "error": _string("RFC 6749 error code.", "invalid_grant"),
        "error_description": _string("What went wrong.", "Code challenge failed."),
    }, "required": ["error"]})
    spec.components.schema("TokenResponse", {"type": "object", "properties": {
        "access_token": _string("The bearer token; send it as `Authorization: Bearer ...`.",
                                TOKEN_EXAMPLE["access_token"]),
        "token_type": _string("Always `Bearer`.", "Bearer"),
        "expires_in": {"type": "integer", "description": "Seconds the access token is valid.",
                       "example": 900},
        "refresh_token": _string("For user grants: a one-time token for the next access token "
                                 "(rotated on each use; presented again within "
                                 "REFRESH_GRACE_SECONDS, 60 s, while its new pair is unused, it "
                                 "gets that same pair again: a lost answer can be retried; "
                                 "reused later, it revokes its family).",
                                 TOKEN_EXAMPLE["refresh_token"]),
        "scope": _string("The scopes granted, space-separated.", "directory:read me"),
    }})
    spec.components.schema("Introspection", {"type": "object", "properties": {
        "active": {"type": "boolean", "description": "Whether the token is valid now.",
                   "example": True},
        "client_id": _string("The client the token was issued to.", "cl_3f9a0c2e5b7d41a8"),
        "scope": _string("Its scopes.", "directory:read"),
        "token_type": _string("Always `Bearer`.", "Bearer"),
        "iat": {"type": "integer", "description": "Issued at (Unix time).", "example": 1764671400},
        "exp": {"type": "integer", "description": "Expires at (Unix time).", "example": 1764672300},
        "iss": _string("The issuer.", "http://127.0.0.1:8000"),
        "sub": _string("The user's id, for user tokens.", "usr_0f3c9a7e1b2d4c5a"),
        "username": _string("The user's e-mail address, for user tokens.", "ada@example.com"),
    }, "required": ["active"]})
    spec.components.schema("ServerMetadata", {"type": "object", "properties": {
        name: {"description": f"RFC 8414 `{name}`.", "example": value,
               **({"type": "array", "items": {"type": "string"}} if isinstance(value, list)
                  else {"type": "string"})}
        for name, value in {
            "issuer": "http://127.0.0.1:8000",
            "authorization_endpoint": "http://127.0.0.1:8000/oauth/authorize",
            "token_endpoint": "http://127.0.0.1:8000/oauth/token",
            "revocation_endpoint": "http://127.0.0.1:8000/oauth/revoke",
            "introspection_endpoint": "http://127.0.0.1:8000/oauth/introspect",
            "scopes_supported": list(SCOPES), "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                      "none"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic",
                                                           "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic",
                                                              "client_secret_post"],
            "code_challenge_methods_supported": ["S256"], "ui_locales_supported": ["zh-Hans", "en"],
            "service_documentation": "http://127.0.0.1:8000/docs"}.items()}})
    token_form = _form({
        "grant_type": _string("`authorization_code`, `refresh_token` or `client_credentials`.",
                              "authorization_code",
                              enum=["authorization_code", "refresh_token", "client_credentials"]),
        "code": _string("The code from the authorization endpoint (authorization_code).",
                        "Qm9vZ2llV29vZ2llQm9vZ2llV29vZ2ll"),
        "redirect_uri": _string("The redirect URI the code was asked with.",
                                "http://127.0.0.1:53682/callback"),
        "code_verifier": _string("The PKCE verifier whose S256 digest was the code_challenge.",
                                 "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "refresh_token": _string("The refresh token (refresh_token).", TOKEN_EXAMPLE["refresh_token"]),
        "scope": _string("Scopes asked for, space-separated (client_credentials, refresh_token).",
                         "directory:read"),
        **CLIENT_FIELDS,
    }, ["grant_type"], {"grant_type": "client_credentials", "scope": "directory:read"})
    path("/oauth/token", operations={"post": {
        "tags": ["oauth"], "summary": "Get an access token",
        "description": "RFC 6749 token endpoint: exchange an authorization code (with its PKCE "
                       "verifier), rotate a refresh token, or authenticate a client (client "
                       "credentials). Access tokens last 15 minutes by default; one issued "
                       "before a refresh stays valid until it expires. A refresh whose answer "
                       "was lost may be retried with the same refresh token for 60 s "
                       "(`REFRESH_GRACE_SECONDS`): the same pair comes back.",
        "security": [{}, {"clientBasic": []}],
        "requestBody": token_form,
        "responses": {"200": {"description": "The token.", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/TokenResponse"}, "example": TOKEN_EXAMPLE}}},
            **_errors(400, 401)}}})
    token_param = {"token": _string("The token.", TOKEN_EXAMPLE["refresh_token"]),
                   "token_type_hint": _string("`access_token` or `refresh_token`.", "refresh_token",
                                              enum=["access_token", "refresh_token"]),
                   **CLIENT_FIELDS}
    path("/oauth/revoke", operations={"post": {
        "tags": ["oauth"], "summary": "Revoke a token",
        "description": "RFC 7009. A refresh token revokes every token of its grant; an access "
                       "token only itself. Public clients authenticate with their client_id. "
                       "Unknown tokens are answered 200 as well.",
        "security": [{}, {"clientBasic": []}],
        "requestBody": _form(token_param, ["token"], {"token": TOKEN_EXAMPLE["refresh_token"],
                                                      "client_id": "cl_3f9a0c2e5b7d41a8"}),
        "responses": {"200": {"description": "Revoked (or never valid).", "content": {
            "application/json": {"schema": {"type": "object"}, "example": {}}}},
            **_errors(400, 401)}}})
    path("/oauth/introspect", operations={"post": {
        "tags": ["oauth"], "summary": "Introspect a token",
        "description": "RFC 7662, for confidential clients (HTTP Basic or form credentials): "
                       "whether a token the client holds is active, with its scopes and subject.",
        "security": [{"clientBasic": []}],
        "requestBody": _form(token_param, ["token"], {"token": TOKEN_EXAMPLE["access_token"]}),
        "responses": {"200": {"description": "The token's state (`active: false` when unknown, "
                              "expired, revoked or another client's).", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Introspection"},
                                 "example": {"active": True, "client_id": "cl_3f9a0c2e5b7d41a8",
                                             "scope": "directory:read", "token_type": "Bearer"}}}},
            **_errors(400, 401)}}})
    path("/.well-known/oauth-authorization-server", operations={"get": {
        "tags": ["oauth"], "summary": "Authorization server metadata",
        "description": "RFC 8414: the endpoints, grants, scopes and PKCE methods of this server.",
        "responses": {"200": {"description": "The metadata.", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ServerMetadata"},
            "example": {"issuer": "http://127.0.0.1:8000",
                        "code_challenge_methods_supported": ["S256"]}}}}}}})
    query = [
        ("response_type", "Always `code`.", "code", True),
        ("client_id", "The client's id.", "cl_3f9a0c2e5b7d41a8", True),
        ("redirect_uri", "One of the client's registered redirect URIs.",
         "http://127.0.0.1:53682/callback", False),
        ("scope", "Scopes asked for, space-separated.", "directory:read me", False),
        ("state", "Opaque value returned with the code (CSRF protection of the client).",
         "af0ifjsldkj", False),
        ("code_challenge", "PKCE: base64url(SHA-256(code_verifier)), required.",
         "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", True),
        ("code_challenge_method", "PKCE method: only `S256`.", "S256", True),
        ("lang", "Page language: `zh-Hans` or `en` (default from Accept-Language).", "en", False),
    ]
    html = {"text/html": {"schema": {"type": "string"}, "example": "<!DOCTYPE html>..."}}
    authorize_doc = {
        "tags": ["oauth"],
        "parameters": [{"in": "query", "name": name, "description": text, "example": example,
                        "required": required, "schema": {"type": "string"}}
                       for name, text, example, required in query],
        "responses": {
            "200": {"description": "The sign-in page, or once signed in the consent page.",
                    "content": html},
            "302": {"description": "Back to the redirect URI with `code` and `state`, or with "
                                   "`error` (e.g. `access_denied`, `invalid_request`).",
                    "headers": {"Location": {"description": "The redirect URI with the result.",
                                             "schema": {"type": "string"},
                                             "example": "http://127.0.0.1:53682/callback?code=x&state=y"}}},
            "400": {"description": "The client or redirect URI is unknown: an error page, no "
                                   "redirect.", "content": html},
            "401": {"description": "The sign-in page again: wrong e-mail or password.",
                    "content": html},
            "429": {"description": "Too many attempts: as HTML, the sign-in page again after too "
                                   "many wrong passwords for this e-mail address from this "
                                   "address (5, then each doubles the wait from 1 s up to 15 "
                                   "minutes), from this address for any (30), or, when the "
                                   "account is under attack, once for an address new to it "
                                   "(30 s); as problem+json, this address's requests to "
                                   "/oauth/* are over `RATE_LIMIT_OAUTH`. `Retry-After` says "
                                   "how long.",
                    "content": {**html, **OAUTH_TOO_MANY_REQUESTS["content"]},
                    "headers": {"Retry-After": {**RETRY_AFTER, "required": True}}},
            "413": FORM_TOO_LARGE,
        }}
    path("/oauth/authorize", operations={
        "get": {**authorize_doc, "summary": "Sign in and consent (authorization endpoint)",
                "description": "RFC 6749 authorization endpoint with PKCE (S256 only): a "
                               "server-rendered page in zh-Hans or en where the person signs in "
                               "and allows or denies the client."},
        "post": {**authorize_doc, "summary": "Submit the sign-in or consent form",
                 "description": "The forms of the sign-in and consent pages (with their CSRF "
                                "token); not for API clients.",
                 "requestBody": {"content": {FORM: {"schema": {"type": "object", "properties": {
                     "csrf": _string("The page's CSRF token.", "p2s8..."),
                     "step": _string("`signin`, `consent` or `signout`.", "signin"),
                     "email": _string("E-mail address (signin).", "ada@example.com"),
                     "password": _string("Password (signin).", "correct horse battery staple"),
                     "decision": _string("`allow` or `deny` (consent).", "allow")}},
                     "example": {"step": "signin", "email": "ada@example.com"}}}}}})
    token_query = {"in": "query", "name": "token", "required": True,
                   "schema": {"type": "string", "minLength": 1, "maxLength": 128},
                   "description": "The secret of the claim's mailed link.",
                   "example": "3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
    path("/claims/verify", operations={
        "get": {"tags": ["claims"], "summary": "The page a claim's e-mail link opens",
                "description": "Server-rendered (zh-Hans or en): a button that confirms the "
                               "claim. Opening the link changes nothing by itself.",
                "parameters": [token_query],
                "responses": {"200": {"description": "The confirmation page.", "content": html},
                              "400": {"description": "No token, or not a token.", "content": html}}},
        "post": {"tags": ["claims"], "summary": "Confirm a claim",
                 "description": "Makes the claimant an owner and the listing verified.",
                 "requestBody": {"required": True, "content": {FORM: {"schema": {
                     "type": "object", "required": ["token"], "properties": {
                         "token": _string("The secret of the mailed link.", "3q2-7wEAAAAAAAAAAAAAAAA",
                                          minLength=1, maxLength=128)}},
                     "example": {"token": "3q2-7wEAAAAAAAAAAAAAAAA"}}}},
                 "responses": {
                     "200": {"description": "Confirmed.", "content": html},
                     "400": {"description": "No token, or not a token.", "content": html},
                     "404": {"description": "The link is unknown or was used already.",
                             "content": html},
                     "410": {"description": "The link has expired.", "content": html}}}})
    spec.components.security_scheme("oauth2", {
        "type": "oauth2", "description": "OAuth2 bearer tokens from /oauth/token.",
        "flows": {
            "authorizationCode": {"authorizationUrl": "/oauth/authorize", "tokenUrl": "/oauth/token",
                                  "refreshUrl": "/oauth/token", "scopes": SCOPE_TEXT},
            "clientCredentials": {"tokenUrl": "/oauth/token", "scopes": SCOPE_TEXT}}})
    spec.components.security_scheme("clientBasic", {
        "type": "http", "scheme": "basic",
        "description": "A confidential client's id and secret (token, revocation, introspection)."})


SCOPE_TEXT = {
    "directory:read": "Read the directory (public reads; a client token raises the rate limit).",
    "listings:write": "Edit the listings the user keeps (owner or editor).",
    "me": "The user's own account, claims and reports.",
    "admin": "Administrators: claims, suspensions, the reports queue and the facts to check "
             "(an administrator's own edits of a listing are checked as made).",
}
