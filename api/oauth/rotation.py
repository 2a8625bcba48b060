"""Refresh tokens rotated on every use, with a grace window for answers lost on the way.

A refresh token is good once: its use issues a new pair (same family) and marks it used. When
it comes back:

- within REFRESH_GRACE_SECONDS (60 by default) of its rotation, while the pair it got has not
  been used or revoked, the client never received that answer (mobile networks lose them): it
  gets the SAME pair again, idempotently, with ``expires_in`` counted from the first issue;
- otherwise someone holds a copy: the whole family is revoked (replay detection).

The answer is kept in the old token's row sealed (AES-256-GCM) under a key derived (HKDF) from
SECRET_KEY and the old refresh token itself, which is stored only as a digest: the retry, which
presents the token, opens it; a copy of the database cannot. Ending a family forgets the sealed
answers. Access tokens issued before a refresh stay valid until they expire (a request in
flight with the previous one must not fail); revocation and sign-out still end them.
"""

from __future__ import annotations

import json
import time

from authlib.oauth2.rfc6749 import grants
from sqlalchemy import select, update

from api.idempotency import KeyMaterial
from api.state import app_state, db_session
from directory.accounts import User
from directory.credentials import OAuthToken, digest

PUBLIC_AND_CONFIDENTIAL = ["client_secret_basic", "client_secret_post", "none"]


def revoke_family(family: str) -> None:
    """End every token of *family* and forget its sealed answers."""
    session = db_session()
    session.execute(update(OAuthToken).where(OAuthToken.family == family)
                    .values(access_revoked=True, refresh_used=True, rotated_answer=None))
    session.commit()


def _material(client_id: str, refresh_token: str) -> KeyMaterial:
    return KeyMaterial(f"oauth-refresh:{client_id}", refresh_token)


def seal_answer(client_id: str, refresh_token: str, answer: dict) -> str:
    """*answer* (the new pair) sealed under *refresh_token* (the old one) and SECRET_KEY."""
    return _material(client_id, refresh_token).seal(json.dumps(answer).encode())


def open_answer(client_id: str, refresh_token: str, sealed: str) -> dict | None:
    body = _material(client_id, refresh_token).open(sealed)
    return json.loads(body) if body is not None else None


def _retried_answer(row: OAuthToken, refresh_token: str) -> dict | None:
    """The pair *row*'s rotation gave, when presenting it again is a retry of a lost answer:
    within the grace window, and that pair still unused and unrevoked. None: a replay."""
    grace = app_state().config.refresh_grace_seconds
    now = int(time.time())
    if row.rotated_answer is None or row.rotated_at is None or now - row.rotated_at > grace:
        return None
    answer = open_answer(row.client_id, refresh_token, row.rotated_answer)
    if answer is None:  # SECRET_KEY changed
        return None
    successor = db_session().scalar(select(OAuthToken).where(
        OAuthToken.refresh_token_hash == digest(answer.get("refresh_token", ""))))
    if successor is None or successor.refresh_used or successor.access_revoked:
        return None
    answer["expires_in"] = max(0, successor.issued_at + successor.expires_in - now)
    return answer


class RotatingRefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = PUBLIC_AND_CONFIDENTIAL
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):  # noqa: ANN001, ANN201
        session = db_session()
        row = session.scalar(select(OAuthToken).where(
            OAuthToken.refresh_token_hash == digest(refresh_token)))
        if row is None or row.refresh_expired():
            return None
        # Claim the token: of two requests presenting it at once, one rotates it (the other's
        # UPDATE waits for that commit, which holds the sealed answer, then changes nothing
        # and is answered as a retry).
        claimed = session.execute(
            update(OAuthToken).where(OAuthToken.id == row.id, OAuthToken.refresh_used.is_(False))
            .values(refresh_used=True, rotated_at=int(time.time()))).rowcount
        if claimed:
            return row
        session.refresh(row)
        answer = _retried_answer(row, refresh_token)
        if answer is None:
            # A rotated refresh token came back: someone holds a copy. End the whole family.
            revoke_family(row.family)
            return None
        row.retried_answer = answer
        return row

    def create_token_response(self):  # noqa: ANN201
        retried = getattr(self.request.refresh_token, "retried_answer", None)
        if retried is not None:
            return 200, retried, self.TOKEN_RESPONSE_HEADER
        return super().create_token_response()

    def authenticate_user(self, refresh_token):  # noqa: ANN001, ANN201
        user = db_session().get(User, refresh_token.user_id) if refresh_token.user_id else None
        return None if user is None or user.disabled else user

    def revoke_old_credential(self, refresh_token):  # noqa: ANN001, ANN201
        # Claimed (used) in authenticate_refresh_token, its answer sealed by save_token: its
        # access token lives on until it expires.
        db_session().commit()
