"""A placeholder, short or guessable SECRET_KEY or METRICS_TOKEN stops the app at create_app, in
every mode; production needs SECRET_KEY set. With the key deploy/env.example ships, a session
cookie could be forged (tests/test_deploy.py checks that very file)."""

from __future__ import annotations

import secrets

import pytest

from api import create_app
from api.config import Config
from api.secret_checks import UnsafeSecretError, check_secrets, weakness_of

WEAK = [
    "change-me-to-64-random-characters-shared-by-every-host",
    "CHANGEME_CHANGEME_CHANGEME_CHANGEME_0001",
    "replace_me_with_a_long_random_string_please",
    "this-is-my-super-secret-key-for-production-2026",
    "placeholder-placeholder-placeholder-placeholder",
    "https://example.com/0123456789-abcdefghijklmnop",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "a" * 64,
    "0123456789abcdef0123456789abcdef",
    "abcdefghijklmnopqrstuvwxyz0123456789",
    "qwertyuiopasdfghjklzxcvbnm1234567890",
    "Password1Password1Password1Password1",
    "correcthorsebatterystaplecorrecthorse",
    pytest.param(secrets.token_urlsafe(16), id="random-but-22-characters"),
    "short",
]


@pytest.mark.parametrize("value", WEAK)
def test_weak_values_are_no_secrets(value):
    assert weakness_of(value) is not None


# Fixed ids, not the random values: every xdist worker must collect the same test names.
@pytest.mark.parametrize("value", [secrets.token_urlsafe(48), secrets.token_hex(16),
                                   secrets.token_hex(32), secrets.token_urlsafe(24)],
                         ids=["urlsafe-48", "hex-16", "hex-32", "urlsafe-24"])
def test_random_values_are_secrets(value):
    assert weakness_of(value) is None


@pytest.mark.parametrize("setting", ["secret_key", "metrics_token"])
def test_create_app_refuses_a_weak_secret_in_development_too(setting, tmp_path):
    with pytest.raises(UnsafeSecretError, match=setting.upper()):
        create_app(Config.from_env(data_dir=tmp_path, testing=True, **{setting: "change-me-please"}))
    assert not any(tmp_path.iterdir())  # refused before anything was written


def test_production_needs_a_secret_key(tmp_path):
    production = {"environment": "production", "public_base_url": "https://api.c800.example"}
    with pytest.raises(UnsafeSecretError, match="SECRET_KEY must be set in production"):
        check_secrets(Config.from_env(data_dir=tmp_path, secret_key=None, **production))
    check_secrets(Config.from_env(data_dir=tmp_path, secret_key=secrets.token_urlsafe(48), **production))
    # in development, a key made and kept in DATA_DIR is fine
    check_secrets(Config.from_env(data_dir=tmp_path, secret_key=None))
