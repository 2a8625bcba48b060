"""The ``idempotency_keys`` table: the first answer to a POST made with an ``Idempotency-Key``.

What the rows hold and how they are kept (digests, MACs, sealed bodies, 24 hours) is the HTTP
side's business: ``api/idempotency.py``. The model lives in the domain so that the model
registry (``directory/registry.py``) knows every table without importing ``api``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.db import EXCLUDED, Base, UTCDateTime, table_facts
from directory.models import JsonType, utcnow


class IdempotencyRecord(Base):
    """The first answer to a POST made with an Idempotency-Key (status null: still running);
    ``key`` is the key's digest, ``fingerprint`` a MAC of the request, ``body`` sealed."""

    __tablename__ = "idempotency_keys"
    __table_args__ = table_facts(public=False, archive=EXCLUDED, why="24-hour replay cache of POST answers")

    principal: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    headers: Mapped[dict[str, str]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
