"""One environment-driven configuration for every way the app runs.

Every setting comes from an environment variable; the defaults are the embedded ones that
`make run` uses (SQLite file under DATA_DIR, no external server needed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"environment variable {name} must be true or false, got {raw!r}")


ENVIRONMENTS = ("development", "production")
# Where the app is reached when PUBLIC_BASE_URL is not set (development only): `make run`'s address.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"

# Limits of apps built with testing=True unless the test passes its own: the suite makes
# thousands of requests from one address.
TESTING_RATE_LIMIT = "100000/minute"
PUSH_SETTINGS = ("vapid_private_key", "vapid_subject", "apns_key_file", "apns_key_id",
                 "apns_team_id", "apns_topic", "apns_host", "fcm_service_account_file")
RATE_LIMIT_FIELDS = ("rate_limit_anonymous", "rate_limit_client",
                     "rate_limit_reports", "rate_limit_oauth", "rate_limit_crowd")


@dataclass
class Config:
    """Settings of one app instance. Build it with :meth:`from_env`."""

    data_dir: Path = Path("var")
    # C800_ENV: "development" (the default, what `make run` is) or "production". A production
    # app refuses to start with settings that are only safe on a developer's machine
    # (each module that owns such a setting checks it when the app is created).
    environment: str = "development"
    # PUBLIC_BASE_URL: the scheme and host (and port) people reach the app at, such as
    # "https://api.c800.example". Every absolute URL the app makes (links in mail, the OAuth
    # issuer and its metadata, next-page links, JSON-LD ids) starts with it, never with the
    # request's Host header. Required in production (https, nothing after the host);
    # http://127.0.0.1:8000 elsewhere (and in apps built by tests) unless set. Kept without a
    # trailing slash.
    public_base_url: str = ""
    database_url: str = ""
    # Database waits (directory/db.py), all below gunicorn's 30 s worker timeout so that a
    # locked or unreachable database is a 503 with Retry-After, never a killed worker: how long
    # a SQLite writer waits for another's lock (SQLITE_BUSY_TIMEOUT_MS), and for PostgreSQL
    # each connection attempt (DATABASE_CONNECT_TIMEOUT, seconds), each statement
    # (DATABASE_STATEMENT_TIMEOUT_MS, 0: no limit) and a free pooled connection
    # (DATABASE_POOL_TIMEOUT, seconds, both databases).
    sqlite_busy_timeout_ms: int = 5000
    database_connect_timeout: int = 5
    database_statement_timeout_ms: int = 20000
    database_pool_timeout: int = 10
    elasticsearch_url: str | None = None
    elasticsearch_index: str = "c800-listings"
    search_retry_seconds: int = 30
    redis_url: str | None = None
    public_cache_seconds: int = 60
    # The response cache of public reads (api/cache.py), per worker: at most this many answers
    # (RESPONSE_CACHE_ENTRIES, 0: off) and megabytes (RESPONSE_CACHE_MB).
    response_cache_entries: int = 4096
    response_cache_mb: int = 32
    max_content_length: int = 1024 * 1024
    # Rate limits (api/limits.py), in flask-limiter's syntax ("120/minute", "10/second;1000/day").
    rate_limits_enabled: bool = True
    rate_limit_anonymous: str = "120/minute"
    rate_limit_client: str = "1200/minute"
    rate_limit_reports: str = "20/hour"
    # What a signed-in account writes for the crowd (tips, votes, tip reports), per account:
    # a burst limit over the per-day caps the domain counts (directory/tips.py DAILY_CAPS).
    rate_limit_crowd: str = "30/minute;200/day"
    # Requests to /oauth/* (token, revoke, introspect, authorize) per address; an authenticated
    # confidential client's requests there also count against RATE_LIMIT_CLIENT.
    rate_limit_oauth: str = "120/minute"
    rate_limit_key_prefix: str = "c800"
    # Failed authentications (api/oauth/throttle.py), counted apart from requests: wrong
    # passwords or client secrets per account (client) and address before the waits start
    # (AUTH_FAILURES_FREE), per address for any accounts (AUTH_FAILURES_FREE_PER_ADDRESS), and
    # an account's failures within an hour from all addresses after which a new address waits
    # 30 s once (AUTH_FAILURES_ACCOUNT_DELAY_AFTER).
    auth_failures_free: int = 5
    auth_failures_free_per_address: int = 30
    auth_failures_account_delay_after: int = 100
    # Accounts and OAuth2 (api/oauth): access tokens live 15 minutes unless configured.
    access_token_lifetime: int = 900
    # Seconds in which a rotated refresh token, presented again, gets the same new pair (its
    # answer was lost on the way); after them it is a replay that ends the family.
    refresh_grace_seconds: int = 60
    secret_key: str | None = None
    session_cookie_secure: bool = False
    mail_url: str | None = None
    mail_from: str = "c800 <no-reply@c800.localhost>"
    # Invitations one listing may send in 24 hours, revoked ones included (directory/members.py).
    member_invitations_per_day: int = 20
    # How many reverse proxies (load balancer, nginx) stand in front: their X-Forwarded-For /
    # -Proto / -Host are trusted that many hops deep, so that rate limits see the caller's
    # address. 0 (the default): headers from the client are ignored.
    trusted_proxies: int = 0
    # Webhooks (directory/webhooks.py): networks besides public addresses that deliveries may
    # reach ("10.0.0.0/8, fd00::/8" for receivers inside a private deployment), a CA bundle to
    # verify receivers' certificates with (default: certifi's), and how often workers deliver.
    webhook_allowed_networks: str = ""
    webhook_ca_bundle: str | None = None
    webhook_delivery_seconds: int = 5
    # Pushes of notifications (directory/push/): Web Push's VAPID key and contact, APNs'
    # token-based key (.p8 file, key id, team id, the app's bundle id, host) and FCM's service
    # account key file. A platform is on when its key is set; a malformed one is refused at start.
    vapid_private_key: str | None = None
    vapid_subject: str | None = None
    apns_key_file: str | None = None
    apns_key_id: str | None = None
    apns_team_id: str | None = None
    apns_topic: str | None = None
    apns_host: str | None = None
    fcm_service_account_file: str | None = None
    # Operations (api/observability.py): log lines as JSON (default) or text; a bearer token
    # that lets /metrics be read from anywhere (unset: loopback only).
    log_format: str = "json"
    metrics_token: str | None = None
    # Origins whose browser pages may call /v1 and /oauth/token|revoke (CORS), comma-separated
    # ("https://app.c800.example, https://partner.example"); none by default.
    cors_origins: str = ""
    # The apps a share link (/e/{id}) opens where they are installed (api/app_links.py, checked
    # at start): iOS app ids "TEAMID.bundle.id", comma-separated (IOS_APP_IDS); the Android
    # package (ANDROID_APP_PACKAGE) and the SHA-256 fingerprints of its signing certificates,
    # comma-separated, "AB:CD:..." (ANDROID_CERT_SHA256). Unset: the files answer 404.
    ios_app_ids: str = ""
    android_app_package: str = ""
    android_cert_sha256: str = ""
    testing: bool = False

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        data_dir = Path(os.environ.get("DATA_DIR") or "var").resolve()
        config = cls(
            data_dir=data_dir,
            environment=(os.environ.get("C800_ENV") or "development").strip().lower(),
            public_base_url=os.environ.get("PUBLIC_BASE_URL") or "",
            database_url=os.environ.get("DATABASE_URL") or "",
            sqlite_busy_timeout_ms=_env_int("SQLITE_BUSY_TIMEOUT_MS", 5000),
            database_connect_timeout=_env_int("DATABASE_CONNECT_TIMEOUT", 5),
            database_statement_timeout_ms=_env_int("DATABASE_STATEMENT_TIMEOUT_MS", 20000),
            database_pool_timeout=_env_int("DATABASE_POOL_TIMEOUT", 10),
            elasticsearch_url=os.environ.get("ELASTICSEARCH_URL") or None,
            elasticsearch_index=os.environ.get("ELASTICSEARCH_INDEX") or "c800-listings",
            search_retry_seconds=_env_int("SEARCH_RETRY_SECONDS", 30),
            redis_url=os.environ.get("REDIS_URL") or None,
            public_cache_seconds=_env_int("PUBLIC_CACHE_SECONDS", 60),
            response_cache_entries=_env_int("RESPONSE_CACHE_ENTRIES", 4096),
            response_cache_mb=_env_int("RESPONSE_CACHE_MB", 32),
            max_content_length=_env_int("MAX_CONTENT_LENGTH", 1024 * 1024),
            access_token_lifetime=_env_int("ACCESS_TOKEN_LIFETIME", 900),
            refresh_grace_seconds=_env_int("REFRESH_GRACE_SECONDS", 60),
            secret_key=os.environ.get("SECRET_KEY") or None,
            session_cookie_secure=_env_bool("SESSION_COOKIE_SECURE", False),
            mail_url=os.environ.get("MAIL_URL") or None,
            mail_from=os.environ.get("MAIL_FROM") or "c800 <no-reply@c800.localhost>",
            member_invitations_per_day=_env_int("MEMBER_INVITATIONS_PER_DAY", 20),
            trusted_proxies=_env_int("TRUSTED_PROXIES", 0),
            webhook_allowed_networks=os.environ.get("WEBHOOK_ALLOWED_NETWORKS") or "",
            webhook_ca_bundle=os.environ.get("WEBHOOK_CA_BUNDLE") or None,
            webhook_delivery_seconds=_env_int("WEBHOOK_DELIVERY_SECONDS", 5),
            **{name: os.environ.get(name.upper()) or None for name in PUSH_SETTINGS},
            log_format=(os.environ.get("LOG_FORMAT") or "json").strip().lower(),
            metrics_token=os.environ.get("METRICS_TOKEN") or None,
            cors_origins=os.environ.get("CORS_ORIGINS") or "",
            ios_app_ids=os.environ.get("IOS_APP_IDS") or "",
            android_app_package=os.environ.get("ANDROID_APP_PACKAGE") or "",
            android_cert_sha256=os.environ.get("ANDROID_CERT_SHA256") or "",
            rate_limits_enabled=_env_bool("RATE_LIMITS_ENABLED", True),
            rate_limit_anonymous=os.environ.get("RATE_LIMIT_ANONYMOUS") or "120/minute",
            rate_limit_client=os.environ.get("RATE_LIMIT_CLIENT") or "1200/minute",
            rate_limit_reports=os.environ.get("RATE_LIMIT_REPORTS") or "20/hour",
            rate_limit_crowd=os.environ.get("RATE_LIMIT_CROWD") or "30/minute;200/day",
            rate_limit_oauth=os.environ.get("RATE_LIMIT_OAUTH") or "120/minute",
            rate_limit_key_prefix=os.environ.get("RATE_LIMIT_KEY_PREFIX") or "c800",
            auth_failures_free=_env_int("AUTH_FAILURES_FREE", 5),
            auth_failures_free_per_address=_env_int("AUTH_FAILURES_FREE_PER_ADDRESS", 30),
            auth_failures_account_delay_after=_env_int("AUTH_FAILURES_ACCOUNT_DELAY_AFTER", 100),
        )
        for key, value in overrides.items():
            if not hasattr(config, key):
                raise TypeError(f"unknown setting {key!r}")
            setattr(config, key, value)
        if config.testing:
            for name in RATE_LIMIT_FIELDS:
                if name not in overrides:
                    setattr(config, name, TESTING_RATE_LIMIT)
        if config.environment not in ENVIRONMENTS:
            raise ValueError(f"C800_ENV must be one of {', '.join(ENVIRONMENTS)}, "
                             f"got {config.environment!r}")
        config.public_base_url = checked_public_base_url(
            config.public_base_url, config.production, required=not config.testing)
        if config.log_format not in ("json", "text"):
            raise ValueError(f"LOG_FORMAT must be json or text, got {config.log_format!r}")
        if isinstance(config.data_dir, str):
            config.data_dir = Path(config.data_dir)
        if not config.database_url:
            config.database_url = f"sqlite:///{config.data_dir / 'c800.sqlite3'}"
        return config

    @property
    def production(self) -> bool:
        """True when C800_ENV=production: unsafe defaults are refused at start."""
        return self.environment == "production"


def checked_public_base_url(value: str | None, production: bool, *, required: bool = True) -> str:
    """PUBLIC_BASE_URL without its trailing slash, or the development default; ValueError when
    it is missing in production (unless not *required*: apps built by tests) or is not a bare
    origin (https in production)."""
    value = (value or "").strip()
    if not value:
        if production and required:
            raise ValueError("PUBLIC_BASE_URL must be set in production (C800_ENV=production): the "
                             "https address people reach c800 at, such as https://api.c800.example; "
                             "links in mail and the OAuth issuer are made from it, never from the "
                             "request's Host header")
        return DEVELOPMENT_BASE_URL
    problem = _base_url_problem(value, production)
    if problem:
        raise ValueError(f"PUBLIC_BASE_URL {value!r} {problem}: give only a scheme and a host "
                         f"(and port), such as https://api.c800.example")
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _base_url_problem(value: str, production: bool) -> str | None:
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return "is not a URL"
    if not value.isascii():
        return "must be written in ASCII (an international host name IDNA-encoded)"
    if parts.scheme not in ("http", "https"):
        return "must start with https://" if production else "must start with https:// or http://"
    if production and parts.scheme != "https":
        return "must use https in production"
    if not parts.hostname or any(c.isspace() or ord(c) < 32 for c in value):
        return "has no host name"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "must not hold a user name or password"
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in value or "#" in value:
        return "must not have a path, query or fragment"
    if port == 0:
        return "has no valid port"
    return None
