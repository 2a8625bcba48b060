"""Rate limits: flask-limiter over Redis (``REDIS_URL``) or process memory, one limiter per app.

What is limited, and by which key:

- Every request to ``/oauth/*`` (token, revocation, introspection, the authorization page)
  counts per address against ``Config.rate_limit_oauth``; api/resources/oauth.py also counts
  an authenticated confidential client's requests there against ``Config.rate_limit_client``
  (:func:`client_quota_wait`, :func:`count_client_request`).
- Every request under ``/v1/`` counts against one shared bucket per caller (``/healthz``,
  ``/readyz``, ``/docs``, ``/openapi.json`` and ``/.well-known/*`` do not). The
  caller is ``client:<id>`` when a ``before_request`` hook registered before
  :func:`init_rate_limits` has set ``flask.g.rate_limit_client`` to an OAuth client id, with
  ``Config.rate_limit_client``; otherwise ``addr:<request.remote_addr>``, with
  ``Config.rate_limit_anonymous``. One dynamic limit callable serves both cases.
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
  not attempts (below).

Failures (a wrong password, a wrong client secret) are counted apart from requests, with
exponential backoff (:func:`failure_wait`, :func:`record_failure`, :func:`clear_failures`,
:func:`first_attempt_wait`): after ``free`` failures of a key within :data:`FAILURE_WINDOW`,
each further failure closes the key for :data:`BACKOFF_BASE` seconds, doubled with every
failure up to :data:`BACKOFF_MAX`. The caller picks the keys (``api/oauth/throttle.py``: per
account and address, per address) and clears a key on success. Counters live in the
limiter's storage (Redis when configured, else memory; memory while Redis is down).

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
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from api.config import Config
from api.problems import handle_http_exception

log = logging.getLogger(__name__)

EXTENSION = "c800_rate_limits"
LIMIT_HEADER = "RateLimit-Limit"
REMAINING_HEADER = "RateLimit-Remaining"
RESET_HEADER = "RateLimit-Reset"
# Named limits and the Config field holding each one's limit string.
NAMED_LIMITS = {"reports": "rate_limit_reports"}
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
    """Whether the default limit counts requests to *path*: the API under ``/v1``."""
    return path == "/v1" or path.startswith("/v1/")


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


# Failure backoff: counts expire an hour after a key's first failure; waits double from 1 s.
FAILURE_WINDOW = 3600
BACKOFF_BASE = 1
BACKOFF_MAX = 900


def _storage_do(action: Callable[[Storage], Any]) -> Any:
    """*action* on the limiter's storage; on this process's memory when that storage fails."""
    limits: RateLimits = current_app.extensions[EXTENSION]
    try:
        return action(limits.limiter.limiter.storage)
    except Exception:  # noqa: BLE001 - storage down: count in memory, keep answering
        log.warning("rate limit storage failed; counting failures in memory", exc_info=True)
        return action(limits.memory_fallback.storage)


def _backoff_enabled() -> bool:
    limits: RateLimits | None = current_app.extensions.get(EXTENSION)
    return limits is not None and limits.limiter.enabled


def _backoff_key(kind: str, part: str, key: str) -> str:
    prefix = current_app.extensions[EXTENSION].config.rate_limit_key_prefix
    return f"{prefix}/backoff/{kind}/{part}/{key}"


def _remaining(storage: Storage, key: str) -> int | None:
    if storage.get(key) <= 0:
        return None
    return _seconds_until(storage.get_expiry(key))


def failure_wait(kind: str, *keys: str) -> int | None:
    """Seconds until failures of *kind* allow another attempt for every one of *keys*, or None."""
    if not _backoff_enabled():
        return None

    def longest(storage: Storage) -> int | None:
        waits = [_remaining(storage, _backoff_key(kind, "closed", key)) for key in keys]
        return max((wait for wait in waits if wait is not None), default=None)

    return _storage_do(longest)


def backoff_seconds(failures: int, free: int) -> int:
    """How long a key stays closed after its *failures*-th failure (0 while within *free*)."""
    if failures <= free:
        return 0
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** min(failures - free - 1, 32))


def record_failure(kind: str, key: str, free: int) -> int:
    """Count one failure of *kind* for *key*; closes the key once past *free* (see
    :func:`backoff_seconds`). Returns the failures counted in the window."""
    if not _backoff_enabled():
        return 0

    def count(storage: Storage) -> int:
        failures = storage.incr(_backoff_key(kind, "failures", key), FAILURE_WINDOW)
        closed_for = backoff_seconds(failures, free)
        if closed_for:
            closed = _backoff_key(kind, "closed", key)
            storage.clear(closed)
            storage.incr(closed, closed_for)
        return failures

    return _storage_do(count)


def failures_of(kind: str, key: str) -> int:
    """The failures of *kind* counted for *key* in the window."""
    if not _backoff_enabled():
        return 0
    return _storage_do(lambda storage: storage.get(_backoff_key(kind, "failures", key)))


def clear_failures(kind: str, key: str) -> None:
    """Forget the failures of *kind* for *key* (it succeeded)."""
    if not _backoff_enabled():
        return

    def clear(storage: Storage) -> None:
        for part in ("failures", "closed"):
            storage.clear(_backoff_key(kind, part, key))

    _storage_do(clear)


def first_attempt_wait(kind: str, key: str, seconds: int) -> int | None:
    """A wait of *seconds* from the first attempt of *key* seen in the window (an address new to
    an account under attack); 0 *seconds* only notes the attempt (no wait, and none later:
    the key is not new any more). Later calls say what is left of the wait, None once it is
    over. A delay, never a lock: nobody else's attempts lengthen it."""
    if not _backoff_enabled():
        return None

    def wait(storage: Storage) -> int | None:
        seen = _backoff_key(kind, "seen", key)
        delayed = _backoff_key(kind, "delayed", key)
        if storage.get(seen) <= 0:
            storage.incr(seen, FAILURE_WINDOW)
            if seconds <= 0:
                return None
            storage.incr(delayed, seconds)
            return seconds
        return _remaining(storage, delayed)

    return _storage_do(wait)


