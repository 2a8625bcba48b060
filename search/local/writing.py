"""Documents into a generation of the embedded index: each document turned into its rows
(``docs``, ``fts``, ``fk``; see :mod:`search.local.schema`), written in place by ``index()``
and ``delete()`` (a new generation is bulk-loaded by :mod:`search.local.bulk`).

Every function here works on an open connection inside the caller's transaction.
"""

from __future__ import annotations

import json
import operator
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from search.local.schema import (
    CHANNEL_SHIFT,
    DELETE_FTS,
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


def sample_marks(ident: str) -> str:
    bucket = zlib.crc32(ident.encode("utf-8")) & 0xFF
    return "".join(f" {mark}" for mark, every in SAMPLES if bucket % every == 0)


def row_fields(doc: Mapping[str, Any]) -> tuple:
    """What a document's rows hold before the filter codes are known: ``(id, tag key,
    rowid bits of prominence and length, prominence, industry, channels, the five text
    columns, keys)``; the tag key is what :meth:`Codes.tags` turns into ``tg`` and bits."""
    ident = str(doc["id"])
    industry = doc.get("industry")
    channels = tuple(dict.fromkeys(doc.get("channels") or ()))
    tag_key = (industry, tuple(doc.get("industries") or ()), channels, tuple(doc.get("regions") or ()))
    name_han, name_grams = _grams(doc.get("name_han") or ())
    other_han, other_grams = _grams(doc.get("other_han") or ())
    name_terms = doc.get("name_terms") or ()
    other_terms = doc.get("other_terms") or ()
    keys = doc.get("keys") or ()
    # A word can only begin a key that no term holds and that does not start with Han.
    terms = {*name_terms, *other_terms}
    spare = [key for key in keys if key not in terms and not is_han(key)]
    length = name_grams + other_grams + len(name_terms) + len(other_terms) + len(spare)
    pop = int(doc.get("prominence") or 0)
    bits = ((POP_MAX - min(max(pop, 0), POP_MAX)) << POP_SHIFT
            | min(int(1.5 * length ** 0.5), LENGTH_MAX) << LENGTH_SHIFT)
    return (ident, tag_key, bits, pop, industry, " ".join(channels), name_han, " ".join(name_terms),
            other_han, " ".join(other_terms), " ".join(spare), " ".join(keys))


class Row:
    """A document turned into its rows: ``docs``, ``fts`` and ``fk``."""

    __slots__ = ("id", "base", "pop", "industry", "channels", "columns", "keys", "filters")

    def __init__(self, doc: Mapping[str, Any], codes: Codes) -> None:
        (self.id, tag_key, bits, self.pop, self.industry, self.channels, nh, nt, oh, ot, k,
         self.keys) = row_fields(doc)
        self.filters, industry_code, mask = codes.tags(*tag_key)
        self.columns = (nh, nt, oh, ot, k, self.filters + sample_marks(self.id))
        self.base = bits | industry_code << INDUSTRY_SHIFT | mask << CHANNEL_SHIFT

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


def save_codes(conn: sqlite3.Connection, codes: Codes) -> None:
    if codes.new:
        conn.executemany("INSERT INTO codes VALUES (?, ?, ?)", codes.new)
        codes.new = []


def replace_documents(conn: sqlite3.Connection, latest: Mapping[str, Mapping[str, Any]]) -> int:
    """Write *latest* (id -> document), replacing what the index held of those ids."""
    codes = Codes(conn.execute("SELECT kind, value, code FROM codes"))
    rows = [Row(doc, codes) for doc in latest.values()]
    save_codes(conn, codes)
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
