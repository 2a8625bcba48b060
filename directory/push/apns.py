"""Apple Push Notification service, token-based (Apple's "Sending notification requests to
APNs" and "Establishing a token-based connection to APNs"): an HTTP/2 POST to
``https://api.push.apple.com/3/device/<device token>`` with ``authorization: bearer <provider
token>`` (an ES256 JWT of the team id ``iss`` and ``iat``, its header naming the key id ``kid``,
signed with the .p8 key; renewed every 30 minutes, Apple refuses one older than an hour),
``apns-topic`` (the app's bundle id), ``apns-push-type: alert``, ``apns-priority: 10`` and
``apns-expiration``.

Built on that documentation and tested for its request and signature only: it has never reached
Apple's servers from here.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import ECKey

from directory.push.outcome import Pushed

PRODUCTION_HOST = "api.push.apple.com"
TOKEN_LIFETIME = 30 * 60
EXPIRATION = 24 * 3600
GONE_REASONS = ("BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic")


@dataclass
class APNsSettings:
    key: ECKey
    key_id: str
    team_id: str
    topic: str
    host: str = PRODUCTION_HOST
    ca_certs: str | None = None  # certificates to verify the host with (default: certifi's)
    _token: tuple[float, str] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, key_file: str, key_id: str, team_id: str, topic: str,
             host: str | None = None, ca_certs: str | None = None) -> APNsSettings:
        """From APNS_KEY_FILE (the .p8 key), APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC and
        APNS_HOST; ValueError when one is missing or malformed."""
        if not (key_id and team_id and topic):
            raise ValueError("APNs needs APNS_KEY_ID, APNS_TEAM_ID and APNS_TOPIC with APNS_KEY_FILE")
        try:
            key = ECKey.import_key(Path(key_file).read_bytes())
        except Exception as exc:  # noqa: BLE001 - unreadable, or not an EC key
            raise ValueError("APNS_KEY_FILE is not a readable P-256 key (.p8)") from exc
        if key.curve_name != "P-256" or not key.is_private:
            raise ValueError("APNS_KEY_FILE is not a P-256 private key (.p8)")
        return cls(key, key_id, team_id, topic, host or PRODUCTION_HOST, ca_certs)

    def provider_token(self, now: float | None = None) -> str:
        """The ES256 provider token, made again once it is 30 minutes old."""
        now = time.time() if now is None else now
        with self._lock:
            if self._token is None or now - self._token[0] >= TOKEN_LIFETIME:
                token = jwt.encode({"alg": "ES256", "kid": self.key_id},
                                   {"iss": self.team_id, "iat": int(now)}, self.key)
                self._token = (now, token)
            return self._token[1]


def apns_request(settings: APNsSettings, device_token: str, message: dict,
                 now: float | None = None) -> tuple[str, dict[str, str], bytes]:
    """The URL, headers and body of an alert of *message* (``title``, ``body``, ``data``)."""
    now = time.time() if now is None else now
    body = {"aps": {"alert": {"title": message["title"], "body": message["body"]},
                    "sound": "default"}, **message.get("data", {})}
    headers = {"authorization": f"bearer {settings.provider_token(now)}",
               "apns-topic": settings.topic, "apns-push-type": "alert", "apns-priority": "10",
               "apns-expiration": str(int(now) + EXPIRATION),
               "content-type": "application/json"}
    url = f"https://{settings.host}/3/device/{device_token}"
    return url, headers, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def send_apns(settings: APNsSettings, device_token: str, message: dict) -> Pushed:
    """Send over HTTP/2 (httpx); 410, or 400 for a bad token, means the device is gone."""
    import ssl

    import certifi
    import httpx

    url, headers, body = apns_request(settings, device_token, message)
    verify = ssl.create_default_context(cafile=settings.ca_certs or certifi.where())
    try:
        with httpx.Client(http2=True, timeout=10.0, verify=verify) as client:
            answer = client.post(url, headers=headers, content=body)
    except httpx.HTTPError as exc:
        return Pushed(None, f"{type(exc).__name__}: {str(exc)[:300]}")
    if 200 <= answer.status_code < 300:
        return Pushed(answer.status_code, None)
    reason = _reason(answer.content)
    return Pushed(answer.status_code, f"HTTP {answer.status_code} {reason}",
                  gone=answer.status_code == 410 or reason in GONE_REASONS)


def _reason(content: bytes) -> str:
    try:
        return str(json.loads(content).get("reason", ""))[:100]
    except (ValueError, AttributeError):
        return ""
