"""The per-app state under a threaded worker: request threads share one search backend."""

from __future__ import annotations

import threading
import time

import api.state
from api.config import Config
from api.state import AppState
from directory.db import make_engine
from directory.sessions import make_session_factory


def test_threads_asking_at_once_share_one_search_backend(tmp_path, monkeypatch):
    opened = []

    def slow_open(*args):  # noqa: ANN002, ANN202 - open_backend's arguments
        time.sleep(0.05)  # long enough for every thread to ask before the first one has it
        opened.append(object())
        return opened[-1]

    monkeypatch.setattr(api.state, "open_backend", slow_open)
    engine = make_engine(f"sqlite:///{tmp_path / 'c800.sqlite3'}")
    state = AppState(config=Config.from_env(database_url=str(engine.url), data_dir=tmp_path),
                     engine=engine, sessions=make_session_factory(engine))
    start = threading.Barrier(8)
    seen = []

    def ask() -> None:
        start.wait()
        seen.append(state.search)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert len(opened) == 1 and seen == opened * 8
