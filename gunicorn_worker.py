"""The gunicorn worker `make run` and deploy/ serve with: gthread, slow clients kept off threads.

gunicorn's threaded worker (``gthread``) gives a connection to a thread as soon as it has
bytes to read, and the thread then blocks until the request's head has arrived: fifty clients
sending their headers a byte at a time (slowloris) hold fifty threads, and every other request
waits behind them. :class:`HeadBufferingWorker` reads request heads in the worker's event loop
instead, the way nginx buffers a request before it proxies it: a connection goes to a thread
only once its head is complete (the blank line after the headers), with whatever bytes came
after it. A connection that has not sent a whole head within ``HEADER_TIMEOUT`` seconds (env,
default 10) of being accepted, or of its previous answer on a kept-alive connection once its
next request starts, is answered 408 and closed; one whose head grows past
:data:`HEAD_LIMIT_BYTES` without ending is answered 431. Waiting costs a socket and a small
buffer, not a thread; ``worker_connections`` bounds the sockets of one worker.

A worker whose threads are all busy accepts at most one new connection every
``BUSY_ACCEPT_MS`` (env, default 20), leaving the others to a worker with a free thread: every
worker waits on the same listening socket, and without this the kept-alive connections of a
burst of clients often all landed on one worker (one core, the GIL) while the others idled.

Graceful shutdown (SIGTERM from the master): the worker stops accepting and closes its
listening sockets at once, so that once every worker has, new connections are refused (a
proxy tries another upstream) instead of waiting in a backlog nobody accepts from any more;
every connection already accepted is still served (heads still arriving included, within
their ``HEADER_TIMEOUT``) and answered with ``Connection: close``, up to ``graceful_timeout``.
The listening sockets are closed by the event loop, never inside the signal handler: closed
there, a request parsed at that moment found its listener gone and was answered a 500.

A request target holding raw UTF-8 (``GET /v1/search?q=招行``, as curl and some clients send
what was typed) is percent-encoded here, byte for byte, before gunicorn's parser sees it: RFC
9112 wants a target of printable ASCII and gunicorn answers anything else 400, while a browser
would have sent the same bytes percent-encoded (WHATWG URL). Only bytes 0x80-0xFF of the target
are encoded; control characters, DEL, spaces and a malformed request line are left as they came,
so gunicorn still refuses them (400).

TLS, HTTP/2 and the uWSGI protocol are left to gthread's own way (their bytes cannot be read
ahead here); c800 serves plain HTTP/1.1 behind its proxy.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import time
from collections import deque
from collections.abc import Callable
from functools import partial

from gunicorn import util
from gunicorn.workers.gthread import TConn, ThreadWorker

DEFAULT_HEADER_TIMEOUT = 10.0
# Far beyond any real request head (nginx in deploy/ allows 4 x 8 KiB), far below memory trouble.
HEAD_LIMIT_BYTES = 64 * 1024
_READ_SIZE = 16 * 1024


DEFAULT_BUSY_ACCEPT_MS = 20.0


def _env_number(name: str, default: float, unit: str) -> tuple[float, str]:
    """The environment variable *name* as a number of *unit* (*default* when unset or empty),
    and its raw text; RuntimeError when it is not a number."""
    raw = os.environ.get(name, "")
    try:
        return (float(raw) if raw else default), raw
    except ValueError:
        raise RuntimeError(f"{name} must be a number of {unit}, not {raw!r}") from None


def busy_accept_seconds() -> float:
    """``BUSY_ACCEPT_MS`` (env, default 20) in seconds: how often a worker whose threads are
    all busy accepts a new connection (otherwise left to a worker with a free thread)."""
    value, raw = _env_number("BUSY_ACCEPT_MS", DEFAULT_BUSY_ACCEPT_MS, "milliseconds")
    if not 0 <= value <= 10_000:  # noqa: PLR2004 - ten seconds at most
        raise RuntimeError(f"BUSY_ACCEPT_MS must be 0 to 10000 milliseconds, not {raw!r}")
    return value / 1000


def header_timeout() -> float:
    """``HEADER_TIMEOUT`` seconds (env), what a client has to send a whole request head."""
    value, raw = _env_number("HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT, "seconds")
    if not 0 < value <= 300:
        raise RuntimeError(f"HEADER_TIMEOUT must be between 0 and 300 seconds, not {raw!r}")
    return value


def encode_request_target(head: bytes) -> bytes:
    """*head* with the bytes 0x80-0xFF of its request line's target percent-encoded (%XX).

    Only the first line is touched (after the one empty line RFC 9112 section 2.2 allows before
    it), and only when it splits into method, target and version as gunicorn splits it."""
    start = 2 if head.startswith(b"\r\n") else 0
    end = head.find(b"\n", start)
    line = head[start:] if end < 0 else head[start:end]
    parts = line.split(b" ", 2)
    if len(parts) != 3 or max(parts[1], default=0) < 0x80:
        return bytes(head)
    target = b"".join(b"%%%02X" % byte if byte >= 0x80 else bytes((byte,)) for byte in parts[1])
    rest = b"" if end < 0 else head[end:]
    return bytes(head[:start]) + b" ".join((parts[0], target, parts[2])) + bytes(rest)


def _head_ended(head: bytearray, new: int) -> bool:
    """Whether *head*, whose last *new* bytes just arrived, holds the blank line ending a head
    (looked for in the new bytes and the three before them only: a trickle stays cheap)."""
    tail = head[max(0, len(head) - new - 3):]
    return b"\r\n\r\n" in tail or b"\n\n" in tail


class HeadBufferingWorker(ThreadWorker):
    """gthread whose threads only ever see connections with a complete request head."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - gunicorn's Worker
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout()
        cfg = self.cfg
        self.buffers_heads = not (cfg.is_ssl or "h2" in cfg.http_protocols
                                  or getattr(cfg, "protocol", "http") != "http")
        self.awaiting_heads: deque[TConn] = deque()  # oldest first: their deadlines in order
        self.in_threads = 0  # requests handed to the thread pool and not finished
        self.busy_accept_every = busy_accept_seconds()
        self._next_busy_accept = 0.0  # monotonic: when a busy worker may accept again

    # --- accepting ------------------------------------------------------------------------
    # gthread's loop accepts while ``nr_conns < worker_connections``. Every worker waits on the
    # same listening socket, and Linux wakes the busiest of them as readily as an idle one, so
    # the kept-alive connections of a burst of clients (a proxy's upstream pool, a load test)
    # often all land on one worker: it serves them on one core (the GIL) while the other
    # workers idle. A worker whose threads are all busy therefore accepts at most one new
    # connection every BUSY_ACCEPT_MS, leaving the others to a worker with a free thread; so a
    # new connection is never left waiting long behind busy workers' kept-alive clients (with
    # no accept at all while busy, one waited over 2 s at 16 connections on PostgreSQL).
    @property
    def worker_connections(self) -> int:
        if self.in_threads >= self.cfg.threads and time.monotonic() < self._next_busy_accept:
            return min(self.nr_conns, self._worker_connections)
        return self._worker_connections

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._worker_connections = value

    def finish_request(self, conn: TConn, fs) -> None:  # noqa: ANN001 - a Future
        self.in_threads -= 1
        super().finish_request(conn, fs)

    def _busy_now(self) -> None:
        """Its threads are all busy: the next connection is left to the others for a while."""
        self._next_busy_accept = time.monotonic() + self.busy_accept_every

    # --- heads ----------------------------------------------------------------------------
    def accept(self, listener) -> None:  # noqa: ANN001 - a gunicorn listener
        if not self.buffers_heads:
            super().accept(listener)
            return
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        if self.in_threads >= self.cfg.threads:
            self._busy_now()
        conn = TConn(self.cfg, client_sock, client_addr, listener.getsockname())
        self._await_head(conn, readable=True)  # the request often came with the handshake

    def on_client_socket_readable(self, conn: TConn, client) -> None:  # noqa: ANN001
        """A kept-alive connection's next request is starting: wait for its head too."""
        if not self.buffers_heads:
            super().on_client_socket_readable(conn, client)
            return
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._await_head(conn, readable=True)

    def enqueue_req(self, conn: TConn) -> None:
        """To a thread; but a kept-alive connection whose client sent more than its last
        request (pipelining) waits here first if those bytes are not a whole head yet."""
        if self.buffers_heads and getattr(conn, "head", None) is None and conn.parser is not None:
            ahead = conn.parser.unreader.take_buffered()
            if ahead and not _head_ended(bytearray(ahead), len(ahead)):
                conn.sock.setblocking(False)
                self._await_head(conn, ahead)
                return
            conn.parser.unreader.unread(encode_request_target(ahead) if ahead else ahead)
        self.in_threads += 1
        if self.in_threads == self.cfg.threads:
            self._busy_now()
        super().enqueue_req(conn)

    def _await_head(self, conn: TConn, ahead: bytes = b"", readable: bool = False) -> None:
        """Wait in the event loop for the rest of *conn*'s head (read at once if *readable*)."""
        conn.head = bytearray(ahead)
        conn.head_deadline = time.monotonic() + self.header_timeout
        if readable and (then := self._receive_head(conn)) is not None:
            then()
            return
        self.awaiting_heads.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._read_head, conn))

    def _read_head(self, conn: TConn, _client) -> None:  # noqa: ANN001
        then = self._receive_head(conn)
        if then is not None:
            self._stop_awaiting(conn)
            then()

    def _receive_head(self, conn: TConn) -> Callable[[], None] | None:
        """Read what arrived of *conn*'s head: what to do with it now, or None to wait."""
        try:
            data = conn.sock.recv(_READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError:
            data = b""
        if not data:  # the client went away before sending a request
            return partial(self._close, conn)
        conn.head += data
        if _head_ended(conn.head, len(data)):
            return partial(self.enqueue_req, conn)
        if len(conn.head) > HEAD_LIMIT_BYTES:
            return partial(self._refuse, conn, 431, "Request Header Fields Too Large",
                           f"The request line and headers are over {HEAD_LIMIT_BYTES} bytes.")
        return None

    def _stop_awaiting(self, conn: TConn) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.poller.unregister(conn.sock)
        with contextlib.suppress(ValueError):
            self.awaiting_heads.remove(conn)

    def murder_pending(self) -> None:
        """gthread's own pending connections, then those whose head is overdue: 408."""
        super().murder_pending()
        now = time.monotonic()
        while self.awaiting_heads and self.awaiting_heads[0].head_deadline <= now:
            conn = self.awaiting_heads.popleft()
            with contextlib.suppress(KeyError, ValueError):
                self.poller.unregister(conn.sock)
            self._refuse(conn, 408, "Request Timeout",
                         f"The request line and headers did not arrive within "
                         f"{self.header_timeout:g} seconds.")

    def _refuse(self, conn: TConn, status: int, reason: str, detail: str) -> None:
        self.log.debug("%s %s from %s", status, reason, conn.client)
        with contextlib.suppress(OSError):
            # what already arrived is read first: closed with unread bytes, the socket would be
            # reset, and the client might lose the answer
            for _ in range(HEAD_LIMIT_BYTES // _READ_SIZE):
                if not conn.sock.recv(_READ_SIZE):
                    break
        with contextlib.suppress(OSError):
            util.write_error(conn.sock, status, reason, detail)  # problem+json: gunicorn.conf.py
        self._close(conn)

    def _close(self, conn: TConn) -> None:
        self.nr_conns -= 1
        conn.close()

    def handle(self, conn: TConn):  # noqa: ANN201 - gthread's result (keep-alive, defer, False)
        """In a thread: give the parser the head read by the event loop, then serve as gthread."""
        head = getattr(conn, "head", None)
        if head is not None:
            conn.head = None
            conn.sock.setblocking(True)
            conn.init()  # the HTTP/1.1 parser of a new connection (plain TCP: no I/O)
            buffered = conn.parser.unreader.buf
            buffered.seek(0, os.SEEK_END)
            buffered.write(encode_request_target(head))
        return super().handle(conn)

    # --- shutdown -------------------------------------------------------------------------
    def set_accept_enabled(self, enabled: bool) -> None:
        """Stop accepting; when the worker is stopping, also close the listening sockets."""
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            for listener in self.sockets:
                listener.close()
