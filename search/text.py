"""Chinese and mixed-script text handling shared by every search backend.

Both the embedded index and Elasticsearch see exactly the tokens made here, at index time and
at query time, so a stock cluster needs no plugin and the two backends agree:

- :func:`fold` — NFKC, case folding, traditional -> simplified (OpenCC ``t2s``), one space;
- :func:`compact` — a folded text without spaces or punctuation: the *key* compared for
  exact-name and name-prefix matches (``招商銀行`` -> ``招商银行``, ``China Mobile`` ->
  ``chinamobile``);
- :func:`cjk_grams` — unigrams and bigrams of runs of Han characters, so one- and
  two-character queries match;
- :func:`pinyin_syllables` — phrase-aware pinyin from pypinyin (重庆 -> chong qing, 长沙 ->
  chang sha, 银行 -> yin hang), with :func:`pinyin_keys` (full and initials) and
  :func:`pinyin_terms` (the same from every syllable on, so ``yinhang`` finds 招商银行);
- :func:`phone_terms` / :func:`query_phone` — phone numbers as digits in every form a person
  may type them (``95588``, ``021 95561``, ``+86 21 2828 3888``);
- :func:`analyze_query` — what a user typed, turned into data: there is no query syntax, so
  quotes, ``*``, ``AND``, ``-`` or ``NEAR(`` are just characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import opencc
from pypinyin import lazy_pinyin
from pypinyin.seg.mmseg import seg as _mmseg

MAX_QUERY_LENGTH = 100

# Han ideographs (BMP unified + extension A + compatibility) and the CJK extensions beyond.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_IS_HAN = re.compile(f"[{_HAN}]")
# A token is a run of Han characters or a run of letters/digits of any other script.
_TOKEN = re.compile(f"[{_HAN}]+|[^\\W_{_HAN}]+")
_HAN_OR_WORD = re.compile(f"([{_HAN}]+)|([^\\W_{_HAN}]+)")
_NOT_KEY = re.compile("[\\W_]+")
_WHITESPACE = re.compile(r"\s+")
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-().\u00a0\u3000/]+$")
_NON_DIGIT = re.compile(r"\D")

_t2s = opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _to_simplified(text: str) -> str:
    return _t2s.convert(text)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """NFKC (full-width -> ASCII), case-folded, simplified, whitespace collapsed to one space.

    Cached: documents repeat industry names, labels and descriptions, queries repeat too.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if _IS_HAN.search(text):
        text = _to_simplified(text)
    return _WHITESPACE.sub(" ", text).strip()


def fold_char(char: str) -> str:
    """:func:`fold` of a single character, for mapping folded matches back onto display text."""
    return fold(char) or char


def compact(text: str) -> str:
    """The comparison key: the folded text with spaces, punctuation and symbols removed."""
    return _NOT_KEY.sub("", fold(text))


def tokens(folded: str) -> list[str]:
    """Runs of Han characters and runs of other letters/digits, in order, of a folded text."""
    return _TOKEN.findall(folded)


