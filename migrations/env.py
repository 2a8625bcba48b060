"""Alembic environment: migrates the database named by the app's configuration."""

from __future__ import annotations

from alembic import context

import directory.accounts  # noqa: F401 - users and memberships
import directory.claims  # noqa: F401 - claims and reports
import directory.contacts  # noqa: F401 - follows, handoffs, callback requests, channel days
import directory.credentials  # noqa: F401 - OAuth2 clients, codes and tokens
import directory.experiences  # noqa: F401 - experiences, their counters, live statuses
import directory.idempotency_records  # noqa: F401 - the idempotency_keys table
import directory.lookup  # noqa: F401 - the lookup_keys table
import directory.members  # noqa: F401 - invitations to join a listing
import directory.models  # noqa: F401 - registers the tables on Base.metadata
import directory.outbox  # noqa: F401 - the listing_changes table
import directory.reviews  # noqa: F401 - fact_reviews
import directory.versions  # noqa: F401 - listing_versions
import directory.webhooks  # noqa: F401 - webhooks and their deliveries
from directory.db import Base, make_engine

target_metadata = Base.metadata
config = context.config


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration recreates a table (copy, drop the old one, rename): with foreign
        # keys on, dropping the old `enterprises` cascades to every channel. Off for the
        # migration (the pragma is a no-op inside a transaction, so before it begins), checked
        # before the migration commits.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # end SQLAlchemy's autobegun transaction: the migration has its own
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=sqlite, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows whose references are broken: {broken[:5]}")
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