def _quota_do(action: Callable[[Any, Any, tuple[str, ...]], bool], key: str) -> bool:
    """*action* (strategy, limit item, key parts) for each RATE_LIMIT_CLIENT item: all true?"""
    limits: RateLimits = current_app.extensions[EXTENSION]
    args = (limits.config.rate_limit_key_prefix, key, "quota")
    items = parse_many(limits.config.rate_limit_client)
    try:
        strategy = limits.limiter.limiter
        return all(action(strategy, item, args) for item in items)
    except Exception:  # noqa: BLE001 - storage down: count in memory, keep answering
        log.warning("rate limit storage failed; counting client quota in memory", exc_info=True)
        return all(action(limits.memory_fallback, item, args) for item in items)


def client_quota_wait(key: str) -> int | None:
    """Seconds until the client *key* may make another request (``RATE_LIMIT_CLIENT``, counted
    by :func:`count_client_request`), or None while it has room."""
    limits: RateLimits | None = current_app.extensions.get(EXTENSION)
    if limits is None or not limits.limiter.enabled:
        return None
    if _quota_do(lambda strategy, item, args: strategy.test(item, *args), key):
        return None
    return _quota_reset(key)


def _quota_reset(key: str) -> int:
    limits: RateLimits = current_app.extensions[EXTENSION]
    args = (limits.config.rate_limit_key_prefix, key, "quota")
    resets = []
    for item in parse_many(limits.config.rate_limit_client):
        try:
            stats = limits.limiter.limiter.get_window_stats(item, *args)
        except Exception:  # noqa: BLE001 - storage down: the memory counts
            stats = limits.memory_fallback.get_window_stats(item, *args)
        if stats[1] <= 0:
            resets.append(_seconds_until(stats[0]))
    return max(resets, default=1)


def count_client_request(key: str) -> None:
    """Count one request of the authenticated client *key* against ``RATE_LIMIT_CLIENT``."""
    limits: RateLimits | None = current_app.extensions.get(EXTENSION)
    if limits is not None and limits.limiter.enabled:
        _quota_do(lambda strategy, item, args: strategy.hit(item, *args), key)


def _check_limit_strings(config: Config) -> None:
    for name in ("rate_limit_anonymous", "rate_limit_client", "rate_limit_oauth",
                 *NAMED_LIMITS.values()):
        value = getattr(config, name)
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"{name.upper()} is not a rate limit such as '120/minute': "
                             f"{value!r}") from exc


def _seconds_until(reset_at: float) -> int:
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
        seconds = g.pop("rate_limit_retry_after", None) or _seconds_until(reset_at)
        response.headers[LIMIT_HEADER] = str(current.limit.amount)
        response.headers[REMAINING_HEADER] = str(max(0, remaining))
        response.headers[RESET_HEADER] = str(seconds)
        if response.status_code == 429:
            response.headers.setdefault("Retry-After", str(seconds))
        return response

    def too_many_requests(error: RateLimitExceeded) -> Response:
        current = limiter.current_limit
        try:
            seconds = _seconds_until(current.window[0]) if current else error.limit.limit.get_expiry()
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
