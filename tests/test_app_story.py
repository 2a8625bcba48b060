"""The app's whole story over HTTP against a real gunicorn: a person signs up on the hosted
pages, verifies the address by the mailed link and is back in the same authorization, gets
tokens by PKCE, searches, opens a listing and its share page, follows it, opens a contact,
reports how it went, registers a Web Push device; the listing's owner publishes a notice, which
lands in the person's inbox and, pushed by the delivery CLI, in a push receiver on loopback that
checks VAPID and decrypts it; a lost refresh answer is retried; the person exports their data,
deletes their account, and nothing of them is left in any table (their experience only in the
anonymous counts).

One server for the module (SQLite, three imported listings); everything the person does goes
through HTTP, as an app would: the hosted pages are fetched, their CSRF token read, posted."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import trustme
from sqlalchemy import select

from api.cli import upgrade_database
from directory import registry
from directory.accounts import add_member, create_user
from directory.credentials import OAuthClient, digest
from directory.db import make_engine
from directory.importer import import_directory
from directory.push.webpush import load_vapid, new_vapid_private_key
from directory.sessions import make_session_factory
from tests.factories import CONSUMER_RECORDS, B, write_data
from tests.helpers.oauth import csrf_of, pkce
from tests.helpers.push_receiver import PushReceiver
from tests.live import gunicorn

pytestmark = [pytest.mark.live, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
REDIRECT = "http://127.0.0.1:53682/callback"
APP = "cl_story_app"
OWNER_SECRET = "owner-secret-of-the-story"
EMAIL = "mei@example.com"
PASSWORD = "violet harbour 42 slowly turning"
SUBJECT = "mailto:push@c800.example"


@dataclass
class Story:
    base: str
    database_url: str
    data_dir: Path
    env: dict[str, str]
    receiver: PushReceiver


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """gunicorn over a fresh SQLite database with three listings, the first-party app (public,
    PKCE), and the owner of 招商银行 with a client acting for them; Web Push configured with a
    VAPID key and a push receiver on loopback whose certificate the server trusts."""
    folder = tmp_path_factory.mktemp("story")
    database_url = f"sqlite:///{folder / 'c800.sqlite3'}"
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        import_directory(session, write_data(folder / "data", CONSUMER_RECORDS))
        owner = create_user(session, "owner@cmbchina.com", "an owner's long password 7")
        session.flush()
        add_member(session, B, owner.email, "owner")
        session.add(OAuthClient(client_id=APP, name="c800 app", grant_types=["authorization_code"],
                                redirect_uris=[REDIRECT], scope="directory:read me",
                                auth_method="none", first_party=True))
        session.add(OAuthClient(client_id="cl_story_owner", secret_hash=digest(OWNER_SECRET),
                                name="CMB service desk", grant_types=["client_credentials"],
                                scope="directory:read listings:write", user_id=owner.id))
        session.commit()
    engine.dispose()
    authority = trustme.CA()
    ca_path = folder / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_path))
    vapid_key = new_vapid_private_key()
    receiver = PushReceiver(authority.issue_cert("localhost"), load_vapid(vapid_key, SUBJECT).public_key)
    # Pushes go out when the test runs `flask notifications deliver`, not on the workers' loop.
    env = {"VAPID_PRIVATE_KEY": vapid_key, "VAPID_SUBJECT": SUBJECT, "WEBHOOK_CA_BUNDLE": str(ca_path),
           "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8, ::1/128", "WEBHOOK_DELIVERY_SECONDS": "3600"}
    data_dir = folder / "var"
    try:
        with gunicorn(database_url, data_dir, workers=2, env=env) as base:
            yield Story(base, database_url, data_dir, env, receiver)
    finally:
        receiver.close()


# --- what an app and a browser do ---------------------------------------------------------------

def authorize_path(state: str, challenge: str) -> str:
    """The app's authorization request (PKCE S256) for the person's own scopes."""
    return "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": APP, "redirect_uri": REDIRECT, "scope": "directory:read me",
        "state": state, "code_challenge": challenge, "code_challenge_method": "S256"})


def mailed_link(data_dir: Path, address: str) -> str:
    """The path and query of the one link in the one mail sent to *address*."""
    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in (data_dir / "mail").glob("*.eml")]
    [message] = [m for m in messages if m["To"] == address]
    url = urlsplit(re.search(r"https?://\S+", message.get_content()).group(0))
    return f"{url.path}?{url.query}"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def refresh(http: httpx.Client, token: str) -> httpx.Response:
    return http.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token,
                                           "client_id": APP})


def sign_up_and_sign_in(http: httpx.Client, data_dir: Path) -> dict:
    """Sign up from the sign-in page, verify by the mailed link, come back to the same
    authorization (the first-party app asks no consent) and trade its code for tokens."""
    verifier, challenge = pkce()
    authorize = authorize_path("st0ry", challenge)
    signin = http.get(authorize)
    assert signin.status_code == 200 and 'id="signin"' in signin.text
    signup = re.search(r'id="signup-link" href="([^"]+)"', signin.text).group(1).replace("&amp;", "&")
    page = http.get(signup)
    mailed = http.post(signup, data={"csrf": csrf_of(page.text), "email": EMAIL, "password": PASSWORD})
    assert mailed.status_code == 200 and 'id="message"' in mailed.text, mailed.text
    link = mailed_link(data_dir, EMAIL)
    page = http.get(link)
    assert page.status_code == 200 and 'id="verify"' in page.text
    back = http.post(link, data={"csrf": csrf_of(page.text), "password": PASSWORD})
    assert back.status_code == 303 and back.headers["Location"].endswith(authorize), back.text
    answer = http.get(back.headers["Location"])
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["state"] == "st0ry"
    tokens = http.post("/oauth/token", data={"grant_type": "authorization_code", "code": query["code"],
                                             "redirect_uri": REDIRECT, "client_id": APP,
                                             "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    return tokens.json()


def publish_notice(http: httpx.Client, enterprise_id: str, title: str) -> str:
    """The listing's owner, through their enterprise's client, publishes a notice; its id."""
    answer = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                       auth=("cl_story_owner", OWNER_SECRET))
    assert answer.status_code == 200, answer.text
    headers = bearer(answer.json()["access_token"])
    manage = http.get(f"/v1/manage/enterprises/{enterprise_id}", headers=headers)
    assert manage.status_code == 200, manage.text
    notice = http.post(f"/v1/enterprises/{enterprise_id}/notices",
                       json={"title": title, "body": "详情见官网。"},
                       headers={**headers, "If-Match": manage.headers["ETag"]})
    assert notice.status_code == 201, notice.text
    return notice.headers["Location"].rsplit("/", 1)[1]


def deliver_pushes(story: Story) -> str:
    """`flask notifications deliver` once, as an operator (or the workers' loop) would."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "notifications", "deliver"], cwd=ROOT,
        env={**os.environ, **story.env, "DATABASE_URL": story.database_url, "DATA_DIR": str(story.data_dir)},
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def rows_naming(database_url: str, needles: list[str]) -> list[tuple[str, dict]]:
    """Every row of every table (the model registry's) with one of *needles* in any column."""
    engine = make_engine(database_url)
    found = []
    try:
        with engine.connect() as connection:
            for table in registry.tables():
                for row in connection.execute(select(table)).mappings():
                    text = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False)
                    if any(needle in text for needle in needles):
                        found.append((table.name, dict(row)))
    finally:
        engine.dispose()
    return found


