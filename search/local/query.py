"""A search query as the embedded index reads it: a few FTS5 expressions, every user token
quoted (``"..."``, ``"..."*``).

``full`` (each Han run's bigrams all in ``nh`` or all in ``oh``; each word a prefix of a term
in ``nt``/``ot``/``k``; the filters), ``names`` (runs in ``nh``, words in ``nt``), and the
query's key, exact and as a prefix, in ``fk``. A word of 5+ characters that begins at most
``EXPAND`` indexed terms becomes their OR (FTS5 merges a prefix's doclists in every statement
unless its prefix index holds that length). The contract the expressions implement is in
:mod:`search.base`; how they are read in rank order is in :mod:`search.local.ranking`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from search.base import SearchQuery
from search.local.schema import KEYS, NH, NT, OH, OT, WEIGHTS, Codes, K, quote
from search.text import cjk_bigrams

EXPAND = 32  # a query word of 5+ characters beginning at most this many terms is matched as their OR


def expansions(conn: sqlite3.Connection, word: str) -> list[str] | None:
    """The indexed terms that begin with *word*, or None when there are more than EXPAND."""
    last = ord(word[-1]) + 1
    if last > 0x10FFFF:
        return None
    after = word[:-1] + chr(0xE000 if 0xD800 <= last <= 0xDFFF else last)
    found = [term for (term,) in conn.execute(
        f"SELECT term FROM temp.fts_terms WHERE term >= ? AND term < ? LIMIT {EXPAND + 1}",
        (word, after))]
    return None if len(found) > EXPAND else found


class QueryPlan:
    """The FTS5 expressions of one analysed query (every token quoted)."""

    def __init__(self, query: SearchQuery, codes: Codes,
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

    def _tag(self, codes: Codes, kind: str, values: list[str]) -> str:
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
