"""Follows as the API shows them: an enterprise followed, and a current notice of one."""

from __future__ import annotations

from api.http import pick_name
from directory.contacts import Follow
from directory.models import Enterprise, Notice


def follow_dump(follow: Follow, enterprise: Enterprise, language: str) -> dict:
    return {"enterprise_id": follow.enterprise_id,
            "name": pick_name(enterprise.names(), language), "since": follow.created_at}


def followed_notice_dump(notice: Notice, enterprise: Enterprise, language: str) -> dict:
    return {"id": notice.id, "enterprise_id": enterprise.id,
            "enterprise_name": pick_name(enterprise.names(), language),
            "title": notice.title, "body": notice.body, "severity": notice.severity,
            "valid_from": notice.valid_from, "valid_until": notice.valid_until,
            "links": list(notice.links or [])}
