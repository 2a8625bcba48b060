"""The sessions of the app and its commands: what every unit of work on the database keeps in step.

Each flush refreshes the derived ``lookup_keys`` of the enterprises it touched
(``directory.lookup_keys.track_lookup_keys``), in the same transaction. Engines are made by
``directory.db.make_engine``.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from directory.lookup_keys import track_lookup_keys


def make_session_factory(engine: Engine) -> sessionmaker:
    """Sessions on *engine* that keep the derived ``lookup_keys`` table in step with each flush."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    track_lookup_keys(factory)
    return factory
