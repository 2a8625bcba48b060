"""Rate limits: flask-limiter over Redis (``REDIS_URL``) or process memory, one limiter per app.

What is limited, and by which key:

- Every request to ``/oauth/*`` (token, revocation, introspection, the authorization page)
  counts per address against ``Config.rate_limit_oauth``; api/resources/oauth.py also counts
  an authenticated confidential client's requests there against ``Config.rate_limit_client``
  (``api.limit_counts.client_quota_wait``, ``count_client_request``).
- Every request under ``/v1/`` and to the share pages ``/e/*`` counts against one shared
  bucket per caller (``/healthz``,
  ``/readyz``, ``/docs``, ``/openapi.json`` and ``/.well-known/*`` do not). The
  caller is ``client:<id>`` when a ``before_request`` hook registered before
  :func:`init_rate_limits` has set ``flask.g.rate_limit_client`` to an OAuth client id, with
  ``Config.rate_limit_client``; otherwise ``addr:<request.remote_addr>``, with
  ``Config.rate_limit_anonymous``. One dynamic limit callable serves both cases.
- Views decorated with :data:`limit_crowd` count per signed-in account (``user:<id>``,
  :func:`account_key`) against ``Config.rate_limit_crowd``: tips, votes and tip reports.
- Views decorated with :data:`limit_reports` (or ``named_limit(kind)``) also count against a
  bucket of their own, shared by every view with the same kind: ``Config.rate_limit_reports``
  per caller (client, else address)::

      from api.limits import limit_reports

      class Reports(MethodView):
          @limit_reports                 # outermost: invalid attempts count too
          @blp.arguments(ReportSchema)
          @blp.response(201, ReportAnswerSchema, headers=RATE_LIMIT_HEADERS)
          @rate_limited(blp)             # api.smorest: documents the 429
          def post(self, args): ...

  Put at most one named limit on a view. ``named_limit("reports", key_func=...)`` keys the
  bucket differently (``key_func`` returns a non-empty string). Sign-in pages count failures,
  not attempts (``api/limit_counts.py``).

Failures (a wrong password, a wrong client secret) and an authenticated client's quota at
``/oauth/*`` are counted apart from requests, in the same storage: ``api/limit_counts.py``.

Every limited answer carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and
``RateLimit-Reset`` (seconds until the window resets) of the limit that decided it; a 429 is
the app's problem+json (``api.problems.handle_http_exception``) with ``Retry-After``. When
Redis cannot be reached, counting goes on in process memory (flask-limiter's in-memory
fallback, Redis retried with back-off) and errors of the limiter are logged, never a 500.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded, RequestLimit
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from api.config import Config
from api.problems import handle_http_exception

log = logging.getLogger(__name__)

EXTENSION = "c800_rate_limits"
LIMIT_HEADER = "RateLimit-Limit"
REMAINING_HEADER = "RateLimit-Remaining"
RESET_HEADER = "RateLimit-Reset"
# Named limits and the Config field holding each one's limit string.
NAMED_LIMITS = {"reports": "rate_limit_reports", "crowd": "rate_limit_crowd"}
# Redis that does not answer must not hold requests for long: the fallback takes over.
REDIS_OPTIONS: dict[str, Any] = {"socket_connect_timeout": 1, "socket_timeout": 1}

View = TypeVar("View", bound=Callable[..., Any])


def address_key() -> str:
    """``addr:<remote address>``: the key of requests made without a client."""
    return f"addr:{request.remote_addr or 'unknown'}"


def request_key() -> str:
    """``client:<id>`` when ``g.rate_limit_client`` is set, else :func:`address_key`."""
    client = g.get("rate_limit_client")
    return f"client:{client}" if client else address_key()


def is_rate_limited_path(path: str) -> bool:
    """Whether the default limit counts requests to *path*: the API under ``/v1`` and the
    share pages under ``/e/``."""
    return path == "/v1" or path.startswith(("/v1/", "/e/"))


def is_oauth_path(path: str) -> bool:
    """Whether the OAuth 2.0 limit counts requests to *path*: token, revocation, introspection
    and the authorization page."""
    return path.startswith("/oauth/")


@dataclass
class RateLimits:
    """The limiter of one app, and its views wrapped by named limits (made on first use)."""

    limiter: Limiter
    config: Config
    _views: dict[tuple[Callable[..., Any], str, Callable[[], str]], Callable[..., Any]] = field(
        default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Counts failures (the backoff below) while the limiter's storage fails.
    memory_fallback: FixedWindowRateLimiter = field(
        default_factory=lambda: FixedWindowRateLimiter(MemoryStorage()))

    def limited_view(self, view: Callable[..., Any], kind: str,
                     key_func: Callable[[], str]) -> Callable[..., Any]:
        """*view* wrapped by this app's flask-limiter decorator for the named limit *kind*."""
        cache_key = (view, kind, key_func)
        found = self._views.get(cache_key)
        if found is None:
            with self._lock:
                found = self._views.get(cache_key)
                if found is None:
                    found = self._wrap(view, kind, key_func)
                    self._views[cache_key] = found
        return found

    def _wrap(self, view: Callable[..., Any], kind: str,
              key_func: Callable[[], str]) -> Callable[..., Any]:
        setting = NAMED_LIMITS[kind]

        def call(*args: Any, **kwargs: Any) -> Any:
            return current_app.ensure_sync(view)(*args, **kwargs)

        # flask-limiter files decorated limits under the callable's qualified name: one per kind.
        call.__module__ = view.__module__
        call.__name__ = view.__name__
        call.__qualname__ = f"{view.__qualname__}[{kind}]"
        decorator = self.limiter.shared_limit(lambda: getattr(self.config, setting), scope=kind,
                                              key_func=key_func, override_defaults=False)
        return decorator(call)


