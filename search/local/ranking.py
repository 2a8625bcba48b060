"""Reading a query's matches in rank order from the embedded index, and suggestions.

The tiers of :mod:`search.base` are read in turn (exact key, key prefix, names, the rest),
each in rowid order (the static quality order of :mod:`search.local.schema`), until the page
is full. Rows of one prominence value are ordered by exact prominence, BM25 and
id, in runs of at most ``TIE_CHUNK`` rows in rowid order: a fixed order, so pages stay stable
and disjoint, exact whenever a tie holds fewer rows. BM25 is FTS5's ``bm25()`` formula with its
column weights (names and keys 10, other fields 2), computed here from the stored terms:
``bm25()`` itself counts every row of each phrase in every statement for the IDF (and yields
0 on a contentless table).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Iterator

from search.local.counting import count_matches
from search.local.files import ThreadState
from search.local.query import QueryPlan
from search.local.schema import BM25_B, BM25_K1, GROUP_SHIFT, KEYS, NH, quote

# Rows of equal prominence are ordered by BM25 this many at a time (scoring reads
# each row's record: a tie of 50,000 rows cannot be scored per query).
TIE_CHUNK = 256
SUGGEST_CHUNK = 256  # the same for suggestions, ordered by their shortest matching key


def _varint(blob: bytes, at: int) -> tuple[int, int]:
    """An SQLite varint of *blob* at *at*: (value, next offset)."""
    value = 0
    for index in range(8):
        byte = blob[at + index]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + index + 1
    return (value << 8) | blob[at + 8], at + 9


def rank(conn: sqlite3.Connection, plan: QueryPlan, need: int, state: ThreadState) -> list[int]:
    """The first *need* rowids (or more) in rank order: tier by tier, each in static order."""
    ranked: list[int] = []
    placed: set[int] = set()
    tiers: list[Iterator[int]] = []
    if plan.exact is not None and plan.prefix is not None:
        tiers.append(key_matches(conn, plan.exact, plan, placed))
        tiers.append(key_matches(conn, plan.prefix, plan, placed))
    tiers.append(stream(conn, "fts", plan.names, placed))
    tiers.append(stream(conn, "fts", plan.rest, placed))
    for candidates in tiers:
        try:
            rows = take(candidates, need - len(ranked), TIE_CHUNK)
        finally:
            candidates.close()  # type: ignore[attr-defined]
        ranked.extend(order_ties(conn, rows, plan, state))
        if len(ranked) >= need:
            break
        placed.update(rows)
    return ranked


def stream(conn: sqlite3.Connection, table: str, expression: str, exclude: set[int]) -> Iterator[int]:
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


def key_matches(conn: sqlite3.Connection, keyed: str, plan: QueryPlan, exclude: set[int]) -> Iterator[int]:
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


def take(candidates: Iterable[int], need: int, chunk: int) -> list[int]:
    """Rowids (in rowid order) up to the end of the tie run holding the *need*-th one.

    A tie run is a run of one prominence group, at most *chunk* rows long.
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


def tie_runs(rows: list[int], size: int) -> list[list[int]]:
    """*rows* (in rowid order) cut as :func:`take` does: one group, at most *size* rows."""
    runs: list[list[int]] = []
    for rid in rows:
        if runs and runs[-1][-1] >> GROUP_SHIFT == rid >> GROUP_SHIFT and len(runs[-1]) < size:
            runs[-1].append(rid)
        else:
            runs.append([rid])
    return runs


def order_ties(conn: sqlite3.Connection, rows: list[int], plan: QueryPlan, state: ThreadState) -> list[int]:
    """Each tie run ordered by exact prominence, BM25 and id."""
    runs = tie_runs(rows, TIE_CHUNK)
    tied = [rid for run in runs if len(run) > 1 for rid in run]
    if not tied:
        return rows
    info: dict[int, tuple[int, str]] = {}
    scores = bm25(conn, plan, tied, state, info)  # one read of the tied rows for both
    ordered: list[int] = []
    for run in runs:
        if len(run) > 1:
            run = sorted(run, key=lambda rid: (-info[rid][0], -scores.get(rid, 0.0), info[rid][1]))
        ordered.extend(run)
    return ordered


