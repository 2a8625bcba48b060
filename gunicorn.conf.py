"""gunicorn settings for `make run`; production overrides them on the command line or by env."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "2"))
# gthread whose threads only take requests whose head has arrived (gunicorn_worker.py): slow
# clients wait in the event loop (HEADER_TIMEOUT, default 10 s, then 408), not on a thread.
worker_class = "gunicorn_worker.HeadBufferingWorker"
threads = int(os.environ.get("THREADS", "4"))
# No preload: every worker opens its own database connections after the fork.
preload_app = False
timeout = 30
graceful_timeout = 20
keepalive = 5
# The app writes one JSON access line per request itself (api/observability.py, with the
# request id); gunicorn's own log is for the master and workers.
accesslog = None
errorlog = "-"
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190


def _state(worker):  # noqa: ANN001, ANN202 - the worker's api.state.AppState, if any
    return worker.wsgi.extensions.get("c800") if hasattr(worker.wsgi, "extensions") else None


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Each worker re-applies listing changes left pending while the search engine was down,
    delivers webhooks and erases expired handoffs (api.state.AppState.start_background).
    gunicorn's own error answers (408, 414, 431, 400 for a malformed request) are problem+json.

    Graceful shutdown is the worker's (gunicorn_worker.py): on SIGTERM it stops accepting and
    closes its listening sockets, serves every connection it accepted, then exits.

    Last, what the worker holds once its app is made (~420,000 objects: modules, the app, the
    schemas, the OpenAPI spec) is moved out of the garbage collector's sight (``gc.freeze``):
    they live as long as the worker, and a full collection walked them all, ~120 ms in which
    no thread of the worker answered (search's p99 went from 50 to 120-180 ms on the bundled
    data when the heap had grown enough for full collections to run; docs/benchmarks.md).
    """
    import gc

    from gunicorn import util

    util.write_error = _write_problem
    state = _state(worker)
    if state is not None:
        state.start_background()
    gc.collect()
    gc.freeze()


def worker_exit(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """In the exiting worker: stop the background threads, letting a drain or delivery in
    progress finish (up to 5 seconds)."""
    state = _state(worker)
    if state is not None:
        running = state.stop_background(timeout=5)
        if running:
            worker.log.warning("background threads still running at exit: %s", ", ".join(running))
        else:
            worker.log.info("background threads stopped (pid: %s)", worker.pid)


def _write_problem(sock, status_int, reason, mesg):  # noqa: ANN001, ANN202 - gunicorn.util.write_error's
    """gunicorn's answer to a request it cannot parse, as RFC 9457 problem+json."""
    import json

    from gunicorn import util

    # the kinds of api/problem_types.py (not imported: the master must not load the app)
    code = {400: "bad_request", 408: "request_timeout", 414: "uri_too_long",
            431: "header_fields_too_large", 501: "not_implemented"}.get(status_int, "http_error")
    base = (os.environ.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    body = json.dumps({"type": f"{base}/problems/{code}", "code": code, "title": reason,
                       "status": status_int, "detail": mesg or reason}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            "Content-Type: application/problem+json\r\nCache-Control: no-store\r\n"
            f"X-Content-Type-Options: nosniff\r\nContent-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)



def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Metrics of every worker go to one fresh folder that /metrics sums (prometheus_client)."""
    import shutil
    from pathlib import Path

    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR")
                  or Path(os.environ.get("DATA_DIR") or "var").resolve() / "prometheus")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def child_exit(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
