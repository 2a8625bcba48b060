"""What operators see: a request id on every answer, one JSON log line per request, and
Prometheus metrics.

- ``X-Request-ID``: taken from the request when it is a sane token (1-128 of ``A-Za-z0-9._:-``,
  e.g. set by nginx), else a new one; returned on every answer and in every log line.
- Logs (``LOG_FORMAT=json``, the default; ``text`` for people): one JSON object a line, with
  ``ts``, ``level``, ``logger``, ``message``, ``request_id``, and for the access line ``method``,
  ``path``, ``endpoint``, ``status``, ``duration_ms``, ``client``. Query strings are not logged
  (they may hold what people search for).
- ``/metrics`` (Prometheus text format): requests by method, endpoint and status, request
  latency by endpoint, search latency by backend, the search outbox backlog and pending webhook
  deliveries. Under gunicorn every worker writes to ``PROMETHEUS_MULTIPROC_DIR`` (set by
  gunicorn.conf.py) and a scrape sums them. Reachable from loopback only, or with
  ``METRICS_TOKEN`` as a bearer token from anywhere.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("c800_http_requests_total", "HTTP requests answered.",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("c800_http_request_duration_seconds", "Time to answer a request.",
                    ["method", "endpoint"], buckets=BUCKETS)
SEARCH_LATENCY = Histogram("c800_search_duration_seconds", "Time of a query to the search backend.",
                           ["backend", "operation"], buckets=BUCKETS)
access_log = logging.getLogger("c800.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the request id when there is a request."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name,
                 "message": record.getMessage()}
        request_id = getattr(record, "request_id", None) or _current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for name in ("method", "path", "endpoint", "status", "duration_ms", "client"):
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _current_request_id() -> str | None:
    try:
        return g.get("request_id")
    except RuntimeError:  # outside a request
        return None


def configure_logging(log_format: str) -> None:
    """Log to stderr, as JSON lines or as text, at INFO."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_c800", False):
            root.removeHandler(old)
    handler._c800 = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def request_id() -> str:
    return g.get("request_id") or ""


def _metrics_allowed(token: str | None) -> bool:
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


class BacklogCollector:
    """Gauges read at scrape time: the search outbox backlog and pending webhook deliveries."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):  # noqa: ANN201 - prometheus_client's collector protocol
        from sqlalchemy import func, select

        from directory.webhooks import WebhookDelivery

        state = self.app.extensions["c800"]
        outbox = GaugeMetricFamily("c800_search_outbox_pending",
                                   "Listing changes not yet applied to the search index.")
        webhooks = GaugeMetricFamily("c800_webhook_deliveries_pending",
                                     "Webhook deliveries due or waiting for a retry.")
        try:
            outbox.add_metric([], state.indexer.pending())
            with state.sessions() as session:
                webhooks.add_metric([], session.scalar(select(func.count()).select_from(
                    WebhookDelivery).where(WebhookDelivery.status == "pending")) or 0)
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database does
            logging.getLogger(__name__).warning("metrics: backlog unavailable", exc_info=True)
            return
        yield outbox
        yield webhooks


def metrics_response(app: Flask) -> Response:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    body = generate_latest(registry)
    backlog = CollectorRegistry()
    backlog.register(BacklogCollector(app))
    body += generate_latest(backlog)
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def register_observability(app: Flask, metrics_token: str | None) -> None:
    @app.before_request
    def _start() -> None:
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = request_id()
        started = g.get("started")
        if started is None:
            return response
        elapsed = time.perf_counter() - started
        endpoint = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
        if request.path != "/metrics":
            REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
            LATENCY.labels(request.method, endpoint).observe(elapsed)
        access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "endpoint": endpoint,
            "status": response.status_code, "duration_ms": round(elapsed * 1000, 2),
            "client": request.remote_addr, "request_id": request_id()})
        return response
    app.extensions["c800_metrics_token"] = metrics_token


def serve_metrics(app: Flask) -> Response:
    """The /metrics answer, or a 403 problem for a caller that may not read them."""
    from flask_smorest import abort

    if not _metrics_allowed(app.extensions.get("c800_metrics_token")):
        abort(403, message="Metrics are served to loopback, or with METRICS_TOKEN as a bearer token.")
    return metrics_response(app)
