"""noida-db, the test dependency that speaks the Elasticsearch REST API, started by the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def noida_binary() -> str | None:
    beside = Path(sys.executable).parent / "noida-db"
    return str(beside) if beside.exists() else shutil.which("noida-db")


def wait_for_root(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"noida-db exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"noida-db did not answer GET / within {seconds:.0f} s:\n{log.read_text()}")
