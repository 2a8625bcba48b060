"""End to end: `make run` on an empty DATA_DIR serves the bundled directory over HTTP.

This is the newcomer's path: migrate, import (twice: the second run changes nothing), and
gunicorn with its workers answering on a loopback port.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.live import free_port, wait_until_up

pytestmark = [pytest.mark.live, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ICBC = "ent_9f7532f6acdd"


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "MAKEFLAGS", "PUBLIC_BASE_URL", "C800_ENV")}
    env.update(DATA_DIR=str(tmp_path / "var"), PORT=str(port), RATE_LIMIT_ANONYMOUS="100000/minute",
               RATE_LIMIT_KEY_PREFIX=f"c800-make-run-{port}")
    log = (tmp_path / "make-run.log").open("w")
    process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(base, process, tmp_path / "make-run.log", 240)
        except RuntimeError as exc:
            pytest.fail(f"make run did not serve: {exc}")
        yield base, env, tmp_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def test_make_run_serves_the_bundled_directory(served):
    base, env, tmp_path = served
    status, detail = get(f"{base}/v1/enterprises/{ICBC}")
    assert status == 200
    assert any(c["value"] == "95588" and any(link["uri"] == "tel:95588" and link["platform"] == "any"
                                          for link in c["links"])
               for c in detail["channels"])
    status, industries = get(f"{base}/v1/industries")
    assert status == 200 and len(industries["items"]) >= 15
    status, metadata = get(f"{base}/.well-known/oauth-authorization-server")
    assert status == 200 and metadata["issuer"] == base  # make run's PUBLIC_BASE_URL
    status, body = get(f"{base}/v1/enterprises?limit=0")
    assert status == 422 and body["errors"][0]["field"] == "limit"
    assert (tmp_path / "var" / "c800.sqlite3").exists()
    # A second import of the same data changes nothing.
    again = subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "directory",
                            "import", "directory/data"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120, check=True)
    assert "'created': 0, 'updated': 0" in again.stdout
    assert "enterprises: {'created': 0, 'updated': 0" in again.stdout
    # Search answers from the embedded index that `make run` built.
    status, found = get(f"{base}/v1/search?q=%E5%B7%A5%E8%A1%8C")  # 工行
    assert status == 200 and found["items"][0]["id"] == ICBC
    status, found = get(f"{base}/v1/search?q=955%2088")
    assert status == 200 and found["items"][0]["id"] == ICBC
    status, ready = get(f"{base}/readyz")
    assert ready["checks"]["search"]["pending"] == 0 and ready["checks"]["search"]["documents"] > 2000
    assert (tmp_path / "var" / "search.sqlite3").exists()
    # "Is this official?" over the bundled directory (lookup keys built by the migration/import).
    status, answer = get(f"{base}/v1/lookup?q=www.icbc.com.cn")
    assert status == 200 and answer["official"] is True and answer["matches"][0]["enterprise"]["id"] == ICBC
    status, answer = get(f"{base}/v1/lookup?q=icbc.com.cn.secure-login.top")
    assert status == 200 and answer["official"] is False and answer["hint"]["code"] == "imitation"
    status, regions = get(f"{base}/v1/regions?parent=440000")
    assert status == 200 and "440300" in {r["code"] for r in regions["items"]}
