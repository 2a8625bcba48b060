"""A person's devices: where their notifications are pushed (directory/notifications.py).

A device is named by an id its app chooses (so registering again is an idempotent upsert) and
says its platform: ``web`` (a Web Push subscription, RFC 8030: an https endpoint of the
browser's push service and the keys ``p256dh``/``auth`` its payload is encrypted for,
RFC 8291), ``ios`` (an APNs device token) or ``android`` (an FCM registration token), and the
language notifications are written in. At most :data:`MAX_DEVICES` a person.

A Web Push endpoint is checked as a webhook's URL is (``directory.webhooks.check_target``:
https, a host name resolving to public addresses only unless ``WEBHOOK_ALLOWED_NETWORKS``
names the network), at registration and again before each delivery. A push token or endpoint
belongs to one device of one person: registering it again (another person signed in on the
same phone) takes it from whoever had it, so nobody keeps receiving another's notifications.

Tokens and endpoints are capabilities to push to someone's phone: the table is private and the
archive leaves it out (the apps register their devices again after a restore).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import ForeignKey, String, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.accounts import User, lock_account
from directory.db import EXCLUDED, Base, UTCDateTime, table_facts
from directory.errors import Conflict, InvalidInput, NotFound
from directory.models import LANGUAGES, utcnow
from directory.pages import Key, Listing
from directory.webhooks import DeliverySettings, WebhookError, check_target

PLATFORMS = ("web", "ios", "android")
MAX_DEVICES = 20
DEVICE_ID = re.compile(r"[A-Za-z0-9._~-]{1,64}")
APNS_TOKEN = re.compile(r"[0-9a-fA-F]{64,200}")
FCM_TOKEN = re.compile(r"[A-Za-z0-9_:.\-]{20,2048}")
INVALID = "The device is not valid; nothing was changed."


class DeviceError(InvalidInput):
    def __init__(self, message: str, field: str):
        super().__init__(INVALID, errors={field: [message]})


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = table_facts(
        public=False, archive=EXCLUDED,
        why="push tokens and Web Push subscriptions are capabilities to reach a person's phone; "
            "the apps register their devices again")

    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(8))
    # ios / android: the push token; web: the subscription's endpoint (also its identity).
    token: Mapped[str] = mapped_column(String(2048), index=True)
    p256dh: Mapped[str | None] = mapped_column(String(128), nullable=True)
    auth: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    @property
    def subscription(self) -> dict:
        """The Web Push subscription, as a browser's ``PushSubscription.toJSON()`` gives it."""
        return {"endpoint": self.token, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass(frozen=True)
class DeviceInput:
    platform: str
    language: str
    token: str | None = None
    endpoint: str | None = None
    p256dh: str | None = None
    auth: str | None = None


def b64url_bytes(text: str | None, field: str) -> bytes:
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", text):
        raise DeviceError("URL-safe base64, as the browser's subscription gives it.", field)
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise DeviceError("URL-safe base64, as the browser's subscription gives it.", field) from None


def _check_keys(p256dh: str | None, auth: str | None) -> None:
    point = b64url_bytes(p256dh, "subscription.keys.p256dh")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        if len(point) != 65:
            raise ValueError(point)
    except ValueError:
        raise DeviceError("An uncompressed P-256 public key (65 bytes).",
                          "subscription.keys.p256dh") from None
    if len(b64url_bytes(auth, "subscription.keys.auth")) != 16:
        raise DeviceError("The 16-byte authentication secret.", "subscription.keys.auth")


def check_device(device_id: str, data: DeviceInput, settings: DeliverySettings) -> None:
    """DeviceError when *data* cannot be a device *device_id* is pushed to."""
    if not DEVICE_ID.fullmatch(device_id or ""):
        raise NotFound("A device id is 1-64 letters, digits, '.', '_', '~' or '-'.")
    if data.platform not in PLATFORMS:
        raise DeviceError(f"One of: {', '.join(PLATFORMS)}.", "platform")
    if data.language not in LANGUAGES:
        raise DeviceError(f"One of: {', '.join(LANGUAGES)}.", "language")
    if data.platform == "web":
        if data.token is not None or not data.endpoint:
            raise DeviceError("A web device sends its `subscription` (endpoint and keys), no "
                              "token.", "subscription")
        if len(data.endpoint) > 2048 or not data.endpoint.isascii():
            raise DeviceError("At most 2048 ASCII characters (push services' URLs are).",
                              "subscription.endpoint")
        try:
            check_target(data.endpoint, allowed=settings.allowed, resolve=settings.resolve)
        except WebhookError as exc:
            raise DeviceError(exc.message.replace("webhook URL", "push endpoint"),
                              "subscription.endpoint") from None
        _check_keys(data.p256dh, data.auth)
        return
    if data.endpoint is not None or not data.token:
        raise DeviceError(f"An {data.platform} device sends its push `token`, no subscription.",
                          "token")
    pattern = APNS_TOKEN if data.platform == "ios" else FCM_TOKEN
    if not pattern.fullmatch(data.token):
        raise DeviceError("An APNs device token: 64 to 200 hexadecimal digits." if data.platform
                          == "ios" else "An FCM registration token.", "token")


# --- the person's use cases ------------------------------------------------------------------

NEWEST_DEVICES = Key.newest_first(Device.updated_at, Device.id)


def my_devices(user: User) -> Listing:
    """*user*'s devices, the latest registered first."""
    return Listing(select(Device).where(Device.user_id == user.id), NEWEST_DEVICES)


def put_device(session: Session, user: User, device_id: str, data: DeviceInput,
               settings: DeliverySettings) -> tuple[Device, bool]:
    """Register or replace *user*'s device *device_id*; the device and whether it is new.
    Conflict past :data:`MAX_DEVICES`."""
    check_device(device_id, data, settings)
    token = data.endpoint if data.platform == "web" else data.token
    lock_account(session, user.id)  # the count below holds against this account's other puts
    # one token, one device: whoever had it before no longer receives through it
    session.execute(delete(Device).where(
        Device.token == token, or_(Device.user_id != user.id, Device.id != device_id)))
    device = session.get(Device, (user.id, device_id))
    new = device is None
    if new:
        count = session.scalar(select(func.count()).select_from(Device)
                               .where(Device.user_id == user.id))
        if count >= MAX_DEVICES:
            raise Conflict(f"You have {MAX_DEVICES} devices already; remove one you no longer use.")
        device = Device(user_id=user.id, id=device_id, created_at=utcnow())
    device.platform, device.token, device.language = data.platform, token, data.language
    device.p256dh, device.auth = data.p256dh, data.auth
    device.updated_at = utcnow()
    session.add(device)
    try:
        session.commit()
    except IntegrityError:  # a concurrent first registration of the same id made it first
        session.rollback()
        return put_device(session, user, device_id, data, settings)
    return device, new


def my_device(session: Session, user: User, device_id: str) -> Device:
    device = session.get(Device, (user.id, device_id)) if len(device_id) <= 64 else None
    if device is None:
        raise NotFound("You have no device with this id.")
    return device


def remove_device(session: Session, user: User, device_id: str) -> None:
    """*user*'s device *device_id* receives nothing more (whether or not it was registered)."""
    session.execute(delete(Device).where(Device.user_id == user.id, Device.id == device_id))
    session.commit()


def forget_devices(session: Session, user_id: str) -> int:
    """Remove every device of *user_id* and what was waiting to be pushed to them (for the
    deletion of an account; the caller commits; the pending pushes go with their devices, by
    the foreign key). How many devices there were."""
    return session.execute(delete(Device).where(Device.user_id == user_id)).rowcount or 0


def forget_gone_device(session: Session, user_id: str, device_id: str) -> None:
    """The push service says the device's token or subscription is gone (404/410,
    UNREGISTERED): stop pushing to it (the caller commits)."""
    session.execute(delete(Device).where(Device.user_id == user_id, Device.id == device_id))
