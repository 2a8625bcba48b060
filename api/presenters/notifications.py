"""Notifications as the inbox shows them, in the reader's language."""

from __future__ import annotations

from directory.notifications import Notification, NotificationEvent
from directory.push.texts import texts


def notification_dump(notification: Notification, event: NotificationEvent, language: str) -> dict:
    title, body = texts(event.kind, event.data, language)
    return {"id": event.id, "kind": event.kind, "enterprise_id": event.enterprise_id,
            "subject_id": event.subject_id, "title": title, "body": body,
            "created_at": notification.created_at, "read": notification.read_at is not None}
