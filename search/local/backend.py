"""The embedded search backend: SQLite FTS5 in its own files under ``DATA_DIR``.

Files. ``path`` (``DATA_DIR/search.sqlite3``) is a small pointer file naming the live
*generation*, a SQLite database beside it (``search.sqlite3.000001``, in WAL mode with its own
``-wal`` and ``-shm``). :meth:`LocalBackend.rebuild` builds the next generation in a new file
while searches go on against the live one, then swaps the pointer with ``os.replace`` and
removes the old files. Every connection checks the pointer (one ``stat``) before each
operation and reopens when it changed, so the other workers follow a rebuild by themselves.
The database file itself is never replaced underneath a WAL connection: another process's
``-wal``/``-shm`` would then be applied to the wrong file. Connections are per process and per
thread (a worker forked after the app was made opens its own); writes are ``BEGIN IMMEDIATE``
transactions, and a write that finds its generation retired by a swap is redone on the new one.

A generation holds:

- ``fts`` — a contentless FTS5 table (``detail=column``, ``prefix='1 2 3 4'``): ``nh`` (CJK
  unigrams and bigrams of the ``name_han`` runs), ``nt`` (``name_terms``), ``oh``, ``ot`` (the
  same for the other fields), ``k`` (the keys that no term already holds, e.g. ``chinamobile``)
  and ``tg`` (filter tokens ``i<code>`` industries, ``c<code>`` channel kinds, ``r<code>``
  regions, and ``q2``..``q8`` sample marks). The tokenizer is ``unicode61 remove_diacritics 0``
  with ``tokenchars`` for the few letters its Unicode tables lack, so every application-made
  gram, term or key is exactly one token, unaltered.
- ``fk`` — every key (``k``) and the filter tokens, for the exact-key and key-prefix tiers and
  the suggestions, without reading the (much longer) doclists of the terms.
- ``docs`` — per document: the FTS rowid, id, exact popularity, leaf industry, channel kinds
  and its record (JSON: the FTS texts, needed to delete it from contentless tables, to check a
  key-tier candidate and to compute BM25); ``codes``; ``meta``.

The FTS rowid is a static quality order (see ``rowid layout`` below): verified, then popular,
then short documents first; it also carries the industry and channel bits the facets count.
FTS5 returns rowids in that order, so a tier's best documents come first and a page is read
without visiting every match.

A query (the contract is in :mod:`search.base`) is a few FTS5 expressions, every user token
quoted (``"..."``, ``"..."*``): ``full`` (each Han run's bigrams all in ``nh`` or all in ``oh``;
each word a prefix of a term in ``nt``/``ot``/``k``; the filters), ``names`` (runs in ``nh``,
words in ``nt``), and the query's key, exact and as a prefix, in ``fk``. A word of 5+
characters that begins at most ``EXPAND`` indexed terms becomes their OR (FTS5 merges a
prefix's doclists in every statement unless its prefix index holds that length). The tiers are
read in turn, each in rowid order, until the page is full. Rows of one (verified, popularity)
value are ordered by exact popularity, BM25 and id, in runs of at most ``TIE_CHUNK`` rows in
rowid order: a fixed order, so pages stay stable and disjoint, exact whenever a tie holds
fewer rows. BM25 is FTS5's ``bm25()`` formula with its column weights (names and keys 10,
other fields 2), computed here from the stored terms: ``bm25()`` itself counts every row of
each phrase in every statement for the IDF (and yields 0 on a contentless table).

Totals and facets are exact up to ``EXACT_LIMIT`` matches (one ``GROUP BY`` over the rowids'
bits). A query matching more (``co``, ``服务`` on a million listings) is counted on a fixed
sample of the documents (1/4 .. 1/256, marked at index time by a hash of the id) and scaled:
counting every row of 400,000 matches would take ~100 ms.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import operator
import os
import queue
import sqlite3
import threading
import time
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from search.base import SearchBackend, SearchQuery, SearchResults, SearchUnavailable
from search.text import cjk_bigrams, compact, is_han

log = logging.getLogger("c800.search")

T = TypeVar("T")

SCHEMA_VERSION = 2
POINTER_MAGIC = "c800-search-pointer 1"
BUSY_TIMEOUT_S = 10.0
CACHE_KIB = 16_384  # page cache per connection

# Letters that Python's \w treats as word characters but SQLite 3.40's unicode61 tables do not
# (New Tai Lue, two Vedic signs): declared token characters so no term is ever split.
_TOKENCHARS = "".join(chr(c) for c in (
    0x19B0, 0x19B1, 0x19B2, 0x19B3, 0x19B4, 0x19B5, 0x19B6, 0x19B7, 0x19B8, 0x19B9, 0x19BA,
    0x19BB, 0x19BC, 0x19BD, 0x19BE, 0x19BF, 0x19C0, 0x19C8, 0x19C9, 0x1CF2, 0x1CF3))
TOKENIZE = f"unicode61 remove_diacritics 0 tokenchars '{_TOKENCHARS}'"
COLUMNS = ("nh", "nt", "oh", "ot", "k", "tg")
# BM25 column weights: names and keys above the other fields; filter tokens not at all.
WEIGHTS = (10.0, 10.0, 2.0, 2.0, 10.0, 0.0)
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's bm25() constants

# rowid layout (62 bits, always positive), best first:
#   [unverified:1][65535 - popularity:16][length:4][industry:8][channel kinds:12][sequence:21]
# (verified, popularity) is the static order; within it shorter documents come first, as BM25
# would rank most of them; industry and channel bits let the facets be counted from rowids.
SEQ_BITS = 21
CHANNEL_SHIFT, CHANNEL_BITS = 21, 12
INDUSTRY_SHIFT, INDUSTRY_BITS = 33, 8
LENGTH_SHIFT, LENGTH_BITS = 41, 4
POP_SHIFT, POP_BITS = 45, 16
UNVERIFIED_SHIFT = 61
GROUP_SHIFT = POP_SHIFT  # rowid >> GROUP_SHIFT: (verified, popularity), the static order
FACET_MASK = (1 << (CHANNEL_BITS + INDUSTRY_BITS)) - 1
SEQ_MASK = (1 << SEQ_BITS) - 1
POP_MAX = (1 << POP_BITS) - 1
LENGTH_MAX = (1 << LENGTH_BITS) - 1
CHANNEL_OVERFLOW = CHANNEL_BITS - 1  # bit set when a document has a kind without a bit of its own
INDUSTRY_OVERFLOW = (1 << INDUSTRY_BITS) - 1  # code of industries without a code of their own

# Rows of equal (verified, popularity) are ordered by BM25 this many at a time (scoring reads
# each row's record: a tie of 50,000 rows cannot be scored per query).
TIE_CHUNK = 256
SUGGEST_CHUNK = 256  # the same for suggestions, ordered by their shortest matching key
EXACT_LIMIT = 20_000  # matches counted one by one; above, totals and facets are sampled
SAMPLE_SIZE = 8_000  # rows a sample should hold at most
EXPAND = 32  # a query word of 5+ characters beginning at most this many terms is matched as their OR
# Sample marks in ``tg``: a document whose id hashes to 0 mod 4**n carries q<2n> (nested).
SAMPLES = (("q2", 4), ("q4", 16), ("q6", 64), ("q8", 256))
BATCH = 2000  # documents per write transaction of index()
# Documents per rebuild batch, written in rowid order: FTS5 flushes its pending terms to a new
# segment whenever a rowid is lower than the last one, so unsorted rows make tiny segments.
BULK_BATCH = 16_384

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS codes (
    kind TEXT NOT NULL, value TEXT NOT NULL, code INTEGER NOT NULL,
    PRIMARY KEY (kind, value)) WITHOUT ROWID;
-- n: insertion order, so that a bulk load appends; rid: the FTS rowid (see the layout above)
CREATE TABLE IF NOT EXISTS docs (
    n INTEGER PRIMARY KEY, rid INTEGER NOT NULL, id TEXT NOT NULL, pop INTEGER NOT NULL,
    industry TEXT, channels TEXT NOT NULL, body TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    {", ".join(COLUMNS)}, content='', detail=column, prefix='1 2 3 4', tokenize="{TOKENIZE}");
CREATE VIRTUAL TABLE IF NOT EXISTS fk USING fts5(
    k, tg, content='', detail=column, prefix='1 2 3', tokenize="{TOKENIZE}");
"""
DOCS_RID_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS docs_rid ON docs(rid)"
# Not UNIQUE: index() replaces an id in one transaction, and a bulk load removes duplicates
# after the fact (a failing CREATE UNIQUE INDEX cannot be rolled back without a journal).
DOCS_ID_INDEX = "CREATE INDEX IF NOT EXISTS docs_id ON docs(id, n)"
# docs.body: JSON [rowid, id, popularity, industry, channels, nh, nt, oh, ot, k, tg, keys]
NH, NT, OH, OT, K, TG, KEYS = range(5, 12)
INSERT_FTS = f"INSERT INTO fts(rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"
DELETE_FTS = f"INSERT INTO fts(fts, rowid, {', '.join(COLUMNS)}) VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)"


