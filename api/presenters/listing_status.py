"""A listing's status as the administrators' API shows it."""

from __future__ import annotations

from directory.models import Enterprise


def listing_status_dump(enterprise: Enterprise) -> dict:
    return {"id": enterprise.id, "status": enterprise.status, "version": enterprise.version}
