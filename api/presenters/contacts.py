"""Contacts as the API shows them: the links a consumer opens with the handoff they carry, and
the handoff as the enterprise reads it."""

from __future__ import annotations

from datetime import datetime

from api.presenters.channels import link_dump
from directory.contacts import Contact, Handoff


def contact_dump(contact: Contact, language: str) -> dict:
    handoff = contact.handoff
    return {"id": handoff.id, "enterprise_id": contact.enterprise.id,
            "channel_id": contact.channel.id, "topic": handoff.topic,
            "handoff": {"token": contact.token, "code": contact.code,
                        "expires_at": handoff.expires_at},
            "carries_handoff": any(link.handoff for link in contact.links),
            "links": [{**link_dump(link, language), "handoff": link.handoff}
                      for link in contact.links],
            "created_at": handoff.created_at}


def handoff_dump(handoff: Handoff, first_read_at: datetime | None) -> dict:
    """*handoff*, with when it was first read before this read."""
    return {**{name: getattr(handoff, name) for name in (
        "id", "enterprise_id", "channel_id", "topic", "platform", "created_at", "expires_at")},
        "first_read_at": first_read_at, "details": handoff.details or {}}
