"""What lookup calls official is checked: an enterprise's own numbers, addresses and domains
wait for an administrator, another listing's are refused, host names that pass for another
are refused, notice links pass lookup's imitation checks, and public answers name no person.

Over the API, on SQLite and PostgreSQL: 中国工商银行 (ICBC) and 招商银行 (CMB) imported; an owner
of CMB, a consumer, and an administrator (a member of both listings, to edit as one).
"""

from __future__ import annotations

import base64
import json

import pytest

from directory.accounts import add_member, create_user
from directory.credentials import OAuthClient, digest
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise

ICBC, CMB = "ent_000000000001", "ent_000000000002"
RECORDS = [
    enterprise(ICBC, channels=[{"kind": "phone", "value": "95588", "source": "test:icbc"},
                               {"kind": "email", "value": "service@icbc.com.cn", "source": "test:icbc"}]),
    enterprise(CMB, names={"zh-Hans": "招商银行", "en": "China Merchants Bank"}, aliases=["招行"],
               website="https://www.cmbchina.com/", domains=["cmbchina.com"],
               channels=[{"kind": "phone", "value": "95555", "source": "test:cmb"}]),
]
SCOPES = {"owner": "directory:read me listings:write", "consumer": "directory:read me listings:write",
          "root": "directory:read me listings:write admin"}


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS):
        state = client.application.extensions["c800"]
        with client.application.app_context(), state.sessions() as session:
            users = {name: create_user(session, f"{name}@example.com", "a long enough password",
                                       admin=name == "root") for name in SCOPES}
            session.flush()
            add_member(session, CMB, "owner@example.com", "owner")
            add_member(session, CMB, "root@example.com", "editor")
            add_member(session, ICBC, "root@example.com", "editor")
            for name, user in users.items():
                session.add(OAuthClient(client_id=f"cl_{name}", secret_hash=digest(f"{name}-secret"),
                                        name=name, grant_types=["client_credentials"],
                                        scope=SCOPES[name], user_id=user.id))
            session.commit()
        client.tokens = {name: _token(client, name) for name in SCOPES}
        yield client


def _token(client, name: str) -> str:
    basic = base64.b64encode(f"cl_{name}:{name}-secret".encode()).decode()
    answer = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                         headers={"Authorization": f"Basic {basic}"})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["access_token"]


def auth(client, name: str = "owner", **headers) -> dict:
    return {"Authorization": f"Bearer {client.tokens[name]}", **headers}


def managed(client, ident: str = CMB, name: str = "owner") -> tuple[dict, str]:
    answer = client.get(f"/v1/manage/enterprises/{ident}", headers=auth(client, name))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json(), answer.headers["ETag"]


def write(client, method: str, path: str, body: dict, name: str = "owner", ident: str = CMB):  # noqa: ANN201
    _, etag = managed(client, ident, name)
    return client.open(path, method=method, json=body, headers=auth(client, name, **{"If-Match": etag}))


def add_channel(client, body: dict, name: str = "owner", ident: str = CMB):  # noqa: ANN201
    return write(client, "POST", f"/v1/enterprises/{ident}/channels", body, name, ident)


def lookup(client, q: str) -> dict:
    answer = client.get("/v1/lookup", query_string={"q": q})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def official_for(client, q: str) -> list[str]:
    body = lookup(client, q)
    return [m["enterprise"]["id"] for m in body["matches"]] if body["official"] else []


def public_channel(client, value: str, ident: str = CMB) -> dict | None:
    channels = client.get(f"/v1/enterprises/{ident}").get_json()["channels"]
    return next((c for c in channels if c["value"] == value), None)


def queue(client, **query) -> list[dict]:
    answer = client.get("/v1/admin/facts", query_string=query, headers=auth(client, "root"))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]


def review_of(client, channel_id: str | None, ident: str = CMB) -> dict:
    return next(r for r in queue(client, enterprise_id=ident) if r["channel_id"] == channel_id)


