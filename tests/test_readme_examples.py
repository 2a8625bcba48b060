"""Every curl example of the README, run as typed against a real gunicorn on a loopback port.

The examples are read from the README's fenced ``sh`` blocks: each line that starts with
``curl`` is run by the shell exactly as written, with ``http://127.0.0.1:8000`` pointed at the
test's server. curl reports each answer's status through a ``.curlrc`` of the test's own
(``write-out``), so the commands are not changed. Every answer must be a 2xx, except the one
the README documents otherwise: the conditional GET, given the ETag of the last answer, is 304.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.live import gunicorn

pytestmark = [pytest.mark.live, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
README_BASE = "http://127.0.0.1:8000"
ETAG_PLACEHOLDER = "<etag from the last answer>"
STATUS = re.compile(r"@@status=(\d{3})@@")


def readme_examples() -> list[str]:
    """The curl command lines of the README's fenced ``sh`` blocks, in order."""
    blocks = re.findall(r"^```sh\n(.*?)^```", (ROOT / "README.md").read_text(), re.S | re.M)
    return [line for block in blocks for line in block.splitlines() if line.startswith("curl ")]


def test_the_readme_has_its_examples():
    examples = readme_examples()
    assert len(examples) >= 12
    assert any("q=招行" in line for line in examples)  # raw UTF-8, as people type it


def _run(line: str, base: str, home: Path) -> list[int]:
    command = line.replace(README_BASE, base)
    done = subprocess.run(["bash", "-c", command], env={**os.environ, "CURL_HOME": str(home)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (line, done.stderr)
    return [int(code) for code in STATUS.findall(done.stdout)]


def _raw(base: str, request: bytes) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):  # both requests close the connection
            answer += chunk
        return answer


@pytest.mark.parametrize("loaded_database", ["sqlite"], indirect=True)
def test_every_readme_example_works_as_typed(loaded_database, tmp_path):
    home = tmp_path / "curl"
    home.mkdir()
    (home / ".curlrc").write_text('write-out = "\\n@@status=%{http_code}@@\\n"\n')
    with gunicorn(loaded_database, tmp_path / "var", workers=1) as base:
        for line in readme_examples():
            if ETAG_PLACEHOLDER in line:
                url = line.rsplit(" ", 1)[1]
                with urllib.request.urlopen(url.replace(README_BASE, base), timeout=10) as answer:
                    etag = answer.headers["ETag"]
                line = line.replace(f'"{ETAG_PLACEHOLDER}"', etag)
                assert _run(line, base, home) == [304], line
                continue
            statuses = _run(line, base, home)
            assert statuses and all(200 <= code < 300 for code in statuses), (line, statuses)
        # Raw UTF-8 in the target is served; a control character there is still refused.
        found = _raw(base, "GET /v1/search?q=工行 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                     .encode())
        assert found.startswith(b"HTTP/1.1 200") and b"ent_9f7532f6acdd" in found
        refused = _raw(base, b"GET /v1/search?q=\x01a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert refused.startswith(b"HTTP/1.1 400")