def split_tokens(folded_texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """The Han runs and the other words of folded texts, each once, in order of appearance."""
    han: dict[str, None] = {}
    words: dict[str, None] = {}
    for text in folded_texts:
        for run, word in _HAN_OR_WORD.findall(text):
            if run:
                han[run] = None
            else:
                words[word] = None
    return list(han), list(words)


def is_han(token: str) -> bool:
    return bool(_IS_HAN.match(token))


def cjk_bigrams(run: str) -> list[str]:
    """The bigrams of a Han run in order; a one-character run is its own single term."""
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def cjk_grams(run: str) -> list[str]:
    """Unigrams then bigrams of a Han run (what an index holds so 1- and 2-char queries hit)."""
    grams = list(run)
    if len(run) > 1:
        grams.extend(cjk_bigrams(run))
    return grams


@lru_cache(maxsize=262144)
def _word_pinyin(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(word))


def pinyin_syllables(folded: str) -> list[str]:
    """Pinyin syllables of the Han characters of *folded*, other letters/digits kept as words.

    pypinyin segments each Han run into phrases (its own mmseg with its phrase dictionary), so
    polyphones follow the phrase: 重庆 chong qing, 长沙 chang sha, 银行 yin hang. Each phrase's
    reading is cached: real names repeat their words (银行, 有限公司, 中国) endlessly.
    """
    return list(_syllables(folded))


@lru_cache(maxsize=4096)  # a document asks for the keys and the terms of each name in turn
def _syllables(folded: str) -> tuple[str, ...]:
    syllables: list[str] = []
    for token in tokens(folded):
        if is_han(token):
            for word in _mmseg.cut(token):
                syllables.extend(_word_pinyin(word))
        else:
            syllables.append(token)
    return tuple(syllables)


def pinyin_keys(folded: str) -> tuple[str, str] | None:
    """``(full, initials)`` pinyin of a text containing Han characters, else None."""
    if not _IS_HAN.search(folded):
        return None
    syllables = _syllables(folded)
    return "".join(syllables), "".join(s[0] if s.isalpha() else s for s in syllables)


@lru_cache(maxsize=16384)  # search highlights the same names again and again
def pinyin_terms(folded: str) -> tuple[str, ...]:
    """Full pinyin and initials starting at every syllable, for prefix matching anywhere.

    ``招商银行`` -> zhaoshangyinhang, shangyinhang, yinhang, hang, zsyh, syh, yh, h.
    """
    if not _IS_HAN.search(folded):
        return ()
    syllables = _syllables(folded)
    initials = [s[0] if s.isalpha() else s for s in syllables]
    terms = ["".join(syllables[i:]) for i in range(len(syllables))]
    terms.extend("".join(initials[i:]) for i in range(len(initials)))
    return tuple(dict.fromkeys(terms))


def phone_terms(value: str) -> list[str]:
    """Every digit string a person may type for a stored canonical phone number.

    ``02195561`` -> 02195561, 2195561, 862195561, 95561 (the local part without the area
    code); ``+18774484824`` -> 18774484824, 8774484824; ``95588`` -> 95588.
    """
    digits = _NON_DIGIT.sub("", value)
    if not digits:
        return []
    terms = [digits]
    if value.startswith("+"):
        if digits.startswith("86"):
            national = digits[2:]
            terms += [national, "0" + national]
        elif digits.startswith("1") and len(digits) == 11:
            terms.append(digits[1:])
    elif digits.startswith("0") and len(digits) > 3:
        national = digits[1:]
        terms += [national, "86" + national]
        area = 3 if digits[1] in "12" else 4  # 010/02x have 2-digit area codes, others 3
        if len(digits) - area >= 5:
            terms.append(digits[area:])
    elif len(digits) >= 7 and digits[0] in "1345789":
        terms.append("86" + digits)
    return list(dict.fromkeys(terms))


def query_phone(text: str) -> str | None:
    """The digits of *text* when it reads as a phone number (3+ digits and separators only).

    A ``+86`` / ``0086`` country prefix is dropped (the national form is indexed); another
    country code is kept, as it is part of the stored ``+...`` value.
    """
    if not _PHONE_LIKE.match(text):
        return None
    digits = _NON_DIGIT.sub("", text)
    if len(digits) < 3:
        return None
    if text.lstrip().startswith("+"):
        return digits[2:] if digits.startswith("86") and len(digits) > 4 else digits
    if digits.startswith("0086") and len(digits) > 6:
        return digits[4:]
    return digits


@dataclass(frozen=True)
class AnalyzedQuery:
    """A user's query as data for the backends.

    - ``key``: :func:`compact` of the whole query, for exact-name and name-prefix matches;
    - ``han``: Han runs, each of which must occur in the listing (all its bigrams present);
    - ``words``: other words, each of which must begin a word, a pinyin term or a number;
    - ``phone``: the digits when the whole query reads as a phone number (then ``words``
      holds just those digits, so a name such as 12306 matches too).
    """

    text: str
    key: str
    han: tuple[str, ...]
    words: tuple[str, ...]
    phone: str | None

    @property
    def empty(self) -> bool:
        return not (self.han or self.words)


def analyze_query(text: str) -> AnalyzedQuery:
    """Turn what a user typed into an :class:`AnalyzedQuery` (no syntax, ever)."""
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
    folded = fold(text)
    phone = query_phone(folded)
    if phone is not None:
        return AnalyzedQuery(text=folded, key=phone, han=(), words=(phone,), phone=phone)
    han: list[str] = []
    words: list[str] = []
    for token in tokens(folded):
        (han if is_han(token) else words).append(token)
    return AnalyzedQuery(
        text=folded,
        key=compact(folded),
        han=tuple(dict.fromkeys(han)),
        words=tuple(dict.fromkeys(words)),
        phone=None,
    )


@lru_cache(maxsize=16384)
def _folded_display(display: str) -> tuple[str, tuple[int, ...]]:
    """*display* folded character by character, and for each folded character the index of
    the display character it comes from (cached: the same names are highlighted again and
    again)."""
    folded = [fold_char(ch) for ch in display]
    owner: list[int] = []
    for index, piece in enumerate(folded):
        owner.extend([index] * len(piece))
    return "".join(folded), tuple(owner)


@lru_cache(maxsize=1024)  # words people type: a few KB each at most (a query is <= 100 characters)
def _word_start(word: str) -> re.Pattern[str]:
    """*word* where a word starts (not after a letter or digit)."""
    return re.compile(r"(?<![^\W_])" + re.escape(word))


def highlight_spans(display: str, query: AnalyzedQuery) -> list[tuple[int, int]]:
    """``[start, end)`` code-point spans of *display* that the query matched, merged.

    Matching is done on the folded form, character by character, so a traditional name
    highlights for a simplified query and ``MOBILE`` for ``mobil``.
    """
    flat, owner = _folded_display(display)
    spans: list[tuple[int, int]] = []
    for needle in query.han:  # every occurrence, none overlapping the one before
        start = flat.find(needle) if needle else -1
        while start >= 0:
            end = start + len(needle)
            spans.append((owner[start], owner[end - 1] + 1))
            start = flat.find(needle, end)
    for word in query.words:
        for match in _word_start(word).finditer(flat):
            spans.append((owner[match.start()], owner[match.end() - 1] + 1))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