def decide(client, review_id: str, decision: str, name: str = "root"):  # noqa: ANN201
    return client.post(f"/v1/admin/facts/{review_id}/decision", json={"decision": decision},
                       headers=auth(client, name))


def problem_fields(answer) -> set[str]:  # noqa: ANN001 - a test response
    assert answer.status_code == 422, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    return {error["field"] for error in answer.get_json()["errors"]}


# --- the takeover of 2026-12: 招商银行's owner claims ICBC's domain and number -----------------

@pytest.mark.parametrize(("path", "body", "field"), [
    ("channels", {"kind": "phone", "value": "95588"}, "value"),
    ("channels", {"kind": "phone", "value": "+861095588"}, "value"),  # the same number, from abroad
    ("channels", {"kind": "email", "value": "help@icbc.com.cn"}, "value"),
    ("channels", {"kind": "webchat", "value": "https://www.icbc.com.cn/chat"}, "value"),
    ("", {"domains": ["cmbchina.com", "icbc.com.cn"]}, "domains"),
    ("", {"website": "https://www.icbc.com.cn/"}, "website"),
])
def test_another_listings_number_or_domain_is_refused(client, path, body, field):
    before = managed(client)
    method = "POST" if path else "PATCH"
    answer = write(client, method, f"/v1/enterprises/{CMB}/{path}".rstrip("/"), body)
    assert field in problem_fields(answer)
    assert "中国工商银行" in json.dumps(answer.get_json(), ensure_ascii=False)
    assert managed(client) == before
    assert official_for(client, "95588") == [ICBC]
    assert official_for(client, "icbc.com.cn") == [ICBC]


def test_an_owners_new_number_is_shown_unchecked_and_official_once_approved(client):
    answer = add_channel(client, {"kind": "phone", "value": "4008205555", "label": "信用卡中心"})
    assert answer.status_code == 201, answer.get_json()
    channel_id = answer.headers["Location"].rsplit("/", 1)[1]
    mine = next(c for c in answer.get_json()["channels"] if c["id"] == channel_id)
    assert mine["review"]["status"] == "pending" and mine["review"]["checked_value"] is None
    shown = public_channel(client, "4008205555")
    assert shown["review"] == {"status": "pending", "checked_by": None, "checked_at": None}
    assert shown["source"] == "enterprise"
    assert official_for(client, "400-820-5555") == []  # shown, not vouched for
    linked = client.get(f"/v1/enterprises/{CMB}", headers={"Accept": "application/ld+json"}).get_json()
    assert {p.get("telephone") for p in linked["contactPoint"]} == {"95555"}  # machines: checked only
    assert public_channel(client, "95555")["review"]["status"] == "checked"
    assert public_channel(client, "95555")["review"]["checked_by"] == "source"

    review = review_of(client, channel_id)
    assert review["proposed"] == {"kind": "phone", "value": "4008205555"}
    assert review["fact"] == "channel" and review["conflicts"] == [] and review["checked"] is None
    approved = decide(client, review["id"], "approve")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    assert official_for(client, "400-820-5555") == [CMB]
    shown = public_channel(client, "4008205555")
    assert shown["review"]["status"] == "checked" and shown["review"]["checked_by"] == "admin"
    assert decide(client, review["id"], "reject").status_code == 409  # decided already
    versions = client.get(f"/v1/enterprises/{CMB}/versions", headers=auth(client)).get_json()["items"]
    assert versions[0]["action"] == "approve_fact"


def test_a_changed_number_leaves_the_checked_one_official_until_decided(client):
    channel_id = next(c["id"] for c in managed(client)[0]["channels"] if c["value"] == "95555")
    answer = write(client, "PATCH", f"/v1/enterprises/{CMB}/channels/{channel_id}", {"value": "95556"})
    assert answer.status_code == 200, answer.get_json()
    assert public_channel(client, "95556")["review"]["status"] == "pending"
    assert official_for(client, "95556") == []
    match = lookup(client, "95555")
    assert match["official"] and match["matches"][0]["channel"]["value"] == "95555"
    review = review_of(client, channel_id)
    assert review["checked"] == {"kind": "phone", "value": "95555"}
    assert decide(client, review["id"], "reject").status_code == 200
    assert public_channel(client, "95555")["review"]["status"] == "checked"  # put back
    assert public_channel(client, "95556") is None
    assert official_for(client, "95555") == [CMB] and official_for(client, "95556") == []


