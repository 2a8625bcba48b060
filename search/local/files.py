"""The files of the embedded index and the connections to them.

``path`` (``DATA_DIR/search.sqlite3``) is a small pointer file naming the live *generation*,
a SQLite database beside it (``search.sqlite3.000001``, in WAL mode with its own ``-wal`` and
``-shm``). A rebuild builds the next generation in a new file while searches go on against
the live one, then :meth:`IndexFiles.swap` replaces the pointer with ``os.replace`` and
removes the old files. Every connection checks the pointer (one ``stat``) before each
operation and reopens when it changed, so the other workers follow a rebuild by themselves.
The database file itself is never replaced underneath a WAL connection: another process's
``-wal``/``-shm`` would then be applied to the wrong file. Connections are per process and per
thread (a worker forked after the app was made opens its own); writes are ``BEGIN IMMEDIATE``
transactions, and a write that finds its generation retired by a swap is redone on the new one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from search.base import SearchUnavailable
from search.local.schema import DOCS_ID_INDEX, DOCS_RID_INDEX, SCHEMA, SCHEMA_VERSION, Codes

T = TypeVar("T")

POINTER_MAGIC = "c800-search-pointer 1"
BUSY_TIMEOUT_S = 10.0
CACHE_KIB = 16_384  # page cache per connection


class ThreadState(threading.local):
    """One thread's connection to the live generation, and what it caches of it."""

    pid: int = -1
    epoch: int = -1
    conn: sqlite3.Connection | None = None
    generation: str | None = None
    codes: Codes | None = None
    data_version: int = -1
    averages: tuple[int, tuple[int, int]] | None = None


# Connections made before a fork stay referenced in the child (never closed or used there):
# closing them could release or checkpoint state that belongs to the parent.
_INHERITED: list[sqlite3.Connection] = []
_OPEN: weakref.WeakSet[IndexFiles] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for files in list(_OPEN):
        files._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


