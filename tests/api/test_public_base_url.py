"""PUBLIC_BASE_URL: absolute URLs never follow the request's Host header, and a production app
refuses to start without a bare https origin."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from api.config import DEVELOPMENT_BASE_URL, Config, checked_public_base_url

ROOT = Path(__file__).resolve().parents[2]
ICBC = "ent_9f7532f6acdd"
HOSTILE = {"Host": "attacker.example"}


@pytest.mark.parametrize(("value", "production", "expected"), [
    ("https://api.c800.example", True, "https://api.c800.example"),
    ("https://API.c800.example/", True, "https://api.c800.example"),
    ("https://api.c800.example:8443", True, "https://api.c800.example:8443"),
    ("http://127.0.0.1:8000", False, "http://127.0.0.1:8000"),
    ("", False, DEVELOPMENT_BASE_URL),
    (None, False, DEVELOPMENT_BASE_URL),
])
def test_a_bare_origin_is_kept_without_its_trailing_slash(value, production, expected):
    assert checked_public_base_url(value, production) == expected


@pytest.mark.parametrize(("value", "production", "says"), [
    ("", True, "must be set in production"),
    ("   ", True, "must be set in production"),
    ("http://api.c800.example", True, "must use https in production"),
    ("api.c800.example", True, "must start with https://"),
    ("https://api.c800.example/c800", True, "path, query or fragment"),
    ("https://api.c800.example/?next=x", True, "path, query or fragment"),
    ("https://api.c800.example#top", True, "path, query or fragment"),
    ("https://user:pass@api.c800.example", True, "user name or password"),
    ("https://attacker.example@api.c800.example", True, "user name or password"),
    ("https://", True, "no host name"),
    ("https://api.c800.example:99999", True, "not a URL"),
    ("https://例子.中国", True, "ASCII"),
    ("javascript://api.c800.example", False, "must start with https:// or http://"),
    ("http://127.0.0.1:8000/v1", False, "path, query or fragment"),
])
def test_a_missing_or_bad_value_is_refused_with_a_clear_message(value, production, says):
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL") as refused:
        checked_public_base_url(value, production)
    assert says in str(refused.value)


def test_production_config_requires_it_and_apps_built_by_tests_may_default_it(monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("C800_ENV", "production")
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL must be set in production"):
        Config.from_env()
    assert Config.from_env(testing=True).public_base_url == DEVELOPMENT_BASE_URL
    with pytest.raises(ValueError, match="must use https"):
        Config.from_env(testing=True, public_base_url="http://api.c800.example")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://api.c800.example/")
    assert Config.from_env().public_base_url == "https://api.c800.example"
    monkeypatch.setenv("C800_ENV", "development")
    monkeypatch.delenv("PUBLIC_BASE_URL")
    assert Config.from_env().public_base_url == DEVELOPMENT_BASE_URL


@pytest.mark.slow
@pytest.mark.parametrize(("value", "says"), [
    (None, "PUBLIC_BASE_URL must be set in production"),
    ("http://api.c800.example", "must use https in production"),
    ("https://api.c800.example/c800", "must not have a path"),
])
def test_a_production_server_refuses_to_start(tmp_path, value, says):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "DATA_DIR": str(tmp_path), "C800_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48)}
    if value is not None:
        env["PUBLIC_BASE_URL"] = value
    started = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120, check=False)
    assert started.returncode != 0
    assert says in started.stderr, started.stderr[-2000:]


def test_oauth_metadata_names_the_configured_issuer_whatever_the_host(client):
    issuer = client.application.extensions["c800"].config.public_base_url
    for headers in ({}, HOSTILE, {"X-Forwarded-Host": "attacker.example"}):
        answer = client.get("/.well-known/oauth-authorization-server", headers=headers)
        document = answer.get_json()
        assert document["issuer"] == issuer
        assert document["token_endpoint"] == f"{issuer}/oauth/token"
        assert document["authorization_endpoint"] == f"{issuer}/oauth/authorize"
        assert "attacker" not in answer.get_data(as_text=True)


def test_next_links_and_json_ld_ids_follow_public_base_url(client):
    base = client.application.extensions["c800"].config.public_base_url
    page = client.get("/v1/enterprises?limit=2", headers=HOSTILE)
    assert page.get_json()["next"].startswith(f"{base}/v1/enterprises?")
    assert "attacker" not in page.headers["Link"]
    found = client.get("/v1/search?q=%E9%93%B6%E8%A1%8C&limit=1", headers=HOSTILE)
    assert found.get_json()["next"].startswith(f"{base}/v1/search?")
    document = client.get(f"/v1/enterprises/{ICBC}",
                          headers={**HOSTILE, "Accept": "application/ld+json"})
    assert json.loads(document.get_data())["@id"] == f"{base}/v1/enterprises/{ICBC}"