def test_a_rejected_new_channel_is_hidden_and_asks_again_when_shown(client):
    answer = add_channel(client, {"kind": "email", "value": "vip@cmbchina.com"})
    channel_id = answer.headers["Location"].rsplit("/", 1)[1]
    review = review_of(client, channel_id)
    assert decide(client, review["id"], "reject").status_code == 200
    mine = next(c for c in managed(client)[0]["channels"] if c["id"] == channel_id)
    assert mine["hidden"] is True and mine["review"]["status"] == "rejected"  # kept, not deleted
    assert public_channel(client, "vip@cmbchina.com") is None
    shown = write(client, "PATCH", f"/v1/enterprises/{CMB}/channels/{channel_id}", {"hidden": False})
    assert shown.status_code == 200
    assert public_channel(client, "vip@cmbchina.com")["review"]["status"] == "pending"
    assert review_of(client, channel_id)["id"] != review["id"]
    # official only as an address at CMB's checked domain, not as a listed channel
    assert [m["channel"] for m in lookup(client, "vip@cmbchina.com")["matches"]] == [None]


def test_a_new_domain_and_website_wait_for_review(client):
    answer = write(client, "PATCH", f"/v1/enterprises/{CMB}", {
        "website": "https://www.cmbchina.com.cn/", "domains": ["cmbchina.com", "cmbchina.com.cn"]})
    assert answer.status_code == 200, answer.get_json()
    public = client.get(f"/v1/enterprises/{CMB}").get_json()
    assert public["web_review"]["status"] == "pending"
    assert public["web_review"]["unchecked"] == ["https://www.cmbchina.com.cn/", "cmbchina.com.cn"]
    assert official_for(client, "cmbchina.com.cn") == []
    assert official_for(client, "https://www.cmbchina.com/") == [CMB]  # the checked website stays
    # a claim by mail proves nothing through a domain nobody checked
    claim = client.post(f"/v1/enterprises/{CMB}/claims", json={"method": "email",
                                                              "email": "boss@cmbchina.com.cn"},
                        headers=auth(client, "consumer"))
    assert claim.status_code == 422, claim.get_json()
    review = review_of(client, None)
    assert review["fact"] == "web" and review["proposed"]["unchecked"] == [
        "https://www.cmbchina.com.cn/", "cmbchina.com.cn"]
    assert decide(client, review["id"], "approve").status_code == 200
    assert official_for(client, "cmbchina.com.cn") == [CMB]
    assert client.get(f"/v1/enterprises/{CMB}").get_json()["web_review"]["status"] == "checked"


def test_another_page_of_a_checked_domain_is_no_new_fact(client):
    answer = write(client, "PATCH", f"/v1/enterprises/{CMB}", {"website": "https://www.cmbchina.com/personal/"})
    assert answer.status_code == 200, answer.get_json()
    review = client.get(f"/v1/enterprises/{CMB}").get_json()["web_review"]
    assert "https://www.cmbchina.com/personal/" not in review["unchecked"]
    assert official_for(client, "https://www.cmbchina.com/personal/") == [CMB]


def test_an_administrators_edit_is_checked_and_may_take_a_number(client):
    answer = add_channel(client, {"kind": "phone", "value": "95588", "label": "代收"}, name="root")
    assert answer.status_code == 201, answer.get_json()
    channel_id = answer.headers["Location"].rsplit("/", 1)[1]
    assert public_channel(client, "95588")["review"]["checked_by"] == "admin"
    assert sorted(official_for(client, "95588")) == [ICBC, CMB]
    assert public_channel(client, "95588")["source"] == "admin"
    hidden = write(client, "PATCH", f"/v1/enterprises/{CMB}/channels/{channel_id}", {"hidden": True},
                   name="root")
    assert hidden.status_code == 200 and official_for(client, "95588") == [ICBC]


