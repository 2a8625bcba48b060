"""Interactive API documentation at /docs, served from local Swagger UI assets (no CDN).

"Authorize" signs in with the authorization code flow and PKCE (``initOAuth`` with
``usePkceWithAuthorizationCodeGrant``) as the public client :data:`DOCS_CLIENT_ID`, which
``flask clients docs`` registers (``make run`` does) with the one redirect URI
``<PUBLIC_BASE_URL>/docs/oauth2-redirect.html``: Swagger UI's own redirect page, served here.
"""

from __future__ import annotations

import json

from flask import Flask, Response, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from api.state import app_state

ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
          "favicon-32x32.png", "favicon-16x16.png", "index.css", "oauth2-redirect.js")
DOCS_CLIENT_ID = "c800-docs"
DOCS_CLIENT_NAME = "c800 API documentation (/docs)"
REDIRECT_PATH = "/docs/oauth2-redirect.html"
# The scopes "Authorize" offers ticked; the dialog lists every scope of the spec.
DOCS_SCOPES = "directory:read me"


def redirect_url(public_base_url: str) -> str:
    """The docs client's redirect URI at *public_base_url*."""
    return public_base_url + REDIRECT_PATH

REDIRECT_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>c800 API documentation: signing in</title></head>
<body>
  <script src="/docs/assets/oauth2-redirect.js"></script>
</body>
</html>
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>c800 directory API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
"""

INIT = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    oauth2RedirectUrl: %(redirect)s
  });
  window.ui.initOAuth({
    clientId: %(client_id)s,
    usePkceWithAuthorizationCodeGrant: true,
    scopes: %(scopes)s
  });
};
"""


def init_script(public_base_url: str) -> str:
    """Swagger UI's configuration: the spec, and PKCE sign-in as the docs client."""
    return INIT % {"redirect": json.dumps(redirect_url(public_base_url)),
                   "client_id": json.dumps(DOCS_CLIENT_ID), "scopes": json.dumps(DOCS_SCOPES)}


def register_docs(app: Flask) -> None:
    @app.get("/docs")
    @app.get("/docs/")
    def docs_page() -> Response:
        return Response(PAGE, mimetype="text/html")

    @app.get(REDIRECT_PATH)
    def docs_oauth2_redirect() -> Response:
        return Response(REDIRECT_PAGE, mimetype="text/html")

    @app.get("/docs/assets/<path:name>")
    def docs_asset(name: str) -> Response:
        if name == "init.js":
            return Response(init_script(app_state().config.public_base_url),
                            mimetype="text/javascript")
        if name not in ASSETS:
            abort(404)
        response = send_from_directory(str(swagger_ui_path), name, max_age=86400)
        return response
