"""Claims of a listing by e-mail, attacked: hostile address forms, the link's token bound to its
claim and address, links that never follow the Host header, and mailbox-provider domains."""

from __future__ import annotations

import base64
import email
import email.policy
import re
import secrets
from pathlib import Path

import pytest

from directory.accounts import create_user
from directory.claims import Claim
from directory.credentials import OAuthClient, digest
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise

ICBC, CMB = "ent_000000000001", "ent_000000000002"
MAILRU, NAVER, NETEASE, TENCENT, DAUM = (f"ent_00000000001{n}" for n in range(5))
PUBLIC_BASE_URL = "https://c800.test"


def provider(ident: str, name: str, website: str, domains: list[str]) -> dict:
    return enterprise(ident, names={"en": name}, aliases=[], website=website, domains=domains,
                      channels=[])


RECORDS = [
    enterprise(ICBC),
    enterprise(CMB, names={"zh-Hans": "招商银行", "en": "China Merchants Bank"}, aliases=["招行"],
               website="https://www.cmbchina.com/", domains=["cmbchina.com"],
               channels=[{"kind": "phone", "value": "95555", "source": "test:cmb"}]),
    provider(MAILRU, "Mail.Ru", "https://mail.ru/", ["mail.ru"]),
    provider(NAVER, "NAVER", "https://www.naver.com/", ["naver.com"]),
    provider(NETEASE, "NetEase Mail", "https://mail.163.com/", ["163.com", "126.com"]),
    provider(TENCENT, "Tencent", "https://www.tencent.com/", ["tencent.com", "qq.com"]),
    provider(DAUM, "Daum", "https://www.daum.net/", ["daum.net"]),  # from our own data file
]
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS,
                                      public_base_url=PUBLIC_BASE_URL):
        client.data_dir = client.application.extensions["c800"].config.data_dir
        yield client


def sign_up(client) -> dict:  # noqa: ANN001
    """A new consumer's Authorization header (each test claims as someone new)."""
    name = f"u{secrets.token_hex(4)}"
    state = client.application.extensions["c800"]
    with client.application.app_context(), state.sessions() as session:
        user = create_user(session, f"{name}@example.com", "a long enough password")
        session.flush()
        session.add(OAuthClient(client_id=f"cl_{name}", secret_hash=digest(f"{name}-secret"), name=name,
                                grant_types=["client_credentials"], scope="directory:read me",
                                user_id=user.id))
        session.commit()
    basic = base64.b64encode(f"cl_{name}:{name}-secret".encode()).decode()
    answer = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                         headers={"Authorization": f"Basic {basic}"})
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


def mails(client) -> set[Path]:  # noqa: ANN001
    return set((client.data_dir / "mail").glob("*.eml"))