def quote(token: str) -> str:
    """An FTS5 string: user text never reaches MATCH as syntax."""
    return '"' + token.replace('"', '""') + '"'


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _grams(runs: Iterable[str]) -> tuple[str, int]:
    """The unigrams and bigrams of Han runs as one FTS column text (search.text.cjk_grams of
    each run, written out without a list per run), and how many there are."""
    parts: list[str] = []
    count = 0
    for run in runs:
        parts.append(" ".join(run))
        if len(run) > 1:
            parts.append(" ".join(map(operator.add, run, run[1:])))
        count += 2 * len(run) - 1
    return " ".join(parts), count


def _varint(blob: bytes, at: int) -> tuple[int, int]:
    """An SQLite varint of *blob* at *at*: (value, next offset)."""
    value = 0
    for index in range(8):
        byte = blob[at + index]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + index + 1
    return (value << 8) | blob[at + 8], at + 9


def _sample_marks(ident: str) -> str:
    bucket = zlib.crc32(ident.encode("utf-8")) & 0xFF
    return "".join(f" {mark}" for mark, every in SAMPLES if bucket % every == 0)


class _Codes:
    """Small integer codes for industries (``i``), channel kinds (``c``) and regions (``r``)."""

    def __init__(self, rows: Iterable[tuple[str, str, int]]) -> None:
        self.by_value: dict[tuple[str, str], int] = {}
        self.by_code: dict[tuple[str, int], str] = {}
        self.next: dict[str, int] = {"i": 1, "c": 0, "r": 0}
        self.new: list[tuple[str, str, int]] = []
        self._tags: dict[tuple, tuple[str, int, int]] = {}
        for kind, value, code in rows:
            self._add(kind, value, code)

    def _add(self, kind: str, value: str, code: int) -> None:
        self.by_value[kind, value] = code
        self.by_code[kind, code] = value
        self.next[kind] = max(self.next.get(kind, 0), code + 1)

    def get(self, kind: str, value: str) -> int | None:
        return self.by_value.get((kind, value))

    def code(self, kind: str, value: str) -> int:
        found = self.by_value.get((kind, value))
        if found is None:
            found = self.next[kind]
            self._add(kind, value, found)
            self.new.append((kind, value, found))
        return found

    def tags(self, industry: str | None, industries: tuple[str, ...], channels: tuple[str, ...],
             regions: tuple[str, ...]) -> tuple[str, int, int]:
        """The filter tokens, industry code and channel bits of a document (memoised)."""
        memo_key = (industry, industries, channels, regions)
        found = self._tags.get(memo_key)
        if found is not None:
            return found
        tags = [f"i{self.code('i', value)}" for value in dict.fromkeys(industries)]
        tags += [f"c{self.code('c', kind)}" for kind in channels]
        tags += [f"r{self.code('r', region)}" for region in dict.fromkeys(regions or ("*",))]
        industry_code = min(self.code("i", industry), INDUSTRY_OVERFLOW) if industry else 0
        mask = 0
        for kind in channels:
            mask |= 1 << min(self.code("c", kind), CHANNEL_OVERFLOW)
        found = (" ".join(tags), industry_code, mask)
        if len(self._tags) < 10_000:
            self._tags[memo_key] = found
        return found


