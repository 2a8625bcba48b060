"""Listeners installed on a session factory once, whatever SQLAlchemy's registry remembers.

``sqlalchemy.event.contains`` cannot answer "does this factory already have it?": listeners on
a ``sessionmaker`` are kept against the Session class it generated, keyed by that class's
``id()``, and the key outlives the class. A new factory whose class lands at a collected one's
address is then said to hold listeners it never got, and a guard built on ``contains`` skips
them: a long test worker once wrote no outbox row for a channel edit that way. The mark here
lives on the factory object itself, so it dies with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

_MARK = "_c800_installed"


def install_once(factory: sessionmaker, name: str,
                 listeners: Iterable[tuple[str, Callable[..., object]]]) -> bool:
    """Listen with each (event, function) of *listeners* on *factory*, unless *name* was
    installed on this very factory before; whether it installed them now."""
    installed: set[str] = factory.__dict__.setdefault(_MARK, set())
    if name in installed:
        return False
    installed.add(name)
    for identifier, function in listeners:
        event.listen(factory, identifier, function)
    return True
