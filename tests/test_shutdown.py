"""Graceful shutdown, for real: SIGTERM to the gunicorn master while requests are in flight.

Two writes are held in flight by their clients (headers and half the body sent; a worker's
thread is inside the app reading each body) while a stream of reads goes on. Then SIGTERM to
the master: every worker closes its listening socket at once (gunicorn_worker.py), so new
connections are refused within a second, and finishes the requests in hand; the held writes,
completed after the refusal, get their whole 201 and are stored; every read that got an answer
got a complete 200 (none cut short); each worker stops its background threads (search drain,
webhook delivery, housekeeping) and the master exits 0 well within graceful_timeout (20 s).

A read whose head is still arriving when SIGTERM lands was accepted too: it is answered in full.
(With the listening sockets closed inside the signal handler, such a request found its listener
gone when gunicorn asked it for its address, and got gunicorn's 500 problem: the JSON answer
without ``id`` a reader once met in the test above.)
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import threading
import time

import pytest
from sqlalchemy import select

from directory.claims import Report
from tests.factories import LISTING, one_listing
from tests.live import MASTERS, PROCESSES, gunicorn, worker_pids

pytestmark = [pytest.mark.live, pytest.mark.slow]

GRACEFUL_TIMEOUT = 20  # gunicorn.conf.py


def _hold_a_write(port: int, number: int) -> tuple[socket.socket, bytes]:
    """A report POST with its headers and half its body sent; the rest to send later."""
    body = json.dumps({"topic": "other", "message": f"关机时的报告 {number}"}).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall((f"POST /v1/enterprises/{LISTING}/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Content-Type: application/json\r\nConnection: close\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:10])
    return sock, body[10:]


def _finish(sock: socket.socket, rest: bytes) -> tuple[int, dict]:
    with sock:
        sock.sendall(rest)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")))
    assert len(body) == length, data  # the whole answer
    return int(head.split()[1]), json.loads(body)


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def test_sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits_0(fresh_database, tmp_path):
    engine, sessions = one_listing(fresh_database, tmp_path)
    answered, unanswered, cut_short = [], [0], []
    stop = threading.Event()
    with gunicorn(fresh_database, tmp_path / "var", workers=3) as base:
        port = int(base.rsplit(":", 1)[1])
        master, (process, log) = MASTERS[base], PROCESSES[base]
        workers = worker_pids(master)
        assert len(workers) == 3
        held = [_hold_a_write(port, n) for n in range(2)]
        time.sleep(1.0)  # two workers have taken one each and wait inside the app for the rest

        def read() -> None:
            while not stop.is_set():
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                try:
                    connection.request("GET", f"/v1/enterprises/{LISTING}")
                    response = connection.getresponse()
                except (ConnectionError, OSError):
                    unanswered[0] += 1  # refused, or reset before any answer
                    time.sleep(0.02)
                    continue
                try:
                    body = response.read()
                    answered.append((response.status, json.loads(body)["id"]))
                except Exception as exc:  # noqa: BLE001 - an answer cut short
                    cut_short.append(repr(exc))
                finally:
                    connection.close()

        readers = [threading.Thread(target=read) for _ in range(3)]
        for thread in readers:
            thread.start()
        time.sleep(1.0)
        served_before = len(answered)
        signalled = time.monotonic()
        os.kill(master, signal.SIGTERM)
        deadline = signalled + 5
        while not _refused(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        refused_after = time.monotonic() - signalled
        still_running = process.poll() is None and worker_pids(master) != set()
        writes = [_finish(sock, rest) for sock, rest in held]  # after new connections are refused
        exit_code = process.wait(timeout=GRACEFUL_TIMEOUT + 5)
        stopped_after = time.monotonic() - signalled
        stop.set()
        for thread in readers:
            thread.join(timeout=15)
        logged = log.read_text()
    assert served_before > 5, (served_before, unanswered)
    assert refused_after < 2, refused_after  # new connections refused at once...
    assert still_running  # ...while the held writes were still in the workers' hands
    assert [status for status, _ in writes] == [201, 201], writes
    assert exit_code == 0, logged[-3000:]
    assert stopped_after < GRACEFUL_TIMEOUT, stopped_after
    assert cut_short == [], cut_short
    assert answered and all(answer == (200, LISTING) for answer in answered), answered[:5]
    for pid in workers:
        assert f"background threads stopped (pid: {pid})" in logged, logged[-3000:]
    assert "Exception" not in logged and "Traceback" not in logged, logged[-3000:]
    with sessions() as session:
        stored = set(session.scalars(select(Report.id)))
    engine.dispose()
    assert {body["id"] for _, body in writes} <= stored


def test_a_read_whose_head_is_arriving_at_sigterm_is_answered_in_full(fresh_database, tmp_path):
    engine, _ = one_listing(fresh_database, tmp_path)
    engine.dispose()
    with gunicorn(fresh_database, tmp_path / "var", workers=1) as base:
        port = int(base.rsplit(":", 1)[1])
        master, (process, log) = MASTERS[base], PROCESSES[base]
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(f"GET /v1/enterprises/{LISTING} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
        time.sleep(0.5)  # accepted: the worker holds it, waiting for the rest of the head
        os.kill(master, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while not _refused(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        refused = _refused(port)
        status, body = _finish(sock, b"Connection: close\r\n\r\n")
        exit_code = process.wait(timeout=GRACEFUL_TIMEOUT + 5)
        logged = log.read_text()
    assert refused
    assert (status, body.get("id")) == (200, LISTING), (status, body)
    assert exit_code == 0, logged[-3000:]
    assert "Traceback" not in logged, logged[-3000:]
