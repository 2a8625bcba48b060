"""Faults under load, for real: a gunicorn worker killed with SIGKILL while writes pour in.

Every write the server accepted (a 201 with the report's id) must be in the database after,
the master must replace the worker, and the service must answer again without a restart.
Requests that were in the dead worker's hands get no answer (a reset connection): the caller
knows they were not accepted.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from directory.claims import Report
from tests.factories import LISTING, one_listing
from tests.live import MASTERS, gunicorn, worker_pids

pytestmark = [pytest.mark.live, pytest.mark.slow]

BACKENDS = pytest.mark.parametrize("fresh_database", ["sqlite", "postgresql"], indirect=True)
def _report(base: str, number: int) -> str | None:
    body = json.dumps({"topic": "other", "message": f"负载中的报告 {number}"}).encode()
    request = urllib.request.Request(f"{base}/v1/enterprises/{LISTING}/reports", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())["id"] if answer.status == 201 else None
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
        return None  # not answered, or cut off mid-answer by the kill: not known accepted


@BACKENDS
def test_kill_9_of_a_worker_under_load_loses_no_accepted_write(fresh_database, tmp_path):
    engine, sessions = one_listing(fresh_database, tmp_path)
    accepted: list[str] = []
    unanswered = [0]
    stop = threading.Event()
    with gunicorn(fresh_database, tmp_path / "var", workers=2) as base:
        master = MASTERS[base]
        before = worker_pids(master)
        assert len(before) == 2

        def load(offset: int) -> None:
            number = offset
            while not stop.is_set():
                ident = _report(base, number)
                if ident is None:
                    unanswered[0] += 1
                else:
                    accepted.append(ident)
                number += 4

        threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        victim = sorted(before)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = worker_pids(master)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.1)
        replaced = worker_pids(master)
        time.sleep(1.5)  # the load goes on against the replacement
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        after_kill = _report(base, 10**6)
    assert len(replaced) == 2 and victim not in replaced, (before, replaced)
    assert after_kill is not None  # serving again, no restart
    accepted.append(after_kill)
    assert len(accepted) > 50, (len(accepted), unanswered)
    with sessions() as session:
        stored = set(session.scalars(select(Report.id)))
    engine.dispose()
    assert set(accepted) <= stored, set(accepted) - stored
    assert unanswered[0] <= 8  # at most what the dead worker held, a few per thread
