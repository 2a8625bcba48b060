"""The response cache of the public reads (every operation documented by ``public_read``).

A public read's answer depends on the URL (host, path, query), the negotiated language, the
``Accept`` header (JSON or JSON-LD), the stored data and the time; never on who asks (the
token, checked before, only changes which rate limit counts the request). Each worker keeps
the bodies it answered with, for that key, until one of these happens:

- **any data behind them changes.** Every commit that writes a table public answers read
  (listings, channels, notices, wait counters, live statuses, the search outbox... every table
  but those of :data:`PRIVATE_TABLES`, the ones that declare ``table_facts(public=False)``,
  read through ``directory/registry.py``; and any SQL given as text but a ``SELECT``) made by
  the app's sessions replaces the *change stamp*, 8 random bytes in
  ``DATA_DIR/response-cache.stamp`` shared through ``mmap`` by every process of this host
  (workers, ``flask`` commands). A cached answer is used only while the stamp is the one read
  before it was computed: a request that follows a write, in any worker, never sees the
  answer from before it. The search index follows the database: the
  outbox drain commits after the index took the change, which replaces the stamp again.
- **its time passes**: at the next whole minute (opening hours are in minutes, so "open now"
  and the hour of week of expected waits only change there), or earlier when a notice starts
  or ends or a live status expires (:func:`not_after`, called where they are dumped).
- ``PUBLIC_CACHE_SECONDS`` went by, the same as the ``Cache-Control: max-age`` public answers
  carry.

Several app hosts (the production topology) share the stamp through Redis when ``REDIS_URL``
is set: each public write also replaces the key ``<RATE_LIMIT_KEY_PREFIX>:response-cache:stamp``
and every cached read compares it too (one GET). While Redis does not answer, reads are
computed, not cached; a write that could not replace the Redis stamp is seen by the other
hosts within ``PUBLIC_CACHE_SECONDS``. Without Redis each host has its own stamp, and writes made
on another host reach its cached answers within ``PUBLIC_CACHE_SECONDS``.

Only 200 answers to GET are kept, with their ``Content-Type``, ``ETag``, ``Vary``,
``Content-Language``, ``Link`` and ``Cache-Control``; the per-request headers (request id,
rate limits, CORS, security headers) and compression are added to every answer, cached or not,
by the usual hooks, and ``If-None-Match`` still gives a 304. Bounded per worker by
``RESPONSE_CACHE_ENTRIES`` (0 turns the cache off) and ``RESPONSE_CACHE_MB``, least recently
used first out. Hits and misses are counted in ``c800_response_cache_total``.
"""

from __future__ import annotations

import logging
import mmap
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask, Response, g, request
from prometheus_client import Counter
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import TextClause

import directory.registry as registry
from api.http import preferred_language
from api.state import get_marked

log = logging.getLogger(__name__)
EXTENSION = "c800_response_cache"
CACHED_HEADERS = ("Content-Type", "ETag", "Vary", "Content-Language", "Link", "Cache-Control")
# Tables no public read looks at: writing them leaves cached answers valid.
PRIVATE_TABLES = registry.private_tables()
CACHE_RESULTS = Counter("c800_response_cache_total", "Public reads answered from the response cache "
                        "(hit), computed (miss) or computed because the shared stamp was "
                        "unreadable (bypass).", ["result"])

_FLAG = "c800_public_write"


class ChangeStamp:
    """8 bytes in a file every process of the host maps; replaced on each public write."""

    SIZE = 8

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < self.SIZE:
                os.ftruncate(fd, self.SIZE)
            self._map = mmap.mmap(fd, self.SIZE)
        finally:
            os.close(fd)
        self.path = path

    def read(self) -> bytes:
        return self._map[:self.SIZE]

    def replace(self) -> None:
        # random, not a counter: two processes replacing at once can never write a value a
        # reader saw before
        self._map[:self.SIZE] = os.urandom(self.SIZE)


class SharedStamp:
    """The host's stamp, and the one all hosts share in Redis when there is one."""

    def __init__(self, local: ChangeStamp, redis_url: str | None, key: str) -> None:
        self.local = local
        self.key = key
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_connect_timeout=0.5,
                                               socket_timeout=0.5)

    def read(self) -> bytes | None:
        """The current stamp; None when it cannot be known (Redis down): do not cache."""
        if self._redis is None:
            return self.local.read()
        try:
            shared = self._redis.get(self.key) or b""
        except Exception:  # noqa: BLE001 - any Redis failure: answer without the cache
            log.warning("response cache: Redis unreachable, answering uncached", exc_info=True)
            return None
        return self.local.read() + shared

    def replace(self) -> None:
        self.local.replace()
        if self._redis is not None:
            try:
                self._redis.set(self.key, os.urandom(8))
            except Exception:  # noqa: BLE001 - other hosts catch up within the TTL
                log.warning("response cache: could not replace the shared stamp", exc_info=True)


def _table_of(thing: object) -> str | None:
    table = getattr(thing, "__table__", None)
    return getattr(table, "name", None)


def _note_flush(session: Session, _context: object) -> None:
    if session.info.get(_FLAG):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if _table_of(obj) not in PRIVATE_TABLES:
            session.info[_FLAG] = True
            return


