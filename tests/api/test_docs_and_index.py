"""`/` points at the documentation; /docs' "Authorize" signs in with PKCE as the docs client."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from api.docs import DOCS_CLIENT_ID
from tests.conftest import BACKEND_PARAMS
from tests.helpers.oauth import PASSWORD, csrf_of, make_oauth_app, me, pkce

BASE = "http://127.0.0.1:8000"  # the tests' PUBLIC_BASE_URL
DOCS_REDIRECT = f"{BASE}/docs/oauth2-redirect.html"


@pytest.fixture(scope="module", params=BACKEND_PARAMS[:1])
def docs_app(request, tmp_path_factory):
    app, state, generator = make_oauth_app(request, tmp_path_factory)
    yield app
    state.engine.dispose()
    next(generator, None)


def test_the_index_points_at_what_answers(docs_app):
    client = docs_app.test_client()
    index = client.get("/")
    assert index.status_code == 200
    body = index.get_json()
    assert body["docs"] == f"{BASE}/docs" and body["openapi"] == f"{BASE}/openapi.json"
    for key, url in body.items():
        if key != "name":
            assert url.startswith(BASE) and client.get(url.removeprefix(BASE)).status_code == 200, key
    assert client.get("/?x=1").status_code == 422


def test_swagger_ui_uses_pkce_and_its_local_redirect_page(docs_app):
    client = docs_app.test_client()
    init = client.get("/docs/assets/init.js").get_data(as_text=True)
    assert "usePkceWithAuthorizationCodeGrant: true" in init
    assert f"clientId: {json.dumps(DOCS_CLIENT_ID)}" in init
    assert f"oauth2RedirectUrl: {json.dumps(DOCS_REDIRECT)}" in init
    page = client.get("/docs/oauth2-redirect.html")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<script src="/docs/assets/oauth2-redirect.js"></script>' in page.get_data(as_text=True)
    script = client.get("/docs/assets/oauth2-redirect.js")
    assert script.status_code == 200 and b"swaggerUIRedirectOauth2" in script.get_data()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_docs_client_signs_in_with_pkce(docs_app):
    runner = docs_app.test_cli_runner()
    for _ in range(2):  # registering again changes nothing
        result = runner.invoke(args=["clients", "docs"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["redirect_uris"] == [DOCS_REDIRECT]
    client = docs_app.test_client()
    verifier, challenge = pkce()
    url = "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": DOCS_CLIENT_ID, "redirect_uri": DOCS_REDIRECT,
        "scope": "directory:read me", "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    page = client.get(url)
    page = client.post(url, data={"csrf": csrf_of(page.get_data(as_text=True)), "step": "signin",
                                  "email": "ada@example.com", "password": PASSWORD})
    answer = client.post(url, data={"csrf": csrf_of(page.get_data(as_text=True)),
                                    "step": "consent", "decision": "allow"})
    location = urlsplit(answer.headers["Location"])
    assert answer.status_code == 302 and location._replace(query="").geturl() == DOCS_REDIRECT
    code = parse_qs(location.query)["code"][0]
    token = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": DOCS_REDIRECT,
        "client_id": DOCS_CLIENT_ID, "code_verifier": verifier})
    assert token.status_code == 200, token.get_json()
    assert me(client, token.get_json()["access_token"]).get_json()["email"] == "ada@example.com"
    # without PKCE the docs client gets no code (a public client)
    plain = url.replace(challenge, verifier).replace("S256", "plain")
    assert "code=" not in client.get(plain).headers.get("Location", "")
