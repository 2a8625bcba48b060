"""Host names c800 accepts: valid IDNA 2008 names that do not pass for another name.

Internationalised names are welcome (``中文.中国``, ``例子.公司``, ``bücher.de``), but a name
that can be mistaken for another one is refused, per label, following Unicode Technical
Standard #39 (security mechanisms), with the script and confusable data of the
``confusable-homoglyphs`` package and the IDNA rules of the ``idna`` package:

- the name must be valid IDNA 2008 (UTS #46 mapping, no transitional processing): no
  disallowed, invisible or unassigned characters, no malformed ``xn--`` label;
- **mixed scripts**: the letters of one label are of one script, or of one of the mixes
  UTS #39's "highly restrictive" level allows for East Asian writing (Latin with Han and
  Hiragana/Katakana, with Han and Bopomofo, or with Han and Hangul). ``www.сmbchina.com``
  (a Cyrillic ``с``) is refused;
- **whole-script confusables**: a label written wholly in another script whose every letter
  looks like an ASCII letter or digit (Cyrillic ``аррӏе``, Greek ``ορο``) is refused;
- **look-alike letters**: a Latin label holding a non-ASCII letter that looks like an ASCII
  one (``ı`` for ``i``, ``ɑ`` for ``a``) is refused.

A name given in its ASCII form (``xn--...``) is decoded and checked the same way, so the
punycode spelling of a refused name is refused too.
"""

from __future__ import annotations

import re
from functools import lru_cache

import idna
from confusable_homoglyphs import categories, confusables

from directory.errors import InvalidInput

# Scripts that never count as a script of their own (digits, the hyphen, combining marks).
NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED"})
# UTS #39 5.2 "highly restrictive": one script, or one of these mixes.
ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# Scripts whose letters are not whole-script confusables with Latin.
EAST_ASIAN_SCRIPTS = frozenset({"HAN", "HIRAGANA", "KATAKANA", "BOPOMOFO", "HANGUL"})
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# A plain ASCII name (letters, digits, hyphens; no ``xn--`` label): nothing to decode or compare.
_PLAIN = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")


class HostNameError(InvalidInput):
    """The host name is not valid IDNA, or can be mistaken for another name."""


def _script(char: str) -> str:
    return categories.alias(char) or "UNKNOWN"


def _looks_like_ascii(char: str) -> str | None:
    """The ASCII letter or digit *char* can be mistaken for, if any."""
    found = confusables.is_confusable(char, greedy=True)
    for entry in found or []:
        for glyph in entry["homoglyphs"]:
            text = glyph["c"].lower()
            if text and all(c in _ASCII_ALNUM for c in text):
                return glyph["c"]
    return None


def _label_problem(label: str) -> str | None:
    if label.isascii():
        return None
    scripts = {_script(c) for c in label} - NEUTRAL_SCRIPTS
    if len(scripts) > 1 and not any(scripts <= mix for mix in ALLOWED_MIXES):
        names = " and ".join(sorted(s.title() for s in scripts))
        return f"the label {label!r} mixes scripts ({names}) and can pass for another name"
    letters = [c for c in label if _script(c) not in NEUTRAL_SCRIPTS]
    if scripts == {"LATIN"}:
        for char in dict.fromkeys(c for c in letters if not c.isascii()):
            lookalike = _looks_like_ascii(char)
            if lookalike:
                return f"the label {label!r} uses {char!r}, which looks like {lookalike!r}"
        return None
    if scripts and not scripts & EAST_ASIAN_SCRIPTS and letters \
            and all(_looks_like_ascii(c) for c in letters):
        return (f"the label {label!r} is written in {next(iter(scripts)).title()} letters that all "
                "look like Latin ones, and can pass for another name")
    return None


@lru_cache(maxsize=4096)
def host_name_problem(host: str) -> str | None:
    """Why *host* (Unicode or ASCII form, without a port) is refused; None when it is fine."""
    name = host.strip().rstrip(".")
    if not name:
        return "a host name is required"
    if _PLAIN.match(name.lower()) and "xn--" not in name.lower():
        return None
    try:
        ascii_name = idna.encode(name, uts46=True, transitional=False).decode("ascii")
        unicode_name = idna.decode(ascii_name)
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        return f"{name!r} is not a valid internationalised host name (IDNA 2008): {exc}"
    for label in unicode_name.split("."):
        problem = _label_problem(label)
        if problem:
            return problem
    return None


def check_host_name(host: str) -> str:
    """Return *host* if it is a host name c800 accepts, else raise :class:`HostNameError`."""
    problem = host_name_problem(host)
    if problem:
        raise HostNameError(problem)
    return host