def test_a_pending_fact_another_listing_gains_is_shown_as_a_conflict(client):
    answer = add_channel(client, {"kind": "phone", "value": "4006695568"})
    channel_id = answer.headers["Location"].rsplit("/", 1)[1]
    taken = add_channel(client, {"kind": "phone", "value": "4006695568"}, name="root", ident=ICBC)
    assert taken.status_code == 201, taken.get_json()
    review = review_of(client, channel_id)
    assert review["conflicts"] == [{"key": "tel:4006695568", "enterprise_id": ICBC, "name": "中国工商银行"}]
    assert decide(client, review["id"], "approve").status_code == 200  # the administrator decides
    assert sorted(official_for(client, "4006695568")) == [ICBC, CMB]


def test_restoring_an_unchecked_version_is_reviewed_again(client):
    answer = add_channel(client, {"kind": "phone", "value": "4007895555"})
    channel_id = answer.headers["Location"].rsplit("/", 1)[1]
    version = answer.get_json()["version"]
    assert decide(client, review_of(client, channel_id)["id"], "reject").status_code == 200
    restored = write(client, "POST", f"/v1/enterprises/{CMB}/versions/{version}/restore", {})
    assert restored.status_code == 200, restored.get_json()
    assert public_channel(client, "4007895555")["review"]["status"] == "pending"
    assert official_for(client, "4007895555") == []


# --- host names that pass for another ---------------------------------------------------------

@pytest.mark.parametrize(("path", "body", "field"), [
    ("", {"website": "https://www.сmbchina.com/"}, "website"),            # Cyrillic с
    ("", {"website": "https://www.cmbchinα.com/"}, "website"),            # Greek α
    ("", {"domains": ["xn--mbchina-3ng.com"]}, "domains"),                # Cyrillic, as punycode
    ("", {"domains": ["xn--80ak6aa92e.com"]}, "domains"),                 # аррӏе: all Cyrillic
    ("channels", {"kind": "webchat", "value": "https://kefu.cmbchinа.com/"}, "value"),
    ("channels", {"kind": "email", "value": "help@xn--mbchina-3ng.com"}, "value"),
    ("notices", {"title": "t", "body": "b", "links": [{"label": "l", "url": "https://ορο.com/"}]},
     "links.0.url"),
])
def test_a_host_name_that_passes_for_another_is_refused(client, path, body, field):
    before = managed(client)
    method = "POST" if path else "PATCH"
    answer = write(client, method, f"/v1/enterprises/{CMB}/{path}".rstrip("/"), body)
    assert field in problem_fields(answer)
    assert managed(client) == before


@pytest.mark.parametrize("body", [
    {"website": "https://中文.中国/"},
    {"domains": ["cmbchina.com", "xn--fsqu00a.xn--55qx5d"]},  # 例子.公司
])
def test_internationalised_names_are_welcome(client, body):
    answer = write(client, "PATCH", f"/v1/enterprises/{CMB}", body)
    assert answer.status_code == 200, answer.get_json()


# --- notice links and lookup's imitation checks ----------------------------------------------

@pytest.mark.parametrize("url", [
    "https://icbc.com.cn.secure-login.top/verify",
    "https://www-icbc-com-cn.top/",
    "https://cmbchina.com.kefu-help.cn/",
])
def test_a_notice_link_lookup_calls_an_imitation_is_refused(client, url):
    assert lookup(client, url)["hint"]["code"] == "imitation"
    body = {"title": "账户升级", "body": "请点击链接。", "links": [{"label": "升级", "url": url}]}
    answer = write(client, "POST", f"/v1/enterprises/{CMB}/notices", body)
    assert "links.0.url" in problem_fields(answer)
    good = write(client, "POST", f"/v1/enterprises/{CMB}/notices",
                 {**body, "links": [{"label": "公告", "url": "https://www.cmbchina.com/notice"}]})
    assert good.status_code == 201, good.get_json()