class _Row:
    """A document turned into its rows: ``docs``, ``fts`` and ``fk``."""

    __slots__ = ("id", "base", "pop", "industry", "channels", "columns", "keys", "filters")

    def __init__(self, doc: Mapping[str, Any], codes: _Codes) -> None:
        self.id = str(doc["id"])
        industry = doc.get("industry")
        channels = tuple(dict.fromkeys(doc.get("channels") or ()))
        self.filters, industry_code, mask = codes.tags(
            industry, tuple(doc.get("industries") or ()), channels, tuple(doc.get("regions") or ()))
        name_han, name_grams = _grams(doc.get("name_han") or ())
        other_han, other_grams = _grams(doc.get("other_han") or ())
        name_terms = doc.get("name_terms") or ()
        other_terms = doc.get("other_terms") or ()
        keys = doc.get("keys") or ()
        # A word can only begin a key that no term holds and that does not start with Han.
        terms = {*name_terms, *other_terms}
        spare = [key for key in keys if key not in terms and not is_han(key)]
        self.columns = (name_han, " ".join(name_terms), other_han, " ".join(other_terms),
                        " ".join(spare), self.filters + _sample_marks(self.id))
        self.keys = " ".join(keys)
        length = name_grams + other_grams + len(name_terms) + len(other_terms) + len(spare)
        pop = int(doc.get("popularity") or 0)
        self.base = (
            (0 if doc.get("verified") else 1) << UNVERIFIED_SHIFT
            | (POP_MAX - min(max(pop, 0), POP_MAX)) << POP_SHIFT
            | min(int(1.5 * length ** 0.5), LENGTH_MAX) << LENGTH_SHIFT
            | industry_code << INDUSTRY_SHIFT
            | mask << CHANNEL_SHIFT
        )
        self.pop = pop
        self.industry = industry
        self.channels = " ".join(channels)

    def record(self, rid: int) -> tuple:
        """The row as stored (JSON) in ``docs.body``: what deleting it from the FTS tables needs."""
        return (rid, self.id, self.pop, self.industry, self.channels, *self.columns, self.keys)


class _Query:
    """The FTS5 expressions of one analysed query (every token quoted)."""

    def __init__(self, query: SearchQuery, codes: _Codes,
                 terms: Callable[[str], list[str] | None]) -> None:
        analyzed = query.analyzed
        self.key = analyzed.key
        # For checking a key tier's candidates in Python (the same rules as ``full``); a lone
        # word needs no check: a key that it begins is a term that it begins.
        self.han_grams = [set(cjk_bigrams(run)) for run in analyzed.han]
        self.words = analyzed.words
        # The phrases of ``full`` for BM25: (FTS5 expression, text, is a prefix, {column: weight},
        # the column and grams of the OR branch that must match for the phrase to count or None)
        self.phrases: list[tuple[str, str, bool, dict[int, float], tuple[int, set[str]] | None]] = []
        self.check = bool(analyzed.han) or len(analyzed.words) != 1
        self.possible = True
        full: list[str] = []
        names: list[str] = []
        for run in analyzed.han:
            grams = [quote(gram) for gram in dict.fromkeys(cjk_bigrams(run))]
            texts = list(dict.fromkeys(cjk_bigrams(run)))
            if len(grams) == 1:
                full.append(f"{{nh oh}} : {grams[0]}")
                self.phrases.append((full[-1], texts[0], False, {NH: WEIGHTS[0], OH: WEIGHTS[2]}, None))
            else:
                in_names = " AND ".join(f"nh : {gram}" for gram in grams)
                in_other = " AND ".join(f"oh : {gram}" for gram in grams)
                full.append(f"(({in_names}) OR ({in_other}))")
                pairs = list(zip(grams, texts, strict=True))
                run_grams = set(texts)
                self.phrases += [(f"nh : {gram}", text, False, {NH: WEIGHTS[0]}, (NH, run_grams))
                                 for gram, text in pairs]
                self.phrases += [(f"oh : {gram}", text, False, {OH: WEIGHTS[2]}, (OH, run_grams))
                                 for gram, text in pairs]
            names.append(" AND ".join(f"nh : {gram}" for gram in grams))
        for word in analyzed.words:
            # A long prefix begins few terms: their OR streams, where FTS5 would first merge the
            # doclists of a prefix that its prefix index (1-4 characters) does not hold.
            expanded = terms(word) if len(word) > 4 else None
            if expanded is None:
                alternatives = f"{quote(word)}*"
            elif expanded:
                alternatives = "(" + " OR ".join(quote(term) for term in expanded) + ")"
            else:
                self.possible = False
                alternatives = f"{quote(word)}*"
            full.append(f"{{nt ot k}} : {alternatives}")
            names.append(f"nt : {alternatives}")
            self.phrases.append((full[-1], word, True, {NT: WEIGHTS[1], OT: WEIGHTS[3], K: WEIGHTS[4]}, None))
        filters: list[str] = []
        if query.industry:
            filters.append(self._tag(codes, "i", [query.industry]))
        if query.channel:
            filters.append(self._tag(codes, "c", [query.channel]))
        if query.regions:
            filters.append(self._tag(codes, "r", query.region_filter))
        self.filters = filters
        self.full = " AND ".join([*full, *filters])
        self.names = " AND ".join([*names, *filters])
        self.rest = f"({self.full}) NOT ({self.names})"
        key = quote(self.key) if self.key else None
        self.exact = " AND ".join([f"k : {key}", *filters]) if key else None
        self.prefix = " AND ".join([f"k : {key}*", *filters]) if key else None

    def _tag(self, codes: _Codes, kind: str, values: list[str]) -> str:
        found = [code for code in (codes.get(kind, value) for value in values) if code is not None]
        if not found:
            self.possible = False
            return ""
        return "(" + " OR ".join(f"tg : {quote(f'{kind}{code}')}" for code in found) + ")"

    def matches(self, record: list) -> bool:
        """Whether a stored record matches the Han runs and words (filters are checked by FTS)."""
        if self.han_grams:
            names, other = set(record[NH].split()), set(record[OH].split())
            if not all(grams <= names or grams <= other for grams in self.han_grams):
                return False
        if self.words:
            terms = [*record[NT].split(), *record[OT].split(), *record[KEYS].split()]
            return all(any(term.startswith(word) for term in terms) for word in self.words)
        return True


