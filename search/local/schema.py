"""What a generation of the embedded index holds: its tables, the FTS rowid layout, the
small integer codes of filter values, and the quoting of FTS5 strings.

- ``fts`` — a contentless FTS5 table (``detail=column``, ``prefix='1 2 3 4'``): ``nh`` (CJK
  unigrams and bigrams of the ``name_han`` runs), ``nt`` (``name_terms``), ``oh``, ``ot`` (the
  same for the other fields), ``k`` (the keys that no term already holds, e.g. ``chinamobile``)
  and ``tg`` (filter tokens ``i<code>`` industries, ``c<code>`` channel kinds, ``r<code>``
  regions, and ``q2``..``q8`` sample marks). The tokenizer is ``unicode61 remove_diacritics 0``
  with ``tokenchars`` for the few letters its Unicode tables lack, so every application-made
  gram, term or key is exactly one token, unaltered.
- ``fk`` — every key (``k``) and the filter tokens, for the exact-key and key-prefix tiers and
  the suggestions, without reading the (much longer) doclists of the terms.
- ``docs`` — per document: the FTS rowid, id, exact prominence (column ``pop``), leaf industry, channel kinds
  and its record (JSON: the FTS texts, needed to delete it from contentless tables, to check a
  key-tier candidate and to compute BM25); ``codes``; ``meta``.

The FTS rowid is a static quality order (see ``rowid layout`` below): prominent, then short
documents first; it also carries the industry and channel bits the facets count.
FTS5 returns rowids in that order, so a tier's best documents come first and a page is read
without visiting every match.
"""

from __future__ import annotations

from collections.abc import Iterable

from search.documents import ANY_REGION

SCHEMA_VERSION = 3  # 3: the rowid's static order is prominence (was verified, popularity)

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
#   [0:1][65535 - prominence:16][length:4][industry:8][channel kinds:12][sequence:21]
# prominence is the static order (the top bit, once ``unverified``, is 0: the caller folds
# verification into prominence); within it shorter documents come first, as BM25
# would rank most of them; industry and channel bits let the facets be counted from rowids.
SEQ_BITS = 21
CHANNEL_SHIFT, CHANNEL_BITS = 21, 12
INDUSTRY_SHIFT, INDUSTRY_BITS = 33, 8
LENGTH_SHIFT, LENGTH_BITS = 41, 4
POP_SHIFT, POP_BITS = 45, 16
GROUP_SHIFT = POP_SHIFT  # rowid >> GROUP_SHIFT: the prominence group, the static order
FACET_MASK = (1 << (CHANNEL_BITS + INDUSTRY_BITS)) - 1
SEQ_MASK = (1 << SEQ_BITS) - 1
POP_MAX = (1 << POP_BITS) - 1
LENGTH_MAX = (1 << LENGTH_BITS) - 1
CHANNEL_OVERFLOW = CHANNEL_BITS - 1  # bit set when a document has a kind without a bit of its own
INDUSTRY_OVERFLOW = (1 << INDUSTRY_BITS) - 1  # code of industries without a code of their own

# Sample marks in ``tg``: a document whose id hashes to 0 mod 4**n carries q<2n> (nested).
SAMPLES = (("q2", 4), ("q4", 16), ("q6", 64), ("q8", 256))

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
# docs.body: JSON [rowid, id, prominence, industry, channels, nh, nt, oh, ot, k, tg, keys]
NH, NT, OH, OT, K, TG, KEYS = range(5, 12)
INSERT_FTS = f"INSERT INTO fts(rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"
DELETE_FTS = f"INSERT INTO fts(fts, rowid, {', '.join(COLUMNS)}) VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)"


def quote(token: str) -> str:
    """An FTS5 string: user text never reaches MATCH as syntax."""
    return '"' + token.replace('"', '""') + '"'


class Codes:
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
        tags += [f"r{self.code('r', region)}" for region in dict.fromkeys(regions or (ANY_REGION,))]
        industry_code = min(self.code("i", industry), INDUSTRY_OVERFLOW) if industry else 0
        mask = 0
        for kind in channels:
            mask |= 1 << min(self.code("c", kind), CHANNEL_OVERFLOW)
        found = (" ".join(tags), industry_code, mask)
        if len(self._tags) < 10_000:
            self._tags[memo_key] = found
        return found
