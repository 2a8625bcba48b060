"""The domain's one error hierarchy: every refusal of a use case is a :class:`DomainError` of one
kind, and the kind is all the API needs to answer it (``api/problems.py`` maps kinds to
answers; nothing in ``directory/`` names an HTTP status or an address of the API).

A message is plain words for people and says what to do ("read the listing again"), never a
URL path. ``field`` names the one input field at fault, ``errors`` maps several fields to their
messages, and ``details`` holds facts an answer may show (``retry_after`` seconds, the current
``version``).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A use case refused: what was asked cannot be done as asked (the message says why)."""

    def __init__(self, message: str, *, field: str | None = None,
                 errors: dict[str, list[str]] | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors
        self.details = details


class InvalidInput(DomainError, ValueError):
    """What was sent is not valid (a field's value, a combination of fields); nothing was
    changed. Also a ValueError: a value that is not one the domain accepts."""


class NotFound(DomainError):
    """No such thing, or not one the asker may see."""


class NotAllowed(DomainError):
    """The asker may not do this here."""


class Conflict(DomainError):
    """The state of things does not allow it (a duplicate, a decision made already)."""


class StaleVersion(DomainError):
    """The version the change was based on is not the current one (``version``: the current)."""


class VersionRequired(DomainError):
    """A change must name the version it is based on, and this one did not."""


class Gone(DomainError):
    """It existed but no longer can be used (an expired link or invitation)."""


class TooMany(DomainError):
    """Asked too often; ``retry_after`` seconds until it may be asked again (when known)."""


class Unavailable(DomainError):
    """Something the use case needs is out of service for now (``retry_after`` seconds)."""
