"""What every page of a public list shares, kept per filter while the data is unchanged: the
list's total (``total``, ``total_exact``) and its shape (the industries under the one asked, the
listings with one of a region's codes: ``directory.listings.browse_listings``).

Both depend on the list's filter and the stored data, never on the page asked (cursor, limit)
or on who asks, and the filters a crowd uses are few (industries, regions, channel kinds,
verified) while its pages and cursors are many. Counting is the dearest part of a page: up to
10,001 rows (``directory.pages.EXACT_COUNT_UP_TO``) on every page, an index scan of about 2 ms
on PostgreSQL at a million listings against 0.3–0.6 ms for the page itself; the shape is one
or two more statements. So each worker keeps the last ``ENTRIES`` of them, each with the change
stamp read before it was worked out (``api.cache``: replaced by every commit that writes a
table public reads use, on this host and, with Redis, on every host), and uses one only while
the stamp is still that one and for at most ``PUBLIC_CACHE_SECONDS``: a page read after a
write, in any worker, works them out again. Writes made outside the app (SQL by hand) are seen
within ``PUBLIC_CACHE_SECONDS``, as by the response cache. Lists whose total changes with the
time (``open_now``) are counted every time. ``PUBLIC_CACHE_SECONDS=0`` keeps nothing.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Flask, current_app

from api.cache import STAMP, SharedStamp

EXTENSION = "c800_list_facts"
# Per worker. A region's shape holds up to 1,000 ids (tens of KB with the statements built for
# them), so a client walking every sparse region can make this hold a few tens of MB at most:
# as many as directory.listings keeps built lists (512), which the shapes kept here keep alive.
ENTRIES = 512
T = TypeVar("T")


class ListFacts:
    """Values by key, each with the stamp it was worked out under and when it expires."""

    def __init__(self, stamp: SharedStamp, *, ttl: float, entries: int = ENTRIES) -> None:
        self.stamp = stamp
        self.ttl = ttl
        self.entries = entries
        self._kept: OrderedDict[Hashable, tuple[bytes, float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value *key* names: kept, or *make()* (and kept)."""
        stamp = self.stamp.read()
        if stamp is None:  # the shared stamp cannot be read (Redis down): work it out
            return make()
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == stamp and kept[1] > now:
                self._kept.move_to_end(key)
                return kept[2]
        value = make()
        with self._lock:
            self._kept[key] = (stamp, now + self.ttl, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.entries:
                self._kept.popitem(last=False)
        return value


def register_list_facts(app: Flask, ttl: int) -> None:
    """Keep *app*'s list facts by its change stamp (registered before: ``api.cache``); none
    kept when *ttl* is 0."""
    if ttl > 0:
        app.extensions[EXTENSION] = ListFacts(app.extensions[STAMP], ttl=float(ttl))


def list_fact(key: Hashable | None, make: Callable[[], T]) -> T:
    """The fact *key* names (a hashable tuple starting with what it is), kept or *make()*;
    *key* None: *make()*."""
    facts: ListFacts | None = current_app.extensions.get(EXTENSION)
    if key is None or facts is None:
        return make()
    return facts.get(key, make)
