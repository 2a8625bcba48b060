"""A consumer's own contacts as GET /v1/me/contacts shows them."""

from __future__ import annotations

from directory.contacts import Handoff


def my_contact_dump(handoff: Handoff) -> dict:
    return {name: getattr(handoff, name) for name in (
        "id", "enterprise_id", "channel_id", "topic", "platform", "created_at", "expires_at")}
