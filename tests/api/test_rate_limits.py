"""Rate limits (api/limits.py, api/limit_counts.py) against real Redis on 127.0.0.1:6379 and
against process memory.

Each app counts under its own key prefix, so tests never see each other's counters on the
shared Redis. If that Redis is down it is started; if it still does not answer the Redis
tests fail rather than being skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask, g, request
from flask.views import MethodView

from api import create_app
from api.config import TESTING_RATE_LIMIT, Config
from api.limit_counts import (
    backoff_seconds,
    clear_failures,
    failure_wait,
    first_attempt_wait,
    record_failure,
)
from api.limits import limit_reports, named_limit
from tests.conftest import _fresh, redis_answers
from tests.live import free_port

RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")



@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str | None:
    """The REDIS_URL of the test: None (process memory) or the real Redis."""
    return request.getfixturevalue("redis_server") if request.param == "redis" else None


AppFactory = Callable[..., Flask]


@pytest.fixture(scope="module")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[str]:
    """A migrated SQLite database: the limiter never touches the database, one backend will do."""
    yield from _fresh(request, "sqlite", tmp_path_factory.mktemp("rate-limits"))


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[AppFactory]:
    """Builds apps as the suite's fixtures do (testing=True), with the settings given."""
    built: list[Flask] = []

    def build(**settings: object) -> Flask:
        settings.setdefault("redis_url", None)
        settings.setdefault("rate_limit_key_prefix", f"c800-test-{uuid.uuid4().hex}")
        app = create_app(Config.from_env(database_url=database_url, data_dir=tmp_path / "var",
                                         testing=True, **settings))
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["c800"].engine.dispose()


def simulate_oauth_clients(app: Flask) -> None:
    """What the auth code does: set g.rate_limit_client before the limiter's hook runs."""

    def identify_client() -> None:
        if request.headers.get("X-Test-Client"):
            g.rate_limit_client = request.headers["X-Test-Client"]

    app.before_request_funcs.setdefault(None, []).insert(0, identify_client)


def statuses(client, path: str = "/v1/industries", times: int = 1, **kwargs) -> list[int]:
    return [client.get(path, **kwargs).status_code for _ in range(times)]


def test_the_limit_is_enforced_with_headers_and_a_problem_json_429(make_app, storage):
    client = make_app(rate_limit_anonymous="3/minute", redis_url=storage).test_client()
    for remaining in (2, 1, 0):
        response = client.get("/v1/industries")
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "3"
        assert response.headers["RateLimit-Remaining"] == str(remaining)
        assert 1 <= int(response.headers["RateLimit-Reset"]) <= 60
        assert "Retry-After" not in response.headers
    refused = client.get("/v1/industries")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    body = refused.get_json()
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body == {"type": "http://127.0.0.1:8000/problems/rate_limited", "code": "rate_limited",
                    "title": "Too Many Requests", "status": 429,
                    "detail": f"Too many requests: 3 per 1 minute; retry after {retry_after} "
                              f"second{'' if retry_after == 1 else 's'}.",
                    "instance": "/v1/industries"}
    assert refused.headers["RateLimit-Limit"] == "3"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["RateLimit-Reset"] == str(retry_after)
    assert refused.headers["Cache-Control"] == "no-store"
    # Every /v1 path shares the caller's bucket, 404s included.
    assert statuses(client, "/v1/enterprises/ent_000000000000") == [429]
    assert statuses(client, "/v1/regions") == [429]


def test_addresses_have_separate_counters(make_app, storage):
    client = make_app(rate_limit_anonymous="3/minute", redis_url=storage).test_client()
    one, other = {"REMOTE_ADDR": "198.51.100.1"}, {"REMOTE_ADDR": "198.51.100.2"}
    assert statuses(client, times=4, environ_base=one) == [200, 200, 200, 429]
    assert statuses(client, times=3, environ_base=other) == [200, 200, 200]
    assert statuses(client, environ_base=other) == [429]