def test_a_channel_url_lookup_calls_an_imitation_is_refused(client):
    answer = add_channel(client, {"kind": "web_form", "value": "https://icbc.com.cn.kefu.top/form"})
    assert "value" in problem_fields(answer)


# --- public answers name no person; verified says what the claim checked ------------------------

def test_public_answers_show_the_kind_of_source_never_a_user_id(client):
    add_channel(client, {"kind": "phone", "value": "4001205555"})
    client.application.extensions["c800"].indexer.sync()
    for path in (f"/v1/enterprises/{CMB}", "/v1/search?q=招商银行", "/v1/lookup?q=4001205555",
                 "/v1/lookup?q=95555"):
        answer = client.get(path)
        assert answer.status_code == 200, answer.get_json()
        assert "usr_" not in answer.get_data(as_text=True), path
    sources = {c["source"] for c in client.get(f"/v1/enterprises/{CMB}").get_json()["channels"]}
    assert "enterprise" in sources and "test:cmb" in sources
    versions = client.get(f"/v1/enterprises/{CMB}/versions")
    assert versions.status_code == 401  # the history (with who did what) is for keepers only


def test_verified_says_what_the_claim_checked(client):
    public = client.get(f"/v1/enterprises/{ICBC}").get_json()
    assert public["verified"] is False and public["verification"] is None
    claim = client.post(f"/v1/enterprises/{ICBC}/claims", json={"method": "admin", "note": "我是工行员工"},
                        headers=auth(client, "consumer"))
    assert claim.status_code == 202, claim.get_json()
    decided = client.post(f"/v1/admin/claims/{claim.get_json()['id']}/decision",
                          json={"decision": "approve"}, headers=auth(client, "root"))
    assert decided.status_code == 200
    public = client.get(f"/v1/enterprises/{ICBC}").get_json()
    assert public["verified"] is True
    assert public["verification"]["method"] == "admin" and public["verification"]["domain"] is None


# --- the queue is the administrators' ------------------------------------------------------------

@pytest.mark.parametrize("who", ["owner", "consumer"])
def test_only_administrators_see_and_decide_the_queue(client, who):
    answer = add_channel(client, {"kind": "phone", "value": "4001005555"}) if who == "owner" else None
    pending = queue(client, enterprise_id=CMB)
    assert pending, answer.get_json() if answer is not None else None
    listed = client.get("/v1/admin/facts", headers=auth(client, who))
    assert listed.status_code == 403 and listed.mimetype == "application/problem+json"
    refused = decide(client, pending[0]["id"], "approve", name=who)
    assert refused.status_code == 403
    assert queue(client, enterprise_id=CMB)[0]["status"] == "pending"
    assert client.get("/v1/admin/facts").status_code == 401


def test_the_queue_pages_and_refuses_bad_input(client):
    for value in ("4001115555", "4001125555", "4001135555"):
        add_channel(client, {"kind": "phone", "value": value})
    first = client.get("/v1/admin/facts?limit=2", headers=auth(client, "root"))
    assert first.status_code == 200 and len(first.get_json()["items"]) == 2
    assert first.get_json()["next"] and 'rel="next"' in first.headers["Link"]
    ids = [item["id"] for item in first.get_json()["items"]]
    assert ids == sorted(ids)  # oldest first
    for query in ("status=open", "enterprise_id=x", "limit=0", "cursor=%00"):
        assert client.get(f"/v1/admin/facts?{query}", headers=auth(client, "root")).status_code == 422
    missing = decide(client, "frv_000000000000", "approve")
    assert missing.status_code == 404
    bad = client.post(f"/v1/admin/facts/{ids[0]}/decision", json={"decision": "maybe"},
                      headers=auth(client, "root"))
    assert bad.status_code == 422
