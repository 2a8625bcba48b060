"""HTTP benchmark: the app under gunicorn as `make run` serves it, driven by wrk over loopback.

Run: ``.venv/bin/python bench/http_bench.py [--seconds 10] [--connections 16] [--workers 2]``.
It installs Debian's ``wrk`` when it is missing (as root or through ``sudo -n``), builds a
throw-away DATA_DIR with the bundled directory (SQLite + the local search index, the embedded
defaults), starts gunicorn with gunicorn.conf.py (rate limits off: one address sends all the
load), and prints requests/s, p50 and p99 latency and errors for ``/healthz`` (the framework's
own limit on this machine), an enterprise detail, a search, a suggest and a lookup, each with
its ratio to ``/healthz``, then the targets and whether they are met. The same URL again and
again is what the response cache (api/cache.py) is best at, so two more rows, not targets,
walk every listing's detail and 300 different searches, most of them computed. Not part of
`make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import runpy
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live import free_port, wait_until_up  # noqa: E402

ICBC = "ent_9f7532f6acdd"
CASES = [
    ("/healthz", "/healthz"),
    ("enterprise detail", f"/v1/enterprises/{ICBC}"),
    ("search 招商银行", f"/v1/search?q={quote('招商银行')}"),
    ("suggest zhaoshang", "/v1/suggest?q=zhaoshang"),
    ("lookup +86 10 95588", f"/v1/lookup?q={quote('+86 10 95588')}"),
]
# Not targets: what a cache does not help with. Each request of these takes the next listing
# (or word) of a list that wrk walks, so most answers are computed, not reused.
ROTATING = [
    ("detail, every listing in turn", "listings"),
    ("search, 300 words in turn", "words"),
]
WORDS = ["银行", "招商", "工商", "移动", "联通", "电信", "航空", "铁路", "保险", "快递", "yinhang",
         "zhaoshang", "gonghang", "yidong", "hangkong", "zgyh", "icbc", "bank", "air", "china",
         "95588", "10086", "12306", "95555", "人寿", "平安", "京东", "淘宝", "顺丰", "邮政"]
# (case, minimum ratio to /healthz requests/s)
RATIO_TARGETS = {"enterprise detail": 0.6, "search 招商银行": 0.4}
P99_TARGET_MS = 50.0


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("http_bench: wrk is not installed and could not be (Debian package `wrk`)")
    return found


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(wrk: str, url: str, seconds: int, connections: int, threads: int,
            script: Path | None = None) -> dict:
    extra = ["-s", str(script)] if script is not None else []
    result = subprocess.run([wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                             *extra, url],
                            capture_output=True, text=True, check=True, timeout=seconds + 60)
    out = result.stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([0-9.]+(?:us|ms|s|m))$", out, re.M))
    figures = {}
    for key, text in latency.items():
        number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text).groups()
        figures[key] = _ms(number, unit)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
            "p50": figures.get("50", float("nan")), "p99": figures.get("99", float("nan")),
            "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0)}


def rotation_scripts(data_dir: Path) -> dict[str, Path]:
    """wrk Lua scripts that walk every listing's detail and a list of searches, one a request."""
    import sqlite3

    with sqlite3.connect(data_dir / "c800.sqlite3") as connection:
        ids = [row[0] for row in connection.execute(
            "SELECT id FROM enterprises WHERE status = 'active' ORDER BY id")]
    lists = {"listings": [f"/v1/enterprises/{ident}" for ident in ids],
             "words": [f"/v1/search?q={quote(word)}&limit={limit}" for word in WORDS
                       for limit in range(11, 21)]}
    scripts = {}
    for name, paths in lists.items():
        body = ",\n".join(json.dumps(path) for path in paths)
        script = data_dir / f"{name}.lua"
        script.write_text(
            f"local paths = {{\n{body}\n}}\n"
            "local i = 0\n"
            "setup = function(thread) thread:set('offset', math.random(#paths)) end\n"
            "init = function(args) i = tonumber(offset) or 0 end\n"
            "request = function()\n"
            "  i = i % #paths + 1\n"
            "  return wrk.format('GET', paths[i])\n"
            "end\n")
        scripts[name] = script
    return scripts


def prepare(data_dir: Path) -> dict:
    env = {**os.environ, "DATA_DIR": str(data_dir), "RATE_LIMITS_ENABLED": "false",
           "LOG_FORMAT": "text"}
    env.pop("DATABASE_URL", None)
    env.pop("ELASTICSEARCH_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["directory", "import", "directory/data"], ["search", "sync"]):
        subprocess.run([*flask, *command], cwd=ROOT, env=env, check=True, capture_output=True,
                       timeout=600)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")))
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        env = prepare(data_dir)
        port = free_port()
        log = data_dir / "gunicorn.log"
        with log.open("w") as handle:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind",
                 f"127.0.0.1:{port}", "--workers", str(args.workers), "wsgi:app"],
                cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, server, log, 60)
            for _name, path in CASES:  # warm every worker's caches and connections
                for _ in range(20):
                    urllib.request.urlopen(base + path, timeout=10).read()
            results = {name: run_wrk(wrk, base + path, args.seconds, args.connections, args.threads)
                       for name, path in CASES}
            scripts = rotation_scripts(data_dir)
            for name, script in ROTATING:
                results[name] = run_wrk(wrk, base + "/", args.seconds, args.connections,
                                        args.threads, scripts[script])
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    report(results, args)


def report(results: dict, args: argparse.Namespace) -> None:
    base = results["/healthz"]["rps"]
    cores = os.cpu_count()
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s over loopback; gunicorn "
          f"{args.workers} workers ({settings['worker_class']}, {settings.get('threads', 1)} threads); "
          f"{cores} cores; SQLite + local search index")
    print()
    print("| request | requests/s | p50 ms | p99 ms | errors | ratio to /healthz |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, figures in results.items():
        print(f"| {name} | {figures['rps']:.0f} | {figures['p50']:.1f} | {figures['p99']:.1f} | "
              f"{figures['errors']} | {figures['rps'] / base:.2f} |")
    print()
    verdicts = []
    for name, minimum in RATIO_TARGETS.items():
        ratio = results[name]["rps"] / base
        verdicts.append((f"{name} >= {minimum} of /healthz", ratio >= minimum, f"{ratio:.2f}"))
    worst = max(results[name]["p99"] for name, _path in CASES)
    verdicts.append((f"p99 <= {P99_TARGET_MS:.0f} ms at {args.connections} connections",
                     worst <= P99_TARGET_MS, f"worst {worst:.1f} ms"))
    errors = sum(figures["errors"] for figures in results.values())
    verdicts.append(("zero errors", errors == 0, str(errors)))
    for target, met, figure in verdicts:
        print(f"{'met ' if met else 'MISSED'}  {target}: {figure}")


if __name__ == "__main__":
    main()
