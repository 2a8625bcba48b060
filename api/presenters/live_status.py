"""A channel's live status as its keepers read it: as last set, and whether it holds now."""

from __future__ import annotations

from directory.experiences import LiveStatus
from directory.models import utcnow


def live_dump(status: LiveStatus) -> dict:
    return {"channel_id": status.channel_id, "state": status.state,
            "wait_minutes": status.wait_minutes, "message": status.message,
            "expires_at": status.expires_at, "updated_at": status.updated_at,
            "fresh": status.fresh_at(utcnow())}