class _Local(threading.local):
    pid: int = -1
    epoch: int = -1
    conn: sqlite3.Connection | None = None
    generation: str | None = None
    codes: _Codes | None = None
    data_version: int = -1
    averages: tuple[int, tuple[int, int]] | None = None


# Connections made before a fork stay referenced in the child (never closed or used there):
# closing them could release or checkpoint state that belongs to the parent.
_INHERITED: list[sqlite3.Connection] = []
_BACKENDS: weakref.WeakSet[LocalBackend] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for backend in list(_BACKENDS):
        backend._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


class LocalBackend(SearchBackend):
    """SQLite FTS5 search in ``path`` (a pointer file) and its generation files."""

    name = "local"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = _Local()
        self._all: list[tuple[int, sqlite3.Connection]] = []
        self._all_lock = threading.Lock()
        self._pointer: tuple[tuple[int, int, int], str] | None = None
        self._epoch = 0  # bumped by close(): every thread's connection is then gone
        _BACKENDS.add(self)

    # --- files and connections ----------------------------------------------------------------
    def _after_fork(self) -> None:
        with contextlib.suppress(Exception):
            _INHERITED.extend(conn for _, conn in self._all)
        self._all = []
        self._all_lock = threading.Lock()
        self._local = _Local()
        self._pointer = None

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

    def _ensure(self) -> str:
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

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection to the live generation (reopened after a fork or a swap)."""
        local = self._local
        pid = os.getpid()
        for attempt in range(5):
            try:
                generation = self._ensure()
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
        pid = os.getpid()
        with self._all_lock:
            mine = [conn for p, conn in self._all if p == pid]
            self._all = [(p, conn) for p, conn in self._all if p != pid]
        for conn in mine:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._epoch += 1

    def _codes(self, conn: sqlite3.Connection) -> _Codes:
        """The codes table, re-read when another connection committed since."""
        local = self._local
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if local.codes is None or local.data_version != version:
            local.codes = _Codes(conn.execute("SELECT kind, value, code FROM codes"))
            local.data_version = version
        return local.codes

    # --- writing ------------------------------------------------------------------------------
    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run *work* in a write transaction on the live generation (retried after a swap)."""
        for _ in range(5):
            conn = self._conn()
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

    @staticmethod
    def _remove(conn: sqlite3.Connection, rows: list[tuple[int, str]]) -> None:
        """Delete documents given ``(rowid, body)`` from every table."""
        if not rows:
            return
        records = [json.loads(body) for _, body in rows]
        conn.executemany(DELETE_FTS, [(rec[0], *rec[NH:KEYS]) for rec in records])
        conn.executemany("INSERT INTO fk(fk, rowid, k, tg) VALUES ('delete', ?, ?, ?)",
                         [(rec[0], rec[KEYS], rec[TG]) for rec in records])
        conn.executemany("DELETE FROM docs WHERE rid = ?", [(rid,) for rid, _ in rows])

    @classmethod
    def _remove_ids(cls, conn: sqlite3.Connection, ids: list[str]) -> int:
        removed = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = conn.execute(
                f"SELECT rid, body FROM docs WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            cls._remove(conn, rows)
            removed += len(rows)
        return removed

    @staticmethod
    def _insert(conn: sqlite3.Connection, rows: list[_Row], seq: int) -> int:
        """Insert prepared rows with sequence numbers from *seq*; returns the next sequence."""
        docs, fts, keys = [], [], []
        taken: set[int] = set()
        for row in rows:
            while True:
                rid = row.base | (seq & SEQ_MASK)
                seq += 1
                if rid not in taken and not conn.execute(
                        "SELECT 1 FROM docs WHERE rid = ?", (rid,)).fetchone():
                    break
            taken.add(rid)
            docs.append((rid, row.id, row.pop, row.industry, row.channels,
                         json.dumps(row.record(rid), ensure_ascii=False)))
            fts.append((rid, *row.columns))
            keys.append((rid, row.keys, row.columns[5]))
        for table in (docs, fts, keys):
            table.sort()  # ascending rowids: FTS5 starts a new segment on a lower one
        conn.executemany("INSERT INTO docs(rid, id, pop, industry, channels, body) VALUES (?, ?, ?, ?, ?, ?)",
                         docs)
        conn.executemany(INSERT_FTS, fts)
        conn.executemany("INSERT INTO fk(rowid, k, tg) VALUES (?, ?, ?)", keys)
        return seq

    @staticmethod
    def _save_codes(conn: sqlite3.Connection, codes: _Codes) -> None:
        if codes.new:
            conn.executemany("INSERT INTO codes VALUES (?, ?, ?)", codes.new)
            codes.new = []

    def index(self, documents: Iterable[Mapping[str, Any]]) -> int:
        written = 0
        for batch in _batched(documents, BATCH):
            latest = {str(doc["id"]): doc for doc in batch}  # the last version of an id wins

            def work(conn: sqlite3.Connection, latest: dict[str, Mapping[str, Any]] = latest) -> int:
                codes = _Codes(conn.execute("SELECT kind, value, code FROM codes"))
                rows = [_Row(doc, codes) for doc in latest.values()]
                self._save_codes(conn, codes)
                removed = self._remove_ids(conn, list(latest))
                seq = int(conn.execute("SELECT value FROM meta WHERE name = 'seq'").fetchone()[0])
                seq = self._insert(conn, rows, seq)
                conn.execute("UPDATE meta SET value = ? WHERE name = 'seq'", (seq,))
                conn.execute("UPDATE meta SET value = value + ? WHERE name = 'count'", (len(rows) - removed,))
                return len(rows)

            written += self._write(work)
        return written

    def delete(self, ids: Iterable[str]) -> None:
        wanted = list(dict.fromkeys(str(ident) for ident in ids))
        if not wanted:
            return

        def work(conn: sqlite3.Connection) -> None:
            removed = self._remove_ids(conn, wanted)
            conn.execute("UPDATE meta SET value = value - ? WHERE name = 'count'", (removed,))

        self._write(work)

    def reset(self) -> None:
        def work(conn: sqlite3.Connection) -> None:
            for table in ("docs", "codes"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("INSERT INTO fts(fts) VALUES ('delete-all')")
            conn.execute("INSERT INTO fk(fk) VALUES ('delete-all')")
            conn.execute("UPDATE meta SET value = 0 WHERE name IN ('count', 'seq')")

        self._write(work)

    def count(self) -> int:
        try:
            row = self._conn().execute("SELECT value FROM meta WHERE name = 'count'").fetchone()
        except sqlite3.Error as error:
            raise SearchUnavailable(f"search index {self.path}: {error}") from error
        return int(row[0]) if row else 0

    def rebuild(self, documents: Iterable[Mapping[str, Any]]) -> int:
        """Build the next generation in a new file, then swap the pointer to it.

        The calling thread turns documents into rows (and JSON) while a writer thread loads
        each batch with a few ``INSERT .. SELECT FROM json_each()`` statements: SQLite holds no
        GIL meanwhile, so both cores work. No journal; FTS merges wait for one ``optimize``.
        """
        self._ensure()
        with self._file_lock():
            generation = self._next_generation(self._read_pointer())
            conn = self._create(self._generation_path(generation))
        started = time.perf_counter()
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA cache_size=-32768")
            for table in ("fts", "fk"):
                conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
                conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('crisismerge', 64)")
            conn.execute("BEGIN")
            written = self._bulk_load(conn, documents)
            conn.execute("UPDATE meta SET value = ? WHERE name IN ('count', 'seq')", (written,))
            conn.execute("COMMIT")
            loaded = time.perf_counter()
            for table in ("fts", "fk"):
                conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
                conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 4)")
                conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('crisismerge', 16)")
            optimized = time.perf_counter()
            conn.execute("PRAGMA journal_mode=WAL")
            conn.close()
        except BaseException:
            conn.close()
            self._unlink_generation(generation)
            raise
        self._swap(generation)
        log.info("search index %s: %d documents loaded in %.1f s, FTS optimized in %.1f s",
                 generation, written, loaded - started, optimized - loaded)
        return written

    # One batch as JSON: the records (see ``docs.body``), in rowid order.
    _BULK = (
        "INSERT INTO docs(rid, id, pop, industry, channels, body) SELECT value->>0, value->>1, value->>2,"
        " value->>3, value->>4, value FROM json_each(?1)",
        f"INSERT INTO fts(rowid, {', '.join(COLUMNS)}) SELECT value->>0, value->>5, value->>6,"
        " value->>7, value->>8, value->>9, value->>10 FROM json_each(?1)",
        "INSERT INTO fk(rowid, k, tg) SELECT value->>0, value->>11, value->>10 FROM json_each(?1)",
    )

    def _bulk_load(self, conn: sqlite3.Connection, documents: Iterable[Mapping[str, Any]]) -> int:
        """Rows made here, written by a thread; the same id twice: the last one wins."""
        codes = _Codes(())
        work: queue.Queue[str | None] = queue.Queue(maxsize=1)
        failure: list[BaseException] = []

        def writer() -> None:
            try:
                while (payload := work.get()) is not None:
                    for statement in self._BULK:
                        conn.execute(statement, (payload,))
            except BaseException as error:  # handed to the calling thread
                failure.append(error)
                while work.get() is not None:
                    pass

        thread = threading.Thread(target=writer, name="search-rebuild", daemon=True)
        thread.start()
        sequence: dict[int, int] = {}  # per rowid prefix: unique rowids without a lookup
        batch: dict[str, tuple] = {}  # id -> record: the last one of an id in a batch wins

        def hand_over() -> None:
            rows = sorted(batch.values())
            batch.clear()
            work.put(json.dumps(rows, ensure_ascii=False))

        try:
            for doc in documents:
                row = _Row(doc, codes)
                seq = sequence.get(row.base, 0)
                if seq > SEQ_MASK:
                    raise SearchUnavailable(f"more than {SEQ_MASK + 1} alike documents in one rebuild")
                sequence[row.base] = seq + 1
                batch.pop(row.id, None)
                batch[row.id] = row.record(row.base | seq)
                if len(batch) >= BULK_BATCH:
                    if failure:
                        break
                    hand_over()
            if batch and not failure:
                hand_over()
        finally:
            work.put(None)
            thread.join()
        if failure:
            raise failure[0]
        self._save_codes(conn, codes)
        conn.execute(DOCS_RID_INDEX)
        conn.execute(DOCS_ID_INDEX)
        if conn.execute("SELECT 1 FROM docs GROUP BY id HAVING count(*) > 1 LIMIT 1").fetchone():
            # an id in two batches: the later row (higher n) wins
            self._remove(conn, conn.execute(
                "SELECT d.rid, d.body FROM docs d WHERE EXISTS "
                "(SELECT 1 FROM docs e WHERE e.id = d.id AND e.n > d.n)").fetchall())
        return conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    def _swap(self, generation: str) -> None:
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
                self._unlink_generation(old)

    def _unlink_generation(self, generation: str) -> None:
        base = self._generation_path(generation)
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{base}{suffix}")

    # --- reading ------------------------------------------------------------------------------
    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run *work* in one read transaction: its statements see one snapshot of the index."""
        try:
            conn = self._conn()
            conn.execute("BEGIN")
            try:
                return work(conn)
            finally:
                conn.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            raise SearchUnavailable(f"search index {self.path}: {error}") from error

    def search(self, query: SearchQuery) -> SearchResults:
        empty = SearchResults(ids=[], total=0, facets={"industry": {}, "channel": {}})
        if query.analyzed.empty:
            return empty

        def work(conn: sqlite3.Connection) -> SearchResults:
            codes = self._codes(conn)
            plan = _Query(query, codes, lambda word: self._terms(conn, word))
            if not plan.possible:
                return empty
            total, facets, exact = self._facets(conn, plan.full, codes)
            if not total:
                return empty
            offset = max(query.offset, 0)
            need = offset + max(query.limit, 0)
            if need <= offset:
                return SearchResults(ids=[], total=total, facets=facets, exact=exact)
            ranked = self._rank(conn, plan, need)[offset:need]
            return SearchResults(ids=self._ids(conn, ranked), total=total, facets=facets, exact=exact)

        return self._read(work)

    @staticmethod
    def _terms(conn: sqlite3.Connection, word: str) -> list[str] | None:
        """The indexed terms that begin with *word*, or None when there are more than EXPAND."""
        last = ord(word[-1]) + 1
        if last > 0x10FFFF:
            return None
        after = word[:-1] + chr(0xE000 if 0xD800 <= last <= 0xDFFF else last)
        found = [term for (term,) in conn.execute(
            f"SELECT term FROM temp.fts_terms WHERE term >= ? AND term < ? LIMIT {EXPAND + 1}",
            (word, after))]
        return None if len(found) > EXPAND else found

    # totals and facets -------------------------------------------------------------------------
    _GROUPS = f"SELECT (rowid >> {CHANNEL_SHIFT}) & {FACET_MASK} AS g, count(*) FROM fts WHERE fts MATCH ?"

    def _facets(self, conn: sqlite3.Connection, full: str,
                codes: _Codes) -> tuple[int, dict[str, dict[str, int]], bool]:
        """Total, facet counts, and whether they are exact (up to EXACT_LIMIT matches) or
        estimated from a sample."""
        rare_mark, rare_every = SAMPLES[-1]
        rare = conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?",
                            (f"{full} AND tg : {quote(rare_mark)}",)).fetchone()[0]
        groups: list[tuple[int, int]] = []
        expression, scale = full, 1
        if rare * rare_every <= EXACT_LIMIT:  # probably few: count them one by one
            groups = conn.execute(
                f"SELECT g, count(*) FROM (SELECT (rowid >> {CHANNEL_SHIFT}) & {FACET_MASK} AS g FROM fts "
                f"WHERE fts MATCH ? LIMIT {EXACT_LIMIT + 1}) GROUP BY g", (full,)).fetchall()
        if rare * rare_every > EXACT_LIMIT or sum(count for _, count in groups) > EXACT_LIMIT:
            estimate = max(rare * rare_every, EXACT_LIMIT)
            mark, scale = next(((mark, every) for mark, every in SAMPLES if estimate / every <= SAMPLE_SIZE),
                               SAMPLES[-1])
            expression = f"{full} AND tg : {quote(mark)}"
            groups = conn.execute(f"{self._GROUPS} GROUP BY g", (expression,)).fetchall()
        industries: dict[str, int] = {}
        channels: dict[str, int] = {}
        total = 0
        overflow = False
        for key, count in groups:
            count *= scale
            total += count
            industry = key >> CHANNEL_BITS
            mask = key & ((1 << CHANNEL_BITS) - 1)
            if industry == INDUSTRY_OVERFLOW or mask >> CHANNEL_OVERFLOW & 1:
                overflow = True
                continue
            if industry:
                name = codes.by_code.get(("i", industry))
                if name is not None:
                    industries[name] = industries.get(name, 0) + count
            bit = 0
            while mask:
                if mask & 1:
                    kind = codes.by_code.get(("c", bit))
                    if kind is not None:
                        channels[kind] = channels.get(kind, 0) + count
                mask >>= 1
                bit += 1
        if overflow:  # documents whose industry or kinds have no bit: read them from docs
            rows = conn.execute(
                "SELECT d.industry, d.channels FROM fts JOIN docs d ON d.rid = fts.rowid "
                f"WHERE fts MATCH ? AND ((fts.rowid >> {INDUSTRY_SHIFT}) & {INDUSTRY_OVERFLOW} = "
                f"{INDUSTRY_OVERFLOW} OR (fts.rowid >> {CHANNEL_SHIFT + CHANNEL_OVERFLOW}) & 1)",
                (expression,))
            for industry, kinds in rows:
                if industry:
                    industries[industry] = industries.get(industry, 0) + scale
                for kind in kinds.split():
                    channels[kind] = channels.get(kind, 0) + scale
        return total, {"industry": industries, "channel": channels}, scale == 1

    # ranking -----------------------------------------------------------------------------------
    def _rank(self, conn: sqlite3.Connection, plan: _Query, need: int) -> list[int]:
        """The first *need* rowids (or more) in rank order: tier by tier, each in static order."""
        ranked: list[int] = []
        placed: set[int] = set()
        tiers: list[Iterator[int]] = []
        if plan.exact is not None and plan.prefix is not None:
            tiers.append(self._keyed(conn, plan.exact, plan, placed))
            tiers.append(self._keyed(conn, plan.prefix, plan, placed))
        tiers.append(self._stream(conn, "fts", plan.names, placed))
        tiers.append(self._stream(conn, "fts", plan.rest, placed))
        for candidates in tiers:
            try:
                rows = self._take(candidates, need - len(ranked), TIE_CHUNK)
            finally:
                candidates.close()  # type: ignore[attr-defined]
            ranked.extend(self._order_ties(conn, rows, plan))
            if len(ranked) >= need:
                break
            placed.update(rows)
        return ranked

    @staticmethod
    def _stream(conn: sqlite3.Connection, table: str, expression: str, exclude: set[int]) -> Iterator[int]:
        """Rowids matching *expression* in rowid order, less *exclude*."""
        cursor = conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid",
                              (expression,))
        try:
            while rows := cursor.fetchmany(64):
                for (rid,) in rows:
                    if rid not in exclude:
                        yield rid
        finally:
            cursor.close()

    def _keyed(self, conn: sqlite3.Connection, keyed: str, plan: _Query, exclude: set[int]) -> Iterator[int]:
        """Rowids of ``fk`` matching *keyed* (a key and the filters) that match the query too."""
        cursor = conn.execute("SELECT rowid FROM fk WHERE fk MATCH ? ORDER BY rowid", (keyed,))
        try:
            while rows := cursor.fetchmany(128):
                wanted = [rid for (rid,) in rows if rid not in exclude]
                if wanted and plan.check:
                    records = conn.execute(
                        f"SELECT rid, body FROM docs WHERE rid IN ({','.join('?' * len(wanted))})", wanted)
                    found = {rid for rid, body in records if plan.matches(json.loads(body))}
                    wanted = [rid for rid in wanted if rid in found]
                yield from wanted
        finally:
            cursor.close()

    @staticmethod
    def _take(candidates: Iterable[int], need: int, chunk: int) -> list[int]:
        """Rowids (in rowid order) up to the end of the tie run holding the *need*-th one.

        A tie run is a run of one (verified, popularity) group, at most *chunk* rows long.
        """
        rows: list[int] = []
        last_group = None
        run = 0
        for rid in candidates:
            group = rid >> GROUP_SHIFT
            if group != last_group:
                if len(rows) >= need:
                    break
                last_group, run = group, 0
            elif run >= chunk:
                if len(rows) >= need:
                    break
                run = 0
            rows.append(rid)
            run += 1
        return rows

    @staticmethod
    def _runs(rows: list[int], size: int) -> list[list[int]]:
        """*rows* (in rowid order) cut as :meth:`_take` does: one group, at most *size* rows."""
        runs: list[list[int]] = []
        for rid in rows:
            if runs and runs[-1][-1] >> GROUP_SHIFT == rid >> GROUP_SHIFT and len(runs[-1]) < size:
                runs[-1].append(rid)
            else:
                runs.append([rid])
        return runs

    def _order_ties(self, conn: sqlite3.Connection, rows: list[int], plan: _Query) -> list[int]:
        """Each tie run ordered by exact popularity, BM25 and id."""
        runs = self._runs(rows, TIE_CHUNK)
        tied = [rid for run in runs if len(run) > 1 for rid in run]
        if not tied:
            return rows
        info = self._doc_info(conn, tied)
        scores = self._bm25(conn, plan, tied)
        ordered: list[int] = []
        for run in runs:
            if len(run) > 1:
                run = sorted(run, key=lambda rid: (-info[rid][0], -scores.get(rid, 0.0), info[rid][1]))
            ordered.extend(run)
        return ordered

    def _bm25(self, conn: sqlite3.Connection, plan: _Query, rids: list[int]) -> dict[int, float]:
        """FTS5's bm25() (its formula, constants and column weights), negated: higher is better.

        Computed here from the documents' stored terms: bm25() itself counts every row of each
        phrase for its IDF in every statement, 10+ ms for a broad phrase on a million listings.
        With one phrase the IDF is a constant factor and is not needed; with more, a phrase's
        document count is exact up to EXACT_LIMIT and sampled above.
        """
        rows, tokens = self._averages(conn)
        average = tokens / rows if rows and tokens else 1.0
        if len(plan.phrases) == 1:
            idf = [1.0]
        else:
            idf = []
            for expression, *_ in plan.phrases:
                found = min(self._count(conn, expression), rows)
                idf.append(max(math.log((rows - found + 0.5) / (found + 0.5)), 1e-6))
        scores: dict[int, float] = {}
        for start in range(0, len(rids), 500):
            chunk = rids[start:start + 500]
            for rid, body in conn.execute(
                    f"SELECT rid, body FROM docs WHERE rid IN ({','.join('?' * len(chunk))})", chunk):
                record = json.loads(body)
                columns = {index: record[index].split() for index in range(NH, KEYS)}
                length = sum(len(terms) for terms in columns.values())
                norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average)
                score = 0.0
                for weight_idf, (_, text, prefix, weights, branch) in zip(idf, plan.phrases, strict=True):
                    if branch is not None and not branch[1] <= set(columns[branch[0]]):
                        continue  # its side of an OR did not match: bm25() sees no instance
                    freq = 0.0
                    for column, weight in weights.items():  # each occurrence, as bm25() counts them
                        terms = columns[column]
                        hits = sum(term.startswith(text) for term in terms) if prefix else terms.count(text)
                        freq += weight * hits
                    if freq:
                        score += weight_idf * freq * (BM25_K1 + 1) / (freq + norm)
                scores[rid] = score
        return scores

    def _count(self, conn: sqlite3.Connection, expression: str) -> int:
        """Rows matching *expression*: exact up to EXACT_LIMIT, else estimated from a sample."""
        found = conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? LIMIT {EXACT_LIMIT + 1})",
            (expression,)).fetchone()[0]
        if found > EXACT_LIMIT:
            mark, every = SAMPLES[-1]
            sampled = conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?",
                                   (f"({expression}) AND tg : {quote(mark)}",)).fetchone()[0]
            found = max(found, every * sampled)
        return found

    def _averages(self, conn: sqlite3.Connection) -> tuple[int, int]:
        """(rows, tokens in all columns) of ``fts``, from FTS5's averages record."""
        local = self._local
        if local.averages is None or local.averages[0] != local.data_version:
            row = conn.execute("SELECT block FROM fts_data WHERE id = 1").fetchone()
            values: list[int] = []
            blob = bytes(row[0]) if row and row[0] else b""
            at = 0
            while at < len(blob):
                value, at = _varint(blob, at)
                values.append(value)
            local.averages = (local.data_version, (values[0] if values else 0, sum(values[1:])))
        return local.averages[1]

    @staticmethod
    def _doc_info(conn: sqlite3.Connection, rids: list[int]) -> dict[int, tuple[int, str]]:
        """rowid -> (popularity, id)."""
        info: dict[int, tuple[int, str]] = {}
        for start in range(0, len(rids), 500):
            chunk = rids[start:start + 500]
            for rid, pop, ident in conn.execute(
                    f"SELECT rid, pop, id FROM docs WHERE rid IN ({','.join('?' * len(chunk))})", chunk):
                info[rid] = (pop, ident)
        return info

    def _ids(self, conn: sqlite3.Connection, rids: list[int]) -> list[str]:
        if not rids:
            return []
        info = self._doc_info(conn, rids)
        return [info[rid][1] for rid in rids if rid in info]

    # suggestions -------------------------------------------------------------------------------
    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        key = compact(prefix)
        if not key or limit <= 0:
            return []

        def work(conn: sqlite3.Connection) -> list[str]:
            found: list[int] = []
            for expression in (f"k : {quote(key)}", f"k : {quote(key)}*"):
                stream = self._stream(conn, "fk", expression, set(found))
                try:
                    rows = self._take(stream, limit - len(found), SUGGEST_CHUNK)
                finally:
                    stream.close()
                found += self._order_by_key(conn, rows, key)
                if len(found) >= limit:
                    break
            return self._ids(conn, found[:limit])

        return self._read(work)

    def _order_by_key(self, conn: sqlite3.Connection, rows: list[int], key: str) -> list[int]:
        """Each tie run ordered by exact popularity, the shortest key starting with *key*, id."""
        runs = self._runs(rows, SUGGEST_CHUNK)
        tied = [rid for run in runs if len(run) > 1 for rid in run]
        if not tied:
            return rows
        info: dict[int, tuple[int, int, str]] = {}
        for start in range(0, len(tied), 500):
            chunk = tied[start:start + 500]
            for rid, pop, ident, body in conn.execute(
                    f"SELECT rid, pop, id, body FROM docs WHERE rid IN ({','.join('?' * len(chunk))})",
                    chunk):
                keys = json.loads(body)[KEYS].split()
                shortest = min((len(k) for k in keys if k.startswith(key)), default=1 << 30)
                info[rid] = (-pop, shortest, ident)
        ordered: list[int] = []
        for run in runs:
            ordered.extend(sorted(run, key=info.__getitem__) if len(run) > 1 else run)
        return ordered
