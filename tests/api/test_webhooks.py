"""Webhooks end to end against a real HTTPS receiver on loopback (a trustme certificate): events
written with what causes them, signed deliveries, retries with backoff, exhaustion, the log,
addresses checked again at delivery, and who may register, read and remove webhooks.

The app under test allows 127.0.0.0/8 (WEBHOOK_ALLOWED_NETWORKS, as a private deployment would
set it) and trusts the test CA (WEBHOOK_CA_BUNDLE); without them loopback is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme
from marshmallow import RAISE, Schema, ValidationError, fields
from sqlalchemy import delete, select

from api.schemas.webhooks import WebhookPayloadSchema
from directory.accounts import Membership, add_member, create_user
from directory.credentials import OAuthClient, digest
from directory.idempotency_records import IdempotencyRecord
from directory.webhook_delivery import RETRY_DELAYS, deliver_due, forget_old_deliveries, start_background
from directory.webhooks import DeliverySettings, WebhookDelivery, WebhookError, check_target, parse_networks
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import CONSUMER_RECORDS as RECORDS
from tests.factories import A, B
from tests.helpers.api import auth, channel, problem, token_of, with_people

NOT_PUBLIC_TEXT = "does not resolve to public addresses only"


class Receiver:
    """An HTTPS server that records what it is sent and answers with the statuses queued."""

    def __init__(self, ca: trustme.CA):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost").configure_cert(context)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"https://localhost:{self.server.server_address[1]}/c800/events?v=1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory, ca):
    for client in client_over_records(request, tmp_path_factory, RECORDS,
                                      webhook_allowed_networks="127.0.0.0/8, ::1/128",
                                      webhook_ca_bundle=ca.path):
        with_people(client)
        client.settings = client.application.extensions["c800"].webhook_settings
        yield client


@pytest.fixture
def receiver(ca):
    server = Receiver(ca)
    yield server
    server.close()


def register(client, url: str, events: list[str] | None = None, who: str = "owner_a", ident: str = A):  # noqa: ANN201
    body = {"url": url} if events is None else {"url": url, "events": events}
    return client.post(f"/v1/manage/enterprises/{ident}/webhooks", json=body, headers=auth(client, who))


def deliver(client, at: datetime | None = None) -> dict:
    with client.application.app_context(), client.sessions() as session:
        return deliver_due(session, client.settings, at)


def remove_all(client) -> None:
    for ident, who in ((A, "owner_a"), (B, "owner_b")):
        listed = client.get(f"/v1/manage/enterprises/{ident}/webhooks", headers=auth(client, who))
        for hook in listed.get_json()["items"]:
            removed = client.delete(f"/v1/manage/webhooks/{hook['id']}", headers=auth(client, who))
            assert removed.status_code == 204


def verify(request: dict, secret: str) -> dict:
    """The receiver's check: the signature is HMAC-SHA256 of "<t>.<body>" under the secret."""
    parts = dict(item.split("=", 1) for item in request["headers"]["C800-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + request["body"],
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert abs(int(parts["t"]) - time.time()) < 120
    return json.loads(request["body"])


def _window() -> dict:
    start = datetime.now(UTC) + timedelta(hours=1)
    return {"window_start": start.isoformat(), "window_end": (start + timedelta(hours=1)).isoformat()}


def test_every_event_is_delivered_signed(client, receiver):
    created = register(client, receiver.url)
    assert created.status_code == 201, created.get_json()
    hook = created.get_json()
    assert hook["secret"].startswith("whsec_") and hook["events"] == [
        "callback.requested", "callback.cancelled", "handoff.created", "report.filed"]
    listed = client.get(f"/v1/manage/enterprises/{A}/webhooks", headers=auth(client, "owner_a")).get_json()
    assert [h["id"] for h in listed["items"]] == [hook["id"]] and "secret" not in listed["items"][0]

    asked = client.post(f"/v1/channels/{channel(client, '95588')}/callbacks", headers=auth(client, "ada"),
                        json={"phone": "13800138000", "topic": "账单", **_window()}).get_json()
    client.post(f"/v1/me/callbacks/{asked['id']}/cancel", headers=auth(client, "ada"))
    contact = client.post(f"/v1/enterprises/{A}/contacts", headers=auth(client, "ada"), json={
        "channel_id": channel(client, "95588"), "topic": "挂失",
        "details": {"reference": "PNR-SECRET"}}).get_json()
    client.post(f"/v1/enterprises/{A}/reports", json={"topic": "wrong_number", "message": "号码停用"},
                headers=auth(client, "ada"))
    # B's events do not reach A's webhook
    client.post(f"/v1/enterprises/{B}/reports", json={"topic": "wrong_number", "message": "别家的"})
    assert receiver.requests == []  # nothing leaves before the delivery loop runs

    assert deliver(client) == {"delivered": 4, "retrying": 0, "failed": 0}
    payloads = [verify(r, hook["secret"]) for r in receiver.requests]
    events = [p["event"] for p in payloads]
    assert sorted(events) == ["callback.cancelled", "callback.requested", "handoff.created", "report.filed"]
    for request, payload in zip(receiver.requests, payloads, strict=True):
        assert request["path"] == "/c800/events?v=1"
        assert request["headers"]["C800-Event"] == payload["event"]
        assert request["headers"]["C800-Delivery"] == payload["id"]
        assert request["headers"]["Content-Type"] == "application/json"
        assert payload["enterprise_id"] == A
    by_event = {p["event"]: p["data"] for p in payloads}
    assert by_event["callback.requested"]["id"] == asked["id"]
    assert by_event["callback.requested"]["status"] == "requested"
    assert by_event["callback.cancelled"]["status"] == "cancelled"
    assert by_event["handoff.created"]["handoff_id"] == contact["id"]
    assert by_event["handoff.created"]["code"] == contact["handoff"]["code"]
    assert by_event["report.filed"]["topic"] == "wrong_number" and "message" not in by_event["report.filed"]
    everything = json.dumps(payloads, ensure_ascii=False)
    # nobody's identity, and nothing a consumer wrote: the log outlives handoffs and numbers
    for secret in ("ada@example.com", "usr_", "13800138000", "PNR-SECRET", "挂失", "账单", "号码停用"):
        assert secret not in everything
    # every payload is what the spec's WebhookPayload schema says, and nothing more
    for payload in payloads:
        assert WebhookPayloadSchema(unknown=RAISE).load(payload)["event"] == payload["event"]
    keeper = client.get(by_event["report.filed"]["url"], headers=auth(client, "owner_a"))
    assert keeper.status_code == 200 and keeper.get_json()["id"] == A
    # ... what is behind the URLs the events give, for the listing's keepers
    read = client.get(by_event["handoff.created"]["url"], headers=auth(client, "owner_a")).get_json()
    assert read["details"] == {"reference": "PNR-SECRET"} and read["topic"] == "挂失"
    callback = client.get(by_event["callback.requested"]["url"], headers=auth(client, "owner_a"))
    assert callback.get_json()["status"] == "cancelled" and callback.get_json()["phone"] is None
    problem(client.get(by_event["callback.requested"]["url"], headers=auth(client, "owner_b")), 404)

    log = client.get(f"/v1/manage/webhooks/{hook['id']}/deliveries", headers=auth(client, "owner_a"))
    items = log.get_json()["items"]
    assert len(items) == 4 and all(d["status"] == "delivered" and d["attempts"] == 1 and
                                   d["last_status_code"] == 200 for d in items)
    assert deliver(client) == {"delivered": 0, "retrying": 0, "failed": 0}  # each is sent once
    remove_all(client)


FREE_TEXT = ("号码停用，请回电 13800138000", "call me back", "a\nb", "<script>", "ada@example.com")


def _string_fields(schema: Schema):  # noqa: ANN202 - yields (name, field)
    for name, field in schema.fields.items():
        if isinstance(field, fields.Nested):
            yield from _string_fields(field.schema)
        elif isinstance(field, fields.String):
            yield name, field


def test_no_field_of_the_webhook_payload_schema_holds_free_text():
    """Every string a webhook carries is an id, a code, a path or one of a list: text a consumer
    wrote fits in none of them."""
    strings = dict(_string_fields(WebhookPayloadSchema()))
    assert {"id", "event", "enterprise_id", "handoff_id", "channel_id", "status", "topic", "code",
            "platform", "url"} <= set(strings)
    for name, field in strings.items():
        for value in FREE_TEXT:
            with pytest.raises(ValidationError):
                field.deserialize(value)
            assert field.validate, name


def _one_event(client) -> None:
    assert client.post(f"/v1/enterprises/{A}/reports", json={"topic": "scam", "message": "冒充客服"}
                       ).status_code == 201


def test_a_failed_delivery_is_retried_with_backoff_under_the_same_id(client, receiver):
    hook = register(client, receiver.url, ["report.filed"]).get_json()
    _one_event(client)
    receiver.statuses = [500]
    now = datetime.now(UTC)
    assert deliver(client, now) == {"delivered": 0, "retrying": 1, "failed": 0}
    item = client.get(f"/v1/manage/webhooks/{hook['id']}/deliveries",
                      headers=auth(client, "owner_a")).get_json()["items"][0]
    assert item["status"] == "pending" and item["attempts"] == 1 and item["last_status_code"] == 500
    due = datetime.fromisoformat(item["next_attempt_at"])
    assert abs((due - now) - RETRY_DELAYS[0]) < timedelta(seconds=2)
    assert deliver(client, now + timedelta(seconds=5)) == {"delivered": 0, "retrying": 0, "failed": 0}
    assert deliver(client, due + timedelta(seconds=1))["delivered"] == 1
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first["headers"]["C800-Delivery"] == second["headers"]["C800-Delivery"]
    assert first["body"] == second["body"]
    remove_all(client)


def test_retries_end_after_the_last_delay(client, receiver):
    hook = register(client, receiver.url, ["report.filed"]).get_json()
    _one_event(client)
    receiver.statuses = [503] * 10
    at = datetime.now(UTC)
    for delay in (timedelta(0), *RETRY_DELAYS):
        at += delay + timedelta(seconds=1)
        deliver(client, at)
    item = client.get(f"/v1/manage/webhooks/{hook['id']}/deliveries",
                      headers=auth(client, "owner_a")).get_json()["items"][0]
    assert item["status"] == "failed" and item["attempts"] == len(RETRY_DELAYS) + 1
    assert item["next_attempt_at"] is None and item["last_error"] == "HTTP 503"
    deliver(client, at + timedelta(days=1))
    assert len(receiver.requests) == len(RETRY_DELAYS) + 1
    remove_all(client)


def test_the_address_is_checked_again_at_delivery(client, receiver):
    """A name that resolved to an allowed address at registration and to a private one now
    (DNS rebinding) is not delivered to."""
    register(client, receiver.url, ["report.filed"])
    _one_event(client)
    rebound = DeliverySettings(allowed=client.settings.allowed, ca_certs=client.settings.ca_certs,
                               resolve=lambda _host, _port: ["10.0.0.7"])
    with client.application.app_context(), client.sessions() as session:
        assert deliver_due(session, rebound)["retrying"] == 1
        error = session.scalars(select(WebhookDelivery.last_error)).all()
    assert receiver.requests == []
    assert any(NOT_PUBLIC_TEXT in (e or "") for e in error)
    assert not any("10.0.0.7" in (e or "") for e in error)  # the log does not say where it points
    remove_all(client)


# IPv6 forms that embed or translate to an IPv4 address (here the public 93.184.216.34), and
# deprecated or special-purpose ranges: refused whatever the IPv4 inside.
TRANSITION_ADDRESSES = [
    "64:ff9b::5db8:d822",      # NAT64 well-known prefix
    "64:ff9b:1::5db8:d822",    # NAT64 local-use prefix
    "2002:5db8:d822::1",       # 6to4
    "::5db8:d822",             # IPv4-compatible (::93.184.216.34)
    "::ffff:0:5db8:d822",      # IPv4-translated
    "2001:0:5db8:d822::1",     # Teredo
    "fec0::1",                 # site-local
    "100::1",                  # discard-only
    "2001:db8::1",             # documentation
    "3fff::1",                 # documentation (RFC 9637)
    "5f00::1",                 # SRv6 SIDs
    "192.88.99.1",             # 6to4 relay anycast
]


def _resolving_to(client, monkeypatch, address: str) -> None:
    """Make the app's registration resolve every name to *address*."""
    _registering_with(client, monkeypatch, DeliverySettings(
        allowed=client.settings.allowed, ca_certs=client.settings.ca_certs,
        resolve=lambda _host, _port: [address]))


def _registering_with(client, monkeypatch, settings: DeliverySettings) -> None:
    state = client.application.extensions["c800"]
    monkeypatch.setattr(type(state), "webhook_settings", property(lambda _self: settings))


@pytest.mark.parametrize("address", TRANSITION_ADDRESSES)
def test_transition_and_deprecated_ranges_are_refused_at_registration(client, monkeypatch, address):
    _resolving_to(client, monkeypatch, address)
    answer = register(client, "https://hooks.example.com/c800")
    problem(answer, 422)
    errors = answer.get_json()["errors"]
    assert [e["field"] for e in errors] == ["url"]
    assert NOT_PUBLIC_TEXT in errors[0]["message"]
    said = json.dumps(answer.get_json())
    assert address not in said and "93.184.216.34" not in said


@pytest.mark.parametrize("address", TRANSITION_ADDRESSES)
def test_transition_and_deprecated_ranges_are_refused_at_delivery(client, receiver, address):
    register(client, receiver.url, ["report.filed"])
    _one_event(client)
    moved = DeliverySettings(allowed=client.settings.allowed, ca_certs=client.settings.ca_certs,
                             resolve=lambda _host, _port: [address])
    with client.application.app_context(), client.sessions() as session:
        assert deliver_due(session, moved) == {"delivered": 0, "retrying": 1, "failed": 0}
        errors = session.scalars(select(WebhookDelivery.last_error).where(
            WebhookDelivery.status == "pending")).all()
    assert receiver.requests == []
    assert errors and all(NOT_PUBLIC_TEXT in e and address not in e for e in errors)
    remove_all(client)


@pytest.mark.parametrize("address", TRANSITION_ADDRESSES)
def test_each_range_is_refused_by_the_address_check(address):
    with pytest.raises(WebhookError, match=NOT_PUBLIC_TEXT) as refused:
        check_target("https://hooks.example.com/x", resolve=lambda _h, _p: ["93.184.216.34", address])
    assert address not in str(refused.value)


def test_an_allowed_network_lets_a_transition_range_through():
    target = check_target("https://hooks.example.com/x", allowed=parse_networks("64:ff9b::/96"),
                          resolve=lambda _h, _p: ["64:ff9b::5db8:d822"])
    assert target.address == "64:ff9b::5db8:d822"


def test_an_ipv4_mapped_address_is_checked_and_pinned_as_its_ipv4():
    target = check_target("https://hooks.example.com/x", resolve=lambda _h, _p: ["::ffff:93.184.216.34"])
    assert target.address == "93.184.216.34"
    with pytest.raises(WebhookError, match=NOT_PUBLIC_TEXT):
        check_target("https://hooks.example.com/x", resolve=lambda _h, _p: ["::ffff:10.0.0.1"])


def test_a_refusal_says_nothing_of_what_an_internal_name_resolves_to(client, monkeypatch):
    """An unknown name and one resolving to an internal address get the same answer, which
    names neither the address nor whether the name exists."""
    answers = []
    for address in ("10.20.30.40", None):
        def resolve(_host, _port, address=address):  # noqa: ANN001, ANN202
            if address is None:
                raise OSError("Name or service not known")
            return [address]

        _registering_with(client, monkeypatch, DeliverySettings(resolve=resolve))
        answers.append(problem(register(client, "https://intranet.corp.example/hook"), 422))
    assert answers[0]["errors"] == answers[1]["errors"]
    assert "10.20.30.40" not in json.dumps(answers[0])


def test_an_untrusted_certificate_is_not_delivered_to(client, receiver):
    register(client, receiver.url, ["report.filed"])
    _one_event(client)
    strict = DeliverySettings(allowed=client.settings.allowed)  # certifi's roots: not the test CA
    with client.application.app_context(), client.sessions() as session:
        assert deliver_due(session, strict)["retrying"] == 1
        errors = session.scalars(select(WebhookDelivery.last_error).where(
            WebhookDelivery.status == "pending")).all()
    assert receiver.requests == [] and any("SSL" in (e or "") for e in errors)
    remove_all(client)


def test_workers_deliver_in_the_background(client, receiver):
    register(client, receiver.url, ["report.filed"])
    stop = threading.Event()
    start_background(client.sessions, client.settings, interval=0.1, stop=stop)
    try:
        _one_event(client)
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    assert len(receiver.requests) == 1
    remove_all(client)


def test_a_webhook_secret_is_replayed_but_not_stored_in_the_idempotency_store(client, receiver):
    headers = auth(client, "owner_a", **{"Idempotency-Key": "hook-1"})
    first = client.post(f"/v1/manage/enterprises/{A}/webhooks", json={"url": receiver.url}, headers=headers)
    again = client.post(f"/v1/manage/enterprises/{A}/webhooks", json={"url": receiver.url}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["secret"].startswith("whsec_")
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    with client.application.app_context(), client.sessions() as session:
        stored = repr([(r.key, r.body, r.headers, r.fingerprint)
                       for r in session.scalars(select(IdempotencyRecord))])
    assert first.get_json()["secret"] not in stored and "whsec_" not in stored and "hook-1" not in stored
    remove_all(client)


def test_only_the_listings_keepers_see_and_remove_its_webhooks(client, receiver):
    hook = register(client, receiver.url).get_json()
    problem(register(client, receiver.url, who="owner_b"), 403)
    problem(client.get(f"/v1/manage/enterprises/{A}/webhooks", headers=auth(client, "owner_b")), 403)
    for who in ("owner_b", "ada"):
        problem(client.get(f"/v1/manage/webhooks/{hook['id']}/deliveries", headers=auth(client, who)), 404)
        problem(client.delete(f"/v1/manage/webhooks/{hook['id']}", headers=auth(client, who)), 404)
    removed = client.delete(f"/v1/manage/webhooks/{hook['id']}", headers=auth(client, "owner_a"))
    assert removed.status_code == 204
    problem(client.get(f"/v1/manage/webhooks/{hook['id']}/deliveries", headers=auth(client, "owner_a")), 404)


def test_an_editor_of_the_listing_neither_sees_nor_changes_its_webhooks(client, receiver):
    """Webhooks carry what happens on a listing to other systems: owners only (issue 16)."""
    with client.application.app_context(), client.sessions() as session:
        editor = create_user(session, "editor_a@example.com", "a long enough password")
        add_member(session, A, "editor_a@example.com", "editor")
        session.add(OAuthClient(client_id="cl_editor_a", secret_hash=digest("editor_a-secret"),
                                name="editor_a", grant_types=["client_credentials"],
                                scope="directory:read me listings:write", user_id=editor.id))
        session.commit()
    client.tokens["editor_a"] = token_of(client, "editor_a")
    hook = register(client, receiver.url).get_json()
    try:
        problem(register(client, receiver.url, who="editor_a"), 403)
        problem(client.get(f"/v1/manage/enterprises/{A}/webhooks", headers=auth(client, "editor_a")), 403)
        problem(client.get(f"/v1/manage/webhooks/{hook['id']}/deliveries", headers=auth(client, "editor_a")),
                403)
        problem(client.delete(f"/v1/manage/webhooks/{hook['id']}", headers=auth(client, "editor_a")), 403)
        listed = client.get(f"/v1/manage/enterprises/{A}/webhooks", headers=auth(client, "owner_a"))
        assert [h["id"] for h in listed.get_json()["items"]] == [hook["id"]]
        # the editor still edits content
        manage = client.get(f"/v1/manage/enterprises/{A}", headers=auth(client, "editor_a"))
        assert manage.status_code == 200
    finally:
        with client.sessions() as session:
            session.execute(delete(Membership).where(Membership.user_id == editor.id))
            session.commit()
        remove_all(client)


@pytest.mark.parametrize("body, field", [
    ({"url": "http://localhost/hook"}, "url"),
    ({"url": "ftp://example.com/hook"}, "url"),
    ({"url": "https://user:pw@localhost/hook"}, "url"),
    ({"url": "https://127.0.0.1/hook"}, "url"),
    ({"url": "https://[::1]/hook"}, "url"),
    ({"url": "https://no-such-host.invalid/hook"}, "url"),
    ({"url": "https://localhost/hook", "events": []}, "events"),
    ({"url": "https://localhost/hook", "events": ["everything"]}, "events.0"),
    ({"url": "https://localhost/hook", "events": ["report.filed", "report.filed"]}, "events"),
    ({"url": "https://localhost/hook", "secret": "mine"}, "secret"),
])
def test_bad_webhooks_are_422(client, body, field):
    answer = client.post(f"/v1/manage/enterprises/{A}/webhooks", json=body, headers=auth(client, "owner_a"))
    problem(answer, 422)
    assert field in {e["field"] for e in answer.get_json()["errors"]}, answer.get_json()


@pytest.mark.parametrize("url, reason", [
    ("https://localhost/hook", NOT_PUBLIC_TEXT),
    ("https://intranet/hook", NOT_PUBLIC_TEXT),
    ("http://example.com/hook", "https"),
])
def test_without_allowed_networks_loopback_and_private_receivers_are_refused(url, reason):
    with pytest.raises(WebhookError, match=reason):
        check_target(url)


@pytest.mark.parametrize("address", ["10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1",
                                     "::ffff:127.0.0.1", "224.0.0.1", "240.0.0.1"])
def test_every_kind_of_non_public_address_is_refused(address):
    with pytest.raises(WebhookError, match=NOT_PUBLIC_TEXT):
        check_target("https://hooks.example.com/x", resolve=lambda _h, _p: [address])


def test_a_public_address_is_accepted_and_pinned():
    target = check_target("https://hooks.example.com:8443/x?y=1",
                          resolve=lambda _h, _p: ["93.184.216.34", "2606:2800:220:1::1"])
    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com", 8443, "/x?y=1", "93.184.216.34")
    with pytest.raises(WebhookError, match=NOT_PUBLIC_TEXT):  # one bad address is enough
        check_target("https://hooks.example.com/x", resolve=lambda _h, _p: ["93.184.216.34", "10.0.0.1"])


def test_the_cli_delivers_what_is_due(client, receiver):
    register(client, receiver.url, ["report.filed"])
    _one_event(client)
    result = client.application.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["delivered"] == 1 and len(receiver.requests) == 1
    remove_all(client)


def test_the_delivery_log_is_kept_30_days(client, receiver):
    register(client, receiver.url, ["report.filed"])
    _one_event(client)
    deliver(client)
    with client.application.app_context(), client.sessions() as session:
        assert forget_old_deliveries(session, datetime.now(UTC) + timedelta(days=29)) == 0
        assert forget_old_deliveries(session, datetime.now(UTC) + timedelta(days=31)) >= 1
        session.commit()
        assert session.scalars(select(WebhookDelivery)).all() == []
    remove_all(client)
