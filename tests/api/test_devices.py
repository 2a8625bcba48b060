"""Devices: a person registers where their notifications are pushed (idempotent by the id their
app chose), sees and removes them; subscriptions and tokens are checked, bounded per account,
and a token belongs to one device of one person."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from directory.devices import MAX_DEVICES, DeviceError, DeviceInput, check_device
from directory.webhooks import DeliverySettings, parse_networks
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import CONSUMER_RECORDS as RECORDS
from tests.helpers.api import auth, problem, with_people

APNS = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscription(endpoint: str = "https://localhost:8443/push/abc") -> dict:
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"endpoint": endpoint, "keys": {"p256dh": b64(key), "auth": b64(os.urandom(16))}}


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS,
                                      webhook_allowed_networks="127.0.0.0/8, ::1/128"):
        yield with_people(client)


def put(client, who: str, ident: str, body: dict):  # noqa: ANN001, ANN201
    return client.put(f"/v1/me/devices/{ident}", json=body, headers=auth(client, who))


def test_a_device_is_registered_once_replaced_listed_and_removed(client):
    first = put(client, "ada", "iphone-1", {"platform": "ios", "token": APNS})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["token_end"] == APNS[-8:] and first.get_json()["language"] == "zh-Hans"
    again = put(client, "ada", "iphone-1", {"platform": "ios", "token": APNS, "language": "en"})
    assert again.status_code == 200 and again.get_json()["language"] == "en"
    web = put(client, "ada", "browser", {"platform": "web", "subscription": subscription()})
    assert web.status_code == 201, web.get_json()
    listed = client.get("/v1/me/devices", headers=auth(client, "ada"))
    assert listed.headers["Cache-Control"] == "no-store"
    items = listed.get_json()["items"]
    assert [d["id"] for d in items] == ["browser", "iphone-1"]
    assert not any(APNS in str(item) for item in items)
    assert client.get("/v1/me/devices", headers=auth(client, "bob")).get_json()["items"] == []
    problem(client.get("/v1/me/devices/iphone-1", headers=auth(client, "bob")), 404)
    assert client.delete("/v1/me/devices/iphone-1", headers=auth(client, "bob")).status_code == 204
    assert client.get("/v1/me/devices/iphone-1", headers=auth(client, "ada")).status_code == 200
    for ident in ("iphone-1", "browser", "iphone-1"):
        assert client.delete(f"/v1/me/devices/{ident}", headers=auth(client, "ada")).status_code == 204
    problem(client.get("/v1/me/devices/iphone-1", headers=auth(client, "ada")), 404)


def test_a_token_registered_again_leaves_the_device_that_had_it(client):
    fcm = {"platform": "android", "token": "f" * 40 + ":APA91b"}
    assert put(client, "ada", "phone", fcm).status_code == 201
    assert put(client, "bob", "phone", fcm).status_code == 201
    problem(client.get("/v1/me/devices/phone", headers=auth(client, "ada")), 404)
    assert client.delete("/v1/me/devices/phone", headers=auth(client, "bob")).status_code == 204


@pytest.mark.parametrize(("body", "field"), [
    ({"platform": "ios", "token": "not-hex"}, "token"),
    ({"platform": "ios"}, "token"),
    ({"platform": "web", "token": APNS}, "subscription"),
    ({"platform": "web", "subscription": subscription("http://localhost/push")}, "subscription.endpoint"),
    ({"platform": "web", "subscription": subscription("https://localhost/推送")}, "subscription.endpoint"),
    ({"platform": "web", "subscription": {**subscription(), "keys": {"p256dh": b64(b"\x04" + b"1" * 64),
                                                                      "auth": b64(os.urandom(16))}}},
     "subscription.keys.p256dh"),
    ({"platform": "web", "subscription": {**subscription(), "keys": {
        **subscription()["keys"], "auth": b64(b"short")}}}, "subscription.keys.auth"),
])
def test_a_device_that_cannot_be_pushed_to_is_refused(client, body, field):
    answer = problem(put(client, "ada", "bad", body), 422)
    assert field in str(answer), answer
    problem(client.get("/v1/me/devices/bad", headers=auth(client, "ada")), 404)


def test_bad_ids_platforms_and_languages_are_refused(client):
    problem(put(client, "ada", "x" * 65, {"platform": "ios", "token": APNS}), 404)
    problem(put(client, "ada", "ok", {"platform": "symbian", "token": APNS}), 422)
    problem(put(client, "ada", "ok", {"platform": "ios", "token": APNS, "language": "fr"}), 422)


def test_an_account_has_at_most_max_devices(client):
    for n in range(MAX_DEVICES):
        token = f"{n:02d}" + APNS[2:]
        assert put(client, "bob", f"d{n}", {"platform": "ios", "token": token}).status_code == 201
    assert "20 devices" in problem(put(client, "bob", "one-more", {"platform": "ios", "token": "ab" * 32}),
                                   409)["detail"]
    assert put(client, "bob", "d0", {"platform": "ios", "token": "cd" * 32}).status_code == 200
    for n in range(MAX_DEVICES):
        client.delete(f"/v1/me/devices/d{n}", headers=auth(client, "bob"))


def test_push_endpoints_on_private_networks_are_refused_unless_allowed():
    web = DeviceInput(platform="web", language="en", **{
        "endpoint": "https://localhost:8443/push", "p256dh": subscription()["keys"]["p256dh"],
        "auth": subscription()["keys"]["auth"]})
    with pytest.raises(DeviceError) as refused:
        check_device("browser", web, DeliverySettings())
    assert "public addresses" in str(refused.value.errors)
    check_device("browser", web, DeliverySettings(allowed=parse_networks("127.0.0.0/8, ::1/128")))


def test_forget_devices_removes_every_device_of_one_person(client):
    from directory.devices import Device, forget_devices

    for who, token in (("ada", "12" * 32), ("bob", "34" * 32)):
        assert put(client, who, "forget-me", {"platform": "ios", "token": token}).status_code == 201
    with client.application.app_context(), client.sessions() as session:
        assert forget_devices(session, client.user_ids["ada"]) == 1
        session.commit()
        left = session.scalars(select(Device.user_id).where(Device.id == "forget-me")).all()
    assert left == [client.user_ids["bob"]]
    assert client.delete("/v1/me/devices/forget-me", headers=auth(client, "bob")).status_code == 204
