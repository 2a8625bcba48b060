"""A search outage never loses or blocks an edit; the index catches up when the engine is back.

Runs against a real engine that is really stopped: its own noida-db server (or, with
ELASTICSEARCH_URL set, nothing — a configured cluster can't be stopped by a test, so the
test is skipped there with that reason).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from api.app import create_app
from api.config import Config
from directory.importer import import_directory
from directory.models import Enterprise
from tests.factories import enterprise, write_data
from tests.helpers.noida import noida_binary, wait_for_root
from tests.live import free_port

pytestmark = [pytest.mark.live,
              pytest.mark.skipif(bool(os.environ.get("ELASTICSEARCH_URL")),
                                 reason="stops its own noida-db; a configured cluster is not stopped")]


class Noida:
    def __init__(self, home: Path) -> None:
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = noida_binary()
        assert binary, "noida-db is not installed: pip install -e '.[test]'"
        log = self.home / "noida.log"
        with log.open("a") as handle:
            self.process = subprocess.Popen(
                [binary, "start", "--data-dir", str(self.home / "data"), "--only", "elasticsearch",
                 "--elasticsearch-port", str(self.port)],
                stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_root(self.url, self.process, log, 30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        self.process = None
        # The launcher exits before the server it started has closed its socket: wait until
        # the port really refuses connections, or the "outage" would still be answered.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            except OSError:
                return
            time.sleep(0.05)
        pytest.fail(f"noida-db still accepts connections on port {self.port} after SIGTERM")


def search_ids(client, q: str) -> list[str]:
    response = client.get("/v1/search", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_edits_succeed_while_the_engine_is_down_and_reach_it_when_back(fresh_database, tmp_path):
    noida = Noida(tmp_path)
    noida.start()
    try:
        config = Config.from_env(database_url=fresh_database, data_dir=tmp_path / "var", testing=True,
                                 elasticsearch_url=noida.url, search_retry_seconds=0,
                                 elasticsearch_index=f"c800-outage-{uuid.uuid4().hex[:8]}")
        app = create_app(config)
        state = app.extensions["c800"]
        client = app.test_client()
        data = write_data(tmp_path / "data", [enterprise("ent_000000000001"),
                                              enterprise("ent_000000000002", aliases=["二号"])])
        with app.app_context(), state.sessions() as session:
            import_directory(session, data)
            session.commit()  # the indexer applies the changes right after the commit
        assert state.indexer.pending() == 0
        assert search_ids(client, "工行")[:2] and "ent_000000000002" in search_ids(client, "二号")

        noida.stop()
        started = time.monotonic()
        with app.app_context(), state.sessions() as session:
            session.get(Enterprise, "ent_000000000001").aliases = ["停机时改的别名"]
            session.delete(session.get(Enterprise, "ent_000000000002"))
            session.commit()
        assert time.monotonic() - started < 10  # the edit did not wait long on the dead engine
        with state.sessions() as session:  # committed, whatever the index says
            assert session.scalars(select(Enterprise.aliases).where(
                Enterprise.id == "ent_000000000001")).one() == ["停机时改的别名"]
            assert session.get(Enterprise, "ent_000000000002") is None
        assert state.indexer.pending() == 2
        assert client.get("/v1/search?q=icbc").status_code == 503
        ready = client.get("/readyz").get_json()
        assert ready["status"] == "degraded" and ready["checks"]["search"]["pending"] == 2

        noida.start()
        report = state.indexer.drain()  # what the next commit, the worker loop or `sync` does
        assert report.error is None and report.pending == 0
        assert search_ids(client, "停机时改") == ["ent_000000000001"]
        assert search_ids(client, "二号") == []
        assert client.get("/readyz").get_json()["checks"]["search"]["status"] == "ok"
        state.engine.dispose()
    finally:
        noida.stop()
