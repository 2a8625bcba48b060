"""gunicorn settings for a production app host (see deploy/README.md).

The repository's gunicorn.conf.py is what `make run` uses; this one is for hosts behind nginx:
the same worker (gunicorn_worker.py: threads, request heads read by the event loop, 408 after
HEADER_TIMEOUT) and hooks (search drain, webhook delivery, metrics folder), one worker per core,
the socket nginx proxies to, and the proxy's headers trusted one hop deep (TRUSTED_PROXIES=1).

Database connections: a worker uses about THREADS + 2 at once (one per request thread, its two
background threads; its pool allows 15); keep WORKERS x (THREADS + 2) x hosts well under
PostgreSQL's max_connections.
"""

import multiprocessing
import os
import runpy
from pathlib import Path

# The hooks of the repository's gunicorn.conf.py: search drain and webhook delivery in every
# worker (stopped when it exits; graceful SIGTERM, gunicorn's errors as problem+json), one
# fresh metrics folder summed by /metrics.
_base = runpy.run_path(str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py"))
post_worker_init = _base["post_worker_init"]
worker_exit = _base["worker_exit"]
on_starting = _base["on_starting"]
child_exit = _base["child_exit"]

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WORKERS", max(2, multiprocessing.cpu_count())))
worker_class = "gunicorn_worker.HeadBufferingWorker"
threads = int(os.environ.get("THREADS", "4"))
preload_app = False
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 20000  # recycle workers now and then (memory fragmentation)
max_requests_jitter = 2000
accesslog = None  # the app logs one JSON line per request
errorlog = "-"
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = "127.0.0.1"
