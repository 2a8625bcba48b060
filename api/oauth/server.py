"""authlib's authorization server wired to c800's storage.

Grants: authorization code with PKCE (S256 only, required of every client) for the mobile app
(a public client, ``token_endpoint_auth_method: none``) and for confidential clients; client
credentials for third parties; refresh tokens rotated on every use, a retry within a grace
window getting the same pair and a replay after it revoking every token of its family
(``api/oauth/rotation.py``). Endpoints: revocation (RFC 7009, public clients too),
introspection (RFC 7662, confidential clients, for their own tokens) and server metadata
(RFC 8414).
"""

from __future__ import annotations

import secrets
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, InvalidScopeError, grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask, g
from sqlalchemy import delete, select

from api.oauth.rotation import PUBLIC_AND_CONFIDENTIAL, RotatingRefreshGrant, revoke_family, seal_answer
from api.state import app_state, db_session
from directory.accounts import User
from directory.credentials import SCOPES, AuthorizationCode, OAuthClient, OAuthToken, digest

CONFIDENTIAL = ["client_secret_basic", "client_secret_post"]


def user_scope(scope: str, user: User | None) -> str:
    """*scope* without what *user* may not hold (``admin`` is for administrators only)."""
    return " ".join(s for s in scope.split() if s != "admin" or (user is not None and user.is_admin))


def acting_user(token: OAuthToken) -> User | None:
    """The user a token acts for: its own user, or the user its client acts for."""
    session = db_session()
    user_id = token.user_id
    if user_id is None:
        client = session.get(OAuthClient, token.client_id)
        user_id = client.user_id if client else None
    user = session.get(User, user_id) if user_id else None
    return None if user is None or user.disabled else user


class S256Challenge(CodeChallenge):
    """PKCE with S256 only, and a challenge required of every authorization request."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri):  # noqa: ANN001, ANN201
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with "
                                      "code_challenge_method=S256.")
        if data.get("code_challenge_method", "plain") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        return super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = PUBLIC_AND_CONFIDENTIAL

    def save_authorization_code(self, code, request):  # noqa: ANN001, ANN201
        data = request.payload.data
        user = request.user
        scope = user_scope(request.client.get_allowed_scope(request.payload.scope), user)
        session = db_session()
        session.add(AuthorizationCode(
            code_hash=digest(code), client_id=request.client.client_id, user_id=user.id,
            redirect_uri=request.payload.redirect_uri or "", scope=scope,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method", "S256"),
            auth_time=int(time.time())))
        session.commit()

    def query_authorization_code(self, code, client):  # noqa: ANN001, ANN201
        row = db_session().get(AuthorizationCode, digest(code))
        if row is None or row.client_id != client.client_id:
            return None
        if row.used:
            if row.family:
                revoke_family(row.family)  # someone replays a code: end what it gave
            return None
        return None if row.is_expired() else row

    def delete_authorization_code(self, authorization_code):  # noqa: ANN001, ANN201
        # Kept, marked used, until it expires: a replay must be recognised as one.
        authorization_code.used = True
        session = db_session()
        session.execute(delete(AuthorizationCode).where(
            AuthorizationCode.auth_time < int(time.time()) - 24 * 3600))
        session.commit()

    def authenticate_user(self, authorization_code):  # noqa: ANN001, ANN201
        user = db_session().get(User, authorization_code.user_id)
        return None if user is None or user.disabled else user


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,  # noqa: ANN001
                       include_refresh_token=True):  # noqa: ANN001, ANN201
        # What the client may ask for, less what the user it acts for may not hold (admin).
        client = self.request.client
        owner = db_session().get(User, client.user_id) if client.user_id else None
        scope = user_scope(client.get_allowed_scope(scope), owner)
        if not scope:
            raise InvalidScopeError("None of the asked scopes can be granted to this client.")
        return super().generate_token(user=user, scope=scope, grant_type=grant_type,
                                      expires_in=expires_in, include_refresh_token=False)


def _query_token(token_string: str, hint: str | None) -> OAuthToken | None:
    session = db_session()
    hashed = digest(token_string)
    columns = [OAuthToken.access_token_hash, OAuthToken.refresh_token_hash]
    if hint == "refresh_token":
        columns.reverse()
    for column in columns:
        row = session.scalar(select(OAuthToken).where(column == hashed))
        if row is not None:
            return row
    return None


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = PUBLIC_AND_CONFIDENTIAL

    def query_token(self, token_string, token_type_hint):  # noqa: ANN001, ANN201
        return _query_token(token_string, token_type_hint)

    def revoke_token(self, token, request):  # noqa: ANN001, ANN201
        if token.refresh_token_hash == digest(request.form["token"]):
            revoke_family(token.family)  # a refresh token ends its whole grant (RFC 7009 2.1)
            return
        token.access_revoked = True
        db_session().commit()


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = CONFIDENTIAL

    def query_token(self, token_string, token_type_hint):  # noqa: ANN001, ANN201
        return _query_token(token_string, token_type_hint)

    def check_permission(self, token, client, request):  # noqa: ANN001, ANN201
        if token.client_id == client.client_id:
            return True
        # an administrator's own client may look at any token (support, abuse handling)
        owner = db_session().get(User, client.user_id) if client.user_id else None
        return owner is not None and owner.is_admin and not owner.disabled

    def introspect_token(self, token):  # noqa: ANN001, ANN201
        user = acting_user(token)
        payload = {"active": True, "client_id": token.client_id, "scope": token.scope,
                   "token_type": "Bearer", "iat": token.issued_at,
                   "exp": token.issued_at + token.expires_in, "iss": issuer()}
        if user is not None:
            payload.update(sub=user.id, username=user.email)
        return payload


def oauth_values_ok(values: dict[str, str]) -> bool:
    """RFC 6749's parameters are visible ASCII (Appendix A); anything else is refused up front
    (authlib would otherwise fail on it rather than answer invalid_request)."""
    return all(isinstance(v, str) and all(" " <= c <= "~" for c in v) for v in values.values())


def issuer() -> str:
    """PUBLIC_BASE_URL: the issuer and its endpoints never follow the request's Host header."""
    return app_state().config.public_base_url


