"""``Idempotency-Key`` for POSTs: a retried request gets the first answer instead of a second
effect. Keys are kept 24 hours per caller; the same key with another request is a 422, and a
retry while the first request is still running is a 409 (for at most a minute: a first request
that never finished, its worker killed or its database gone, leaves its key to the retry).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Response, g, make_response, request
from flask_smorest import abort
from sqlalchemy import Integer, String, Text, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from api.state import app_state
from directory.db import Base, UTCDateTime
from directory.models import JsonType, utcnow

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


class IdempotencyRecord(Base):
    """The first answer to a POST made with an Idempotency-Key (status null: still running)."""

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    headers: Mapped[dict[str, str]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def _principal() -> str:
    user = g.get("current_user")
    if user is not None:
        return f"user:{user.id}"
    token = g.get("oauth_token")
    if token is not None:
        return f"client:{token.client_id}"
    return f"addr:{request.remote_addr}"


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
        fingerprint = hashlib.sha256(
            b"\n".join([request.method.encode(), request.path.encode(), request.get_data()])
        ).hexdigest()
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
                return _replay(row, fingerprint)
            session.add(IdempotencyRecord(principal=principal, key=key, fingerprint=fingerprint))
            try:
                session.commit()
            except IntegrityError:
                abort(409, message="A request with this Idempotency-Key is in progress.",
                      headers={"Retry-After": "1"})
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            _forget(principal, key)
            raise
        if response.status_code >= 500:
            _forget(principal, key)
            return response
        with sessions() as session:
            row = session.get(IdempotencyRecord, (principal, key))
            if row is not None:
                row.status = response.status_code
                row.body = response.get_data(as_text=True)
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


def _replay(row: IdempotencyRecord, fingerprint: str) -> Response:
    if row.fingerprint != fingerprint:
        abort(422, message="This Idempotency-Key was used with another request; use a new key.",
              errors={"header": {"Idempotency-Key": ["Used with another request."]}})
    if row.status is None:
        abort(409, message="The first request with this Idempotency-Key is still running.",
              headers={"Retry-After": "1"})
    response = Response(row.body or "", status=row.status)
    for name, value in (row.headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response
