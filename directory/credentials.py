"""OAuth2 clients, authorization codes and tokens, stored so that a leak gives nothing usable.

Client secrets, codes, access tokens and refresh tokens are random strings of 32+ bytes; only
their SHA-256 digests are stored (a slow hash adds nothing for secrets of that entropy), so a
copy of the database lets no one call the API. Each row of ``oauth_tokens`` is one issue: an
access token and, for user grants, a refresh token; rows issued from one authorization share a
``family`` so that a replayed refresh token can revoke all of them.

The tables are the domain's (the model registry knows them); the authorization server that
issues and checks them is ``api/oauth``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, delete, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.db import EXCLUDED, Base, UTCDateTime, table_facts, withheld
from directory.models import JsonType, utcnow

SCOPES = ("directory:read", "listings:write", "me", "admin")
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600
CODE_LIFETIME = 600


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class OAuthClient(Base):
    """A registered client: the first-party app (public) or a third party (confidential)."""

    __tablename__ = "oauth_clients"
    __table_args__ = table_facts(public=False)

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, info=withheld(
        "a secret: restored confidential clients cannot authenticate until `flask clients "
        "new-secret` gives them one (public clients have none)"))
    name: Mapped[str] = mapped_column(String(200))
    grant_types: Mapped[list[str]] = mapped_column(JsonType, default=list)
    redirect_uris: Mapped[list[str]] = mapped_column(JsonType, default=list)
    scope: Mapped[str] = mapped_column(Text, default="")
    auth_method: Mapped[str] = mapped_column(String(32), default="client_secret_basic")
    # The user a client-credentials client acts for (an enterprise's integration); None for a
    # plain third-party reader.
    user_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                                nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The person who registered the client themselves (POST /v1/me/clients) and manages it;
    # None for clients an operator made (`flask clients create`). Owning is not acting for:
    # the client acts for nobody (user_id) unless an administrator grants it user scopes.
    owner_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                                 nullable=True, index=True)
    # After a rotation the secret before it still works until previous_secret_until
    # (directory/client_registry.py: SECRET_GRACE), so that deployments can change over.
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, info=withheld(
        "a secret: a restored client's previous secret is not carried over"))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # c800's own app: a signed-in person is not asked to consent to it (`flask clients create
    # --first-party`); every other client asks.
    first_party: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    # authlib's ClientMixin
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return self.scope  # no scope asked: what the client is registered for
        allowed = set(self.scope.split())
        return " ".join(s for s in dict.fromkeys(scope.split()) if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.redirect_uris or [])

    def check_client_secret(self, client_secret: str) -> bool:
        given = digest(client_secret)
        if self.secret_hash is not None and hmac.compare_digest(self.secret_hash, given):
            return True
        return (self.previous_secret_hash is not None and self.previous_secret_until is not None
                and utcnow() < self.previous_secret_until
                and hmac.compare_digest(self.previous_secret_hash, given))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == "none" and endpoint in ("token", "revocation")
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in (self.grant_types or [])

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "refresh_token":
            return "authorization_code" in (self.grant_types or [])
        return grant_type in (self.grant_types or [])

    @property
    def is_public(self) -> bool:
        return self.auth_method == "none"


class AuthorizationCode(Base):
    """A one-time code of the authorization code grant (its digest), with its PKCE challenge."""

    __tablename__ = "oauth_codes"
    __table_args__ = table_facts(public=False, archive=EXCLUDED,
                                  why="one-time authorization codes (digests), valid for 10 minutes")

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), ForeignKey("oauth_clients.client_id",
                                                                  ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, default="")
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    auth_time: Mapped[int] = mapped_column(Integer)
    # Set when the code was exchanged: a second exchange is a stolen code, and revokes the
    # tokens the first one gave (RFC 6749 4.1.2).
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    family: Mapped[str | None] = mapped_column(String(32), nullable=True)

    def is_expired(self) -> bool:
        return self.auth_time + CODE_LIFETIME < time.time()

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_auth_time(self) -> int:
        return self.auth_time


class OAuthToken(Base):
    """One issued access token (and refresh token), stored as digests."""

    __tablename__ = "oauth_tokens"
    __table_args__ = table_facts(public=False, archive=EXCLUDED,
                                  why="access and refresh tokens (digests): everyone signs in again")

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(64), ForeignKey("oauth_clients.client_id",
                                                                  ondelete="CASCADE"), index=True)
    user_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                                nullable=True, index=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    issued_at: Mapped[int] = mapped_column(Integer)
    expires_in: Mapped[int] = mapped_column(Integer)
    access_revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the refresh token was used (rotated) or revoked: presenting it again is a replay.
    refresh_used: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the refresh token was rotated, and the answer it got, sealed under a key only the
    # refresh token itself (with SECRET_KEY) derives: within the grace window a retry of a lost
    # answer gets the same pair again (api/oauth/server.py). Cleared when the family ends.
    rotated_at: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rotated_answer: Mapped[str | None] = mapped_column(Text, nullable=True)

    # authlib's TokenMixin
    def check_client(self, client: OAuthClient) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return self.issued_at + self.expires_in <= time.time()

    def is_revoked(self) -> bool:
        return self.access_revoked

    def refresh_expired(self) -> bool:
        return self.issued_at + REFRESH_TOKEN_LIFETIME <= time.time()

    def get_user(self):  # noqa: ANN201 - a directory.accounts.User
        return None

    def get_client(self) -> OAuthClient | None:
        return None


def revoke_user_grants(session: Session, user_id: str) -> int:
    """End what the user granted by signing in (the caller commits): every access and refresh
    token issued to them, and their codes not yet exchanged; how many tokens were still live.

    Tokens of a client-credentials client acting for the user are not the user's grants (its
    secret, not the password, gets them: ``flask clients new-secret`` ends those)."""
    ended = session.execute(
        update(OAuthToken).where(OAuthToken.user_id == user_id,
                                 (OAuthToken.access_revoked.is_(False))
                                 | (OAuthToken.refresh_used.is_(False)))
        .values(access_revoked=True, refresh_used=True)).rowcount
    session.execute(update(OAuthToken).where(OAuthToken.user_id == user_id,
                                             OAuthToken.rotated_answer.is_not(None))
                    .values(rotated_answer=None))
    session.execute(delete(AuthorizationCode).where(AuthorizationCode.user_id == user_id))
    return ended
