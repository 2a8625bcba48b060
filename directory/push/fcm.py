"""Firebase Cloud Messaging HTTP v1 (Google's "Migrate from legacy FCM APIs to HTTP v1" and
"Using OAuth 2.0 for Server to Server Applications"): the service account signs an RS256 JWT
(``iss`` its e-mail, ``scope`` firebase.messaging, ``aud`` its ``token_uri``, an hour long)
exchanged at ``token_uri`` for an OAuth2 access token (grant type ``jwt-bearer``, kept until a
minute before it expires), then ``POST https://fcm.googleapis.com/v1/projects/<project
id>/messages:send`` with ``{"message": {"token", "notification", "data"}}``.

Built on that documentation and tested for its requests and signature only: it has never
reached Google's servers from here.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import RSAKey

from directory.push.outcome import Pushed

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SEND_URL = "https://fcm.googleapis.com/v1/projects/{project}/messages:send"
ASSERTION_LIFETIME = 3600
TTL = "86400s"


@dataclass
class FCMSettings:
    project_id: str
    client_email: str
    key: RSAKey
    token_uri: str = "https://oauth2.googleapis.com/token"
    _access: tuple[float, str] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, service_account_file: str) -> FCMSettings:
        """From FCM_SERVICE_ACCOUNT_FILE (the service account's JSON key as Google gives it);
        ValueError when it is unreadable or incomplete."""
        try:
            account = json.loads(Path(service_account_file).read_text())
            settings = cls(account["project_id"], account["client_email"],
                           RSAKey.import_key(account["private_key"]), account["token_uri"])
        except Exception as exc:  # noqa: BLE001 - unreadable, not JSON, a field missing, no key
            raise ValueError("FCM_SERVICE_ACCOUNT_FILE is not a readable service account key "
                             "(project_id, client_email, private_key, token_uri)") from exc
        if not settings.token_uri.startswith("https://"):
            raise ValueError("FCM_SERVICE_ACCOUNT_FILE's token_uri is not https")
        return settings

    def assertion(self, now: float | None = None) -> str:
        """The signed JWT the token endpoint exchanges for an access token."""
        now = int(time.time() if now is None else now)
        return jwt.encode({"alg": "RS256"}, {"iss": self.client_email, "scope": SCOPE,
                                             "aud": self.token_uri, "iat": now,
                                             "exp": now + ASSERTION_LIFETIME}, self.key)

    def token_request(self, now: float | None = None) -> tuple[str, dict[str, str]]:
        """The URL and form of the access token request."""
        return self.token_uri, {"grant_type": GRANT, "assertion": self.assertion(now)}

    def access_token(self, client) -> str:  # noqa: ANN001 - an httpx.Client
        """A current access token, asked for again a minute before the last one expires."""
        with self._lock:
            if self._access is None or time.time() >= self._access[0]:
                url, form = self.token_request()
                answer = client.post(url, data=form)
                answer.raise_for_status()
                granted = answer.json()
                self._access = (time.time() + int(granted.get("expires_in", 3600)) - 60,
                                granted["access_token"])
            return self._access[1]


def fcm_request(settings: FCMSettings, access_token: str, device_token: str,
                message: dict) -> tuple[str, dict[str, str], bytes]:
    """The URL, headers and body of a notification of *message* (``title``, ``body``,
    ``data``: strings only, as FCM's data are)."""
    body = {"message": {"token": device_token,
                        "notification": {"title": message["title"], "body": message["body"]},
                        "data": {k: str(v) for k, v in message.get("data", {}).items()},
                        "android": {"ttl": TTL, "priority": "high"}}}
    return (SEND_URL.format(project=settings.project_id),
            {"authorization": f"Bearer {access_token}", "content-type": "application/json"},
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


def send_fcm(settings: FCMSettings, device_token: str, message: dict) -> Pushed:
    """Send; 404 (``UNREGISTERED``) means the token is gone."""
    import httpx

    try:
        with httpx.Client(timeout=10.0) as client:
            url, headers, body = fcm_request(settings, settings.access_token(client),
                                             device_token, message)
            answer = client.post(url, headers=headers, content=body)
    except httpx.HTTPError as exc:
        return Pushed(None, f"{type(exc).__name__}: {str(exc)[:300]}")
    if 200 <= answer.status_code < 300:
        return Pushed(answer.status_code, None)
    return Pushed(answer.status_code, f"HTTP {answer.status_code} {answer.text[:200]}",
                  gone=answer.status_code == 404 or "UNREGISTERED" in answer.text)
