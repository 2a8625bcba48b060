"""Counters kept incrementally: one atomic ``INSERT ... ON CONFLICT DO UPDATE`` per event.

Aggregates (waits per channel and hour of week, opens per channel and day) are sums of these
rows; nothing is recomputed from the raw events, and concurrent writers never lose a count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def increment(session: Session, table: Table, keys: dict[str, Any], amounts: dict[str, int],
              fixed: dict[str, Any] | None = None, *, returning: str | None = None) -> int | None:
    """Add *amounts* to the row of *table* identified by *keys* (made at zero when missing, with
    the *fixed* values a new row needs); with *returning*, that column's value after the change
    (the row is locked until the transaction ends, so the value is exact)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**keys, **(fixed or {}), **amounts)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in amounts})
    if returning is None:
        session.execute(statement)
        return None
    return session.execute(statement.returning(table.c[returning])).scalar_one()
