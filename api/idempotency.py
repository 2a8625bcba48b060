"""``Idempotency-Key`` for POSTs: a retried request gets the first answer instead of a second
effect. Keys are kept 24 hours per caller; the same key with another request is a 422, and a
retry while the first request is still running is a 409 (for at most a minute: a first request
that never finished, its worker killed or its database gone, leaves its key to the retry).

First answers can hold secrets (a handoff's token and code, a webhook's signing secret), so
the table holds nothing a reader of the database could use: the key is stored as a digest, the
request's fingerprint as a MAC and the answer's body encrypted (AES-256-GCM), under keys
derived (HKDF-SHA256) from the app's SECRET_KEY, the caller and the key as sent, which only the
caller has: a retry with the key decrypts the first answer, a copy of the database does not.
After SECRET_KEY changes, a key of the last 24 hours is refused (422: use a new key), never run
a second time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Response, current_app, g, make_response, request
from flask_smorest import abort
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from api.state import app_state, end_request_transaction
from directory.idempotency_records import IdempotencyRecord
from directory.models import utcnow

KEEP = timedelta(hours=24)
# A first request still "running" after this long died with its worker or its database (gunicorn
# kills a worker after 30 s; a failed request that could not forget its key leaves it behind):
# its key is taken again rather than answering 409 for a day.
ABANDONED = timedelta(seconds=60)
KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")
HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "A unique key (1-255 visible ASCII characters, e.g. a UUID) that makes a "
                   "retry of this POST safe: within 24 hours the same key returns the first "
                   "answer (with `Idempotent-Replayed: true`); the same key with another body "
                   "is a 422; a retry while the first is running is a 409.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
    "example": "9b2f4c1e-2a7d-4f0e-8c55-0e6f1d3a7b21",
}


SEALED = "v1."  # prefix of an encrypted body


def _principal() -> str:
    user = g.get("current_user")
    if user is not None:
        return f"user:{user.id}"
    token = g.get("oauth_token")
    if token is not None:
        return f"client:{token.client_id}"
    return f"addr:{request.remote_addr}"


def key_digest(principal: str, key: str) -> str:
    """How *principal*'s Idempotency-Key *key* is stored. It does not depend on SECRET_KEY, so
    that a retry after SECRET_KEY changed still finds its row (and is refused, not run again)."""
    return hashlib.sha256(b"c800 idempotency key\x00" + principal.encode() + b"\x00"
                          + key.encode()).hexdigest()


class KeyMaterial:
    """What one caller's Idempotency-Key derives: the stored digest, the request MAC's key and
    the body's encryption key (HKDF-SHA256 of SECRET_KEY, bound to the caller and the key)."""

    def __init__(self, principal: str, key: str) -> None:
        secret = current_app.secret_key
        secret = secret.encode() if isinstance(secret, str) else bytes(secret or b"")
        caller_key = principal.encode() + b"\x00" + key.encode()
        self.digest = key_digest(principal, key)
        derived = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"c800 idempotency v1",
                       info=caller_key).derive(secret)
        self._mac_key, self._cipher = derived[:32], AESGCM(derived[32:])

    def fingerprint(self, *parts: bytes) -> str:
        return hmac.new(self._mac_key, b"\n".join(parts), hashlib.sha256).hexdigest()

    def seal(self, body: bytes) -> str:
        nonce = os.urandom(12)
        sealed = self._cipher.encrypt(nonce, body, self.digest.encode())
        return SEALED + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, stored: str) -> bytes | None:
        """The body sealed in *stored*, or None when it cannot be opened (SECRET_KEY changed)."""
        if not stored.startswith(SEALED):
            return None
        raw = base64.urlsafe_b64decode(stored[len(SEALED):])
        try:
            return self._cipher.decrypt(raw[:12], raw[12:], self.digest.encode())
        except InvalidTag:
            return None


def idempotent(view: Callable) -> Callable:
    """Decorate a POST view (inside its auth decorator) to honour Idempotency-Key."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not KEY.match(key):
            abort(422, message="Idempotency-Key is 1 to 255 visible ASCII characters.",
                  errors={"header": {"Idempotency-Key": ["Not a valid key."]}})
        principal = _principal()
        material = KeyMaterial(principal, key)
        key = material.digest  # the key as sent is never stored
        fingerprint = material.fingerprint(request.method.encode(), request.path.encode(),
                                           request.get_data())
        sessions = app_state().sessions
        with sessions() as session:
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - KEEP))
            row = session.get(IdempotencyRecord, (principal, key))
            if row is not None and row.status is None and row.created_at < utcnow() - ABANDONED \
                    and row.fingerprint == fingerprint:
                session.delete(row)
                session.flush()
                row = None
            if row is not None:
                session.commit()
                return _replay(row, fingerprint, material)
            session.add(IdempotencyRecord(principal=principal, key=key, fingerprint=fingerprint))
            try:
                session.commit()
            except IntegrityError:
                abort(409, message="A request with this Idempotency-Key is in progress.",
                      headers={"Retry-After": "1"})
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            end_request_transaction()
            _forget(principal, key)
            raise
        end_request_transaction()  # the view committed what it keeps
        if response.status_code >= 500:
            _forget(principal, key)
            return response
        with sessions() as session:
            row = session.get(IdempotencyRecord, (principal, key))
            if row is not None:
                row.status = response.status_code
                row.body = material.seal(response.get_data())
                row.headers = {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}
                session.commit()
        return response

    doc = getattr(view, "_apidoc", {})
    wrapper._apidoc = doc  # type: ignore[attr-defined]
    return wrapper


def _forget(principal: str, key: str) -> None:
    with app_state().sessions() as session:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.principal == principal,
                                                        IdempotencyRecord.key == key))
        session.commit()


def _replay(row: IdempotencyRecord, fingerprint: str, material: KeyMaterial) -> Response:
    body = material.open(row.body) if row.body else b""
    if body is None:  # sealed under another SECRET_KEY: neither replayable nor to be run again
        abort(422, message="The first answer to this Idempotency-Key can no longer be replayed; "
                           "use a new key.",
              errors={"header": {"Idempotency-Key": ["Its first answer cannot be replayed."]}})
    if not hmac.compare_digest(row.fingerprint, fingerprint):
        abort(422, message="This Idempotency-Key was used with another request; use a new key.",
              errors={"header": {"Idempotency-Key": ["Used with another request."]}})
    if row.status is None:
        abort(409, message="The first request with this Idempotency-Key is still running.",
              headers={"Retry-After": "1"})
    response = Response(body, status=row.status)
    for name, value in (row.headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response
