"""A listing's versions as the API shows them (``api/schemas/versions.py``)."""

from __future__ import annotations

from directory.versions import ListingVersion


def version_dump(version: ListingVersion) -> dict:
    return {"number": version.number, "actor": version.actor, "client_id": version.client_id,
            "action": version.action, "changes": version.changes, "created_at": version.created_at,
            "listing": version.snapshot}
