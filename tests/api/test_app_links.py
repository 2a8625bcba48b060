"""The app-link files of the share pages: served as JSON at their exact paths from the
settings, 404 when not configured, and malformed settings refused when the app is created."""

from __future__ import annotations

import pytest

from api.app import create_app
from api.app_links import app_links
from api.config import Config
from tests.conftest import client_over_records
from tests.factories import enterprise

FINGERPRINT = ":".join(["14", "6D", "E9", "83"] * 8)


@pytest.fixture(scope="module", params=["sqlite"])
def configured(request, tmp_path_factory):
    yield from client_over_records(
        request, tmp_path_factory, [enterprise()],
        ios_app_ids="ABCDE12345.com.example.c800, FGHIJ67890.com.example.c800.beta",
        android_app_package="com.example.c800", android_cert_sha256=FINGERPRINT.lower())


def test_apple_app_site_association(configured) -> None:
    response = configured.get("/.well-known/apple-app-site-association")
    assert response.status_code == 200 and response.mimetype == "application/json"
    details = response.get_json()["applinks"]["details"]
    assert details[0]["appIDs"] == ["ABCDE12345.com.example.c800", "FGHIJ67890.com.example.c800.beta"]
    assert details[0]["components"][0]["/"] == "/e/*" and details[0]["paths"] == ["/e/*"]


def test_asset_links(configured) -> None:
    response = configured.get("/.well-known/assetlinks.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    [statement] = response.get_json()
    assert statement["relation"] == ["delegate_permission/common.handle_all_urls"]
    assert statement["target"] == {"namespace": "android_app", "package_name": "com.example.c800",
                                   "sha256_cert_fingerprints": [FINGERPRINT]}


@pytest.fixture(scope="module", params=["sqlite"])
def unconfigured(request, tmp_path_factory):
    yield from client_over_records(request, tmp_path_factory, [enterprise()])


def test_not_configured_is_404_and_never_a_redirect(unconfigured, configured) -> None:
    for path in ("/.well-known/apple-app-site-association", "/.well-known/assetlinks.json"):
        assert unconfigured.get(path).status_code == 404
        assert configured.get(path + "/").status_code == 404


@pytest.mark.parametrize(("settings", "named"), [
    ({"ios_app_ids": "com.example.c800"}, "IOS_APP_IDS"),
    ({"ios_app_ids": "abcde12345.com.example"}, "IOS_APP_IDS"),
    ({"android_app_package": "c800", "android_cert_sha256": FINGERPRINT}, "ANDROID_APP_PACKAGE"),
    ({"android_app_package": "com.example.c800"}, "ANDROID_CERT_SHA256"),
    ({"android_cert_sha256": FINGERPRINT}, "ANDROID_CERT_SHA256"),
    ({"android_app_package": "com.example.c800", "android_cert_sha256": "14:6D"},
     "ANDROID_CERT_SHA256"),
])
def test_malformed_settings_are_refused(settings, named, tmp_path) -> None:
    config = Config.from_env(data_dir=tmp_path, testing=True, **settings)
    with pytest.raises(ValueError, match=named):
        app_links(config)


def test_the_app_refuses_to_start_with_a_malformed_app_id(tmp_path) -> None:
    with pytest.raises(ValueError, match="IOS_APP_IDS"):
        create_app(Config.from_env(data_dir=tmp_path, testing=True, ios_app_ids="nope"))
