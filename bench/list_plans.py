"""Query plans of the list pages (``GET /v1/enterprises``) on a loaded database.

Run: ``.venv/bin/python bench/list_plans.py DATABASE_URL [--analyze]``. Each case is asked once
through the Flask test client (response cache off); every SQL statement it runs is printed with
its plan (SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN``, with ``--analyze`` ``EXPLAIN
(ANALYZE, BUFFERS)``) and its time. Cursors are taken from the list itself (a row deep into
the list: ``--deep``th row of the prominence order). Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from list_cases import list_cases  # noqa: E402
from sqlalchemy import event  # noqa: E402

from api import create_app  # noqa: E402
from api.config import Config  # noqa: E402
from api.state import app_state  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--analyze", action="store_true")
    parser.add_argument("--only", default=None, help="only cases whose name holds this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(Config.from_env(database_url=args.database_url, data_dir=Path(scratch),
                                         response_cache_entries=0))
        client = app.test_client()
        with app.app_context():
            engine = app_state().engine
        cases = list_cases(engine)
        seen: list[tuple[str, object]] = []

        def capture(_conn, _cursor, statement, parameters, _context, executemany) -> None:  # noqa: ANN001
            if not executemany:
                seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        for name, path in cases.items():
            if args.only and args.only not in name:
                continue
            seen.clear()
            began = time.perf_counter()
            status = client.get(path).status_code
            took = (time.perf_counter() - began) * 1000
            statements = list(seen)
            print(f"\n=== {name}: {path} -> {status}, {took:.1f} ms, {len(statements)} statements")
            event.remove(engine, "before_cursor_execute", capture)
            with engine.connect() as connection:
                raw = connection.connection.driver_connection
                for statement, parameters in statements:
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    shown = parameters if len(str(parameters)) < 300 else ""
                    print("--", " ".join(statement.split())[:400], shown)
                    cursor = raw.cursor()
                    if engine.dialect.name == "sqlite":
                        began = time.perf_counter()
                        cursor.execute(statement, parameters).fetchall()
                        took = (time.perf_counter() - began) * 1000
                        explained = cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                        plan = [row[3] for row in explained]
                    else:
                        began = time.perf_counter()
                        cursor.execute(statement, parameters)
                        cursor.fetchall()
                        took = (time.perf_counter() - began) * 1000
                        explain = "EXPLAIN (ANALYZE, BUFFERS) " if args.analyze else "EXPLAIN "
                        cursor.execute(explain + statement, parameters)
                        plan = [row[0] for row in cursor.fetchall()]
                    print(f"   {took:.1f} ms")
                    for line in plan:
                        print("     ", line)
                raw.rollback() if engine.dialect.name == "postgresql" else None
            event.listen(engine, "before_cursor_execute", capture)


if __name__ == "__main__":
    main()
