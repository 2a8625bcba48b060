"""The files that let a share link (``/e/{id}``) open the c800 app where it is installed:
Apple's ``apple-app-site-association`` (universal links) and Android's ``assetlinks.json``
(App Links), made from the settings IOS_APP_IDS, ANDROID_APP_PACKAGE and ANDROID_CERT_SHA256
(``api.config.Config``) and checked when the app is created: a malformed value stops the start
with a ValueError naming it, rather than serve a file the phones would silently ignore.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from api.config import Config

SHARE_PATHS = "/e/*"
_IOS_APP_ID = re.compile(r"[A-Z0-9]{10}\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")
_ANDROID_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+")
_FINGERPRINT = re.compile(r"([0-9A-F]{2}:){31}[0-9A-F]{2}")
EXTENSION = "c800_app_links"


@dataclass(frozen=True)
class AppLinks:
    ios_app_ids: tuple[str, ...] = ()
    android_package: str | None = None
    android_fingerprints: tuple[str, ...] = ()

    def apple_association(self) -> dict[str, Any] | None:
        """apple-app-site-association: the share pages open the iOS apps; None when none."""
        if not self.ios_app_ids:
            return None
        return {"applinks": {"apps": [], "details": [
            {"appIDs": list(self.ios_app_ids), "components": [
                {"/": SHARE_PATHS, "comment": "A listing's share page."}],
             "paths": [SHARE_PATHS]}]}}

    def asset_links(self) -> list[dict[str, Any]] | None:
        """Digital Asset Links statements: the Android app handles the share pages."""
        if not self.android_package:
            return None
        return [{"relation": ["delegate_permission/common.handle_all_urls"],
                 "target": {"namespace": "android_app", "package_name": self.android_package,
                            "sha256_cert_fingerprints": list(self.android_fingerprints)}}]


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def app_links(config: Config) -> AppLinks:
    """The app links of *config*; ValueError naming the setting when one is malformed."""
    ios = _items(config.ios_app_ids)
    for app_id in ios:
        if not _IOS_APP_ID.fullmatch(app_id):
            raise ValueError(f"IOS_APP_IDS: {app_id!r} is not an app id like "
                             f"ABCDE12345.com.example.c800 (team id, a dot, the bundle id)")
    package = config.android_app_package.strip()
    fingerprints = [f.upper() for f in _items(config.android_cert_sha256)]
    if package and not _ANDROID_PACKAGE.fullmatch(package):
        raise ValueError(f"ANDROID_APP_PACKAGE: {package!r} is not a package name like "
                         f"com.example.c800")
    if bool(package) != bool(fingerprints):
        raise ValueError("ANDROID_APP_PACKAGE and ANDROID_CERT_SHA256 go together: set both "
                         "(the package and its signing certificates' fingerprints) or neither")
    for fingerprint in fingerprints:
        if not _FINGERPRINT.fullmatch(fingerprint):
            raise ValueError(f"ANDROID_CERT_SHA256: {fingerprint!r} is not a SHA-256 "
                             f"fingerprint like 14:6D:E9:...:B4 (32 hex pairs)")
    return AppLinks(tuple(dict.fromkeys(ios)), package or None, tuple(dict.fromkeys(fingerprints)))
