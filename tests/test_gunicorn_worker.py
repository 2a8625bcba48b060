"""gunicorn_worker.py's small parts: where a request head ends, and HEADER_TIMEOUT."""

from __future__ import annotations

import pytest

from gunicorn_worker import DEFAULT_HEADER_TIMEOUT, _head_ended, header_timeout


@pytest.mark.parametrize(("head", "new", "ended"), [
    (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27, True),
    (b"GET / HTTP/1.1\r\nHost: a\r\n\r", 1, False),
    (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1, True),  # the last byte completes a split blank line
    (b"GET / HTTP/1.1\nHost: a\n\n", 1, True),  # bare LF: the parser decides what it makes of it
    (b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nX-A: b", 5, False),  # only new bytes are looked at
])
def test_a_head_ends_at_its_blank_line(head, new, ended):
    assert _head_ended(bytearray(head), new) is ended


def test_header_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("HEADER_TIMEOUT", raising=False)
    assert header_timeout() == DEFAULT_HEADER_TIMEOUT
    monkeypatch.setenv("HEADER_TIMEOUT", "2.5")
    assert header_timeout() == 2.5
    for wrong in ("0", "-1", "301", "ten", "nan"):
        monkeypatch.setenv("HEADER_TIMEOUT", wrong)
        with pytest.raises(RuntimeError, match="HEADER_TIMEOUT"):
            header_timeout()
