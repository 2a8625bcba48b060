"""Request ids, JSON access logs and Prometheus metrics: in process, and under gunicorn with two
workers whose counts /metrics sums."""

from __future__ import annotations

import json
import logging
import re
import urllib.request

import pytest

from api import create_app
from api.config import Config
from api.observability import JsonFormatter
from tests.live import gunicorn


def test_a_sane_request_id_is_echoed_and_any_other_replaced(client):
    sent = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a.1:2"})
    assert sent.headers["X-Request-ID"] == "edge-7f3a.1:2"
    made = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/healthz").headers["X-Request-ID"] != made
    for insane in ("has space", "x" * 129, "semi;colon", "new\\nline"):
        answer = client.get("/healthz", headers={"X-Request-ID": insane})
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"]), insane


@pytest.mark.parametrize("path", ["/v1/enterprises/ent_nosuchthing", "/v1/me", "/nowhere"])
def test_errors_carry_the_request_id_too(client, path):
    answer = client.get(path, headers={"X-Request-ID": "req-42"})
    assert answer.status_code in (401, 404) and answer.headers["X-Request-ID"] == "req-42"


def test_every_request_is_one_access_record_without_the_query(client, caplog):
    with caplog.at_level(logging.INFO, logger="c800.access"):
        client.get("/v1/search?q=招商银行", headers={"X-Request-ID": "req-search"})
    [record] = [r for r in caplog.records if r.name == "c800.access"]
    assert (record.method, record.path, record.endpoint, record.status) == (
        "GET", "/v1/search", "/v1/search", 200)
    assert record.duration_ms > 0 and record.client == "127.0.0.1"
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-search" and line["status"] == 200 and line["level"] == "info"
    assert "招商银行" not in json.dumps(line, ensure_ascii=False)


def test_log_lines_outside_a_request_are_json_too():
    record = logging.LogRecord("c800.test", logging.ERROR, __file__, 1, "boom %s", ("x",), None)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "boom x" and line["level"] == "error" and "request_id" not in line


def test_metrics_from_loopback(client):
    client.get("/v1/search?q=icbc")
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    text = answer.get_data(as_text=True)
    assert 'c800_http_requests_total{endpoint="/v1/search",method="GET",status="200"}' in text
    assert 'c800_search_duration_seconds_count{backend="local",operation="search"}' in text
    assert re.search(r"^c800_search_outbox_pending \d", text, re.M)
    assert re.search(r"^c800_webhook_deliveries_pending \d", text, re.M)


def test_metrics_are_not_for_the_world(client):
    answer = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"


SCRAPER_TOKEN = "Vd3kQ8rZp2LmX7wN4tYb9HcJ6sGf1AeU"  # a real token: weak ones are refused at start


def test_a_metrics_token_opens_them_to_a_scraper_elsewhere(loaded_database, tmp_path):
    app = create_app(Config.from_env(database_url=loaded_database, data_dir=tmp_path, testing=True,
                                     metrics_token=SCRAPER_TOKEN))
    http = app.test_client()
    far = {"REMOTE_ADDR": "203.0.113.9"}
    assert http.get("/metrics", environ_base=far).status_code == 403
    assert http.get("/metrics", environ_base=far, headers={
        "Authorization": "Bearer wrong"}).status_code == 403
    assert http.get("/metrics", environ_base=far, headers={
        "Authorization": f"Bearer {SCRAPER_TOKEN}"}).status_code == 200
    # with a token set, loopback needs it as well
    assert http.get("/metrics").status_code == 403
    app.extensions["c800"].engine.dispose()


def _get(url: str, **headers: str) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.read().decode(), dict(answer.headers)


@pytest.mark.live
@pytest.mark.slow
def test_under_gunicorn_metrics_sum_every_worker_and_logs_are_json(loaded_database, tmp_path):
    with gunicorn(loaded_database, tmp_path, workers=2) as base:
        for number in range(24):
            status, _body, headers = _get(f"{base}/v1/industries", **{"X-Request-ID": f"load-{number}"})
            assert status == 200 and headers["X-Request-ID"] == f"load-{number}"
        _status, text, _headers = _get(f"{base}/metrics")
    count = re.search(r'^c800_http_requests_total\{endpoint="/v1/industries",method="GET",'
                      r'status="200"\} ([0-9.]+)$', text, re.M)
    assert count and float(count.group(1)) == 24.0
    lines = [json.loads(line) for path in tmp_path.glob("gunicorn-*.log")
             for line in path.read_text().splitlines() if line.startswith("{")]
    served = {line["request_id"] for line in lines if line.get("logger") == "c800.access"}
    assert {f"load-{number}" for number in range(24)} <= served
