"""A real gunicorn server on a free loopback port, for tests that speak HTTP to the app."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# base URL -> pid of the gunicorn master serving it (for tests that kill its workers)
MASTERS: dict[str, int] = {}
# base URL -> the master's process and its log (for tests that stop it themselves)
PROCESSES: dict[str, tuple[subprocess.Popen, Path]] = {}


def worker_pids(master: int) -> set[int]:
    """The pids of the master's live children (its workers)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited: " + log.read_text())
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not answer in time: " + log.read_text())


@contextmanager
def gunicorn(database_url: str, data_dir: Path, workers: int = 2,
             env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve wsgi:app over *database_url* (with *env* added to the environment); yields the
    base URL, stops the server after."""
    extra = env or {}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # schemathesis sends many hundreds of requests from one address: no throttling here, and
    # counters of their own if REDIS_URL is set.
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir),
           "PUBLIC_BASE_URL": base,
           "RATE_LIMIT_ANONYMOUS": "100000/minute", "RATE_LIMIT_CLIENT": "100000/minute",
           "RATE_LIMIT_REPORTS": "100000/minute", "RATE_LIMIT_SIGNIN": "100000/minute",
           "RATE_LIMIT_OAUTH": "100000/minute", "AUTH_FAILURES_FREE": "100000",
           "AUTH_FAILURES_FREE_PER_ADDRESS": "100000", "RATE_LIMIT_KEY_PREFIX": f"c800-live-{port}",
           **extra}
    log = data_dir / f"gunicorn-{port}.log"
    # Build the search index of this DATA_DIR from the database, as `make run` does.
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "search", "sync"], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=300)
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "wsgi:app"],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_up(base, process, log, 60)
            MASTERS[base] = process.pid
            PROCESSES[base] = (process, log)
            yield base
        finally:
            MASTERS.pop(base, None)
            PROCESSES.pop(base, None)
            with suppress(ProcessLookupError):  # a test stopped it already
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
