"""Interactive API documentation at /docs, served from local Swagger UI assets (no CDN)."""

from __future__ import annotations

from flask import Flask, Response, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
          "favicon-32x32.png", "favicon-16x16.png", "index.css")

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
    layout: "StandaloneLayout"
  });
};
"""


def register_docs(app: Flask) -> None:
    @app.get("/docs")
    @app.get("/docs/")
    def docs_page() -> Response:
        return Response(PAGE, mimetype="text/html")

    @app.get("/docs/assets/<path:name>")
    def docs_asset(name: str) -> Response:
        if name == "init.js":
            return Response(INIT, mimetype="text/javascript")
        if name not in ASSETS:
            abort(404)
        response = send_from_directory(str(swagger_ui_path), name, max_age=86400)
        return response
