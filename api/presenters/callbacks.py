"""Callback requests as the API shows them, to the consumer and to the enterprise alike (the
number only while the request is open)."""

from __future__ import annotations

from directory.contacts import CallbackRequest
from directory.models import utcnow


def callback_dump(callback: CallbackRequest) -> dict:
    return {**{name: getattr(callback, name) for name in (
        "id", "enterprise_id", "channel_id", "phone", "topic", "details", "window_start",
        "window_end", "note", "created_at", "updated_at")}, "status": callback.shown_status(utcnow())}
