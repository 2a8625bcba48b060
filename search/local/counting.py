"""How many documents a query of the embedded index matches, and its facets.

Totals and facets are exact up to ``EXACT_LIMIT`` matches (one ``GROUP BY`` over the rowids'
bits, see the rowid layout in :mod:`search.local.schema`). A query matching more (``co``,
``服务`` on a million listings) is counted on a fixed sample of the documents (1/4 .. 1/256,
marked at index time by a hash of the id) and scaled: counting every row of 400,000 matches
would take ~100 ms.
"""

from __future__ import annotations

import sqlite3

from search.local.schema import (
    CHANNEL_BITS,
    CHANNEL_OVERFLOW,
    CHANNEL_SHIFT,
    FACET_MASK,
    INDUSTRY_OVERFLOW,
    INDUSTRY_SHIFT,
    SAMPLES,
    Codes,
    quote,
)

EXACT_LIMIT = 5_000  # matches counted one by one; above, totals and facets are sampled
SAMPLE_SIZE = 4_000  # rows a sample should hold at most

_GROUPS = f"SELECT (rowid >> {CHANNEL_SHIFT}) & {FACET_MASK} AS g, count(*) FROM fts WHERE fts MATCH ?"


def facets(conn: sqlite3.Connection, full: str, codes: Codes) -> tuple[int, dict[str, dict[str, int]], bool]:
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
        groups = conn.execute(f"{_GROUPS} GROUP BY g", (expression,)).fetchall()
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


def count_matches(conn: sqlite3.Connection, expression: str) -> int:
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
