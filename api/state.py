"""Per-app state (config, engine, session factory) and the request-scoped database session."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.config import Config
from directory.db import make_engine, make_session_factory


@dataclass
class AppState:
    config: Config
    engine: Engine
    sessions: sessionmaker


def init_state(app: Flask, config: Config) -> AppState:
    engine = make_engine(config.database_url)
    state = AppState(config=config, engine=engine, sessions=make_session_factory(engine))
    app.extensions["c800"] = state

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return state


def app_state() -> AppState:
    return current_app.extensions["c800"]


def db_session() -> Session:
    """The session of the current request or CLI command, opened on first use."""
    if "db_session" not in g:
        g.db_session = app_state().sessions()
    return g.db_session
