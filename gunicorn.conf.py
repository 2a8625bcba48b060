"""gunicorn settings for `make run`; production overrides them on the command line or by env."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "2"))
worker_class = "sync"
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


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Each worker re-applies listing changes left pending while the search engine was down,
    delivers webhooks and erases expired handoffs (api.state.AppState.start_background)."""
    state = worker.wsgi.extensions.get("c800") if hasattr(worker.wsgi, "extensions") else None
    if state is not None:
        state.start_background()



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
