"""``/``: where to start — the documentation, the OpenAPI document, the API and its probes."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from api.http import public_url
from api.smorest import Blueprint, NoQuerySchema

blp = Blueprint("index", __name__, description="Where to start: the documentation and the "
                                               "OpenAPI document.")

BASE = "http://127.0.0.1:8000"


def _url(description: str, path: str) -> fields.String:
    return fields.String(metadata={"description": description, "example": BASE + path})


class IndexSchema(Schema):
    name = fields.String(metadata={"description": "What this server is.",
                                   "example": "c800 directory API"})
    docs = _url("Interactive documentation (Swagger UI; Authorize signs in with PKCE).", "/docs")
    openapi = _url("The OpenAPI 3.1 document.", "/openapi.json")
    authorization_server = _url("OAuth 2.0 authorization server metadata (RFC 8414).",
                                "/.well-known/oauth-authorization-server")
    problems = _url("Every kind of problem an error answer can be (its `code` and `type`).",
                    "/problems")
    health = _url("Liveness probe.", "/healthz")
    ready = _url("Readiness probe.", "/readyz")


PATHS = {"docs": "/docs", "openapi": "/openapi.json",
         "authorization_server": "/.well-known/oauth-authorization-server",
         "problems": "/problems", "health": "/healthz", "ready": "/readyz"}


@blp.route("/")
class Index(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, IndexSchema, headers={})
    def get(self, _args):
        """Where to start

        Links to the interactive documentation, the OpenAPI document, the API, the OAuth 2.0
        metadata, the kinds of problem and the probes (absolute, at `PUBLIC_BASE_URL`).
        """
        return {"name": "c800 directory API", **{key: public_url(path) for key, path in PATHS.items()}}
