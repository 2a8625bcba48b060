"""Pushes end to end: a notice of a followed listing is pushed by Web Push (VAPID, aes128gcm)
to a push receiver on loopback that checks the VAPID signature and decrypts the payload
(tests/helpers/push_receiver.py); retries with backoff, failure after the last one, a gone
subscription forgets the device, platforms not configured are skipped, malformed keys are
refused at start. APNs and FCM requests are built and their JWTs verified with the public keys,
and APNs pushes sent over HTTP/2 to a loopback server (tests/helpers/h2_receiver.py); Apple's
and Google's servers cannot be reached from here."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from sqlalchemy import select

from api.app import create_app
from api.config import Config
from directory.models import utcnow
from directory.notifications import PushDelivery
from directory.push.apns import APNsSettings, apns_request, send_apns
from directory.push.delivery import RETRY_DELAYS, push_due
from directory.push.fcm import GRANT, SCOPE, FCMSettings, fcm_request
from directory.push.webpush import new_vapid_private_key
from tests.conftest import client_over_records
from tests.factories import CONSUMER_RECORDS as RECORDS
from tests.factories import A
from tests.helpers.api import auth, post_notice, problem, with_people
from tests.helpers.h2_receiver import H2Receiver
from tests.helpers.push_receiver import PushReceiver, b64decode, b64encode, verify_es256_jwt

SUBJECT = "mailto:push@c800.example"


@pytest.fixture(scope="module", params=["sqlite"])
def client(request, tmp_path_factory, ca):
    for client in client_over_records(request, tmp_path_factory, RECORDS,
                                      vapid_private_key=new_vapid_private_key(), vapid_subject=SUBJECT,
                                      webhook_ca_bundle=ca.path,
                                      webhook_allowed_networks="127.0.0.0/8, ::1/128"):
        with_people(client)
        client.settings = client.application.extensions["c800"].push_settings
        assert client.put(f"/v1/me/following/{A}", headers=auth(client, "ada")).status_code == 201
        yield client


@pytest.fixture(scope="module")
def receiver(client, ca):
    server = PushReceiver(ca.issue_cert("localhost"), client.settings.vapid.public_key)
    yield server
    server.close()


def deliver(client, at=None) -> dict:  # noqa: ANN001
    with client.application.app_context(), client.sessions() as session:
        return push_due(session, client.settings, at)


def deliveries(client, device: str) -> list[PushDelivery]:  # noqa: ANN001
    with client.application.app_context(), client.sessions() as session:
        return list(session.scalars(select(PushDelivery).where(PushDelivery.device_id == device)
                                    .order_by(PushDelivery.created_at)))


def register(client, receiver, name: str, language: str = "en"):  # noqa: ANN001, ANN201
    subscription = receiver.subscribe(name)
    answer = client.put(f"/v1/me/devices/{name}", headers=auth(client, "ada"),
                        json={"platform": "web", "subscription": subscription.as_json(),
                              "language": language})
    assert answer.status_code == 201, answer.get_json()
    return subscription


def test_a_notice_is_pushed_signed_and_encrypted_in_the_devices_language(client, receiver):
    browser = register(client, receiver, "ada-firefox", "en")
    other = register(client, receiver, "ada-chrome", "zh-Hant")
    notice = post_notice(client, A, "owner_a", title="系统维护")
    assert deliver(client)["delivered"] == 2 and receiver.refused == []
    [message] = browser.received
    name = client.get(f"/v1/enterprises/{A}", headers={"Accept-Language": "en"}).get_json()["name"]
    inbox = client.get("/v1/me/notifications", headers=auth(client, "ada")).get_json()["items"][0]
    assert message == {"title": name, "body": "系统维护", "data": {
        "id": inbox["id"], "kind": "notice.published", "enterprise_id": A, "subject_id": notice}}
    zh_hant = client.get(f"/v1/enterprises/{A}", headers={"Accept-Language": "zh-Hant"}).get_json()["name"]
    assert other.received[0]["title"] == zh_hant
    assert [d.status for d in deliveries(client, "ada-firefox")] == ["delivered"]
    assert deliver(client)["delivered"] == 0  # nothing twice
    for name in ("ada-firefox", "ada-chrome"):
        client.delete(f"/v1/me/devices/{name}", headers=auth(client, "ada"))


def test_a_failed_push_is_retried_with_backoff_then_marked_failed(client, receiver):
    browser = register(client, receiver, "ada-flaky")
    post_notice(client, A, "owner_a", title="重试")
    receiver.statuses = [500, 503]
    now = utcnow()
    assert deliver(client, now)["pending"] == 1
    [row] = deliveries(client, "ada-flaky")
    assert row.attempts == 1 and row.last_status_code == 500
    assert row.next_attempt_at == now + RETRY_DELAYS[0]
    assert deliver(client, now + timedelta(seconds=10))["pending"] == 0  # not due yet
    deliver(client, now + RETRY_DELAYS[0])
    assert deliver(client, now + RETRY_DELAYS[0] + RETRY_DELAYS[1])["delivered"] == 1
    assert [m["body"] for m in browser.received] == ["重试"]

    post_notice(client, A, "owner_a", title="失败")
    receiver.statuses = [500] * (len(RETRY_DELAYS) + 1)
    at = utcnow()
    for delay in (timedelta(0), *RETRY_DELAYS):
        at += delay
        deliver(client, at)
    assert deliveries(client, "ada-flaky")[-1].status == "failed" and receiver.statuses == []
    client.delete("/v1/me/devices/ada-flaky", headers=auth(client, "ada"))


def test_a_push_signed_with_another_key_is_refused_by_the_receiver(client, receiver):
    register(client, receiver, "ada-strict")
    post_notice(client, A, "owner_a", title="别的钥匙")
    expected, receiver.server_key = receiver.server_key, b64encode(b"\x04" + b"\x01" * 64)
    try:
        assert deliver(client)["pending"] == 1
    finally:
        receiver.server_key = expected
    assert deliveries(client, "ada-strict")[0].last_status_code == 401
    assert "not the application server key" in receiver.refused[-1]
    client.delete("/v1/me/devices/ada-strict", headers=auth(client, "ada"))


def test_a_gone_subscription_forgets_the_device(client, receiver):
    register(client, receiver, "ada-gone")
    post_notice(client, A, "owner_a", title="退订")
    receiver.statuses = [410]
    assert deliver(client)["gone"] == 1
    problem(client.get("/v1/me/devices/ada-gone", headers=auth(client, "ada")), 404)
    assert deliveries(client, "ada-gone") == []


def test_the_cli_pushes_what_is_due_and_prints_the_public_key(client, receiver):
    browser = register(client, receiver, "ada-cli")
    post_notice(client, A, "owner_a", title="命令行")
    runner = client.application.test_cli_runner()
    pushed = runner.invoke(args=["notifications", "deliver"])
    assert pushed.exit_code == 0 and json.loads(pushed.output)["delivered"] == 1
    assert [m["body"] for m in browser.received] == ["命令行"]
    key = runner.invoke(args=["notifications", "vapid-key"])
    assert key.output.strip() == receiver.server_key == client.settings.vapid.public_key
    client.delete("/v1/me/devices/ada-cli", headers=auth(client, "ada"))


def test_a_platform_not_configured_is_skipped(client):
    assert client.put("/v1/me/devices/ada-iphone", headers=auth(client, "ada"),
                      json={"platform": "ios", "token": "ab" * 32}).status_code == 201
    post_notice(client, A, "owner_a", title="没有 APNs")
    assert deliver(client)["skipped"] == 1
    assert deliveries(client, "ada-iphone")[0].last_error == "ios pushes are not configured"
    client.delete("/v1/me/devices/ada-iphone", headers=auth(client, "ada"))


@pytest.mark.parametrize(("settings", "says"), [
    ({"vapid_private_key": "not-a-key", "vapid_subject": SUBJECT}, "VAPID_PRIVATE_KEY"),
    ({"vapid_private_key": new_vapid_private_key()}, "VAPID_SUBJECT"),
    ({"vapid_private_key": new_vapid_private_key(), "vapid_subject": "push@c800.example"}, "VAPID_SUBJECT"),
    ({"apns_key_file": "/nonexistent.p8", "apns_key_id": "K", "apns_team_id": "T",
      "apns_topic": "x"}, "APNS_KEY_FILE"),
    ({"fcm_service_account_file": "/nonexistent.json"}, "FCM_SERVICE_ACCOUNT_FILE"),
])
def test_malformed_push_settings_are_refused_at_start(tmp_path, settings, says):
    with pytest.raises(ValueError, match=says):
        create_app(Config.from_env(database_url=f"sqlite:///{tmp_path}/c.sqlite3",
                                   data_dir=tmp_path / "var", testing=True, **settings))


# --- APNs and FCM: requests and signatures (their services cannot be reached from here) ------

def test_apns_requests_carry_a_provider_token_signed_by_the_key(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    p8 = tmp_path / "AuthKey_ABC123DEFG.p8"
    p8.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    settings = APNsSettings.load(str(p8), "ABC123DEFG", "DEF123GHIJ", "com.c800.app")
    message = {"title": "中国工商银行", "body": "系统维护",
               "data": {"id": "ntf_1", "kind": "notice.published"}}
    url, headers, body = apns_request(settings, "ab" * 32, message, now=1_800_000_000)
    assert url == "https://api.push.apple.com/3/device/" + "ab" * 32
    assert headers["apns-topic"] == "com.c800.app" and headers["apns-push-type"] == "alert"
    assert headers["apns-priority"] == "10" and headers["apns-expiration"] == str(1_800_000_000 + 86400)
    scheme, token = headers["authorization"].split(" ")
    header, claims = verify_es256_jwt(token, key.public_key())
    assert scheme == "bearer" and header["alg"] == "ES256" and header["kid"] == "ABC123DEFG"
    assert claims == {"iss": "DEF123GHIJ", "iat": 1_800_000_000}
    assert json.loads(body) == {"aps": {"alert": {"title": "中国工商银行", "body": "系统维护"},
                                        "sound": "default"}, "id": "ntf_1", "kind": "notice.published"}
    later = apns_request(settings, "ab" * 32, message, now=1_800_000_000 + 1000)[1]["authorization"]
    renewed = apns_request(settings, "ab" * 32, message, now=1_800_000_000 + 1800)[1]["authorization"]
    assert later == headers["authorization"] != renewed  # kept 30 minutes, then made again
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(InvalidSignature):
        verify_es256_jwt(token, other)


def test_fcm_requests_carry_an_access_token_got_with_a_signed_assertion(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    account = {"type": "service_account", "project_id": "c800-app",
               "client_email": "push@c800-app.iam.gserviceaccount.com",
               "token_uri": "https://oauth2.googleapis.com/token",
               "private_key": key.private_bytes(serialization.Encoding.PEM,
                                                serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()).decode()}
    (tmp_path / "sa.json").write_text(json.dumps(account))
    settings = FCMSettings.load(str(tmp_path / "sa.json"))
    url, form = settings.token_request(now=1_800_000_000)
    assert url == "https://oauth2.googleapis.com/token" and form["grant_type"] == GRANT
    head, claims, signature = form["assertion"].split(".")
    key.public_key().verify(b64decode(signature), f"{head}.{claims}".encode(), padding.PKCS1v15(),
                            hashes.SHA256())
    assert json.loads(b64decode(head))["alg"] == "RS256"
    assert json.loads(b64decode(claims)) == {
        "iss": account["client_email"], "scope": SCOPE, "aud": account["token_uri"],
        "iat": 1_800_000_000, "exp": 1_800_003_600}
    url, headers, body = fcm_request(settings, "ya29.token", "fcm-token", {
        "title": "中国工商银行", "body": "系统维护", "data": {"id": "ntf_1", "attempt": 1}})
    assert url == "https://fcm.googleapis.com/v1/projects/c800-app/messages:send"
    assert headers["authorization"] == "Bearer ya29.token"
    assert json.loads(body) == {"message": {
        "token": "fcm-token", "notification": {"title": "中国工商银行", "body": "系统维护"},
        "data": {"id": "ntf_1", "attempt": "1"}, "android": {"ttl": "86400s", "priority": "high"}}}


def test_apns_pushes_go_over_http2_and_a_gone_token_says_so(tmp_path, ca):
    key = ec.generate_private_key(ec.SECP256R1())
    p8 = tmp_path / "AuthKey_ABC123DEFG.p8"
    p8.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    server = H2Receiver(ca.issue_cert("localhost"))
    try:
        settings = APNsSettings.load(str(p8), "ABC123DEFG", "DEF123GHIJ", "com.c800.app",
                                     host=server.host, ca_certs=ca.path)
        message = {"title": "中国工商银行", "body": "系统维护", "data": {"id": "ntf_1"}}
        server.answers = [(200, b""), (410, b'{"reason":"Unregistered"}'),
                          (400, b'{"reason":"BadDeviceToken"}'), (500, b'{"reason":"InternalServerError"}')]
        sent = send_apns(settings, "ab" * 32, message)
        assert sent.ok and not sent.gone
        request = server.requests[0]
        assert request["headers"][":method"] == "POST"
        assert request["headers"][":path"] == "/3/device/" + "ab" * 32
        assert request["headers"]["apns-topic"] == "com.c800.app"
        header, claims = verify_es256_jwt(request["headers"]["authorization"].split(" ")[1],
                                          key.public_key())
        assert header["kid"] == "ABC123DEFG" and claims["iss"] == "DEF123GHIJ"
        assert json.loads(request["body"])["aps"]["alert"]["body"] == "系统维护"
        assert [send_apns(settings, "cd" * 32, message).gone for _ in range(3)] == [True, True, False]
    finally:
        server.close()
