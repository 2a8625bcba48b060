"""deploy/: the production gunicorn settings load, keep the repository's hooks, and gunicorn
accepts them; the systemd unit and nginx site say what the README says they do."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from api.config import checked_public_base_url

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def test_the_production_gunicorn_settings_keep_the_hooks():
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    base = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    for hook in ("post_worker_init", "worker_exit", "on_starting", "child_exit"):
        assert settings[hook].__code__.co_code == base[hook].__code__.co_code
        assert settings[hook].__code__.co_filename == str(ROOT / "gunicorn.conf.py")
    assert settings["preload_app"] is False and settings["accesslog"] is None
    assert settings["bind"].startswith("127.0.0.1:") and settings["workers"] >= 2
    assert settings["graceful_timeout"] < 30  # within the unit's TimeoutStopSec


@pytest.mark.slow
def test_gunicorn_accepts_the_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--config", "deploy/gunicorn.conf.py",
         "wsgi:app"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path), "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_unit_and_the_site_hold_what_the_readme_says():
    unit = (DEPLOY / "c800.service").read_text()
    assert "ExecStart=/opt/c800/.venv/bin/gunicorn --config deploy/gunicorn.conf.py wsgi:app" in unit
    assert "KillSignal=SIGTERM" in unit and "EnvironmentFile=/etc/c800/env" in unit
    site = (DEPLOY / "nginx.conf").read_text()
    for line in ("client_max_body_size 1m;", "proxy_set_header X-Request-ID $req_id;",
                 "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                 "location = /metrics", "Strict-Transport-Security"):
        assert line in site, line
    env = dict(line.split("=", 1) for line in (DEPLOY / "env.example").read_text().splitlines()
               if line and not line.startswith("#"))
    assert {"DATABASE_URL", "ELASTICSEARCH_URL", "REDIS_URL", "SECRET_KEY", "TRUSTED_PROXIES",
            "PUBLIC_BASE_URL"} <= set(env)
    assert env["C800_ENV"] == "production"
    assert checked_public_base_url(env["PUBLIC_BASE_URL"], production=True) == env["PUBLIC_BASE_URL"]


def _server_blocks(site: str) -> list[str]:
    """The text of each top-level ``server { ... }`` block of an nginx site."""
    blocks, depth, start = [], 0, None
    for match in re.finditer(r"^server\s*\{|[{}]", site, flags=re.MULTILINE):
        if match.group(0) != "}" and depth == 0 and match.group(0).startswith("server"):
            start = match.start()
        depth += 1 if match.group(0).endswith("{") else -1
        if depth == 0 and start is not None:
            blocks.append(site[start:match.end()])
            start = None
    return blocks


def test_the_site_drops_requests_for_unknown_hosts():
    site = (DEPLOY / "nginx.conf").read_text()
    blocks = _server_blocks(site)
    defaults = [b for b in blocks if "default_server" in b]
    named = [b for b in blocks if "default_server" not in b]
    plain = next(b for b in defaults if re.search(r"listen 80 default_server;", b))
    assert "listen [::]:80 default_server;" in plain and "return 444;" in plain
    tls = next(b for b in defaults if re.search(r"listen 443 ssl default_server;", b))
    assert "listen [::]:443 ssl default_server;" in tls and "ssl_reject_handshake on;" in tls
    assert "return 444;" in tls  # the real name in SNI but another in Host
    assert "proxy_pass" not in plain + tls
    # the app is reached only through servers that name the real host
    assert named and all("server_name api.c800.example;" in b for b in named)
    assert all("proxy_pass" not in b for b in blocks if b not in named)
    assert "$host$request_uri" not in site  # redirects name the host, not what the client sent


def _shipped_environment() -> dict[str, str]:
    return dict(line.split("=", 1) for line in (DEPLOY / "env.example").read_text().splitlines()
                if line and not line.startswith("#"))


def test_env_example_as_shipped_is_refused_until_its_secrets_are_edited(monkeypatch, tmp_path):
    import secrets

    from api import create_app
    from api.config import Config
    from api.secret_checks import UnsafeSecretError, check_secrets

    for name, value in _shipped_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c800.sqlite3'}")
    with pytest.raises(UnsafeSecretError, match="SECRET_KEY .*placeholder"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    with pytest.raises(UnsafeSecretError, match="METRICS_TOKEN .*placeholder"):
        create_app()
    monkeypatch.setenv("METRICS_TOKEN", secrets.token_urlsafe(32))
    config = Config.from_env()
    assert config.production
    check_secrets(config)  # edited: the secrets pass (the rest is the host's to provide)
