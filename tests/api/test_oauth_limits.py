"""/oauth/* is rate limited: per address (RATE_LIMIT_OAUTH), failed client authentications with
backoff per client and address and per address, and an authenticated confidential client's
requests per client (RATE_LIMIT_CLIENT); forms with more parameters than any endpoint takes are
refused before they are parsed. Every 429 is problem+json with Retry-After, and documented."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import BACKEND_PARAMS
from tests.helpers.oauth import authorize_query, make_oauth_app, pkce

PROBLEM = "application/problem+json"


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _token(client, secret: str = "partner-secret", address: str = "192.0.2.1"):  # noqa: ANN001, ANN201
    return client.post("/oauth/token", data={"grant_type": "client_credentials"},
                       headers=_basic("cl_partner", secret), environ_base={"REMOTE_ADDR": address})


def _assert_429(answer) -> int:  # noqa: ANN001
    assert answer.status_code == 429 and answer.mimetype == PROBLEM, answer.get_data(as_text=True)
    assert answer.get_json()["status"] == 429
    return int(answer.headers["Retry-After"])


@pytest.fixture(params=BACKEND_PARAMS[:1])
def make_app(request, tmp_path_factory):
    built = []

    def build(**settings):  # noqa: ANN003, ANN202
        app, state, generator = make_oauth_app(request, tmp_path_factory, **settings)
        built.append((state, generator))
        return app

    yield build
    for state, generator in built:
        state.engine.dispose()
        next(generator, None)


def test_bad_client_secrets_back_off_per_client_and_address(make_app):
    client = make_app(auth_failures_free=3).test_client()
    assert [_token(client, "wrong").status_code for _ in range(4)] == [401] * 4
    wait = _assert_429(_token(client, "wrong"))
    assert wait >= 1
    _assert_429(_token(client))  # even the right secret waits, from this address
    assert _token(client, address="192.0.2.2").status_code == 200  # elsewhere it works
    # with form credentials, for revocation and introspection too
    revoke = client.post("/oauth/revoke", data={"token": "x", "client_id": "cl_partner",
                                                "client_secret": "partner-secret"},
                         environ_base={"REMOTE_ADDR": "192.0.2.1"})
    _assert_429(revoke)


def test_one_address_failing_as_many_clients_is_throttled_as_an_address(make_app):
    client = make_app(auth_failures_free=3, auth_failures_free_per_address=5).test_client()
    answers = [client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers=_basic(f"cl_guess{n}", "x"), environ_base={"REMOTE_ADDR": "192.0.2.9"})
               for n in range(7)]
    assert [a.status_code for a in answers[:6]] == [401] * 6
    _assert_429(answers[6])
    _assert_429(_token(client, address="192.0.2.9"))
    assert _token(client, address="192.0.2.10").status_code == 200


def test_requests_to_oauth_are_limited_per_address(make_app):
    app = make_app(rate_limit_oauth="3/minute")
    client = app.test_client()
    assert [_token(client).status_code for _ in range(3)] == [200] * 3
    refused = _token(client)
    _assert_429(refused)
    assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(refused.headers.keys())
    page = client.get(authorize_query(pkce()[1]), environ_base={"REMOTE_ADDR": "192.0.2.1"})
    _assert_429(page)  # the authorization page counts too
    assert _token(client, address="192.0.2.2").status_code == 200


def test_an_authenticated_confidential_client_has_a_quota_of_its_own(make_app):
    client = make_app(rate_limit_client="2/minute").test_client()
    assert [_token(client, address=f"192.0.2.{n}").status_code for n in (1, 2)] == [200, 200]
    refused = _token(client, address="192.0.2.3")
    _assert_429(refused)
    assert "rate limit" in refused.get_json()["detail"]
    # bad secrets for that client do not use its quota up, and a public client has none
    other = make_app(rate_limit_client="2/minute").test_client()
    assert [_token(other, "wrong", address=f"198.51.100.{n}").status_code for n in range(4)] == [401] * 4
    assert _token(other, address="192.0.2.4").status_code == 200
    public = [other.post("/oauth/revoke", data={"token": "x", "client_id": "cl_app"},
                         environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}).status_code for n in range(4)]
    assert public == [200] * 4


def test_a_form_of_120k_parameters_is_refused_before_it_is_parsed(make_app, monkeypatch):
    import api.resources.oauth

    def never(_values):  # noqa: ANN001, ANN202
        raise AssertionError("the form was parsed")

    monkeypatch.setattr(api.resources.oauth, "oauth_values_ok", never)
    client = make_app().test_client()
    body = "grant_type=client_credentials&" + "&".join(f"{n:x}=" for n in range(120_000))
    assert len(body.encode()) < 1024 * 1024
    for path in ("/oauth/token", "/oauth/revoke", "/oauth/introspect",
                 authorize_query(pkce()[1]), "/claims/verify"):
        answer = client.post(path, data=body, content_type="application/x-www-form-urlencoded",
                             headers=_basic("cl_partner", "partner-secret"))
        assert answer.status_code == 413 and answer.mimetype == PROBLEM, path
        assert "100 parameters" in answer.get_json()["detail"]
    many_parts = {f"p{n}": "v" for n in range(150)}
    answer = client.post("/oauth/token", data=many_parts, content_type="multipart/form-data")
    assert answer.status_code == 413 and answer.mimetype == PROBLEM


def test_the_spec_documents_the_429s_and_413s_of_oauth(make_app):
    spec = make_app().test_client().get("/openapi.json").get_json()
    for path, method in (("/oauth/token", "post"), ("/oauth/revoke", "post"),
                         ("/oauth/introspect", "post"), ("/oauth/authorize", "get"),
                         ("/oauth/authorize", "post")):
        responses = spec["paths"][path][method]["responses"]
        assert "Retry-After" in responses["429"]["headers"], path
        assert PROBLEM in responses["429"]["content"] and PROBLEM in responses["413"]["content"]
