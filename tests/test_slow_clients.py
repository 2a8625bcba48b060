"""Slow clients (slowloris) against real gunicorn as `make run` configures it (gunicorn.conf.py,
2 workers): 50 clients keep sending their request heads a byte at a time for 10 s -- 10 of
them after a whole first request on the same connection (pipelined), 5 of them sending nothing
at first -- while ordinary reads (/healthz and a listing's detail, each on a new connection)
keep coming; every read is answered 200 in under a second. Once HEADER_TIMEOUT (10 s) has
passed, each slow client is answered 408 problem+json and cut off; a head that grows past
64 KiB without ending is a 431 at once.

With gunicorn's sync workers, three such clients stalled the whole server for 30 s.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import pytest

from tests.factories import LISTING, one_listing
from tests.live import gunicorn

pytestmark = [pytest.mark.live, pytest.mark.slow]

SLOW_CLIENTS = 50
PIPELINED = 10  # of them: a whole request first, then the trickled head of a second one
SILENT = 5  # of them: connected, sending nothing for the first seconds
TRICKLE_SECONDS = 10.0
HEADER_TIMEOUT = 10.0  # gunicorn_worker.py's default
READ_LIMIT = 1.0  # seconds an ordinary read may take while the slow clients trickle
WHOLE_HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def _timed_read(port: int, path: str) -> tuple[float, int, bytes]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return time.monotonic() - started, response.status, body


def _open_slow_client(port: int, number: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if number < PIPELINED:
        sock.sendall(WHOLE_HEALTHZ + b"GET /healthz HTTP/1.1\r\n")
    elif number < PIPELINED + SILENT:
        pass
    else:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
    return sock


def _trickle(clients: list[socket.socket], until: float, cut: list[int]) -> None:
    """One more byte of an endless header on every client each 0.25 s, until *until*."""
    header = b"X-Slow: " + b"a" * 10_000
    sent = 0
    while time.monotonic() < until:
        for number, sock in enumerate(clients):
            if number in cut or (PIPELINED <= number < PIPELINED + SILENT and sent < 8):
                continue
            try:
                sock.sendall(header[sent:sent + 1])
            except OSError:
                cut.append(number)
        sent += 1
        time.sleep(0.25)


def _answer_to(sock: socket.socket, deadline: float) -> bytes:
    """What the server sent *sock* until it closed it (or *deadline* passed)."""
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except OSError:  # reset after the answer: what came before still counts
            break
        if not chunk:
            break
        data += chunk
    sock.close()
    return data


def test_fifty_slow_clients_do_not_hold_up_reads_and_are_cut_off(fresh_database, tmp_path):
    engine, _ = one_listing(fresh_database, tmp_path)
    engine.dispose()
    with gunicorn(fresh_database, tmp_path / "var", workers=2) as base:
        port = int(base.rsplit(":", 1)[1])
        paths = ["/healthz", f"/v1/enterprises/{LISTING}"]
        for _ in range(4):  # both workers have loaded what the first request loads
            for path in paths:
                assert _timed_read(port, path)[1] == 200

        opened = time.monotonic()
        clients = [_open_slow_client(port, number) for number in range(SLOW_CLIENTS)]
        cut: list[int] = []
        trickler = threading.Thread(target=_trickle, args=(clients, opened + TRICKLE_SECONDS, cut))
        trickler.start()
        reads = []
        try:
            while time.monotonic() < opened + TRICKLE_SECONDS - 1:
                path = paths[len(reads) % 2]
                took, status, body = _timed_read(port, path)
                reads.append((path, status, round(took, 3)))
                assert status == 200, (path, status, body[:300])
                assert took < READ_LIMIT, reads
                time.sleep(0.05)
        finally:
            trickler.join()
        assert cut == [], cut  # the slow clients were still being waited for all along
        answers = [_answer_to(sock, opened + HEADER_TIMEOUT + 8) for sock in clients]

        oversized = socket.create_connection(("127.0.0.1", port), timeout=10)
        oversized.sendall(b"GET /healthz HTTP/1.1\r\nX-Big: " + b"b" * 70_000)
        too_big = _answer_to(oversized, time.monotonic() + 5)
        after = _timed_read(port, "/healthz")

    assert len(reads) >= 20, reads
    for number, answer in enumerate(answers):
        timed_out = answer[answer.index(b"HTTP/1.1 408"):] if b"HTTP/1.1 408" in answer else b""
        assert timed_out, (number, answer[:500])
        assert b"Content-Type: application/problem+json" in timed_out, timed_out
        assert json.loads(timed_out.partition(b"\r\n\r\n")[2])["status"] == 408
        if number < PIPELINED:  # the whole first request was answered before
            assert answer.startswith(b"HTTP/1.1 200 OK"), answer[:300]
    assert too_big.startswith(b"HTTP/1.1 431"), too_big[:300]
    assert after[1] == 200
