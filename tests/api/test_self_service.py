"""Enterprise self-service end to end: edits validated as imports are, If-Match, versions and
restore, channels and notices hidden not deleted, edits reaching search, imports leaving kept
listings alone, Idempotency-Key, claims by mail and by an administrator, reports, suspension.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from api.idempotency import ABANDONED, key_digest
from directory.accounts import Membership, add_member, create_user
from directory.credentials import OAuthClient, digest
from directory.idempotency_records import IdempotencyRecord
from directory.importer import import_directory
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise, write_data
from tests.helpers.api import token_of

ICBC, CMB = "ent_000000000001", "ent_000000000002"
RECORDS = [enterprise(ICBC),
           enterprise(CMB, names={"zh-Hans": "招商银行", "en": "China Merchants Bank"}, aliases=["招行"],
                      website="https://www.cmbchina.com/", domains=["cmbchina.com"],
                      channels=[{"kind": "phone", "value": "95555", "source": "test:cmb"}])]


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS):
        state = client.application.extensions["c800"]
        with client.application.app_context(), state.sessions() as session:
            users = {name: create_user(session, f"{name}@example.com", "a long enough password",
                                       admin=name == "root")
                     for name in ("owner", "editor", "consumer", "root")}
            session.flush()
            add_member(session, ICBC, "owner@example.com", "owner")
            add_member(session, ICBC, "editor@example.com", "editor")
            for name, user in users.items():
                scope = {"root": "directory:read me admin"}.get(name, "directory:read me listings:write")
                session.add(OAuthClient(client_id=f"cl_{name}", secret_hash=digest(f"{name}-secret"),
                                        name=name, grant_types=["client_credentials"], scope=scope,
                                        user_id=user.id))
            session.commit()
        client.tokens = {name: token_of(client, name) for name in ("owner", "editor", "consumer", "root")}
        client.data_dir = state.config.data_dir
        yield client


def auth(client, name: str = "owner", **headers) -> dict:
    return {"Authorization": f"Bearer {client.tokens[name]}", **headers}


def current(client, ident: str = ICBC) -> tuple[dict, str]:
    answer = client.get(f"/v1/manage/enterprises/{ident}", headers=auth(client))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json(), answer.headers["ETag"]


def patch(client, body: dict, path: str = f"/v1/enterprises/{ICBC}", name: str = "owner"):  # noqa: ANN201
    _, etag = current(client)
    return client.patch(path, json=body, headers=auth(client, name, **{"If-Match": etag}))


def post(client, path: str, body: dict, **headers):  # noqa: ANN201
    _, etag = current(client)
    return client.post(path, json=body, headers=auth(client, **{"If-Match": etag, **headers}))


def test_an_edit_is_stored_as_a_version_and_shows_on_the_listing(client):
    answer = patch(client, {"description": "个人及企业银行服务", "names": {"en": "ICBC"}})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert answer.headers["ETag"] == f'"v{body["version"]}"'
    assert body["names"]["en"] == "ICBC" and body["names"]["zh-Hans"] == "中国工商银行"
    public = client.get(f"/v1/enterprises/{ICBC}", headers={"Accept-Language": "en"}).get_json()
    assert public["name"] == "ICBC" and public["description"] == "个人及企业银行服务"
    versions = client.get(f"/v1/enterprises/{ICBC}/versions", headers=auth(client)).get_json()["items"]
    newest = versions[0]
    assert newest["number"] == body["version"] and newest["action"] == "update"
    assert set(newest["changes"]) == {"names", "description"}
    assert newest["actor"].startswith("usr_") and newest["client_id"] == "cl_owner"
    assert versions[-1]["action"] == "import"


@pytest.mark.parametrize("body, field", [
    ({"website": "javascript:alert(1)"}, "website"),
    ({"industry": "no_such_industry"}, "industry"),
    ({"names": {"zh-Hans": None, "zh-Hant": None, "en": None}}, "names"),
    ({"regions": ["999999"]}, "regions.0"),
    ({"domains": ["Not A Host"]}, "domains"),
    ({"aliases": ["工行", "工行"]}, "aliases"),
    ({"nickname": "x"}, "nickname"),
    ({"verified": True}, "verified"),
    ({"version": 99}, "version"),
    ({"status": "active"}, "status"),
    ({"source": ["me"]}, "source"),
])
def test_a_bad_edit_is_a_422_naming_the_field_and_changes_nothing(client, body, field):
    before, etag = current(client)
    answer = client.patch(f"/v1/enterprises/{ICBC}", json=body, headers=auth(client, **{"If-Match": etag}))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert any(e["field"] == field for e in answer.get_json()["errors"]), answer.get_json()
    assert current(client) == (before, etag)


def test_writes_need_a_current_if_match(client):
    _, etag = current(client)
    missing = client.patch(f"/v1/enterprises/{ICBC}", json={"description": "x"}, headers=auth(client))
    assert missing.status_code == 428
    star = client.patch(f"/v1/enterprises/{ICBC}", json={"description": "x"},
                        headers=auth(client, **{"If-Match": "*"}))
    assert star.status_code == 428
    assert patch(client, {"description": "first"}).status_code == 200
    stale = client.patch(f"/v1/enterprises/{ICBC}", json={"description": "second"},
                         headers=auth(client, **{"If-Match": etag}))
    assert stale.status_code == 412 and current(client)[0]["description"] == "first"
    _, etag = current(client)
    for malformed in ("0", "{}", etag.strip('"'), f"W/{etag}", f"{etag}; junk"):
        answer = client.patch(f"/v1/enterprises/{ICBC}", json={"description": "third"},
                              headers=auth(client, **{"If-Match": malformed}))
        assert answer.status_code == 422, (malformed, answer.get_json())
        assert answer.get_json()["errors"][0]["field"] == "If-Match"
    assert current(client)[0]["description"] == "first"
    both = client.patch(f"/v1/enterprises/{ICBC}", json={"description": "third"},
                        headers=auth(client, **{"If-Match": f'"v999", {etag}'}))
    assert both.status_code == 200


def test_a_body_that_is_not_a_json_object_is_refused(client):
    _, etag = current(client)
    for data, kind in (("[1]", "application/json"), ("{", "application/json"), ("x=1", "text/plain")):
        answer = client.patch(f"/v1/enterprises/{ICBC}", data=data, content_type=kind,
                              headers=auth(client, **{"If-Match": etag}))
        assert answer.status_code in (415, 422) and answer.mimetype == "application/problem+json"


@pytest.mark.parametrize(("data", "why"), [
    (b'{"description": "\xff\xfe"}', "Not UTF-8."),  # not silently made U+FFFD
    (b'{"description": "\xe5\xb7"}', "Not UTF-8."),  # a truncated character
    (b"[" * 100_000 + b"]" * 100_000, "Not JSON."),  # nested too deep for any parser
    (b'{"description": "x"' + b" " * 10 + b"", "Not JSON."),
])
def test_bodies_that_are_not_utf8_json_are_422_and_change_nothing(client, data, why):
    before, etag = current(client)
    answer = client.patch(f"/v1/enterprises/{ICBC}", data=data, content_type="application/json",
                          headers=auth(client, **{"If-Match": etag}))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["errors"][0]["message"] == why
    assert current(client) == (before, etag)


def test_channels_hours_and_menus_hidden_and_shown_again(client):
    answer = post(client, f"/v1/enterprises/{ICBC}/channels",
                  {"kind": "webchat", "value": "https://www.icbc.com.cn/chat", "topic_param": "q",
                   "hours": {"timezone": "Asia/Shanghai", "always_open": True}})
    assert answer.status_code == 201, answer.get_json()
    channel_id = answer.headers["Location"].rsplit("/", 1)[1]
    added = next(c for c in answer.get_json()["channels"] if c["id"] == channel_id)
    assert added["source"].startswith("self-service:usr_")
    public = client.get(f"/v1/enterprises/{ICBC}?topic=挂失&platform=web").get_json()
    chat = next(c for c in public["channels"] if c["id"] == channel_id)
    assert "q=%E6%8C%82%E5%A4%B1" in chat["links"][0]["uri"]
    phone_id = next(c["id"] for c in current(client)[0]["channels"] if c["value"] == "95588")
    menu = patch(client, {"menu": [{"intent": "信用卡挂失", "keys": "2,1"}], "to_person": "0"},
                 f"/v1/enterprises/{ICBC}/channels/{phone_id}")
    assert menu.status_code == 200, menu.get_json()
    bad = patch(client, {"hours": {"weekly": {"someday": ["25:00-26:00"]}}},
                f"/v1/enterprises/{ICBC}/channels/{phone_id}")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"].startswith("hours")
    refused = patch(client, {"value": "javascript:alert(1)"}, f"/v1/enterprises/{ICBC}/channels/{channel_id}")
    assert refused.status_code == 422
    hidden = patch(client, {"hidden": True}, f"/v1/enterprises/{ICBC}/channels/{channel_id}")
    assert hidden.status_code == 200
    assert channel_id not in {c["id"] for c in client.get(f"/v1/enterprises/{ICBC}").get_json()["channels"]}
    assert channel_id in {c["id"] for c in current(client)[0]["channels"]}  # kept, not deleted
    shown = patch(client, {"hidden": False}, f"/v1/enterprises/{ICBC}/channels/{channel_id}")
    assert shown.status_code == 200
    assert channel_id in {c["id"] for c in client.get(f"/v1/enterprises/{ICBC}").get_json()["channels"]}
    repeat = post(client, f"/v1/enterprises/{ICBC}/channels", {"kind": "phone", "value": "95588"})
    assert repeat.status_code == 409
    for field in ("source", "verified_at", "id"):
        answer = post(client, f"/v1/enterprises/{ICBC}/channels",
                      {"kind": "phone", "value": "4008208820", field: "x"})
        assert answer.status_code == 422 and answer.get_json()["errors"][0]["field"] == field


def test_notices_show_while_current_and_hide_reversibly(client):
    answer = post(client, f"/v1/enterprises/{ICBC}/notices",
                  {"title": "系统维护", "body": "今晚网银暂停服务。", "severity": "warning",
                   "links": [{"label": "公告", "url": "https://www.icbc.com.cn/notice"}]})
    assert answer.status_code == 201, answer.get_json()
    notice_id = answer.headers["Location"].rsplit("/", 1)[1]
    month_ago = datetime.now(UTC) - timedelta(days=30)  # `at` lies within a year of now
    day_after = month_ago + timedelta(days=1)
    post(client, f"/v1/enterprises/{ICBC}/notices", {"title": "旧公告", "body": "已过期",
                                                    "valid_from": month_ago.isoformat(),
                                                    "valid_until": day_after.isoformat()})
    shown = client.get(f"/v1/enterprises/{ICBC}").get_json()["notices"]
    assert [n["id"] for n in shown] == [notice_id]
    assert shown[0]["links"][0]["url"] == "https://www.icbc.com.cn/notice"
    at = (month_ago + timedelta(hours=12)).isoformat()
    past = client.get(f"/v1/enterprises/{ICBC}", query_string={"at": at}).get_json()["notices"]
    assert [n["title"] for n in past] == ["旧公告"]
    bad = post(client, f"/v1/enterprises/{ICBC}/notices", {"title": "x", "body": "y",
                                                          "links": [{"label": "l", "url": "javascript:x"}]})
    assert bad.status_code == 422
    assert patch(client, {"hidden": True}, f"/v1/enterprises/{ICBC}/notices/{notice_id}").status_code == 200
    assert client.get(f"/v1/enterprises/{ICBC}").get_json()["notices"] == []
    assert notice_id in {n["id"] for n in current(client)[0]["notices"]}


def test_restore_brings_an_old_version_back_and_deletes_nothing(client):
    base, _ = current(client)
    answer = post(client, f"/v1/enterprises/{ICBC}/channels", {"kind": "phone", "value": "4006695588"})
    channel_id = answer.headers["Location"].rsplit("/", 1)[1]
    patch(client, {"website": "https://www.icbc.com.cn/new"})
    restored = post(client, f"/v1/enterprises/{ICBC}/versions/{base['version']}/restore", {})
    assert restored.status_code == 200, restored.get_json()
    body = restored.get_json()
    assert body["website"] == base["website"] and body["version"] == base["version"] + 3
    channel = next(c for c in body["channels"] if c["id"] == channel_id)
    assert channel["hidden"] is True  # not in the old version: hidden, kept
    newest = client.get(f"/v1/enterprises/{ICBC}/versions?limit=1", headers=auth(client)).get_json()
    assert newest["items"][0]["action"] == f"restore:{base['version']}" and newest["next"]
    missing = post(client, f"/v1/enterprises/{ICBC}/versions/9999/restore", {})
    assert missing.status_code == 404


def test_edits_reach_search(client):
    assert patch(client, {"aliases": ["工行", "ICBC", "宇宙行"]}).status_code == 200
    client.application.extensions["c800"].indexer.sync()
    hits = client.get("/v1/search?q=宇宙行").get_json()["items"]
    assert [hit["id"] for hit in hits] == [ICBC]


def test_an_import_leaves_a_listing_its_enterprise_keeps(client, tmp_path):
    patch(client, {"description": "kept by the bank"})
    before, etag = current(client)
    state = client.application.extensions["c800"]
    with client.application.app_context(), state.sessions() as session:
        report = import_directory(session, write_data(tmp_path / "data", RECORDS))
        session.commit()
    assert report.enterprises["kept"] == 1
    assert current(client) == (before, etag)


def test_idempotency_key_replays_refuses_another_body_and_a_running_twin(client):
    body = {"title": "幂等", "body": "一次"}
    first = post(client, f"/v1/enterprises/{ICBC}/notices", body, **{"Idempotency-Key": "key-1"})
    count = len(current(client)[0]["notices"])
    again = post(client, f"/v1/enterprises/{ICBC}/notices", body, **{"Idempotency-Key": "key-1"})
    assert again.status_code == first.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert len(current(client)[0]["notices"]) == count  # no second notice
    other = post(client, f"/v1/enterprises/{ICBC}/notices", {**body, "body": "两次"},
                 **{"Idempotency-Key": "key-1"})
    assert other.status_code == 422
    # the first request with key-1 is still running (its answer not stored yet)
    state = client.application.extensions["c800"]
    with state.sessions() as session:
        owner = session.scalar(select(Membership).where(Membership.role == "owner")).user_id
        row = session.get(IdempotencyRecord, (f"user:{owner}", key_digest(f"user:{owner}", "key-1")))
        row.status = None
        session.commit()
    running = post(client, f"/v1/enterprises/{ICBC}/notices", body, **{"Idempotency-Key": "key-1"})
    assert running.status_code == 409 and running.headers["Retry-After"]
    # still "running" a minute later: its worker or its database died; the key is taken again
    with state.sessions() as session:
        row = session.get(IdempotencyRecord, (f"user:{owner}", key_digest(f"user:{owner}", "key-1")))
        row.created_at = row.created_at - ABANDONED - timedelta(seconds=1)
        session.commit()
    retried = post(client, f"/v1/enterprises/{ICBC}/notices", body, **{"Idempotency-Key": "key-1"})
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert len(current(client)[0]["notices"]) == count + 1
    replayed = post(client, f"/v1/enterprises/{ICBC}/notices", body, **{"Idempotency-Key": "key-1"})
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json() == retried.get_json()


def _mails(client) -> list[Path]:
    return sorted((client.data_dir / "mail").glob("*.eml"))


def test_a_claim_by_mail_makes_an_owner_of_a_verified_listing(client):
    seen = len(_mails(client))
    answer = client.post(f"/v1/enterprises/{CMB}/claims", json={"method": "email",
                                                                "email": "service@cmbchina.com"},
                         headers=auth(client, "consumer"))
    assert answer.status_code == 202, answer.get_json()
    assert answer.get_json()["status"] == "pending"
    again = client.post(f"/v1/enterprises/{CMB}/claims", json={"method": "admin"},
                        headers=auth(client, "consumer"))
    assert again.status_code == 409
    mails = _mails(client)
    assert len(mails) == seen + 1
    message = email.message_from_bytes(mails[-1].read_bytes(), policy=email.policy.default)
    assert message["To"] == "service@cmbchina.com"
    link = re.search(r"http://\S+/claims/verify\?token=\S+", message.get_content()).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and 'id="confirm"' in page.get_data(as_text=True)
    token = path.split("token=", 1)[1]
    confirmed = client.post("/claims/verify", data={"token": token})
    assert confirmed.status_code == 200
    assert client.post("/claims/verify", data={"token": token}).status_code == 404  # used
    me = client.get("/v1/me", headers=auth(client, "consumer")).get_json()
    assert {"enterprise_id": CMB, "role": "owner"} in me["memberships"]
    assert client.get(f"/v1/enterprises/{CMB}").get_json()["verified"] is True
    claim = client.get(answer.headers["Location"], headers=auth(client, "consumer")).get_json()
    assert claim["status"] == "verified"


@pytest.mark.parametrize("body", [
    {"method": "email", "email": "someone@gmail.com"},
    {"method": "email", "email": "service@icbc.com.cn.evil.top"},
    {"method": "email"},
    {"method": "mail"},
    {"method": "admin", "email": "x@icbc.com.cn"},
    {"method": "admin", "owner": True},
])
def test_a_claim_must_prove_the_domain(client, body):
    answer = client.post(f"/v1/enterprises/{ICBC}/claims", json=body, headers=auth(client, "root"))
    assert answer.status_code == 422, answer.get_json()


def test_an_admin_approves_or_rejects_claims_and_handles_reports(client):
    claim = client.post(f"/v1/enterprises/{ICBC}/claims", json={"method": "admin", "note": "我是工行员工"},
                        headers=auth(client, "root"))
    assert claim.status_code == 202
    claim_id = claim.get_json()["id"]
    queue = client.get("/v1/admin/claims?status=pending", headers=auth(client, "root")).get_json()
    assert claim_id in {c["id"] for c in queue["items"]}
    assert client.get("/v1/admin/claims", headers=auth(client, "owner")).status_code == 403
    decided = client.post(f"/v1/admin/claims/{claim_id}/decision", json={"decision": "reject"},
                          headers=auth(client, "root"))
    assert decided.status_code == 200 and decided.get_json()["status"] == "rejected"
    twice = client.post(f"/v1/admin/claims/{claim_id}/decision", json={"decision": "approve"},
                        headers=auth(client, "root"))
    assert twice.status_code == 409
    report = client.post(f"/v1/enterprises/{ICBC}/reports",
                         json={"topic": "wrong_number", "message": "这个号码打不通"})
    assert report.status_code == 201, report.get_json()
    report_id = report.get_json()["id"]
    bad = client.post(f"/v1/enterprises/{ICBC}/reports", json={"topic": "wrong_number", "message": ""})
    assert bad.status_code == 422
    reports = client.get("/v1/admin/reports?status=open", headers=auth(client, "root")).get_json()
    assert report_id in {r["id"] for r in reports["items"]}
    done = client.patch(f"/v1/admin/reports/{report_id}", json={"status": "resolved", "resolution": "已更正"},
                        headers=auth(client, "root"))
    assert done.status_code == 200 and done.get_json()["status"] == "resolved"


def test_a_suspended_listing_leaves_the_directory_and_cannot_be_edited(client):
    down = client.put(f"/v1/admin/enterprises/{CMB}/status", json={"status": "suspended", "reason": "核实中"},
                      headers=auth(client, "root"))
    assert down.status_code == 200 and down.get_json()["status"] == "suspended"
    assert client.get(f"/v1/enterprises/{CMB}").status_code == 404
    indexer = client.application.extensions["c800"].indexer
    indexer.sync()
    assert CMB not in {hit["id"] for hit in client.get("/v1/search?q=招商银行").get_json()["items"]}
    edit = client.patch(f"/v1/enterprises/{CMB}", json={"description": "x"},
                        headers=auth(client, "consumer", **{"If-Match": f'"v{down.get_json()["version"]}"'}))
    assert edit.status_code == 409  # the consumer became CMB's owner by the mailed claim
    up = client.put(f"/v1/admin/enterprises/{CMB}/status", json={"status": "active"},
                    headers=auth(client, "root"))
    assert up.status_code == 200 and client.get(f"/v1/enterprises/{CMB}").status_code == 200
    indexer.sync()
    assert CMB in {hit["id"] for hit in client.get("/v1/search?q=招商银行").get_json()["items"]}
    assert client.put(f"/v1/admin/enterprises/{CMB}/status", json={"status": "active"},
                      headers=auth(client, "owner")).status_code == 403


@pytest.fixture(params=BACKEND_PARAMS[:1])
def few_reports(request, tmp_path_factory):
    from api import create_app
    from api.config import Config
    from tests.conftest import _fresh

    folder = tmp_path_factory.mktemp("reports")
    generator = _fresh(request, request.param, folder)
    url = next(generator)
    app = create_app(Config.from_env(database_url=url, data_dir=folder / "var", testing=True,
                                     rate_limit_reports="2/hour"))
    with app.extensions["c800"].sessions() as session:
        import_directory(session, write_data(folder / "data", RECORDS))
        session.commit()
    yield app.test_client()
    app.extensions["c800"].engine.dispose()
    next(generator, None)


def test_reports_are_rate_limited_per_caller(few_reports):
    body = {"topic": "scam", "message": "冒充客服来电"}
    codes = [few_reports.post(f"/v1/enterprises/{ICBC}/reports", json=body,
                              environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    other = few_reports.post(f"/v1/enterprises/{ICBC}/reports", json=body,
                             environ_base={"REMOTE_ADDR": "10.1.1.2"})
    assert other.status_code == 201


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_an_etag_is_usable_as_received_whatever_the_encoding(client, coding):
    """flask-compress names the coding in a compressed answer's ETag ("v3:gzip"): it is still
    the listing's version, for If-Match and If-None-Match alike."""
    packed = {"Accept-Encoding": coding}
    read = client.get(f"/v1/manage/enterprises/{ICBC}", headers=auth(client, **packed))
    assert read.headers["Content-Encoding"] == coding
    etag = read.headers["ETag"]
    assert etag.endswith(f':{coding}"'), etag
    unchanged = client.get(f"/v1/manage/enterprises/{ICBC}",
                           headers=auth(client, **packed, **{"If-None-Match": etag}))
    assert unchanged.status_code == 304 and unchanged.data == b""
    edited = client.patch(f"/v1/enterprises/{ICBC}", json={"description": f"sent {coding}"},
                          headers=auth(client, **packed, **{"If-Match": etag}))
    assert edited.status_code == 200, edited.get_json()
    stale = client.patch(f"/v1/enterprises/{ICBC}", json={"description": "stale"},
                         headers=auth(client, **packed, **{"If-Match": etag}))
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    again = client.patch(f"/v1/enterprises/{ICBC}", json={"description": f"again {coding}"},
                         headers=auth(client, **packed, **{"If-Match": edited.headers["ETag"]}))
    assert again.status_code == 200, again.get_json()
    assert current(client)[0]["description"] == f"again {coding}"
    changed = client.get(f"/v1/manage/enterprises/{ICBC}",
                         headers=auth(client, **packed, **{"If-None-Match": etag}))
    assert changed.status_code == 200
