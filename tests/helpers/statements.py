"""The SQL statements an engine runs while a block runs, as the tests that count a read's
statements or check their plans record them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    """Yields a list that fills with (statement, parameters) for each statement *engine* runs
    until the block ends."""
    ran: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, *_args) -> None:  # noqa: ANN001
        ran.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield ran
    finally:
        event.remove(engine, "before_cursor_execute", keep)
