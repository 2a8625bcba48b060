"""Webhooks as their owners read them (the secret only on the answer that registers one), and
their delivery log."""

from __future__ import annotations

from directory.webhooks import Webhook, WebhookDelivery


def webhook_dump(webhook: Webhook) -> dict:
    return {name: getattr(webhook, name) for name in ("id", "enterprise_id", "url", "events",
                                                      "active", "created_at")}


def new_webhook_dump(webhook: Webhook) -> dict:
    return {**webhook_dump(webhook), "secret": webhook.secret}


def delivery_dump(delivery: WebhookDelivery) -> dict:
    return {name: getattr(delivery, name) for name in (
        "id", "event", "status", "attempts", "last_status_code", "last_error", "next_attempt_at",
        "created_at", "delivered_at", "payload")}