def named_limit(kind: str, *, key_func: Callable[[], str] | None = None
                ) -> Callable[[View], View]:
    """A view decorator applying the limit *kind* (``reports``) of the app.

    It counts per caller (:func:`request_key`) unless *key_func* says otherwise. The bucket is
    shared by every view with the same kind. The limit string is read from the app's Config at each request.
    """
    if kind not in NAMED_LIMITS:
        raise ValueError(f"unknown rate limit {kind!r}; one of {sorted(NAMED_LIMITS)}")
    key = key_func or request_key

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            limits: RateLimits | None = current_app.extensions.get(EXTENSION)
            if limits is None or not limits.limiter.enabled:
                return current_app.ensure_sync(view)(*args, **kwargs)
            return limits.limited_view(view, kind, key)(*args, **kwargs)

        return limited  # type: ignore[return-value]

    return decorate


limit_reports = named_limit("reports")


def account_key() -> str:
    """``user:<id>`` of the signed-in account (put the limit inside ``require_scope``), else
    :func:`request_key`."""
    user = g.get("current_user")
    return f"user:{user.id}" if user is not None else request_key()


# What an account writes for the crowd (tips, votes, reports of tips): per account, whatever
# client it uses. Put it inside require_scope, so that the account is known.
limit_crowd = named_limit("crowd", key_func=account_key)


def _check_limit_strings(config: Config) -> None:
    for name in ("rate_limit_anonymous", "rate_limit_client", "rate_limit_oauth",
                 *NAMED_LIMITS.values()):
        value = getattr(config, name)
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"{name.upper()} is not a rate limit such as '120/minute': "
                             f"{value!r}") from exc


def seconds_until(reset_at: float) -> int:
    """Whole seconds from now until *reset_at* (a time.time() instant), at least 1."""
    return max(1, math.ceil(reset_at - time.time()))


def init_rate_limits(app: Flask, config: Config) -> Limiter:
    """Give *app* its limiter, the RateLimit-* headers and the 429 problem+json answer.

    Call it after registering any ``before_request`` hook that sets ``g.rate_limit_client``:
    the limiter counts in its own ``before_request`` hook.
    """
    _check_limit_strings(config)

    def request_limit() -> str:
        return (config.rate_limit_client if g.get("rate_limit_client")
                else config.rate_limit_anonymous)

    limiter = Limiter(
        key_func=request_key,
        application_limits=[
            ApplicationLimit(limit_provider=request_limit, key_function=request_key, scope="v1",
                             exempt_when=lambda: not is_rate_limited_path(request.path)),
            ApplicationLimit(limit_provider=lambda: config.rate_limit_oauth,
                             key_function=address_key, scope="oauth",
                             exempt_when=lambda: not is_oauth_path(request.path)),
        ],
        storage_uri=config.redis_url or "memory://",
        storage_options=dict(REDIS_OPTIONS) if config.redis_url else {},
        strategy="fixed-window",
        key_prefix=config.rate_limit_key_prefix,
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=False,  # set below: flask-limiter's Reset is a timestamp, not seconds
        enabled=config.rate_limits_enabled,
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = RateLimits(limiter=limiter, config=config)
    if not config.rate_limits_enabled:
        return limiter

    def add_rate_limit_headers(response: Response) -> Response:
        current: RequestLimit | None = limiter.current_limit
        if current is None:
            return response
        try:
            reset_at, remaining = current.window
        except Exception:  # noqa: BLE001 - the storage failed after counting: answer anyway
            log.warning("rate limit storage failed while reading the window", exc_info=True)
            return response
        seconds = g.pop("rate_limit_retry_after", None) or seconds_until(reset_at)
        response.headers[LIMIT_HEADER] = str(current.limit.amount)
        response.headers[REMAINING_HEADER] = str(max(0, remaining))
        response.headers[RESET_HEADER] = str(seconds)
        if response.status_code == 429:
            response.headers.setdefault("Retry-After", str(seconds))
        return response

    def too_many_requests(error: RateLimitExceeded) -> Response:
        current = limiter.current_limit
        try:
            seconds = seconds_until(current.window[0]) if current else error.limit.limit.get_expiry()
        except Exception:  # noqa: BLE001 - the storage failed after counting: a full window
            seconds = error.limit.limit.get_expiry()
        g.rate_limit_retry_after = seconds
        error.retry_after = seconds
        unit = "second" if seconds == 1 else "seconds"
        error.description = (f"Too many requests: {error.limit.limit}; retry after {seconds} "
                             f"{unit}.")
        return handle_http_exception(error)

    app.after_request(add_rate_limit_headers)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    return limiter