def test_behind_a_trusted_proxy_the_forwarded_address_counts(make_app):
    behind = make_app(rate_limit_anonymous="2/minute", trusted_proxies=1).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = {"X-Forwarded-For": "203.0.113.7"}
    assert statuses(behind, times=3, environ_base=proxy, headers=first) == [200, 200, 429]
    # another caller behind the same proxy has a counter of its own
    assert statuses(behind, environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.8"}) == [200]
    # without trusted proxies a client cannot pick its own address with the header
    direct = make_app(rate_limit_anonymous="2/minute").test_client()
    spoofed = [direct.get("/v1/industries", environ_base=proxy,
                          headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(3)]
    assert spoofed == [200, 200, 429]


def test_clients_have_separate_counters_and_ignore_the_anonymous_limit(make_app, storage):
    app = make_app(rate_limit_anonymous="3/minute", rate_limit_client="5/minute", redis_url=storage)
    simulate_oauth_clients(app)
    client = app.test_client()
    alpha, beta = {"X-Test-Client": "alpha"}, {"X-Test-Client": "beta"}
    assert statuses(client, times=4) == [200, 200, 200, 429]  # anonymous, this address
    # From the same, exhausted address a client has its own, larger bucket.
    first = client.get("/v1/industries", headers=alpha)
    assert first.status_code == 200 and first.headers["RateLimit-Limit"] == "5"
    assert first.headers["RateLimit-Remaining"] == "4"
    assert statuses(client, times=4, headers=alpha) == [200, 200, 200, 200]
    assert statuses(client, headers=alpha) == [429]
    assert statuses(client, times=5, headers=beta) == [200] * 5
    assert statuses(client, headers=beta) == [429]


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json", "/docs"])
def test_probes_and_docs_are_not_limited(make_app, storage, path):
    client = make_app(rate_limit_anonymous="3/minute", redis_url=storage).test_client()
    for _ in range(6):
        response = client.get(path)
        assert response.status_code == 200
        assert not any(name in response.headers for name in RATE_HEADERS)
    assert statuses(client, times=4) == [200, 200, 200, 429]


def test_apps_sharing_redis_share_counters(make_app, redis_server):
    settings = {"rate_limit_anonymous": "3/minute", "redis_url": redis_server,
                "rate_limit_key_prefix": f"c800-test-{uuid.uuid4().hex}"}
    first, second = make_app(**settings).test_client(), make_app(**settings).test_client()
    assert statuses(first, times=2) == [200, 200]
    assert second.get("/v1/industries").headers["RateLimit-Remaining"] == "0"
    assert statuses(first) == [429]
    assert statuses(second) == [429]
    keys = redis.Redis.from_url(redis_server).keys(f"*{settings['rate_limit_key_prefix']}*")
    assert keys, "the counters are not in Redis"


def test_apps_on_memory_storage_do_not_share_counters(make_app):
    first = make_app(rate_limit_anonymous="3/minute").test_client()
    second = make_app(rate_limit_anonymous="3/minute").test_client()
    assert statuses(first, times=4) == [200, 200, 200, 429]
    assert statuses(second, times=3) == [200, 200, 200]


def test_unreachable_redis_falls_back_to_memory(make_app):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    client = make_app(rate_limit_anonymous="3/minute", redis_url=closed).test_client()
    for remaining in (2, 1, 0):
        response = client.get("/v1/industries")
        assert response.status_code == 200
        assert response.headers["RateLimit-Remaining"] == str(remaining)
    assert statuses(client) == [429]  # still limited, in this process's memory
    assert statuses(client, "/healthz") == [200]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A Redis server of this test alone (it gets stopped), on a free loopback port."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed"
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(50):
            if redis_answers(url):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the private redis-server did not start")
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.live
def test_redis_going_away_while_serving_keeps_answering(make_app, private_redis):
    url, server = private_redis
    client = make_app(rate_limit_anonymous="5/minute", redis_url=url).test_client()
    assert statuses(client, times=2) == [200, 200]
    assert redis.Redis.from_url(url).keys("*"), "the counters are not in Redis"
    server.terminate()
    server.wait(timeout=10)
    for _ in range(3):
        response = client.get("/v1/industries")
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "5"


def _add_named_limit_views(app: Flask) -> None:
    class Report(MethodView):
        @limit_reports
        def post(self):
            return {"reported": True}

    @limit_reports
    def other_report():
        return {"reported": True}

    app.add_url_rule("/v1/test-report", view_func=Report.as_view("test_report"))
    app.add_url_rule("/v1/test-other-report", view_func=other_report, methods=["POST"])


def test_a_named_limit_is_one_bucket_shared_by_its_views(make_app, storage):
    app = make_app(rate_limit_reports="3/minute", redis_url=storage)
    _add_named_limit_views(app)
    client = app.test_client()
    assert [client.post("/v1/test-report").status_code for _ in range(2)] == [200, 200]
    response = client.post("/v1/test-other-report")
    assert response.status_code == 200 and response.headers["RateLimit-Remaining"] == "0"
    refused = client.post("/v1/test-report")
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["detail"].startswith("Too many requests: 3 per 1 minute; retry after")
    assert refused.headers["Retry-After"] and refused.headers["RateLimit-Limit"] == "3"
    other = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.post("/v1/test-report", environ_base=other).status_code == 200


def test_the_reports_limit_counts_per_client_on_top_of_the_default(make_app, storage):
    app = make_app(rate_limit_reports="2/hour", rate_limit_anonymous="4/minute", redis_url=storage)
    simulate_oauth_clients(app)
    _add_named_limit_views(app)
    client = app.test_client()
    assert [client.post("/v1/test-report").status_code for _ in range(2)] == [200, 200]
    refused = client.post("/v1/test-report")
    assert refused.status_code == 429 and refused.headers["RateLimit-Limit"] == "2"
    assert refused.get_json()["detail"].startswith("Too many requests: 2 per 1 hour; retry after")
    assert 3000 < int(refused.headers["Retry-After"]) <= 3600
    # The default /v1 limit counted those requests as well (4/minute for this address).
    assert statuses(client, times=2) == [200, 429]
    alpha = {"X-Test-Client": "alpha"}
    assert [client.post("/v1/test-report", headers=alpha).status_code for _ in range(3)] == [
        200, 200, 429]


def test_named_limits_know_only_their_kinds():
    with pytest.raises(ValueError, match="unknown rate limit"):
        named_limit("everything")


def test_failures_close_a_key_with_exponential_backoff(make_app, storage):
    assert [backoff_seconds(n, 3) for n in range(1, 9)] == [0, 0, 0, 1, 2, 4, 8, 16]
    assert backoff_seconds(10_000, 3) == 900
    app = make_app(redis_url=storage)
    with app.test_request_context("/"):
        assert [record_failure("t", "k", 2) for _ in range(2)] == [1, 2]
        assert failure_wait("t", "k", "other") is None  # free so far
        record_failure("t", "k", 2)
        assert failure_wait("t", "other", "k") == 1  # the longest wait of the keys
        clear_failures("t", "k")
        assert failure_wait("t", "k") is None
        assert first_attempt_wait("t", "pair", 30) == 30
        assert 1 <= first_attempt_wait("t", "pair", 30) <= 30  # the same wait, not a new one
        assert first_attempt_wait("t", "seen", 0) is None
        assert first_attempt_wait("t", "seen", 30) is None  # noted before: not new
    other = make_app(redis_url=storage)  # another key prefix on the same storage starts from zero
    with other.test_request_context("/"):
        assert failure_wait("t", "k") is None and first_attempt_wait("t", "pair", 30) == 30


def test_failures_are_counted_in_memory_when_redis_is_unreachable(make_app):
    app = make_app(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with app.test_request_context("/"):
        for _ in range(2):
            record_failure("t", "k", 1)
        assert failure_wait("t", "k") == 1


def test_disabled_limits_send_no_headers_and_never_refuse(make_app):
    app = make_app(rate_limit_anonymous="1/minute", rate_limit_reports="1/minute",
                   rate_limits_enabled=False)
    _add_named_limit_views(app)
    client = app.test_client()
    for _ in range(3):
        response = client.get("/v1/industries")
        assert response.status_code == 200
        assert not any(name in response.headers for name in RATE_HEADERS)
        assert client.post("/v1/test-report").status_code == 200


def test_a_bad_limit_string_is_refused_when_the_app_is_built(make_app):
    with pytest.raises(ValueError, match="RATE_LIMIT_ANONYMOUS"):
        make_app(rate_limit_anonymous="lots")


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_ANONYMOUS", "60/minute")
    monkeypatch.setenv("RATE_LIMIT_CLIENT", "600/minute")
    monkeypatch.setenv("RATE_LIMIT_OAUTH", "5/minute")
    monkeypatch.setenv("RATE_LIMIT_REPORTS", "10/hour")
    monkeypatch.setenv("RATE_LIMIT_KEY_PREFIX", "c800-staging")
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    config = Config.from_env()
    assert (config.rate_limit_anonymous, config.rate_limit_client, config.rate_limit_oauth,
            config.rate_limit_reports) == ("60/minute", "600/minute", "5/minute", "10/hour")
    assert config.rate_limit_key_prefix == "c800-staging" and config.rate_limits_enabled is False
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "maybe")
    with pytest.raises(ValueError, match="RATE_LIMITS_ENABLED"):
        Config.from_env()


def test_production_defaults_and_generous_test_limits(monkeypatch):
    for name in ("RATE_LIMIT_ANONYMOUS", "RATE_LIMIT_CLIENT", "RATE_LIMIT_OAUTH",
                 "RATE_LIMIT_REPORTS", "RATE_LIMIT_KEY_PREFIX", "RATE_LIMITS_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    config = Config.from_env()
    assert (config.rate_limit_anonymous, config.rate_limit_client, config.rate_limit_oauth,
            config.rate_limit_reports) == ("120/minute", "1200/minute", "120/minute", "20/hour")
    assert config.rate_limit_key_prefix == "c800" and config.rate_limits_enabled is True
    testing = Config.from_env(testing=True, rate_limit_reports="2/minute")
    assert testing.rate_limit_anonymous == testing.rate_limit_client == TESTING_RATE_LIMIT
    assert testing.rate_limit_reports == "2/minute"


def test_every_v1_operation_documents_the_429_and_the_rate_limit_headers(make_app):
    document = make_app().test_client().get("/openapi.json").get_json()
    too_many = document["components"]["responses"]["TOO_MANY_REQUESTS"]
    assert set(too_many["headers"]) == {"Retry-After", *RATE_HEADERS}
    assert all(h["description"] and "example" in h for h in too_many["headers"].values())
    content = too_many["content"]["application/problem+json"]
    assert "$ref" in content["schema"]
    assert content["example"]["status"] == 429
    operations = [(path, method, operation) for path, item in document["paths"].items()
                  if path.startswith("/v1") for method, operation in item.items()
                  if method != "parameters"]
    assert operations
    for path, method, operation in operations:
        assert operation["responses"]["429"] == {"$ref": "#/components/responses/TOO_MANY_REQUESTS"}, (
            method, path)
        successes = [code for code in operation["responses"] if code.startswith("2")]
        assert successes, (method, path)
        for code in successes:
            headers = operation["responses"][code].get("headers", {})
            assert set(RATE_HEADERS) <= set(headers), (method, path, code)
            assert all(headers[name]["description"] and "example" in headers[name]
                       for name in RATE_HEADERS)
    for probe in ("/healthz", "/readyz"):
        assert "429" not in document["paths"][probe]["get"]["responses"]
