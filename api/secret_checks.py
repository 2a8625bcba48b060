"""Secrets the app refuses to start with: placeholders, short keys and guessable ones.

``SECRET_KEY`` signs the browser session of the sign-in pages: whoever knows it can forge a
session and, through the consent page, get an ``admin`` token. ``METRICS_TOKEN`` opens
``/metrics`` to any address. A value that is set must therefore be a real secret, in every
mode: at least :data:`MIN_SECRET_LENGTH` characters, none of the placeholder words of
deploy/env.example and the like (:data:`PLACEHOLDER`), and not guessable by zxcvbn (the
password-strength estimator of Dropbox) in fewer than ``10**MIN_GUESSES_LOG10`` guesses
(sequences, repeats, keyboard walks, dictionary words). A production app
(``C800_ENV=production``) also needs ``SECRET_KEY`` set: several hosts must share it, and a
key kept in one host's ``DATA_DIR`` would sign sessions the others refuse.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

from api.config import Config

MIN_SECRET_LENGTH = 32
# zxcvbn's estimate for 32 random hex digits is 10**28 or more; 10**24 is about 80 bits.
MIN_GUESSES_LOG10 = 24
# zxcvbn refuses longer input; the first 72 characters of a random key are random enough.
ESTIMATED_PREFIX = 72
PLACEHOLDER = re.compile(
    r"change[\W_]*me|replace[\W_]*me|fill[\W_]*me|secret|example|placeholder|your[\W_]*(key|token)"
    r"|x{4,}|todo|fixme|dummy|insecure|not[\W_]*safe|do[\W_]*not[\W_]*use",
    re.IGNORECASE)
HOW_TO_MAKE_ONE = ("make one with `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`")


class UnsafeSecretError(ValueError):
    """A configured secret is a placeholder, too short or guessable (the app does not start)."""


def weakness_of(value: str) -> str | None:
    """Why *value* is no secret, or None when it will do."""
    if len(value) < MIN_SECRET_LENGTH:
        return f"it is shorter than {MIN_SECRET_LENGTH} characters"
    found = PLACEHOLDER.search(value)
    if found:
        return f"it holds the placeholder text {found.group(0)!r}"
    if zxcvbn(value[:ESTIMATED_PREFIX])["guesses_log10"] < MIN_GUESSES_LOG10:
        return "it is guessable (repeated or sequential characters, words, keyboard patterns)"
    return None


def check_secrets(config: Config) -> None:
    """Refuse (:class:`UnsafeSecretError`) a weak SECRET_KEY or METRICS_TOKEN, and a production
    app without SECRET_KEY."""
    if config.production and not config.secret_key:
        raise UnsafeSecretError("SECRET_KEY must be set in production (C800_ENV=production), the "
                                f"same on every host; {HOW_TO_MAKE_ONE}")
    for name, value in (("SECRET_KEY", config.secret_key), ("METRICS_TOKEN", config.metrics_token)):
        if value is None:
            continue
        weakness = weakness_of(value)
        if weakness is not None:
            raise UnsafeSecretError(f"{name} is not a usable secret: {weakness}; {HOW_TO_MAKE_ONE}")