# --- the story ----------------------------------------------------------------------------------

def test_the_apps_whole_story_from_sign_up_to_nothing_left(story: Story) -> None:
    with httpx.Client(base_url=story.base, timeout=30) as http:
        tokens = sign_up_and_sign_in(http, story.data_dir)
        me = http.get("/v1/me", headers=bearer(tokens["access_token"]))
        assert me.status_code == 200 and me.json()["email"] == EMAIL
        user_id = me.json()["id"]
        headers = bearer(tokens["access_token"])

        # search, open, share page
        found = http.get("/v1/search", params={"q": "招行"})
        assert found.status_code == 200 and found.json()["items"][0]["id"] == B
        listing = http.get(f"/v1/enterprises/{B}")
        assert listing.status_code == 200 and listing.json()["url"] == f"{story.base}/e/{B}"
        share = http.get(f"/e/{B}", headers={"Accept-Language": "zh-Hans"})
        assert share.status_code == 200 and share.headers["Content-Type"].startswith("text/html")
        assert re.search(r'<meta property="og:title" content="[^"]*招商银行', share.text), share.text
        assert f'<meta property="og:url" content="{story.base}/e/{B}"' in share.text
        assert 'href="tel:95555"' in share.text
        channel = listing.json()["channels"][0]["id"]

        # follow, a contact, how it went, a Web Push device
        assert http.put(f"/v1/me/following/{B}", headers=headers).status_code == 201
        contact = http.post(f"/v1/enterprises/{B}/contacts", headers=headers,
                            json={"channel_id": channel, "topic": "信用卡挂失"})
        assert contact.status_code == 201, contact.text
        reported = http.post(f"/v1/channels/{channel}/experiences", headers=headers, json={
            "waited_minutes": 4, "reached_person": True, "resolved": True,
            "at": datetime.now(UTC).isoformat()})
        assert reported.status_code == 201, reported.text
        phone = story.receiver.subscribe("meis-phone")
        device = http.put("/v1/me/devices/meis-phone", headers=headers, json={
            "platform": "web", "subscription": phone.as_json(), "language": "zh-Hans"})
        assert device.status_code == 201, device.text

        # the owner publishes a notice: in the inbox, and pushed to the device
        notice = publish_notice(http, B, "系统维护：今晚 22:00 起暂停服务")
        inbox = http.get("/v1/me/notifications", headers=headers)
        assert inbox.status_code == 200, inbox.text
        [item] = inbox.json()["items"]
        assert item["kind"] == "notice.published" and item["body"] == "系统维护：今晚 22:00 起暂停服务"
        deliver_pushes(story)
        assert story.receiver.refused == []
        assert phone.received == [{"title": item["title"], "body": item["body"], "data": {
            "id": item["id"], "kind": "notice.published", "enterprise_id": B, "subject_id": notice}}]

        # a refresh whose answer is lost: the retry gets the same pair; the old access token works
        lost = refresh(http, tokens["refresh_token"])
        assert lost.status_code == 200, lost.text
        retried = refresh(http, tokens["refresh_token"])
        assert retried.status_code == 200, retried.text
        fresh = retried.json()
        assert (fresh["access_token"], fresh["refresh_token"]) == (
            lost.json()["access_token"], lost.json()["refresh_token"])
        assert fresh["refresh_token"] != tokens["refresh_token"]
        assert http.get("/v1/me", headers=headers).status_code == 200
        assert http.get("/v1/me", headers=bearer(fresh["access_token"])).status_code == 200

        # export: the follow, the device, the contact
        export = http.get("/v1/me/export", headers=bearer(fresh["access_token"]))
        assert export.status_code == 200, export.text
        data = export.json()
        assert data["profile"]["email"] == EMAIL
        assert [row["enterprise_id"] for row in data["follows"]] == [B]
        assert [(row["id"], row["platform"]) for row in data["devices"]] == [("meis-phone", "web")]
        assert [(row["channel_id"], row["topic"]) for row in data["handoffs"]] == [(channel, "信用卡挂失")]
        assert [row["waited_minutes"] for row in data["experiences"]] == [4]
        text = json.dumps(data)
        assert tokens["refresh_token"] not in text and fresh["access_token"] not in text

        # deletion: every token refused, the password signs nobody in, nothing of them left
        waits = http.get(f"/v1/channels/{channel}/waits").json()["overall"]
        assert (waits["sample_size"], waits["median_minutes"]) == (1, 4), waits
        held = {table for table, _row in rows_naming(story.database_url, [user_id, EMAIL])}
        assert {"users", "follows", "devices", "handoffs", "experiences", "notifications",
                "oauth_tokens"} <= held, held
        gone = http.request("DELETE", "/v1/me", headers=bearer(fresh["access_token"]),
                            json={"password": PASSWORD})
        assert gone.status_code == 204, gone.text
        for access in (tokens["access_token"], fresh["access_token"]):
            assert http.get("/v1/me", headers=bearer(access)).status_code == 401
        for old in (tokens["refresh_token"], fresh["refresh_token"]):
            assert refresh(http, old).status_code == 400
        authorize = authorize_path("again", pkce()[1])
        page = http.get(authorize)
        assert page.status_code == 200 and 'id="signin"' in page.text  # signed out
        refused = http.post(authorize, data={"csrf": csrf_of(page.text), "step": "signin",
                                             "email": EMAIL, "password": PASSWORD})
        assert refused.status_code == 401

        # not their id, address, device, push endpoint or what they told the enterprise
        assert rows_naming(story.database_url, [user_id, EMAIL, "meis-phone", phone.endpoint,
                                                "信用卡挂失"]) == []
        # what the crowd learned from them stays, as anonymous counts
        assert http.get(f"/v1/channels/{channel}/waits").json()["overall"] == waits