def _note_statement(state) -> None:  # noqa: ANN001 - an ORMExecuteState
    if isinstance(state.statement, TextClause):  # SQL as text: a write unless a plain SELECT
        if not state.statement.text.lstrip().lower().startswith("select"):
            state.session.info[_FLAG] = True
        return
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in PRIVATE_TABLES:
        state.session.info[_FLAG] = True


def track_public_writes(factory: sessionmaker) -> None:
    """Note in each *factory* session whether its transaction wrote a table public reads use."""
    event.listen(factory, "after_flush", _note_flush)
    event.listen(factory, "do_orm_execute", _note_statement)
    event.listen(factory, "after_soft_rollback", lambda session, _tx: session.info.pop(_FLAG, None))


def wrote_public_tables(session: Session) -> bool:
    """Whether the transaction *session* just committed wrote a public table (asked once)."""
    return bool(session.info.pop(_FLAG, False))


@dataclass
class _Entry:
    stamp: bytes
    expires: float  # time.time()
    body: bytes
    headers: list[tuple[str, str]]


class ResponseCache:
    def __init__(self, stamp: SharedStamp, *, entries: int, max_bytes: int, ttl: float) -> None:
        self.stamp = stamp
        self.max_entries = entries
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple, stamp: bytes, now: float) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.stamp != stamp or entry.expires <= now:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        size = len(entry.body)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple) -> None:
        self._bytes -= len(self._entries.pop(key).body)

    def __len__(self) -> int:
        return len(self._entries)


def not_after(moment: datetime | None) -> None:
    """The answer being computed changes at *moment* (a notice starts, a live status ends)."""
    if moment is None or not g.get("cache_key"):
        return
    when = moment.timestamp()
    if when > time.time():
        g.cache_expires = min(g.get("cache_expires", when), when)


_CACHED = "_c800_cached"


def cached(view):  # noqa: ANN001, ANN201 - decorator
    """Mark *view* as a public read whose answers may be kept (see the module docstring)."""
    setattr(view, _CACHED, True)
    return view


def _next_minute(now: float) -> float:
    return (int(now) // 60 + 1) * 60.0


STAMP = "c800_change_stamp"


def register_change_stamp(app: Flask, data_dir: Path, *, redis_url: str | None = None,
                          key_prefix: str = "c800") -> SharedStamp:
    """The change stamp of *app* (see the module docstring), replaced after each commit of its
    sessions that wrote a public table; made once, whether the response cache is on or not
    (what public lists share is kept by it too: ``api.list_facts``)."""
    if STAMP in app.extensions:
        return app.extensions[STAMP]
    stamp = SharedStamp(ChangeStamp(data_dir / "response-cache.stamp"), redis_url,
                        f"{key_prefix}:response-cache:stamp")
    state = app.extensions["c800"]
    track_public_writes(state.sessions)

    def replace_stamp(session: Session) -> None:
        if wrote_public_tables(session):
            stamp.replace()

    state.after_commit.append(replace_stamp)  # the second of AppState's named hooks
    app.extensions[STAMP] = stamp
    return stamp


def register_response_cache(app: Flask, data_dir: Path, *, entries: int, megabytes: int,
                            ttl: int, redis_url: str | None = None, key_prefix: str = "c800"
                            ) -> None:
    """Give *app* its cache and the hook that keeps answers. Call it right after compression
    is set up and before the HTTP conventions: after_request hooks run last-registered first,
    so this one sees the answer with its ETag, before it is compressed."""
    stamp = register_change_stamp(app, data_dir, redis_url=redis_url, key_prefix=key_prefix)
    if entries <= 0 or ttl <= 0:
        return
    app.extensions[EXTENSION] = ResponseCache(stamp, entries=entries, max_bytes=megabytes << 20,
                                              ttl=float(ttl))

    @app.after_request
    def _keep(response: Response) -> Response:
        key = g.pop("cache_key", None)
        if key is None or response.status_code != 200 or response.direct_passthrough \
                or response.is_streamed:
            return response
        cache: ResponseCache = app.extensions[EXTENSION]
        now = time.time()
        expires = min(g.get("cache_expires", now + cache.ttl), now + cache.ttl, _next_minute(now))
        headers = [(name, response.headers[name]) for name in CACHED_HEADERS if name in response.headers]
        cache.put(key, _Entry(g.cache_stamp, expires, response.get_data(), headers))
        return response


def register_cache_lookup(app: Flask) -> None:
    """The hook that answers from the cache: call it after every other ``before_request`` hook
    is registered (authentication and rate limits count cached answers too)."""
    cache: ResponseCache | None = app.extensions.get(EXTENSION)
    if cache is None:
        return

    @app.before_request
    def _serve() -> Response | None:
        if request.method != "GET" or not get_marked(request.endpoint, _CACHED):
            return None
        key = (request.url, preferred_language(), request.headers.get("Accept", ""))
        stamp = cache.stamp.read()
        if stamp is None:
            CACHE_RESULTS.labels("bypass").inc()
            return None
        entry = cache.get(key, stamp, time.time())
        if entry is not None:
            CACHE_RESULTS.labels("hit").inc()
            return Response(entry.body, 200, headers=entry.headers)
        CACHE_RESULTS.labels("miss").inc()
        g.cache_key, g.cache_stamp = key, stamp
        return None
