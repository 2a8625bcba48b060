"""Rules for what the crowd writes: key presses, short texts, confidence.

- **Key presses** (:func:`clean_keys`): a list of 1 to ``MAX_STEPS`` steps, each 1 to
  ``MAX_STEP_LENGTH`` keys of ``0``-``9``, ``*`` and ``#`` (``["0"]``, ``["2", "1", "0"]``,
  ``["1", "#"]``). A step is what is pressed after one prompt; the pause between steps is the
  dialler's (``tel:95588,,2,,1``), so a pause is not a key. Steps are short: a menu option or
  a short extension, never a phone number or an account number (a step of 11 digits would let
  a tip carry a number to call).
- **Short texts** (:func:`clean_text`): trimmed, inner whitespace collapsed, at most a given
  length, no control characters, and refused when they carry a way to reach someone other
  than the channel: a phone-like run of ``PHONE_DIGITS`` or more digits (after NFKC, so full-width
  digits count, and across spaces, dashes, dots and brackets; Chinese numerals count too), a
  URL or domain name, an e-mail address or an ``@handle``. A tip is shown on a company's
  channel; it must not become a way to make a scam number or site look official. Times
  ("9:00-10:00") and short counts pass.
- **Confidence** (:func:`wilson_lower_bound`): the lower bound of the Wilson score interval
  (95 %) of the share of "worked" among weighted votes, so that 1 of 1 ranks below 40 of 45.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.errors import InvalidInput, TooMany

MAX_STEPS, MAX_STEP_LENGTH = 8, 4
STEP = re.compile(rf"^[0-9*#]{{1,{MAX_STEP_LENGTH}}}$")
PHONE_DIGITS = 5
_NUMERALS = "0-9〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖两幺"
_PHONE_LIKE = re.compile(rf"[{_NUMERALS}](?:[\s\-.()（）]*[{_NUMERALS}]){{{PHONE_DIGITS - 1},}}")
_LINK_LIKE = re.compile(
    r"(?:[a-z][a-z0-9+.\-]*://|www\.|\b[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:[a-z]{2,}|xn--[a-z0-9\-]+)\b"
    r"|@[\w.\-]+)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
Z_95 = 1.959963984540054
DAY = timedelta(hours=24)


class CrowdInputError(InvalidInput):
    """What a consumer wrote that the crowd's rules refuse (``field`` says which)."""


def clean_keys(steps: list[str], field: str = "keys") -> str:
    """The key steps as stored (comma-separated, the form of a menu's keys); refused when they
    are not 1 to MAX_STEPS short steps of 0-9 * #."""
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise CrowdInputError(f"1 to {MAX_STEPS} key steps.", field=field)
    for step in steps:
        if not isinstance(step, str) or not STEP.match(step):
            raise CrowdInputError(f"Each step is 1 to {MAX_STEP_LENGTH} keys of 0-9, * and #, "
                                  "e.g. [\"2\", \"1\", \"0\"].", field=field)
    return ",".join(steps)


def key_steps(stored: str) -> list[str]:
    return stored.split(",") if stored else []


def contact_in(text: str) -> str | None:
    """What in *text* looks like a way to reach someone (a number, a link, an address), or
    None."""
    folded = unicodedata.normalize("NFKC", text)
    for pattern, what in ((_PHONE_LIKE, "a phone number"), (_LINK_LIKE, "a link or address")):
        if pattern.search(folded):
            return what
    return None


def clean_text(text: str | None, *, field: str, limit: int, contacts: bool = False) -> str | None:
    """*text* trimmed and collapsed (None when empty); refused when longer than *limit*, with
    control characters, or (unless *contacts*: words only reviewers read) carrying a number,
    link or address (see the module's docstring)."""
    if text is None:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") and ch not in "\t\n" for ch in text):
        raise CrowdInputError("Control and invisible characters are not accepted.", field=field)
    cleaned = _SPACE.sub(" ", text).strip()
    if not cleaned:
        return None
    if len(cleaned) > limit:
        raise CrowdInputError(f"At most {limit} characters.", field=field)
    found = None if contacts else contact_in(cleaned)
    if found:
        raise CrowdInputError(f"Tips may not carry {found}: only the channel's own number and "
                              "keys are shown. Say it in words.", field=field)
    return cleaned


def wilson_lower_bound(positive: float, total: float, z: float = Z_95) -> float:
    """The lower bound of the Wilson score interval of positive / total (0 when total is 0)."""
    if total <= 0:
        return 0.0
    share = positive / total
    z2 = z * z
    centre = share + z2 / (2 * total)
    margin = z * math.sqrt(share * (1 - share) / total + z2 / (4 * total * total))
    return max(0.0, (centre - margin) / (1 + z2 / total))


def check_daily_cap(session: Session, kind: str, when_column: Any, user_column: Any, user_id: str,
                    now: datetime, cap: int) -> None:
    """TooMany (``retry_after`` seconds) when the account did *kind* *cap* times in the last 24
    hours: *when_column* is when each one happened, *user_column* whose it is."""
    recent = session.scalars(select(when_column).where(user_column == user_id, when_column > now - DAY)
                             .order_by(when_column.desc()).limit(cap)).all()
    if len(recent) >= cap:
        wait = recent[-1] + DAY - now
        raise TooMany(f"At most {cap} {kind} a day per account; try again later.",
                      retry_after=max(1, math.ceil(wait.total_seconds())))
