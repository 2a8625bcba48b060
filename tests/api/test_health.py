"""Liveness and readiness probes."""

from __future__ import annotations

from api import create_app
from api.config import Config


def test_healthz_answers_without_the_database(tmp_path):
    app = create_app(Config.from_env(database_url="postgresql://nobody@127.0.0.1:1/none",
                                     data_dir=tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_reports_the_database(client):
    body = client.get("/readyz").get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"


def test_readyz_is_503_problem_when_the_database_is_unreachable(tmp_path):
    app = create_app(Config.from_env(database_url="postgresql://nobody@127.0.0.1:1/none",
                                     data_dir=tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]
    assert "database" in response.get_json()["detail"]


def test_every_answer_carries_the_security_headers(client):
    for path, status in (("/healthz", 200), ("/v1/industries", 200), ("/nope", 404),
                         ("/v1/enterprises?limit=0", 422), ("/docs", 200)):
        response = client.get(path)
        assert response.status_code == status
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in client.get("/docs").headers["Content-Security-Policy"]
    assert "Access-Control-Allow-Origin" not in client.get(
        "/v1/industries", headers={"Origin": "https://evil.example"}).headers
