"""The Flask app factory: configuration, database, API blueprints, docs and CLI commands."""

from __future__ import annotations

import logging

from flask import Flask
from flask_compress import Compress

from api.app_links import EXTENSION as APP_LINKS
from api.app_links import app_links as app_links_of
from api.cache import register_cache_lookup, register_response_cache
from api.config import Config
from api.http import (
    register_body_limit,
    register_cors,
    register_header_checks,
    register_http_conventions,
    register_parameter_checks,
    register_security_headers,
)
from api.limits import init_rate_limits
from api.list_facts import register_list_facts
from api.observability import configure_logging, register_observability
from api.private_files import keep_files_private
from api.problems import register_problem_handlers
from api.secret_checks import check_secrets
from api.smorest import Api
from api.state import init_state

API_DESCRIPTION = """\
c800 is a directory of every way to reach a company — hotlines, e-mail, webchat, WeChat,
apps, SMS — with links that open each channel on a phone.

Errors are RFC 9457 `application/problem+json` with a stable `code` to branch on
(`validation_failed`, `not_found`, `rate_limited`, ...) and a `type` URI,
`<PUBLIC_BASE_URL>/problems/<code>`, whose page says what the problem means (`GET /problems`
lists every kind). Lists use cursor pagination (`limit`,
`cursor`, a `next` URL in the body and an RFC 8288 `Link` header). Every GET sends an `ETag`
and answers `If-None-Match` with 304. `Accept-Language` (zh-Hans, zh-Hant, en) picks `name`.
Requests under `/v1` are rate limited per OAuth client, else per address: answers carry
`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`, and 429 says `Retry-After`.
"""


def create_app(config: Config | None = None, **overrides: object) -> Flask:
    """Build the app from *config*, or from the environment with *overrides* applied."""
    config = config or Config.from_env(**overrides)
    check_secrets(config)  # first: a placeholder SECRET_KEY must not serve a single request
    links = app_links_of(config)  # a malformed app id stops the start
    keep_files_private(config.data_dir)
    app = Flask(__name__)
    # Never debug mode, whatever FLASK_DEBUG says: no debugger, no stack traces, errors handled
    app.debug = False
    app.config.update(
        API_TITLE="c800 directory API",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": API_DESCRIPTION,
                     "license": {"name": "Data: see NOTICE (MIT, CC0 1.0)"}},
            "servers": [{"url": "/", "description": "This server"}],
        },
        MAX_CONTENT_LENGTH=config.max_content_length,
        COMPRESS_ALGORITHM=["gzip", "deflate"],
        COMPRESS_MIMETYPES=["application/json", "application/ld+json", "application/problem+json",
                            "text/html", "text/css", "application/javascript", "text/javascript"],
        COMPRESS_MIN_SIZE=512,
        TESTING=config.testing,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    configure_logging(config.log_format)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    init_state(app, config)
    app.extensions[APP_LINKS] = links
    if config.trusted_proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_observability(app, config.metrics_token)  # first: every answer gets its request id
    Compress(app)
    register_response_cache(app, config.data_dir, entries=config.response_cache_entries,
                            megabytes=config.response_cache_mb, ttl=config.public_cache_seconds,
                            redis_url=config.redis_url, key_prefix=config.rate_limit_key_prefix)
    register_list_facts(app, config.public_cache_seconds)  # by the change stamp made just now
    register_http_conventions(app)
    register_body_limit(app)
    register_header_checks(app)  # before authentication reads a header
    register_security_headers(app)
    register_cors(app, config.cors_origins)

    app.config.update(
        SESSION_COOKIE_NAME="c800_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=12 * 3600,
    )
    from api.oauth.account_pages import account_pages
    from api.oauth.pages import pages, secret_key
    from api.oauth.protect import register_protection
    from api.oauth.server import create_server

    with app.app_context():
        app.secret_key = secret_key(config.data_dir)
    create_server(app)
    register_protection(app)
    register_parameter_checks(app)  # after the token's 401, before any view

    api = Api(app)
    from api.resources import (
        account,
        app_links,
        callbacks,
        channels,
        claims,
        clients,
        contacts,
        devices,
        enterprises,
        experiences,
        follows,
        health,
        index,
        industries,
        insights,
        listing_status,
        live_status,
        lookup,
        manage,
        me,
        member_admin,
        members,
        my_contacts,
        notices,
        notifications,
        regions,
        reports,
        reviews,
        search,
        share,
        suggestions,
        tips,
        versions,
        webhooks,
    )
    from api.resources.oauth import document_oauth, oauth

    for module in (app_links, index, health, industries, enterprises, search, lookup, regions, manage,
                   channels, notices, versions, me, claims, reports, listing_status, follows,
                   experiences, contacts, callbacks, live_status, webhooks, insights, reviews, members,
                   member_admin, share, clients, devices, notifications, account,
                   my_contacts, tips, suggestions):
        api.register_blueprint(module.blp)
    app.register_blueprint(oauth)
    app.register_blueprint(pages)
    app.register_blueprint(account_pages)
    document_oauth(api.spec, app)
    from api.oauth.account_pages_doc import document_account_pages

    document_account_pages(api.spec, app)
    register_problem_handlers(app)
    # After every before_request hook that sets g.rate_limit_client: the limiter counts in its own.
    init_rate_limits(app, config)

    from api.docs import register_docs
    from api.problem_types import register_problem_pages

    register_docs(app)
    register_problem_pages(app)
    register_cache_lookup(app)  # last: tokens and rate limits are checked before a cached answer

    from api.cli import register_commands

    register_commands(app)
    return app
