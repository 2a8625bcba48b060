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
