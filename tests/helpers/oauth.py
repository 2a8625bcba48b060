"""The OAuth2 flows as a browser and a client walk them: an app with accounts and clients,
PKCE, the authorization page's sign-in and consent, tokens by code, refresh, /v1/me."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from api import create_app
from api.config import Config
from directory.accounts import create_user
from directory.credentials import OAuthClient, digest
from tests.conftest import _fresh

REDIRECT = "http://127.0.0.1:53682/callback"
PASSWORD = "correct horse battery staple"


def make_oauth_app(request, tmp_path_factory, **settings):  # noqa: ANN001, ANN202
    """An app over a fresh database (``request.param``) with ada, root and three OAuth clients:
    (app, its state, the database generator to finish)."""
    folder = tmp_path_factory.mktemp("oauth")
    generator = _fresh(request, request.param, folder)
    url = next(generator)
    app = create_app(Config.from_env(database_url=url, data_dir=folder / "var", testing=True,
                                     **settings))
    state = app.extensions["c800"]
    with state.sessions() as session:
        user = create_user(session, "ada@example.com", PASSWORD)
        create_user(session, "root@example.com", PASSWORD, admin=True)
        session.add(OAuthClient(client_id="cl_app", name="c800 app", grant_types=["authorization_code"],
                                redirect_uris=[REDIRECT], scope="directory:read me listings:write admin",
                                auth_method="none"))
        session.add(OAuthClient(client_id="cl_partner", secret_hash=digest("partner-secret"),
                                name="Partner", grant_types=["client_credentials"],
                                scope="directory:read", auth_method="client_secret_basic"))
        session.add(OAuthClient(client_id="cl_other", secret_hash=digest("other-secret"),
                                name="Other", grant_types=["client_credentials"],
                                scope="directory:read", auth_method="client_secret_basic",
                                user_id=user.id))
        session.commit()
    return app, state, generator


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_query(challenge: str, method: str = "S256", scope: str = "directory:read me", **extra) -> str:
    query = {"response_type": "code", "client_id": "cl_app", "redirect_uri": REDIRECT, "scope": scope,
             "state": "st4te", "code_challenge": challenge, "code_challenge_method": method, **extra}
    return "/oauth/authorize?" + urlencode(query)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in_and_consent(client, url: str, decision: str = "allow", email: str = "ada@example.com",
                        address: str = "10.0.0.1") -> dict:
    env = {"REMOTE_ADDR": address}
    page = client.get(url, environ_base=env)
    assert page.status_code == 200 and 'id="signin"' in page.get_data(as_text=True)
    page = client.post(url, data={"csrf": csrf_of(page.get_data(as_text=True)), "step": "signin",
                                  "email": email, "password": PASSWORD}, environ_base=env)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="consent"' in html, html
    answer = client.post(url, data={"csrf": csrf_of(html), "step": "consent", "decision": decision},
                         environ_base=env)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def code_tokens(client, verifier: str, challenge: str, scope: str = "directory:read me") -> dict:
    result = sign_in_and_consent(client, authorize_query(challenge, scope=scope))
    assert result["state"] == "st4te"
    response = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": result["code"],
                                                 "redirect_uri": REDIRECT, "client_id": "cl_app",
                                                 "code_verifier": verifier})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def refresh(client, token: str):  # noqa: ANN201
    return client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token,
                                             "client_id": "cl_app"})


def me(client, access: str):  # noqa: ANN201
    return client.get("/v1/me", headers={"Authorization": f"Bearer {access}"})