def _query_client(client_id: str) -> OAuthClient | None:
    if not isinstance(client_id, str) or len(client_id) > 64:
        return None
    return db_session().get(OAuthClient, client_id)


def _save_token(token: dict, oauth_request) -> None:  # noqa: ANN001 - authlib's request
    session = db_session()
    previous = getattr(oauth_request, "refresh_token", None)
    user = oauth_request.user
    row = OAuthToken(
        client_id=oauth_request.client.client_id,
        user_id=user.id if user is not None else None,
        family=previous.family if previous is not None else secrets.token_hex(16),
        scope=token.get("scope", ""),
        access_token_hash=digest(token["access_token"]),
        refresh_token_hash=digest(token["refresh_token"]) if token.get("refresh_token") else None,
        issued_at=int(time.time()), expires_in=int(token["expires_in"]))
    session.add(row)
    if previous is not None and row.refresh_token_hash:
        # the answer, kept for a retry of it within the grace window (api/oauth/rotation.py)
        previous.rotated_answer = seal_answer(previous.client_id,
                                              oauth_request.payload.data["refresh_token"], token)
    code = getattr(oauth_request, "authorization_code", None)
    if isinstance(code, AuthorizationCode):
        code.family = row.family
    session.commit()


class C800AuthorizationServer(AuthorizationServer):
    """authlib's server, noting in ``flask.g`` which client authenticated, and how
    (``oauth_client``: id and method), or that a client failed to (``oauth_client_failed``):
    api/resources/oauth.py counts failures with backoff and a confidential client's requests
    against its quota."""

    def authenticate_client(self, request, methods, endpoint="token"):  # noqa: ANN001, ANN201
        try:
            client = super().authenticate_client(request, methods, endpoint)
        except InvalidClientError:
            g.oauth_client_failed = True
            raise
        g.oauth_client = (client.client_id, getattr(request, "auth_method", None))
        return client


def create_server(app: Flask) -> AuthorizationServer:
    lifetime = app.extensions["c800"].config.access_token_lifetime
    app.config.update(
        OAUTH2_TOKEN_EXPIRES_IN={"authorization_code": lifetime, "refresh_token": lifetime,
                                 "client_credentials": lifetime},
        OAUTH2_REFRESH_TOKEN_GENERATOR=True,
        OAUTH2_SCOPES_SUPPORTED=list(SCOPES),
    )
    server = C800AuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(CodeGrant, [S256Challenge(required=True)])
    server.register_grant(RotatingRefreshGrant)
    server.register_grant(ClientCredentialsGrant)
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    app.extensions["c800_oauth"] = server
    return server


def oauth_server() -> AuthorizationServer:
    from flask import current_app

    return current_app.extensions["c800_oauth"]


def server_metadata() -> dict:
    base = issuer()
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "token_endpoint_auth_methods_supported": PUBLIC_AND_CONFIDENTIAL,
        "revocation_endpoint_auth_methods_supported": PUBLIC_AND_CONFIDENTIAL,
        "introspection_endpoint_auth_methods_supported": CONFIDENTIAL,
        "code_challenge_methods_supported": ["S256"],
        "ui_locales_supported": ["zh-Hans", "en"],
        "service_documentation": f"{base}/docs",
    }
