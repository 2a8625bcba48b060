"""``/.well-known/apple-app-site-association`` and ``/.well-known/assetlinks.json``: where the
c800 app is installed, a share link (``/e/{id}``) opens it instead of the page. Served as
application/json at exactly these paths (no redirect, as iOS and Android require), from the
settings ``api/app_links.py`` checks; 404 when the app's setting is not configured."""

from __future__ import annotations

from flask import Response, current_app, json
from flask.views import MethodView
from flask_smorest import abort

from api.app_links import EXTENSION, AppLinks
from api.smorest import Blueprint

blp = Blueprint("app_links", __name__, url_prefix="/.well-known",
                description="App links: the files that let a share link open the c800 app.")

CACHE = "public, max-age=3600"
AASA_EXAMPLE = {"applinks": {"apps": [], "details": [
    {"appIDs": ["ABCDE12345.com.example.c800"],
     "components": [{"/": "/e/*", "comment": "A listing's share page."}], "paths": ["/e/*"]}]}}
ASSETLINKS_EXAMPLE = [{"relation": ["delegate_permission/common.handle_all_urls"],
                       "target": {"namespace": "android_app", "package_name": "com.example.c800",
                                  "sha256_cert_fingerprints": [
                                      "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:"
                                      "42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5"]}}]


def _doc(example: object, what: str, settings: str) -> dict:
    return {"security": [{}], "responses": {
        "200": {"description": what, "content": {"application/json": {
            "schema": {"type": "array" if isinstance(example, list) else "object"},
            "example": example}}},
        "404": {"description": f"Not configured ({settings} unset)."}}}


def _answer(body: object | None) -> Response:
    if body is None:
        abort(404, message="No app is configured for this platform.")
    response = Response(json.dumps(body), mimetype="application/json")
    response.headers["Cache-Control"] = CACHE
    return response


def _links() -> AppLinks:
    return current_app.extensions[EXTENSION]


@blp.route("/apple-app-site-association")
class AppleAssociation(MethodView):
    @blp.doc(**_doc(AASA_EXAMPLE, "Apple's app-site association: the iOS apps that open "
                    "`/e/*`.", "IOS_APP_IDS"))
    def get(self):
        """iOS universal links

        The apps (`TEAMID.bundle.id`, from `IOS_APP_IDS`) that open share links.
        """
        return _answer(_links().apple_association())


@blp.route("/assetlinks.json")
class AssetLinks(MethodView):
    @blp.doc(**_doc(ASSETLINKS_EXAMPLE, "Digital Asset Links: the Android app that opens "
                    "`/e/*` (package and signing certificates' SHA-256).",
                    "ANDROID_APP_PACKAGE and ANDROID_CERT_SHA256"))
    def get(self):
        """Android App Links

        The package (`ANDROID_APP_PACKAGE`) and its signing certificates' fingerprints
        (`ANDROID_CERT_SHA256`) that open share links.
        """
        return _answer(_links().asset_links())
