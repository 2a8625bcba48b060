"""Web Push (RFC 8030) with an encrypted payload (RFC 8291, ``aes128gcm`` of RFC 8188) and
VAPID (RFC 8292): pywebpush encrypts for the subscription's keys, py-vapid signs an ES256 JWT
whose audience is the endpoint's origin, sent as ``Authorization: vapid t=<jwt>,k=<public key>``.

The endpoint is checked again before each push as a webhook's URL is
(``directory.webhooks.check_target``) and the request goes to the address that was checked
(``directory.webhook_delivery.post``).
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPusher

from directory.push.outcome import Pushed
from directory.webhook_delivery import post
from directory.webhooks import DeliverySettings, WebhookError, check_target

TTL = 24 * 3600  # a push service keeps a message this long for a device that is offline
JWT_LIFETIME = 12 * 3600  # RFC 8292: at most 24 hours
SUBJECT = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://[^\s/]+(/\S*)?)$")
USER_AGENT = "c800-push/1"


@dataclass(frozen=True)
class VapidKeys:
    """The application server's VAPID key pair and its contact (``mailto:`` or ``https:``)."""

    vapid: Vapid02
    subject: str

    @property
    def public_key(self) -> str:
        """The public key as browsers take it (``applicationServerKey``): URL-safe base64 of
        the uncompressed P-256 point."""
        point = self.vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def load_vapid(private_key: str, subject: str) -> VapidKeys:
    """The VAPID keys from VAPID_PRIVATE_KEY (URL-safe base64 of the 32-byte private number, or
    of its DER, or PEM) and VAPID_SUBJECT; ValueError when either is malformed."""
    if not SUBJECT.match(subject or ""):
        raise ValueError("VAPID_SUBJECT must be a mailto: address or an https: URL")
    try:
        if "BEGIN" in private_key:
            vapid = Vapid02.from_pem(private_key.encode())
        else:
            vapid = Vapid02.from_string(private_key.strip())
        vapid.public_key  # noqa: B018 - derives it, failing on a key that is not P-256
    except Exception as exc:  # noqa: BLE001 - py-vapid raises what its parsers raise
        raise ValueError("VAPID_PRIVATE_KEY is not a P-256 private key (URL-safe base64 of its "
                         "32 bytes or of its DER, or PEM)") from exc
    return VapidKeys(vapid, subject)


def new_vapid_private_key() -> str:
    """A new VAPID_PRIVATE_KEY: URL-safe base64 of a new P-256 private number."""
    vapid = Vapid02()
    vapid.generate_keys()
    number = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(number).rstrip(b"=").decode()


def origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def web_push_request(subscription: dict, message: dict, keys: VapidKeys,
                     now: float | None = None) -> tuple[bytes, dict[str, str]]:
    """The encrypted body and the headers of a push of *message* (a JSON object) to
    *subscription* (``endpoint`` and ``keys``)."""
    now = time.time() if now is None else now
    payload = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    body = WebPusher(subscription).encode(payload, "aes128gcm")["body"]
    claims = {"aud": origin(subscription["endpoint"]), "exp": int(now) + JWT_LIFETIME,
              "sub": keys.subject}
    headers = {**keys.vapid.sign(claims), "Content-Encoding": "aes128gcm",
               "Content-Type": "application/octet-stream", "TTL": str(TTL), "Urgency": "normal",
               "User-Agent": USER_AGENT}
    return body, headers


def send_web_push(subscription: dict, message: dict, keys: VapidKeys,
                  settings: DeliverySettings) -> Pushed:
    """Push *message*; a 404 or 410 answer means the subscription is gone (``Outcome.gone``)."""
    try:
        target = check_target(subscription["endpoint"], allowed=settings.allowed,
                              resolve=settings.resolve)
    except WebhookError as exc:
        return Pushed(None, str(exc))
    body, headers = web_push_request(subscription, message, keys)
    outcome = post(target, body, headers, ca_certs=settings.ca_certs)
    return Pushed(outcome.status_code, outcome.error, gone=outcome.status_code in (404, 410))