class IndexFiles:
    """The pointer file *path*, its generations, and this process's connections to them."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = ThreadState()
        self._all: list[tuple[int, sqlite3.Connection]] = []
        self._all_lock = threading.Lock()
        self._pointer: tuple[tuple[int, int, int], str] | None = None
        self._epoch = 0  # bumped by close(): every thread's connection is then gone
        _OPEN.add(self)

    @property
    def local(self) -> ThreadState:
        """The calling thread's state."""
        return self._local

    def _after_fork(self) -> None:
        with contextlib.suppress(Exception):
            _INHERITED.extend(conn for _, conn in self._all)
        self._all = []
        self._all_lock = threading.Lock()
        self._local = ThreadState()
        self._pointer = None

    # --- the pointer and the generations --------------------------------------------------------
    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Serialises creation and generation swaps across processes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{self.path}.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_pointer(self) -> str | None:
        """The live generation's file name (cached on the pointer's inode and mtime)."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self._pointer = None
            return None
        ident = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = self._pointer
        if cached is not None and cached[0] == ident:
            return cached[1]
        with open(self.path, "rb") as handle:
            raw = handle.read(4096)
        if raw.startswith(b"SQLite format 3\x00"):
            raise SearchUnavailable(f"{self.path} is a SQLite database, not a search index pointer")
        lines = raw.decode("utf-8", "replace").splitlines()
        if len(lines) < 2 or lines[0] != POINTER_MAGIC or "/" in lines[1] or not lines[1]:
            raise SearchUnavailable(f"{self.path} is not a search index pointer")
        self._pointer = (ident, lines[1])
        return lines[1]

    def _write_pointer(self, generation: str) -> None:
        temp = self.path.with_name(f"{self.path.name}.pointer-{os.getpid()}")
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(f"{POINTER_MAGIC}\n{generation}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)
        self._pointer = None

    def _generation_path(self, generation: str) -> Path:
        return self.path.with_name(generation)

    def _next_generation(self, current: str | None) -> str:
        number = 0
        if current:
            with contextlib.suppress(ValueError):
                number = int(current.rsplit(".", 1)[-1])
        while True:
            number += 1
            name = f"{self.path.name}.{number:06d}"
            if not self._generation_path(name).exists():
                return name

    def ensure(self) -> str:
        """The live generation, creating an empty index on first use."""
        generation = self._read_pointer()
        if generation is not None:
            return generation
        with self._file_lock():
            generation = self._read_pointer()
            if generation is None:
                generation = self._next_generation(None)
                conn = self._create(self._generation_path(generation))
                conn.execute(DOCS_RID_INDEX)
                conn.execute(DOCS_ID_INDEX)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.close()
                self._write_pointer(generation)
        return generation

    def create_next(self) -> tuple[str, sqlite3.Connection]:
        """A new, empty generation beside the live one (not live yet), and a connection to it."""
        self.ensure()
        with self._file_lock():
            generation = self._next_generation(self._read_pointer())
            return generation, self._create(self._generation_path(generation))

    def _create(self, file: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(file, isolation_level=None, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        conn.executescript(SCHEMA)
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                         [("schema", SCHEMA_VERSION), ("seq", 0), ("count", 0), ("retired", 0)])
        return conn

    def _open(self, generation: str) -> sqlite3.Connection:
        file = self._generation_path(generation)
        conn = sqlite3.connect(f"file:{file}?mode=rw", uri=True, isolation_level=None,
                               timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, fts, row)")
            version = conn.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        except sqlite3.Error:
            conn.close()
            raise
        if not version or int(version[0]) != SCHEMA_VERSION:
            conn.close()
            raise SearchUnavailable(f"{file}: search index schema {version}, not {SCHEMA_VERSION}: "
                                    "rebuild it (flask search reindex)")
        return conn

    def swap(self, generation: str) -> None:
        """Point at *generation*; retire the old one inside its write lock, then remove it."""
        with self._file_lock():
            old = self._read_pointer()
            old_conn = None
            if old is not None:
                with contextlib.suppress(sqlite3.Error, SearchUnavailable):  # gone, or an old schema
                    old_conn = self._open(old)
                    old_conn.execute("BEGIN IMMEDIATE")  # no writer commits to it after this
                    old_conn.execute("UPDATE meta SET value = 1 WHERE name = 'retired'")
            try:
                self._write_pointer(generation)
            finally:
                if old_conn is not None:
                    with contextlib.suppress(sqlite3.Error):
                        old_conn.execute("COMMIT")
                    old_conn.close()
            local = self._local
            if local.conn is not None and local.pid == os.getpid():
                self._forget(local.conn)
            if old is not None and old != generation:
                self.unlink_generation(old)

    def unlink_generation(self, generation: str) -> None:
        base = self._generation_path(generation)
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{base}{suffix}")

    # --- connections ----------------------------------------------------------------------------
    def conn(self) -> sqlite3.Connection:
        """This thread's connection to the live generation (reopened after a fork or a swap)."""
        local = self._local
        pid = os.getpid()
        for attempt in range(5):
            try:
                generation = self.ensure()
            except OSError as error:
                raise SearchUnavailable(f"search index {self.path}: {error}") from error
            if (local.pid == pid and local.generation == generation and local.conn is not None
                    and local.epoch == self._epoch):
                return local.conn
            if local.pid == pid and local.conn is not None and local.epoch == self._epoch:
                self._forget(local.conn)
            try:
                conn = self._open(generation)
            except sqlite3.OperationalError as error:
                # The generation was swapped out and removed between reading and opening.
                if attempt == 4:
                    raise SearchUnavailable(f"search index {self.path}: {error}") from error
                self._pointer = None
                time.sleep(0.01 * (attempt + 1))
                continue
            local.pid, local.conn, local.generation, local.epoch = pid, conn, generation, self._epoch
            local.codes, local.data_version = None, -1
            with self._all_lock:
                self._all.append((pid, conn))
            return conn
        raise SearchUnavailable(f"search index {self.path}: cannot open")  # pragma: no cover

    def _forget(self, conn: sqlite3.Connection) -> None:
        with self._all_lock:
            self._all = [(pid, c) for pid, c in self._all if c is not conn]
        with contextlib.suppress(sqlite3.Error):
            conn.close()
        local = self._local
        if local.conn is conn:
            local.conn, local.generation, local.codes = None, None, None

    def close(self) -> None:
        """Close this process's connections (every thread's)."""
        pid = os.getpid()
        with self._all_lock:
            mine = [conn for p, conn in self._all if p == pid]
            self._all = [(p, conn) for p, conn in self._all if p != pid]
        for conn in mine:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._epoch += 1

    def codes(self, conn: sqlite3.Connection) -> Codes:
        """The codes table, re-read when another connection committed since."""
        local = self._local
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if local.codes is None or local.data_version != version:
            local.codes = Codes(conn.execute("SELECT kind, value, code FROM codes"))
            local.data_version = version
        return local.codes

    # --- transactions ---------------------------------------------------------------------------
    def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run *work* in a write transaction on the live generation (retried after a swap)."""
        for _ in range(5):
            conn = self.conn()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                generation = self._local.generation
                self._pointer = None
                if self._read_pointer() != generation:  # swapped (and removed) meanwhile
                    self._forget(conn)
                    continue
                raise SearchUnavailable(f"search index busy: {error}") from error
            try:
                retired = conn.execute("SELECT value FROM meta WHERE name = 'retired'").fetchone()
                if retired and int(retired[0]):
                    conn.execute("ROLLBACK")
                    self._forget(conn)
                    self._pointer = None
                    continue
                result = work(conn)
                conn.execute("COMMIT")
                return result
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            finally:  # this connection's own writes do not change its data_version
                self._local.codes = self._local.averages = None
        raise SearchUnavailable("search index was swapped repeatedly during a write")

    def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run *work* in one read transaction: its statements see one snapshot of the index."""
        try:
            conn = self.conn()
            conn.execute("BEGIN")
            try:
                return work(conn)
            finally:
                conn.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            raise SearchUnavailable(f"search index {self.path}: {error}") from error
