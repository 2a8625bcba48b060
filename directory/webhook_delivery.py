"""Sending webhooks: the deliveries :func:`directory.webhooks.emit` queued in the transaction
that caused them are POSTed by a background loop of every served worker (or ``flask webhooks
deliver``): JSON signed with HMAC-SHA256 of ``"<timestamp>.<body>"`` under the webhook's
secret, sent in ``C800-Signature: t=<timestamp>,v1=<hex>``. A failed delivery (no 2xx within
the timeout) is retried with growing delays, then marked failed; the log stays readable for 30
days. The receiver's address is checked again before each attempt, and the connection goes to
the address that was checked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import urllib3
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from directory.models import utcnow
from directory.webhooks import DeliverySettings, Target, Webhook, WebhookDelivery, WebhookError, check_target

log = logging.getLogger(__name__)

# Delay before each retry; after the last one the delivery is marked failed.
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10),
                timedelta(hours=1), timedelta(hours=6))
KEEP_LOG = timedelta(days=30)
LEASE = timedelta(seconds=60)
CONNECT_TIMEOUT, READ_TIMEOUT = 5.0, 10.0
USER_AGENT = "c800-webhooks/1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass
class Outcome:
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(target: Target, body: bytes, headers: dict[str, str], *, ca_certs: str | None) -> Outcome:
    """POST *body* to the checked address of *target*, verifying the certificate of its name."""
    import certifi

    pool = urllib3.HTTPSConnectionPool(
        target.address, target.port, server_hostname=target.host, assert_hostname=target.host,
        cert_reqs="CERT_REQUIRED", ca_certs=ca_certs or certifi.where(), retries=False,
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT), maxsize=1)
    host = target.host if target.port == 443 else f"{target.host}:{target.port}"
    try:
        response = pool.urlopen("POST", target.path, body=body, headers={**headers, "Host": host},
                                redirect=False, preload_content=False)
        response.read(4096)
        response.release_conn()
        return Outcome(response.status, None if 200 <= response.status < 300
                       else f"HTTP {response.status}")
    except urllib3.exceptions.HTTPError as exc:
        return Outcome(None, type(exc).__name__ + ": " + str(exc)[:300])
    finally:
        pool.close()


def _lease(session: Session, now: datetime, limit: int) -> list[str]:
    due = session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now))
        .order_by(WebhookDelivery.next_attempt_at).limit(limit)).all()
    mine = []
    for ident in due:  # another worker may take the same rows: only one update wins each
        taken = session.execute(update(WebhookDelivery).where(
            WebhookDelivery.id == ident, WebhookDelivery.status == "pending",
            or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now))
            .values(leased_until=now + LEASE)).rowcount
        if taken:
            mine.append(ident)
    session.commit()
    return mine


def attempt(session: Session, delivery: WebhookDelivery, settings: DeliverySettings,
            now: datetime) -> Outcome:
    webhook = session.get(Webhook, delivery.webhook_id)
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        target = check_target(webhook.url, allowed=settings.allowed, resolve=settings.resolve)
    except WebhookError as exc:
        outcome = Outcome(None, str(exc))
    else:
        timestamp = int(now.timestamp())
        outcome = post(target, body, {
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "C800-Event": delivery.event, "C800-Delivery": delivery.id,
            "C800-Signature": signature(webhook.secret, timestamp, body)},
            ca_certs=settings.ca_certs)
    record_attempt(delivery, outcome, now, RETRY_DELAYS)
    return outcome


def record_attempt(delivery: Any, outcome: Outcome, now: datetime,
                   delays: tuple[timedelta, ...]) -> None:
    """Note an attempt of *delivery* (a webhook's or a push's row) and what it came to:
    ``delivered``, due again after the next of *delays*, or ``failed`` after the last."""
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
    delivery.leased_until = None
    if outcome.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    elif delivery.attempts > len(delays):
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = now + delays[delivery.attempts - 1]


def deliver_due(session: Session, settings: DeliverySettings, now: datetime | None = None,
                limit: int = 50) -> dict[str, int]:
    """Attempt every delivery that is due (commits after each one)."""
    now = now or utcnow()
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    for ident in _lease(session, now, limit):
        delivery = session.get(WebhookDelivery, ident)
        attempt(session, delivery, settings, now)
        counts["delivered" if delivery.status == "delivered" else
               "failed" if delivery.status == "failed" else "retrying"] += 1
        session.commit()
    return counts


def forget_old_deliveries(session: Session, now: datetime | None = None) -> int:
    """Drop the log of deliveries older than 30 days (the caller commits)."""
    now = now or utcnow()
    return session.execute(delete(WebhookDelivery).where(
        WebhookDelivery.created_at < now - KEEP_LOG)).rowcount or 0


HOUSEKEEPING_SECONDS = 60.0


def start_background(sessions: Callable[[], Session], settings: DeliverySettings,
                     housekeeping: Iterable[Callable[[Session], Any]] = (),
                     interval: float = 5.0, stop: threading.Event | None = None,
                     every_round: Iterable[Callable[[Session], Any]] = ()) -> threading.Thread:
    """Deliver due webhooks every *interval* seconds in a daemon thread, until *stop* is set,
    and run *every_round* (the notifications' pushes); once a minute also forget old deliveries
    and run *housekeeping* (each task commits)."""
    rounds = tuple(every_round)
    stop = stop or threading.Event()
    tasks = (forget_old_deliveries, *housekeeping)

    def loop() -> None:
        last_housekeeping = 0.0
        while not stop.wait(interval):
            try:
                with sessions() as session:
                    deliver_due(session, settings)
                    for task in rounds:
                        task(session)
                    if time.monotonic() - last_housekeeping >= HOUSEKEEPING_SECONDS:
                        last_housekeeping = time.monotonic()
                        for task in tasks:
                            task(session)
                            session.commit()
            except Exception:  # noqa: BLE001 - the loop must outlive any one failure
                log.exception("webhook delivery failed")

    thread = threading.Thread(target=loop, name="webhook-delivery", daemon=True)
    thread.start()
    return thread
