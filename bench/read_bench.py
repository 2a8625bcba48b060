"""Read-path benchmark: import time of the bundled directory and in-process latency of reads.

Run: ``.venv/bin/python bench/read_bench.py [--database-url URL] [--rounds N]``. It builds a
throw-away SQLite database (or uses the PostgreSQL URL given), imports the bundled data, then
times each read through the Flask test client (no network) and prints a table. Not part of
`make test`; the HTTP benchmark under load is bench/http_bench.py.

With ``--loaded`` the database already holds its listings (e.g. a million synthetic ones of
``bench/synthetic_corpus.py --bulk``): nothing is imported, the response cache is off, and the
cases are a detail, a lookup and the list pages of ``bench/list_cases.py`` (first pages,
cursors deep into each order, every filter); each row also says the CPU time and the SQL
statements of one request.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api import create_app  # noqa: E402
from api.cli import BUNDLED_DATA, upgrade_database  # noqa: E402
from api.config import Config  # noqa: E402
from directory.db import make_engine  # noqa: E402
from directory.importer import import_directory  # noqa: E402
from directory.sessions import make_session_factory  # noqa: E402

ICBC = "ent_9f7532f6acdd"
CASES = {
    "industries": "/v1/industries",
    "enterprise detail": f"/v1/enterprises/{ICBC}",
    "list, first page": "/v1/enterprises?limit=20",
    "list, banking + phone": "/v1/enterprises?industry=banking&channel=phone&limit=20",
    "list, region 440300": "/v1/enterprises?region=440300&limit=100",
}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def loaded_cases(url: str) -> dict[str, str]:
    """A detail, a lookup and the list cases, from what the database at *url* holds."""
    from urllib.parse import quote

    from list_cases import list_cases
    from sqlalchemy import text

    engine = make_engine(url)
    with engine.connect() as connection:
        ident = connection.execute(text(
            "SELECT id FROM enterprises WHERE status = 'active' "
            "ORDER BY id LIMIT 1 OFFSET 1000")).scalar_one()
        number = connection.execute(text(
            "SELECT value FROM channels WHERE kind = 'phone' ORDER BY id LIMIT 1 OFFSET 1000")).scalar_one()
    cases = {"industries": "/v1/industries", "enterprise detail": f"/v1/enterprises/{ident}",
             "lookup (phone)": f"/v1/lookup?q={quote(number)}", **list_cases(engine)}
    engine.dispose()
    return cases


def time_loaded(url: str, scratch: str, rounds: int) -> None:
    """The --loaded run: each case's p50, p99, req/s, CPU ms and statements per request."""
    from sqlalchemy import event

    from api.state import app_state

    cases = loaded_cases(url)
    app = create_app(Config.from_env(database_url=url, data_dir=Path(scratch), response_cache_entries=0,
                                     rate_limits_enabled=False))  # one client asks everything
    client = app.test_client()
    with app.app_context():
        engine = app_state().engine
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *_a: statements.__setitem__(0, statements[0] + 1))
    print(f"database: {engine.dialect.name}; response cache off; {rounds} rounds")
    print(f"{'request':<26} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'CPU ms':>8} {'SQL':>5}")
    for name, path in cases.items():
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.get_data(as_text=True)[:300])
        samples = []
        statements[0], cpu = 0, time.process_time()
        for _ in range(rounds):
            begin = time.perf_counter()
            client.get(path)
            samples.append((time.perf_counter() - begin) * 1000)
        cpu_ms = (time.process_time() - cpu) * 1000 / rounds
        print(f"{name:<26} {percentile(samples, 0.5):8.2f} {percentile(samples, 0.99):8.2f} "
              f"{1000 / statistics.mean(samples):8.0f} {cpu_ms:8.2f} {statements[0] / rounds:5.1f}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--loaded", action="store_true",
                        help="the database holds its listings already: import nothing, time the lists")
    args = parser.parse_args()
    if args.loaded:
        if not args.database_url:
            parser.error("--loaded needs --database-url")
        with tempfile.TemporaryDirectory() as scratch:
            time_loaded(args.database_url, scratch, args.rounds)
        return
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
        upgrade_database(url)
        engine = make_engine(url)
        started = time.perf_counter()
        with make_session_factory(engine)() as session:
            report = import_directory(session, BUNDLED_DATA)
            session.commit()
        import_seconds = time.perf_counter() - started
        engine.dispose()
        created = report.enterprises["created"] + report.enterprises["updated"]
        print(f"database: {make_engine(url).dialect.name}")
        print(f"import: {created} enterprises written in {import_seconds:.2f} s")
        app = create_app(Config.from_env(database_url=url, data_dir=Path(scratch)))
        client = app.test_client()
        print(f"{'request':<24} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
        for name, path in CASES.items():
            assert client.get(path).status_code == 200, path
            samples = []
            for _ in range(args.rounds):
                begin = time.perf_counter()
                client.get(path)
                samples.append((time.perf_counter() - begin) * 1000)
            print(f"{name:<24} {percentile(samples, 0.5):8.2f} {percentile(samples, 0.99):8.2f} "
                  f"{1000 / statistics.mean(samples):8.0f}")


if __name__ == "__main__":
    main()
