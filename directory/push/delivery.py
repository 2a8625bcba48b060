"""Pushing the outbox: every pending :class:`~directory.notifications.PushDelivery` that is due
is leased (so that two workers never push the same one), written in its device's language
(``directory.push.texts``) and sent by its platform's sender. A failure is retried after 30 s,
2 min, 10 min and 1 h, then the delivery is marked ``failed``; a platform that is not configured
marks it ``skipped``. When the push service says a token or subscription is gone for good, the
device is forgotten (and what was waiting for it with it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from directory.devices import Device, forget_gone_device
from directory.models import utcnow
from directory.notifications import NotificationEvent, PushDelivery
from directory.push.apns import APNsSettings, send_apns
from directory.push.fcm import FCMSettings, send_fcm
from directory.push.outcome import Pushed
from directory.push.texts import texts
from directory.push.webpush import VapidKeys, send_web_push
from directory.webhook_delivery import record_attempt
from directory.webhooks import DeliverySettings

log = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10),
                timedelta(hours=1))
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class PushSettings:
    """Which platforms are configured (None: not), and where Web Push may connect to."""

    network: DeliverySettings = field(default_factory=DeliverySettings)
    vapid: VapidKeys | None = None
    apns: APNsSettings | None = None
    fcm: FCMSettings | None = None


def message_of(event: NotificationEvent, language: str) -> dict:
    """What a device is sent: the texts in its language and the ids an app opens it with."""
    title, body = texts(event.kind, event.data, language)
    return {"title": title, "body": body, "data": {
        "id": event.id, "kind": event.kind, "enterprise_id": event.enterprise_id,
        "subject_id": event.subject_id}}


def push(device: Device, message: dict, settings: PushSettings) -> Pushed | None:
    """Send *message* to *device*; None when its platform is not configured here."""
    if device.platform == "web" and settings.vapid is not None:
        return send_web_push(device.subscription, message, settings.vapid, settings.network)
    if device.platform == "ios" and settings.apns is not None:
        return send_apns(settings.apns, device.token, message)
    if device.platform == "android" and settings.fcm is not None:
        return send_fcm(settings.fcm, device.token, message)
    return None


def _due(now: datetime):  # noqa: ANN202 - a where clause
    return (PushDelivery.status == "pending", PushDelivery.next_attempt_at <= now,
            or_(PushDelivery.leased_until.is_(None), PushDelivery.leased_until < now))


def _lease(session: Session, now: datetime, limit: int) -> list[tuple[str, str, str]]:
    keys = (PushDelivery.event_id, PushDelivery.user_id, PushDelivery.device_id)
    due = session.execute(select(*keys).where(*_due(now))
                          .order_by(PushDelivery.next_attempt_at).limit(limit)).all()
    mine = []
    for key in due:  # another worker may take the same rows: only one update wins each
        taken = session.execute(update(PushDelivery).where(
            *(column == value for column, value in zip(keys, key, strict=True)), *_due(now))
            .values(leased_until=now + LEASE).execution_options(synchronize_session=False)).rowcount
        if taken:
            mine.append(tuple(key))
    session.commit()
    return mine


def attempt(session: Session, delivery: PushDelivery, settings: PushSettings, now: datetime) -> str:
    """Push one delivery and record what happened; its new status (``gone``: the device was
    forgotten, and the delivery with it)."""
    device = session.get(Device, (delivery.user_id, delivery.device_id))
    event = session.get(NotificationEvent, delivery.event_id)
    if device is None or event is None:  # forgotten while this push was leased
        session.delete(delivery)
        return "gone"
    outcome = push(device, message_of(event, device.language), settings)
    if outcome is None:
        delivery.status, delivery.next_attempt_at, delivery.leased_until = "skipped", None, None
        delivery.last_error = f"{device.platform} pushes are not configured"
        return delivery.status
    if outcome.gone:
        forget_gone_device(session, device.user_id, device.id)
        return "gone"
    record_attempt(delivery, outcome, now, RETRY_DELAYS)
    return delivery.status


def push_due(session: Session, settings: PushSettings, now: datetime | None = None,
             limit: int = 100) -> dict[str, int]:
    """Attempt every push that is due (commits after each one); how many ended how."""
    now = now or utcnow()
    counts = {"delivered": 0, "pending": 0, "failed": 0, "skipped": 0, "gone": 0}
    for key in _lease(session, now, limit):
        delivery = session.get(PushDelivery, key)
        if delivery is None:  # its device was forgotten meanwhile
            continue
        counts[attempt(session, delivery, settings, now)] += 1
        session.commit()
    return counts
