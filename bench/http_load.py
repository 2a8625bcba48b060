"""A small HTTP load generator for bench/http_bench.py where wrk is not installed.

Run: ``.venv/bin/python bench/http_load.py URL [--paths FILE.json] [--seconds 8]
[--connections 16] [--processes 2]``. Each of ``--connections`` keep-alive HTTP/1.1
connections (spread over ``--processes`` processes, threads within each) sends GETs one after
the other for ``--seconds``, walking the paths of ``--paths`` (a JSON list; each connection
from its own offset) or asking URL again and again. Prints one JSON line like the figures
http_bench.py reads from wrk: requests/s, p50 and p99 latency (ms), errors (failed requests
and answers that are not 2xx/3xx). Being Python, it spends more CPU per request than wrk,
which on a 2-core machine takes CPU from the server: its figures are a lower bound.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit


def _connection_loop(host: str, port: int, paths: list[str], offset: int, deadline: float,
                     latencies: list[float], errors: list[int]) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    index = offset
    while time.perf_counter() < deadline:
        path = paths[index % len(paths)]
        index += 1
        begin = time.perf_counter()
        try:
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            if answer.status >= 400:
                errors[0] += 1
        except (OSError, http.client.HTTPException):
            errors[0] += 1
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            continue
        latencies.append(time.perf_counter() - begin)
    connection.close()


def _process(url: str, paths: list[str], connections: int, first: int, seconds: float,
             start_at: float, queue: multiprocessing.Queue) -> None:
    parts = urlsplit(url)
    while time.time() < start_at:
        time.sleep(0.005)
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = [0]
    threads = [threading.Thread(target=_connection_loop, args=(
        parts.hostname, parts.port, paths, (first + n) * 7919, deadline, latencies, errors))
        for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((latencies, errors[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--paths", default=None)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    parts = urlsplit(args.url)
    paths = json.loads(Path(args.paths).read_text("utf-8")) if args.paths else [
        parts.path + (f"?{parts.query}" if parts.query else "")]
    queue: multiprocessing.Queue = multiprocessing.Queue()
    share = max(1, args.connections // args.processes)
    start_at = time.time() + 0.5
    workers = [multiprocessing.Process(target=_process, args=(
        args.url, paths, share, n * share, args.seconds, start_at, queue))
        for n in range(args.processes)]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors = 0
    for _ in workers:
        found, failed = queue.get()
        latencies += found
        errors += failed
    for worker in workers:
        worker.join()
    latencies.sort()

    def at(fraction: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000

    print(json.dumps({"rps": len(latencies) / args.seconds, "p50": at(0.5), "p99": at(0.99),
                      "errors": errors}))


if __name__ == "__main__":
    main()