def bm25(conn: sqlite3.Connection, plan: QueryPlan, rids: list[int], state: ThreadState,
         info: dict[int, tuple[int, str]] | None = None) -> dict[int, float]:
    """FTS5's bm25() (its formula, constants and column weights), negated: higher is better;
    with *info*, each row's (prominence, id) put there too, as :func:`doc_info` reads them.

    Computed here from the documents' stored terms: bm25() itself counts every row of each
    phrase for its IDF in every statement, 10+ ms for a broad phrase on a million listings.
    With one phrase the IDF is a constant factor and is not needed; with more, a phrase's
    document count is exact up to EXACT_LIMIT and sampled above.
    """
    rows, tokens = averages(conn, state)
    average = tokens / rows if rows and tokens else 1.0
    if len(plan.phrases) == 1:
        idf = [1.0]
    else:
        idf = []
        for expression, *_ in plan.phrases:
            found = min(count_matches(conn, expression), rows)
            idf.append(max(math.log((rows - found + 0.5) / (found + 0.5)), 1e-6))
    scores: dict[int, float] = {}
    for start in range(0, len(rids), 500):
        chunk = rids[start:start + 500]
        for rid, pop, ident, body in conn.execute(
                f"SELECT rid, pop, id, body FROM docs WHERE rid IN ({','.join('?' * len(chunk))})",
                chunk):
            if info is not None:
                info[rid] = (pop, ident)
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


def averages(conn: sqlite3.Connection, state: ThreadState) -> tuple[int, int]:
    """(rows, tokens in all columns) of ``fts``, from FTS5's averages record."""
    local = state
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


def doc_info(conn: sqlite3.Connection, rids: list[int]) -> dict[int, tuple[int, str]]:
    """rowid -> (prominence, id)."""
    info: dict[int, tuple[int, str]] = {}
    for start in range(0, len(rids), 500):
        chunk = rids[start:start + 500]
        for rid, pop, ident in conn.execute(
                f"SELECT rid, pop, id FROM docs WHERE rid IN ({','.join('?' * len(chunk))})", chunk):
            info[rid] = (pop, ident)
    return info


def ids_of(conn: sqlite3.Connection, rids: list[int]) -> list[str]:
    if not rids:
        return []
    info = doc_info(conn, rids)
    return [info[rid][1] for rid in rids if rid in info]


def order_by_key(conn: sqlite3.Connection, rows: list[int], key: str) -> list[int]:
    """Each tie run ordered by exact prominence, the shortest key starting with *key*, id."""
    runs = tie_runs(rows, SUGGEST_CHUNK)
    tied = [rid for run in runs if len(run) > 1 for rid in run]
    if not tied:
        return rows
    info: dict[int, tuple[int, int, str]] = {}
    for start in range(0, len(tied), 500):
        chunk = tied[start:start + 500]
        # only the keys, taken out of the body by SQLite: reading a tie of 256 rows so takes
        # ~2 ms on a million listings, parsing each whole body in Python ~3 ms
        for rid, pop, ident, keyed in conn.execute(
                f"SELECT rid, pop, id, json_extract(body, '$[{KEYS}]') FROM docs "
                f"WHERE rid IN ({','.join('?' * len(chunk))})", chunk):
            keys = keyed.split()
            shortest = min((len(k) for k in keys if k.startswith(key)), default=1 << 30)
            info[rid] = (-pop, shortest, ident)
    ordered: list[int] = []
    for run in runs:
        ordered.extend(sorted(run, key=info.__getitem__) if len(run) > 1 else run)
    return ordered


def suggestions(conn: sqlite3.Connection, key: str, limit: int) -> list[str]:
    """Ids of the first *limit* documents with the key *key* or a key beginning with it."""
    found: list[int] = []
    for expression in (f"k : {quote(key)}", f"k : {quote(key)}*"):
        candidates = stream(conn, "fk", expression, set(found))
        try:
            rows = take(candidates, limit - len(found), SUGGEST_CHUNK)
        finally:
            candidates.close()
        found += order_by_key(conn, rows, key)
        if len(found) >= limit:
            break
    return ids_of(conn, found[:limit])
