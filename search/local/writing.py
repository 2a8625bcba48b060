"""Documents into a generation of the embedded index: each document turned into its rows
(``docs``, ``fts``, ``fk``; see :mod:`search.local.schema`), written in place by ``index()``
and ``delete()``, or bulk-loaded into a new generation by ``rebuild()``.

Every function here works on an open connection inside the caller's transaction.
"""

from __future__ import annotations

import json
import operator
import queue
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from search.base import SearchUnavailable
from search.documents import SearchDocument
from search.local.schema import (
    CHANNEL_SHIFT,
    COLUMNS,
    DELETE_FTS,
    DOCS_ID_INDEX,
    DOCS_RID_INDEX,
    INDUSTRY_SHIFT,
    INSERT_FTS,
    KEYS,
    LENGTH_MAX,
    LENGTH_SHIFT,
    NH,
    POP_MAX,
    POP_SHIFT,
    SAMPLES,
    SEQ_MASK,
    TG,
    Codes,
)
from search.text import is_han

T = TypeVar("T")

BATCH = 2000  # documents per write transaction of index()
# Documents per rebuild batch, written in rowid order: FTS5 flushes its pending terms to a new
# segment whenever a rowid is lower than the last one, so unsorted rows make tiny segments.
BULK_BATCH = 16_384


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
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


def _sample_marks(ident: str) -> str:
    bucket = zlib.crc32(ident.encode("utf-8")) & 0xFF
    return "".join(f" {mark}" for mark, every in SAMPLES if bucket % every == 0)


class Row:
    """A document turned into its rows: ``docs``, ``fts`` and ``fk``."""

    __slots__ = ("id", "base", "pop", "industry", "channels", "columns", "keys", "filters")

    def __init__(self, doc: Mapping[str, Any], codes: Codes) -> None:
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
        pop = int(doc.get("prominence") or 0)
        self.base = (
            (POP_MAX - min(max(pop, 0), POP_MAX)) << POP_SHIFT
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


# --- in place: index(), delete(), reset() ---------------------------------------------------------
def remove_rows(conn: sqlite3.Connection, rows: list[tuple[int, str]]) -> None:
    """Delete documents given ``(rowid, body)`` from every table."""
    if not rows:
        return
    records = [json.loads(body) for _, body in rows]
    conn.executemany(DELETE_FTS, [(rec[0], *rec[NH:KEYS]) for rec in records])
    conn.executemany("INSERT INTO fk(fk, rowid, k, tg) VALUES ('delete', ?, ?, ?)",
                     [(rec[0], rec[KEYS], rec[TG]) for rec in records])
    conn.executemany("DELETE FROM docs WHERE rid = ?", [(rid,) for rid, _ in rows])


def remove_ids(conn: sqlite3.Connection, ids: list[str]) -> int:
    """Delete the documents of *ids*; how many there were."""
    removed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = conn.execute(
            f"SELECT rid, body FROM docs WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        remove_rows(conn, rows)
        removed += len(rows)
    return removed


def _insert(conn: sqlite3.Connection, rows: list[Row], seq: int) -> int:
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


def _save_codes(conn: sqlite3.Connection, codes: Codes) -> None:
    if codes.new:
        conn.executemany("INSERT INTO codes VALUES (?, ?, ?)", codes.new)
        codes.new = []


def replace_documents(conn: sqlite3.Connection, latest: Mapping[str, Mapping[str, Any]]) -> int:
    """Write *latest* (id -> document), replacing what the index held of those ids."""
    codes = Codes(conn.execute("SELECT kind, value, code FROM codes"))
    rows = [Row(doc, codes) for doc in latest.values()]
    _save_codes(conn, codes)
    removed = remove_ids(conn, list(latest))
    seq = int(conn.execute("SELECT value FROM meta WHERE name = 'seq'").fetchone()[0])
    seq = _insert(conn, rows, seq)
    conn.execute("UPDATE meta SET value = ? WHERE name = 'seq'", (seq,))
    conn.execute("UPDATE meta SET value = value + ? WHERE name = 'count'", (len(rows) - removed,))
    return len(rows)


def delete_documents(conn: sqlite3.Connection, ids: list[str]) -> None:
    removed = remove_ids(conn, ids)
    conn.execute("UPDATE meta SET value = value - ? WHERE name = 'count'", (removed,))


def delete_everything(conn: sqlite3.Connection) -> None:
    for table in ("docs", "codes"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("INSERT INTO fts(fts) VALUES ('delete-all')")
    conn.execute("INSERT INTO fk(fk) VALUES ('delete-all')")
    conn.execute("UPDATE meta SET value = 0 WHERE name IN ('count', 'seq')")


# --- a new generation: rebuild() ------------------------------------------------------------------
def fill_generation(conn: sqlite3.Connection,
                    documents: Iterable[SearchDocument]) -> tuple[int, float, float]:
    """Load *documents* into the new generation of *conn*, optimise it, leave it in WAL mode.

    The calling thread turns documents into rows (and JSON) while a writer thread loads
    each batch with a few ``INSERT .. SELECT FROM json_each()`` statements: SQLite holds no
    GIL meanwhile, so both cores work. No journal; FTS merges wait for one ``optimize``.
    Returns the documents written and the seconds spent loading and optimising.
    """
    started = time.perf_counter()
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-32768")
    for table in ("fts", "fk"):
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('crisismerge', 64)")
    conn.execute("BEGIN")
    written = _bulk_load(conn, documents)
    conn.execute("UPDATE meta SET value = ? WHERE name IN ('count', 'seq')", (written,))
    conn.execute("COMMIT")
    loaded = time.perf_counter()
    for table in ("fts", "fk"):
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 4)")
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('crisismerge', 16)")
    optimized = time.perf_counter()
    conn.execute("PRAGMA journal_mode=WAL")
    return written, loaded - started, optimized - loaded


# One batch as JSON: the records (see ``docs.body``), in rowid order.
_BULK = (
    "INSERT INTO docs(rid, id, pop, industry, channels, body) SELECT value->>0, value->>1, value->>2,"
    " value->>3, value->>4, value FROM json_each(?1)",
    f"INSERT INTO fts(rowid, {', '.join(COLUMNS)}) SELECT value->>0, value->>5, value->>6,"
    " value->>7, value->>8, value->>9, value->>10 FROM json_each(?1)",
    "INSERT INTO fk(rowid, k, tg) SELECT value->>0, value->>11, value->>10 FROM json_each(?1)",
)


def _bulk_load(conn: sqlite3.Connection, documents: Iterable[Mapping[str, Any]]) -> int:
    """Rows made here, written by a thread; the same id twice: the last one wins."""
    codes = Codes(())
    work: queue.Queue[str | None] = queue.Queue(maxsize=1)
    failure: list[BaseException] = []

    def writer() -> None:
        try:
            while (payload := work.get()) is not None:
                for statement in _BULK:
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
            row = Row(doc, codes)
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
    _save_codes(conn, codes)
    conn.execute(DOCS_RID_INDEX)
    conn.execute(DOCS_ID_INDEX)
    if conn.execute("SELECT 1 FROM docs GROUP BY id HAVING count(*) > 1 LIMIT 1").fetchone():
        # an id in two batches: the later row (higher n) wins
        remove_rows(conn, conn.execute(
            "SELECT d.rid, d.body FROM docs d WHERE EXISTS "
            "(SELECT 1 FROM docs e WHERE e.id = d.id AND e.n > d.n)").fetchall())
    return conn.execute("SELECT count(*) FROM docs").fetchone()[0]
