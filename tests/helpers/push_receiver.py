"""A Web Push receiver on loopback: a real HTTPS server (a trustme certificate) playing the
browser's push service and the browser itself. It checks what RFC 8292 asks of the application
server — ``Authorization: vapid t=<JWT>,k=<key>``, the JWT ES256-signed by that key, its ``aud``
this server's origin, ``exp`` within 24 hours, a ``sub`` contact, the key the one the browser
subscribed with — and decrypts the payload (RFC 8291, ``aes128gcm``) with the subscription's
private key and auth secret; a push that fails a check is answered 401 or 400. Other answers
can be queued (``statuses``) to play a failing or gone subscription.

This is a peer of the code under test (what a push service and a browser do), written from the
RFCs with cryptography and http_ece, not from c800's code.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def verify_es256_jwt(token: str, public_key: ec.EllipticCurvePublicKey) -> tuple[dict, dict]:
    """The header and claims of a compact ES256 JWS; InvalidSignature when the signature (r||s,
    32 bytes each) is not *public_key*'s."""
    head, body, signature = token.split(".")
    raw = b64decode(signature)
    if len(raw) != 64:
        raise InvalidSignature("an ES256 signature is 64 bytes")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public_key.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(b64decode(head)), json.loads(b64decode(body))


class Subscription:
    """A browser's push subscription: its key pair and auth secret, and what it received."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.received: list[dict] = []

    def as_json(self) -> dict:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64encode(point),
                                                    "auth": b64encode(self.auth)}}


class PushReceiver:
    """The push service of the subscriptions it hands out (:meth:`subscribe`), checking pushes
    against the application server key *server_key* (URL-safe base64 of its public point)."""

    def __init__(self, certificate, server_key: str):  # noqa: ANN001 - a trustme LeafCert
        self.server_key = server_key
        self.subscriptions: dict[str, Subscription] = {}
        self.statuses: list[int] = []
        self.refused: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, why = receiver.receive(self.path, dict(self.headers), body)
                if why:
                    receiver.refused.append(why)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.origin = f"https://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscribe(self, name: str) -> Subscription:
        subscription = Subscription(f"{self.origin}/push/{name}")
        self.subscriptions[f"/push/{name}"] = subscription
        return subscription

    def receive(self, path: str, headers: dict, body: bytes) -> tuple[int, str | None]:
        subscription = self.subscriptions.get(path)
        if subscription is None:
            return 404, "no such subscription"
        try:
            self._check_vapid(headers.get("Authorization", ""))
        except (InvalidSignature, ValueError, KeyError) as exc:
            return 401, f"VAPID: {exc!r}"
        if headers.get("Content-Encoding") != "aes128gcm" or "TTL" not in headers:
            return 400, "not aes128gcm, or no TTL"
        try:
            plain = http_ece.decrypt(body, private_key=subscription.private_key,
                                     auth_secret=subscription.auth, version="aes128gcm")
        except Exception as exc:  # noqa: BLE001 - whatever http_ece says of a bad payload
            return 400, f"decryption: {exc!r}"
        if self.statuses:
            return self.statuses.pop(0), None
        subscription.received.append(json.loads(plain))
        return 201, None

    def _check_vapid(self, authorization: str) -> None:
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError(f"scheme {scheme!r}")
        parts = dict(item.strip().split("=", 1) for item in params.split(","))
        if parts["k"] != self.server_key:
            raise ValueError("not the application server key the browser subscribed with")
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(parts["k"]))
        header, claims = verify_es256_jwt(parts["t"], key)
        if header.get("alg") != "ES256":
            raise ValueError(f"alg {header.get('alg')!r}")
        if claims["aud"] != self.origin:
            raise ValueError(f"aud {claims['aud']!r} is not {self.origin!r}")
        if not time.time() < claims["exp"] <= time.time() + 24 * 3600:
            raise ValueError("exp not within 24 hours")
        if not str(claims["sub"]).startswith(("mailto:", "https:")):
            raise ValueError("no sub contact")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
