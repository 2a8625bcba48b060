"""Suggested edits as the API shows them: never who proposed."""

from __future__ import annotations

from directory.suggestions import Suggestion


def suggestion_dump(suggestion: Suggestion) -> dict:
    return {name: getattr(suggestion, name) for name in (
        "id", "enterprise_id", "channel_id", "kind", "changes", "note", "status", "created_at",
        "decided_at", "decided_by", "reason", "version")}
