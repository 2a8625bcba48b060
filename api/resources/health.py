"""Liveness and readiness probes for load balancers and orchestration."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.observability import serve_metrics
from api.problems import problem_response
from api.smorest import Blueprint, NoQuerySchema
from api.state import app_state, db_session

blp = Blueprint("health", __name__, description="Probes: is the process alive, can it serve?")


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "`ok` when the process answers.",
                                     "example": "ok"})


class CheckSchema(Schema):
    status = fields.String(metadata={
        "description": "`ok`, `unavailable`, or for the search index `catching_up` (changes "
                       "are pending and being applied).", "example": "ok"})
    detail = fields.String(metadata={"description": "What was checked or what failed.",
                                     "example": "sqlite"})
    documents = fields.Integer(metadata={"description": "Search index only: documents it holds.",
                                         "example": 2125})
    pending = fields.Integer(metadata={
        "description": "Search index only: listing changes not yet applied to it.", "example": 0})


class ReadySchema(Schema):
    status = fields.String(metadata={
        "description": "`ok` when every check passed; `degraded` when the database answers "
                       "but the search index is unavailable (browsing and edits still work, "
                       "edits reach the index when it is back).", "example": "ok"})
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(CheckSchema), metadata={
        "description": "One entry per dependency (database, search index).",
        "example": {"database": {"status": "ok", "detail": "sqlite"},
                    "search": {"status": "ok", "detail": "local", "documents": 2125, "pending": 0}}})


@blp.route("/healthz")
class Health(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, HealthSchema, headers={})
    def get(self, _args):
        """The process is alive

        Answers without touching the database: use it as a liveness probe.
        """
        return {"status": "ok"}


METRICS_EXAMPLE = """# HELP c800_http_requests_total HTTP requests answered.
# TYPE c800_http_requests_total counter
c800_http_requests_total{endpoint="/v1/search",method="GET",status="200"} 1234.0
# HELP c800_search_outbox_pending Listing changes not yet applied to the search index.
# TYPE c800_search_outbox_pending gauge
c800_search_outbox_pending 0.0
"""


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.doc(responses={
        "200": {"description": "Prometheus text exposition: `c800_http_requests_total` and "
                               "`c800_http_request_duration_seconds` by method and endpoint, "
                               "`c800_search_duration_seconds` by backend, "
                               "`c800_search_outbox_pending`, `c800_webhook_deliveries_pending`.",
                "content": {"text/plain": {"schema": {"type": "string"},
                                           "example": METRICS_EXAMPLE}}},
        "403": {"description": "Not from loopback and without the METRICS_TOKEN bearer token.",
                "content": {"application/problem+json": {"schema": {
                    "$ref": "#/components/schemas/Problem"}, "example": {
                    "type": "http://127.0.0.1:8000/problems/forbidden", "code": "forbidden",
                    "title": "Forbidden", "status": 403,
                    "detail": "Metrics are served to loopback, or with METRICS_TOKEN as a bearer "
                              "token.", "instance": "/metrics"}}}}})
    @blp.arguments(NoQuerySchema, location="query")
    def get(self, _args):
        """Metrics for Prometheus

        Request counts and latencies by endpoint, search latency by backend, and the backlogs
        of the search outbox and webhook deliveries, summed over every worker. Served to
        loopback callers, or to anyone sending `Authorization: Bearer <METRICS_TOKEN>`.
        """
        return serve_metrics(current_app)


@blp.route("/readyz")
class Ready(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, ReadySchema)
    @blp.alt_response(503, description="A dependency is unreachable; the body says which.")
    def get(self, _args):
        """The process can serve requests

        Checks that the database answers (503 problem+json when it does not) and reports the
        search index: its backend, documents, pending changes and whether it is reachable.
        """
        session = db_session()
        try:
            session.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            session.rollback()
            return problem_response(503, f"The database is unreachable: {type(exc).__name__}.",
                                    headers={"Retry-After": "5"}, code="database_unavailable")
        dialect = session.get_bind().dialect.name
        index = app_state().indexer.status()
        search = {"status": index["status"], "detail": index.get("error") or index["backend"],
                  "pending": index["pending"]}
        if "documents" in index:
            search["documents"] = index["documents"]
        return {"status": "ok" if index["status"] != "unavailable" else "degraded",
                "checks": {"database": {"status": "ok", "detail": dialect}, "search": search}}
