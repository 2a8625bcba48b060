"""A new generation of the embedded index, bulk-loaded by ``rebuild()``.

Each document is *prepared* (:func:`prepare`: its rows as JSON text, less what depends on
the filter codes) — by worker processes when the documents come as a
:class:`search.parallel.DocumentSource`, else in the calling thread. The calling thread then
only assigns the codes and rowids (they follow document order, so the index is the same
whoever prepared it) and joins each batch into one JSON array, which a writer thread loads
with a few ``INSERT .. SELECT FROM json_each()`` statements (SQLite holds no GIL meanwhile).
No journal; FTS merges wait for one ``optimize``.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from search.base import SearchUnavailable
from search.documents import SearchDocument
from search.local.schema import (
    CHANNEL_SHIFT,
    COLUMNS,
    DOCS_ID_INDEX,
    DOCS_RID_INDEX,
    INDUSTRY_SHIFT,
    SEQ_MASK,
    Codes,
)
from search.local.writing import batched, remove_rows, row_fields, sample_marks, save_codes
from search.parallel import DocumentSource

# Documents per rebuild batch, written in rowid order: FTS5 flushes its pending terms to a new
# segment whenever a rowid is lower than the last one, so unsorted rows make tiny segments.
BULK_BATCH = 16_384

# One batch as JSON: the records (see ``docs.body``), in rowid order.
_BULK = (
    "INSERT INTO docs(rid, id, pop, industry, channels, body) SELECT value->>0, value->>1, value->>2,"
    " value->>3, value->>4, value FROM json_each(?1)",
    f"INSERT INTO fts(rowid, {', '.join(COLUMNS)}) SELECT value->>0, value->>5, value->>6,"
    " value->>7, value->>8, value->>9, value->>10 FROM json_each(?1)",
    "INSERT INTO fk(rowid, k, tg) SELECT value->>0, value->>11, value->>10 FROM json_each(?1)",
)


@dataclass
class BuildTimes:
    """Where a rebuild's wall time went (seconds), for the logs and the benchmark."""

    load: float = 0.0  # from the first document to the last row loaded
    waiting: float = 0.0  # the calling thread waiting for documents (or for workers)
    writing: float = 0.0  # the writer thread inside SQLite inserts
    indexes: float = 0.0  # docs indexes and the duplicate check after the load
    optimize: float = 0.0  # the FTS optimize


def prepare(doc: Mapping[str, Any]) -> tuple:
    """A document's record (``docs.body``) as JSON pieces around what the codes decide:
    ``(id, tag key, rowid bits, JSON of fields 1-9, sample marks, JSON of the keys)``."""
    ident, tag_key, bits, pop, industry, channels, nh, nt, oh, ot, k, keys = row_fields(doc)
    middle = json.dumps([ident, pop, industry, channels, nh, nt, oh, ot, k], ensure_ascii=False)
    return ident, tag_key, bits, middle[1:-1], sample_marks(ident), json.dumps(keys, ensure_ascii=False)


def prepare_all(documents: list[SearchDocument]) -> list[tuple]:
    return [prepare(doc) for doc in documents]


def fill_generation(conn: sqlite3.Connection,
                    documents: Iterable[SearchDocument] | DocumentSource) -> tuple[int, BuildTimes]:
    """Load *documents* into the new generation of *conn*, optimise it, leave it in WAL mode.
    Returns the documents written and where the time went."""
    times = BuildTimes()
    started = time.perf_counter()
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-32768")
    for table in ("fts", "fk"):
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('crisismerge', 64)")
    conn.execute("BEGIN")
    if isinstance(documents, DocumentSource):
        prepared = documents.map(prepare_all)
    else:
        prepared = (prepare_all(batch) for batch in batched(documents, 1000))
    written = _bulk_load(conn, prepared, times)
    conn.execute("UPDATE meta SET value = ? WHERE name IN ('count', 'seq')", (written,))
    conn.execute("COMMIT")
    loaded = time.perf_counter()
    times.load = loaded - started - times.indexes
    for table in ("fts", "fk"):
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 4)")
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('crisismerge', 16)")
    times.optimize = time.perf_counter() - loaded
    conn.execute("PRAGMA journal_mode=WAL")
    return written, times


def _bulk_load(conn: sqlite3.Connection, prepared: Iterator[list[tuple]], times: BuildTimes) -> int:
    """Prepared rows get their codes and rowids here and are written by a thread; the same
    id twice: the last one wins."""
    codes = Codes(())
    work: queue.Queue[str | None] = queue.Queue(maxsize=1)
    failure: list[BaseException] = []
    clock = time.perf_counter
    tick = clock()
    first = next(prepared, [])  # workers (if any) are forked before the writer thread starts
    times.waiting += clock() - tick

    def writer() -> None:
        try:
            while (payload := work.get()) is not None:
                began = clock()
                for statement in _BULK:
                    conn.execute(statement, (payload,))
                times.writing += clock() - began
        except BaseException as error:  # handed to the calling thread
            failure.append(error)
            while work.get() is not None:
                pass

    thread = threading.Thread(target=writer, name="search-rebuild", daemon=True)
    thread.start()
    sequence: dict[int, int] = {}  # per rowid prefix: unique rowids without a lookup
    batch: dict[str, tuple[int, str]] = {}  # id -> (rowid, record): the last one of an id wins
    tags = codes.tags

    def hand_over() -> None:
        rows = sorted(batch.values())
        batch.clear()
        work.put("[" + ",".join([text for _, text in rows]) + "]")

    def chunks() -> Iterator[list[tuple]]:
        yield first
        while True:
            tick = clock()
            chunk = next(prepared, None)
            times.waiting += clock() - tick
            if chunk is None:
                return
            yield chunk

    try:
        for chunk in chunks():
            for ident, tag_key, bits, middle, marks, keys in chunk:
                filters, industry_code, mask = tags(*tag_key)
                base = bits | industry_code << INDUSTRY_SHIFT | mask << CHANNEL_SHIFT
                seq = sequence.get(base, 0)
                if seq > SEQ_MASK:
                    raise SearchUnavailable(f"more than {SEQ_MASK + 1} alike documents in one rebuild")
                sequence[base] = seq + 1
                rid = base | seq
                batch.pop(ident, None)
                batch[ident] = (rid, f'[{rid},{middle},"{filters}{marks}",{keys}]')
                if len(batch) >= BULK_BATCH:
                    if failure:
                        break
                    hand_over()
            if failure:
                break
        if batch and not failure:
            hand_over()
    finally:
        work.put(None)
        thread.join()
        close = getattr(prepared, "close", None)
        if close is not None:
            close()  # stops the workers, if any, when the load failed
    if failure:
        raise failure[0]
    began = clock()
    save_codes(conn, codes)
    conn.execute(DOCS_RID_INDEX)
    conn.execute(DOCS_ID_INDEX)
    if conn.execute("SELECT 1 FROM docs GROUP BY id HAVING count(*) > 1 LIMIT 1").fetchone():
        # an id in two batches: the later row (higher n) wins
        remove_rows(conn, conn.execute(
            "SELECT d.rid, d.body FROM docs d WHERE EXISTS "
            "(SELECT 1 FROM docs e WHERE e.id = d.id AND e.n > d.n)").fetchall())
    count = conn.execute("SELECT count(*) FROM docs").fetchone()[0]
    times.indexes = clock() - began
    return count
