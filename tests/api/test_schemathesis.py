"""Property-based checks of every operation, over HTTP, against the app's own OpenAPI document.

schemathesis generates valid and invalid requests from /openapi.json and runs all its checks
(no server errors, documented status codes, content types and headers, response schemas,
negative data rejected, unsupported methods refused) against a real gunicorn server, on
SQLite and PostgreSQL. Bounded here (SCHEMATHESIS_MAX_EXAMPLES, default 30); `make fuzz`
runs the same with many more examples.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.live import gunicorn

MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_every_operation_passes_all_checks(loaded_database, tmp_path):
    with gunicorn(loaded_database, tmp_path) as base:
        result = subprocess.run(
            [str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", f"{base}/openapi.json",
             "--checks", "all", "--max-examples", MAX_EXAMPLES, "--seed", "800", "--workers", "2",
             "--no-color"],
            capture_output=True, text=True, timeout=900, check=False)
    output = result.stdout + result.stderr
    # the failures section, without the (often huge) reproduction URLs
    lines = [line if len(line) < 400 else line[:400] + " …" for line in output.splitlines()]
    assert result.returncode == 0, "\n".join(lines)[-12000:]
    # Zero failures (the return code), and no warning but these, each expected of a fuzzer
    # that holds no account: operations needing a token answer it 401 (the ignored-auth check
    # verifies that; exercising them signed in is issue 7's); OAuth2 endpoints answer unknown
    # clients and codes with RFC 6749's 400s; random claim-link tokens are unknown (404).
    allowed = ("⚠️ Authentication failed:", "⚠️ Schema validation mismatch:", "⚠️ Missing test data:")
    warnings = [line.strip() for line in output.splitlines() if line.strip().startswith("⚠️")]
    assert "No issues found" in output or all(w.startswith(allowed) for w in warnings), output[-3000:]
    assert "Failures:" not in output, output[-3000:]
