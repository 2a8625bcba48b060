"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from directory.db import Base, make_engine


@pytest.mark.parametrize("fresh_database", ["sqlite", "postgresql"], indirect=True)
def test_migrated_schema_matches_the_models(fresh_database):
    engine = make_engine(fresh_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert context.get_current_revision() is not None
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