def read_mail(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def claim(client, address: str, enterprise_id: str = ICBC, headers: dict | None = None, **extra):  # noqa: ANN001, ANN201
    return client.post(f"/v1/enterprises/{enterprise_id}/claims", json={"method": "email", "email": address},
                       headers={**(headers or sign_up(client)), **extra})


def fields_of(answer) -> set[str]:  # noqa: ANN001
    return {error["field"] for error in answer.get_json().get("errors", [])}


# --- item 1: one plain address, at the listing's own domain -----------------------------------

HOSTILE = [
    "Mallory <attacker@evil.top>, service@icbc.com.cn",  # the reported takeover
    "Mallory <service@icbc.com.cn>",                      # display name
    "<service@icbc.com.cn>",                              # angle brackets
    "attacker@evil.top, service@icbc.com.cn",             # list with a comma
    "service@icbc.com.cn,attacker@evil.top",
    "attacker@evil.top; service@icbc.com.cn",             # list with a semicolon
    "x: attacker@evil.top, service@icbc.com.cn;",         # group
    "service(attacker@evil.top)@icbc.com.cn",             # comment
    "service@icbc.com.cn (attacker@evil.top)",
    '"attacker@evil.top"@icbc.com.cn',                    # quoted local part holding @
    '"attacker,evil"@icbc.com.cn',                        # quoted local part holding a comma
    "service\\@evil.top@icbc.com.cn",                     # escaped @
    "attacker@evil.top@icbc.com.cn",                      # two @
    "service@icbc.com.cn\r\nBcc: attacker@evil.top",      # header injection
    "service@icbc.com.cn\nCc: attacker@evil.top",
    "service@icbc.com.cn\x00attacker@evil.top",           # NUL
    "service@ісbc.com.cn",                                # IDN homograph (Cyrillic і, с)
    "service@xn--bc-nmc7f.com.cn",                        # the same, in its ACE form
    "service@icbc。com。cn",                              # ideographic full stops
    "service@icbc．com．cn",                              # full-width full stops
    "service@ＩＣＢＣ.com.cn",                            # full-width letters
    "ｓｅｒｖｉｃｅ@icbc.com.cn",
    "serv\u200bice@icbc.com.cn",                          # zero-width space
    "service@icbc.com.cn.",                               # trailing dot
    "service@icbc.com.cn.evil.top",                       # a subdomain of someone else
    "service@icbc-com-cn.evil.top",
    "service@mail.icbc.com.cn",                           # not the registrable domain itself
    "attacker%evil.top@icbc.com.cn",                      # percent-hack relaying
    "service%40icbc.com.cn@evil.top",                     # percent-encoding
    "service@icbc%2ecom%2ecn",
    "evil.top!attacker@icbc.com.cn",                      # bang path
    "@evil.top:service@icbc.com.cn",                      # source route
    "=?utf-8?q?attacker=40evil.top?=@icbc.com.cn",        # encoded word
    "service@[127.0.0.1]",                                # domain literal
    " service@icbc.com.cn",                               # padding
    "service@icbc.com.cn>",
    "someone@gmail.com",                                  # a mailbox provider
    "service@icbc.com.cn" + "x" * 240,                    # too long
]


@pytest.mark.slow
@pytest.mark.parametrize("address", HOSTILE)
def test_a_hostile_address_is_a_422_naming_email_and_mails_nothing(client, address):
    seen = mails(client)
    answer = claim(client, address)
    assert answer.status_code == 422, answer.get_json()
    assert answer.mimetype == PROBLEM and fields_of(answer) == {"email"}, answer.get_json()
    assert mails(client) == seen


def test_the_link_goes_to_the_parsed_address_alone(client):
    seen = mails(client)
    answer = claim(client, "Service@CMBChina.COM", CMB)
    assert answer.status_code == 202, answer.get_json()
    assert answer.get_json()["email"] == "service@cmbchina.com"
    [path] = mails(client) - seen
    message = read_mail(path)
    assert message["To"] == "service@cmbchina.com"
    assert [a.addr_spec for a in message["To"].addresses] == ["service@cmbchina.com"]
    assert message["Cc"] is None and message["Bcc"] is None


def test_a_claim_whose_mail_cannot_be_sent_is_not_kept(client, monkeypatch):
    headers = sign_up(client)
    monkeypatch.setattr(client.application.extensions["c800"].config, "mail_url", "smtp://127.0.0.1:9")
    seen = mails(client)
    answer = claim(client, "service@cmbchina.com", CMB, headers)
    assert answer.status_code == 503 and answer.mimetype == PROBLEM
    assert answer.headers["Retry-After"] == "60"
    assert "could not be sent" in answer.get_json()["detail"]
    assert mails(client) == seen
    monkeypatch.undo()
    again = claim(client, "service@cmbchina.com", CMB, headers)  # nothing pending blocks it
    assert again.status_code == 202, again.get_json()


def _link_token(path: Path) -> str:
    return re.search(r"/claims/verify\?token=(\S+)", read_mail(path).get_content()).group(1)


def test_the_token_is_bound_to_its_claim_and_address(client):
    seen = mails(client)
    first = claim(client, "service@icbc.com.cn")
    assert first.status_code == 202, first.get_json()
    second = claim(client, "kefu@icbc.com.cn")
    assert second.status_code == 202, second.get_json()
    tokens = {str(read_mail(path)["To"]): _link_token(path) for path in mails(client) - seen}
    token_one, token_two = tokens["service@icbc.com.cn"], tokens["kefu@icbc.com.cn"]
    secret_two = token_two.split(".", 1)[1]
    # another claim's id with this claim's secret, or no claim id at all: refused
    assert client.post("/claims/verify", data={"token": f"{first.get_json()['id']}.{secret_two}"}
                       ).status_code == 404
    for forged in (secret_two, f"clm_\x00.{secret_two}", f"{first.get_json()['id']}\x00.{secret_two}",
                   f"clm_{'f' * 16}.{secret_two}", ".", f"{first.get_json()['id']}."):
        assert client.post("/claims/verify", data={"token": forged}).status_code == 404, forged
    # the address a claim keeps is part of what its token proves
    state = client.application.extensions["c800"]
    with client.application.app_context(), state.sessions() as session:
        session.get(Claim, second.get_json()["id"]).email = "attacker@icbc.com.cn"
        session.commit()
    assert client.post("/claims/verify", data={"token": token_two}).status_code == 404
    assert client.post("/claims/verify", data={"token": token_one}).status_code == 200


# --- item 2: links in mail come from PUBLIC_BASE_URL, never from the Host header --------------

@pytest.mark.parametrize("hostile", [{"Host": "attacker.example"},
                                     {"X-Forwarded-Host": "attacker.example",
                                      "X-Forwarded-Proto": "http"}])
def test_the_mailed_link_is_at_public_base_url_whatever_the_host(client, hostile):
    seen = mails(client)
    answer = claim(client, f"ops{secrets.token_hex(3)}@icbc.com.cn", headers=sign_up(client), **hostile)
    assert answer.status_code == 202, answer.get_json()
    [path] = mails(client) - seen
    body = read_mail(path).get_content()
    assert "attacker" not in body
    link = re.search(r"\S+/claims/verify\?token=\S+", body).group(0)
    assert link.startswith(f"{PUBLIC_BASE_URL}/claims/verify?token=clm_")


# --- item 3: mailbox providers ---------------------------------------------------------------

@pytest.mark.parametrize(("enterprise_id", "address"), [
    (MAILRU, "support@mail.ru"), (NAVER, "help@naver.com"), (NETEASE, "kefu@163.com"),
    (TENCENT, "service@tencent.com"), (DAUM, "cs@daum.net"),
])
def test_a_mailbox_providers_listing_is_claimed_only_through_an_administrator(client, enterprise_id,
                                                                              address):
    headers, seen = sign_up(client), mails(client)
    answer = claim(client, address, enterprise_id, headers=headers)
    assert answer.status_code == 422 and answer.mimetype == PROBLEM, answer.get_json()
    assert fields_of(answer) == {"method"}
    assert "only through an administrator (method admin)" in answer.get_json()["detail"]
    assert mails(client) == seen
    by_admin = client.post(f"/v1/enterprises/{enterprise_id}/claims", json={"method": "admin"},
                           headers=headers)
    assert by_admin.status_code == 202 and by_admin.get_json()["status"] == "pending"


@pytest.mark.parametrize("address", ["kim@naver.com", "ivan@mail.ru", "icbc-service@qq.com",
                                     "icbc@vip.163.com", "icbc95588@126.com", "kefu@sina.com",
                                     "help@outlook.com", "lee@daum.net"])
def test_an_address_at_a_mailbox_provider_claims_nothing(client, address):
    seen = mails(client)
    answer = claim(client, address)
    assert answer.status_code == 422 and fields_of(answer) == {"email"}, answer.get_json()
    assert "gives mailboxes to anyone" in answer.get_json()["detail"]
    assert mails(client) == seen


@pytest.mark.parametrize(("address", "owner"), [("kim@naver.com", NAVER), ("lee@daum.net", DAUM),
                                                ("ivan@mail.ru", MAILRU)])
def test_lookup_never_calls_an_address_at_a_mailbox_provider_official(client, address, owner):
    answer = client.get("/v1/lookup", query_string={"q": address}).get_json()
    assert answer["official"] is False and answer["hint"]["code"] == "mailbox_provider"
    domain = client.get("/v1/lookup", query_string={"q": address.split("@")[1]}).get_json()
    assert domain["official"] is True and [m["enterprise"]["id"] for m in domain["matches"]] == [owner]
