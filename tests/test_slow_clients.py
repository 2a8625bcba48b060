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

import contextlib
import http.client
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.factories import LISTING, one_listing
from tests.live import MASTERS, gunicorn

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


def _server_side_holder(port: int, sock: socket.socket, pids: list[int]) -> int | None:
    """The worker (of *pids*) holding the server's end of the client socket *sock*, if any."""
    ours = sock.getsockname()[1]
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(address.rsplit(":", 1)[1], 16) for address in fields[1:3])
        if local == port and remote == ours:
            inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) in inodes:
                    return pid
    return None


def _held(port: int, pids: list[int]) -> tuple[socket.socket, int]:
    """A connection whose request holds a thread (its body is still coming), and its worker."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"POST /v1/enterprises/{LISTING}/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Content-Type: application/json\r\nContent-Length: 40\r\n\r\n{{\"kind\"".encode())
    deadline = time.monotonic() + 5
    while (holder := _server_side_holder(port, sock, pids)) is None:
        assert time.monotonic() < deadline, "no worker accepted the connection"
        time.sleep(0.05)
    time.sleep(0.3)  # its head is read and handed to the worker's thread
    return sock, holder


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc (Linux)")
def test_a_worker_with_no_free_thread_leaves_new_connections_to_the_others(fresh_database, tmp_path):
    """Kept-alive connections spread over the workers: a worker whose threads are all busy
    leaves new connections to the others for BUSY_ACCEPT_MS (gunicorn_worker.py; 5 s here),
    so the next connection goes to another worker, and one that no worker takes yet waits
    until a thread is free, then is answered."""
    engine, _ = one_listing(fresh_database, tmp_path)
    engine.dispose()
    env = {"THREADS": "1", "BUSY_ACCEPT_MS": "5000"}
    with gunicorn(fresh_database, tmp_path / "var", workers=2, env=env) as base:
        port = int(base.rsplit(":", 1)[1])
        master = MASTERS[base]
        for _ in range(4):
            assert _timed_read(port, "/healthz")[1] == 200
        pids = [int(pid) for pid in
                Path(f"/proc/{master}/task/{master}/children").read_text().split()]
        assert len(pids) == 2
        first, first_worker = _held(port, pids)
        second, second_worker = _held(port, pids)
        assert first_worker != second_worker  # the busy worker left it to the other one
        waiting = socket.create_connection(("127.0.0.1", port), timeout=10)
        waiting.sendall(WHOLE_HEALTHZ)
        waiting.settimeout(1.0)
        with pytest.raises(TimeoutError):
            waiting.recv(100)  # no thread is free: not answered yet
        first.sendall(b': "other", "note": "held"}' + b" " * 8)
        assert _answer_to(first, time.monotonic() + 10).startswith(b"HTTP/1.1 ")
        waiting.settimeout(10)
        assert waiting.recv(100).startswith(b"HTTP/1.1 200 OK")
        for sock in (first, second, waiting):
            sock.close()
