"""Counts kept beside the limiter's own, in its storage (Redis when configured, else memory;
memory while Redis is down): failures with exponential backoff, and an authenticated client's
quota at ``/oauth/*``. The limiter itself, its keys and headers: ``api/limits.py``.

Failures (a wrong password, a wrong client secret) are counted apart from requests, with
exponential backoff (:func:`failure_wait`, :func:`record_failure`, :func:`clear_failures`,
:func:`first_attempt_wait`): after ``free`` failures of a key within :data:`FAILURE_WINDOW`,
each further failure closes the key for :data:`BACKOFF_BASE` seconds, doubled with every
failure up to :data:`BACKOFF_MAX`. The caller picks the keys (``api/oauth/throttle.py``: per
account and address, per address) and clears a key on success.

A confidential client authenticated at ``/oauth/*`` counts against ``Config.rate_limit_client``
(:func:`client_quota_wait` before, :func:`count_client_request` after), as its API requests do.

Each client's requests under ``/v1`` with its tokens are also counted per UTC day
(:func:`count_usage`, :func:`usage_today`): what its owner reads as its usage. These counts
only inform; the limits are the limiter's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from limits import parse_many
from limits.storage import Storage

from api.limits import EXTENSION, RateLimits, seconds_until

log = logging.getLogger(__name__)

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
    return seconds_until(storage.get_expiry(key))


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


def window_wait(kind: str, allowed: int, *keys: str) -> int | None:
    """Seconds until each of *keys* has counted fewer than *allowed* events of *kind* in its
    window (see :func:`count_event`), or None when none is used up."""
    if not _backoff_enabled():
        return None

    def longest(storage: Storage) -> int | None:
        waits = [seconds_until(storage.get_expiry(_backoff_key(kind, "events", key)))
                 for key in keys if storage.get(_backoff_key(kind, "events", key)) >= allowed]
        return max(waits, default=None)

    return _storage_do(longest)


def count_event(kind: str, key: str, window: int) -> None:
    """Count one event of *kind* for *key* in a fixed window of *window* seconds."""
    if _backoff_enabled():
        _storage_do(lambda storage: storage.incr(_backoff_key(kind, "events", key), window))


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
            resets.append(seconds_until(stats[0]))
    return max(resets, default=1)


def count_client_request(key: str) -> None:
    """Count one request of the authenticated client *key* against ``RATE_LIMIT_CLIENT``."""
    limits: RateLimits | None = current_app.extensions.get(EXTENSION)
    if limits is not None and limits.limiter.enabled:
        _quota_do(lambda strategy, item, args: strategy.hit(item, *args), key)


USAGE_KEPT = 2 * 24 * 3600  # a day's count outlives the day (read until its end anywhere)


def _usage_key(client_id: str) -> str:
    prefix = current_app.extensions[EXTENSION].config.rate_limit_key_prefix
    return f"{prefix}/usage/{client_id}/{datetime.now(UTC).date().isoformat()}"


def count_usage(client_id: str) -> None:
    """Count one API request made with a token of *client_id* today (UTC)."""
    if current_app.extensions.get(EXTENSION) is not None:
        _storage_do(lambda storage: storage.incr(_usage_key(client_id), USAGE_KEPT))


def usage_today(client_id: str) -> int:
    """The API requests made with *client_id*'s tokens today (UTC) so far."""
    if current_app.extensions.get(EXTENSION) is None:
        return 0
    return int(_storage_do(lambda storage: storage.get(_usage_key(client_id))) or 0)
