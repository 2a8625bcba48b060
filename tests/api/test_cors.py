"""CORS: no header at all by default; with CORS_ORIGINS, exactly those origins, for /v1 and the
token endpoints, with the headers the API uses allowed and exposed."""

from __future__ import annotations

import pytest

from api import create_app
from api.config import Config

APP_ORIGIN = "https://app.c800.example"


@pytest.fixture(scope="module")
def open_to_the_app(loaded_database, tmp_path_factory):
    app = create_app(Config.from_env(database_url=loaded_database, testing=True,
                                     data_dir=tmp_path_factory.mktemp("cors"),
                                     cors_origins=f"{APP_ORIGIN}, https://partner.example:8443"))
    yield app.test_client()
    app.extensions["c800"].engine.dispose()


def test_by_default_no_origin_is_allowed(client):
    answer = client.get("/v1/industries", headers={"Origin": APP_ORIGIN})
    assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers
    preflight = client.options("/v1/industries", headers={
        "Origin": APP_ORIGIN, "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_a_configured_origin_may_read_and_sees_the_apis_headers(open_to_the_app):
    answer = open_to_the_app.get("/v1/industries", headers={"Origin": APP_ORIGIN})
    assert answer.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "Origin" in answer.headers["Vary"]
    exposed = {h.strip().lower() for h in answer.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "link", "ratelimit-remaining", "x-request-id", "retry-after"} <= exposed
    assert "Access-Control-Allow-Credentials" not in answer.headers


def test_a_preflight_for_a_signed_in_write(open_to_the_app):
    answer = open_to_the_app.options("/v1/enterprises/ent_9f7532f6acdd", headers={
        "Origin": "https://partner.example:8443", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, if-match, content-type"})
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "https://partner.example:8443"
    assert "PATCH" in answer.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "if-match", "content-type"} <= allowed


@pytest.mark.parametrize("origin", ["https://evil.example", "https://app.c800.example.evil.example",
                                    "http://app.c800.example", "null"])
def test_other_origins_get_nothing(open_to_the_app, origin):
    answer = open_to_the_app.get("/v1/industries", headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_pages_and_docs_are_not_opened(open_to_the_app):
    for path in ("/oauth/authorize", "/docs", "/healthz", "/metrics"):
        answer = open_to_the_app.get(path, headers={"Origin": APP_ORIGIN})
        assert "Access-Control-Allow-Origin" not in answer.headers, path


@pytest.mark.parametrize("bad", ["app.c800.example", "https://app.c800.example/path", "javascript:x"])
def test_a_malformed_origin_setting_is_refused_at_start(tmp_path, bad):
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        create_app(Config.from_env(data_dir=tmp_path, testing=True, cors_origins=bad))
