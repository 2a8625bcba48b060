"""Load a SYNTHETIC directory of N listings into a database through the importer.

Run: ``.venv/bin/python bench/synthetic_corpus.py DATABASE_URL --size 100000 [--seed 800]
[--chunk 5000]``. The listings are ``bench/search_bench.py``'s corpus (deterministic from the
seed; realistic names in simplified/traditional Chinese and English, aliases, 95/400/landline/
+852/+1 numbers, domains, industries of the bundled tree, GB/T 2260 regions), each written as
an importer record whose source is ``synthetic:c800-bench`` and whose description says it is
synthetic: never facts about real enterprises, never for a database people read. The bundled
industries are imported with them. Records go through ``directory.importer.import_directory``
(validation, lookup keys, the read model's invalidation) in chunks of ``--chunk``, each chunk
committed; the schema is upgraded first. Prints the rate. Not part of ``make test``.

``--bulk`` (for 1,000,000 listings in minutes): the same rows, made by the importer's own
functions (``bench/bulk_load.py``: validation, ``apply_record``, the list orders, version 1, the
lookup keys) in ``--jobs`` worker processes, written with Core executemany on SQLite and COPY on
PostgreSQL, ``--chunk`` records per transaction, into databases holding no listings yet; given
several database URLs, each chunk goes into every one of them (the rows are made once).
``tests/directory/test_bulk_load.py`` proves a bulk load equal to an import, table by table.

Use a database of its own (``sqlite:///var/bench-1m.sqlite3``, or PostgreSQL
``postgresql+psycopg://postgres@127.0.0.1:5432/c800_bench``), never the tests' or a served one.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import Corpus  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from api.cli import BUNDLED_DATA, upgrade_database  # noqa: E402
from directory.db import make_engine  # noqa: E402
from directory.importer import import_directory  # noqa: E402
from directory.sessions import make_session_factory  # noqa: E402

SOURCE = "synthetic:c800-bench"
SYNTHETIC = "Synthetic listing for benchmarks (c800 bench); not a real enterprise."


def record(fields: dict, zh_name: str | None, en_name: str | None) -> dict:
    """The importer record of one synthetic listing."""
    names = fields["names"]
    traditional = next((n for n in names[1:] if n != zh_name and n != en_name), None)
    domains = fields["domains"]
    channels = [{"kind": "phone", "value": phone, "source": SOURCE,
                 "regions": list(fields["regions"])} for phone in dict.fromkeys(fields["phones"])]
    if domains and "email" in fields["channels"]:
        channels.append({"kind": "email", "value": f"service@{domains[0]}", "source": SOURCE})
    return {
        "id": fields["id"],
        "names": {"zh-Hans": zh_name, "zh-Hant": traditional, "en": en_name},
        "aliases": fields["aliases"],
        "industry": fields["industries"][0],
        "description": SYNTHETIC,
        "website": f"https://www.{domains[0]}/" if domains else None,
        "domains": domains,
        "regions": fields["regions"] or ["CN"],
        "verified": bool(fields["verified"]),
        "status": "active",
        "source": [SOURCE],
        "channels": channels,
    }


def records(size: int, seed: int) -> Iterator[dict]:
    for listing in Corpus(size, seed):
        yield record(listing.fields, listing.zh_name, listing.en_name)


def import_industries(sessions: sessionmaker) -> None:
    """The bundled industries, through the importer."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        industries = (BUNDLED_DATA / "industries.json").read_text("utf-8")
        (folder / "industries.json").write_text(industries, "utf-8")
        with sessions() as session:
            import_directory(session, folder)
            session.commit()


def chunks(stream: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while chunk := list(islice(stream, size)):
        yield chunk


def bulk_load(urls: list[str], stream: Iterator[dict], *, chunk: int, jobs: int) -> None:
    """Every record of *stream* into every database of *urls* (bench/bulk_load.py)."""
    from bulk_load import create_indexes, drop_indexes, has_listings, rows_of, write_rows

    engines = [make_engine(url) for url in urls]
    dropped: list = []
    for engine in engines:
        with engine.connect() as connection:
            if has_listings(connection):
                raise SystemExit(f"{engine.url!r} holds listings already: --bulk loads an empty directory")
        import_industries(make_session_factory(engine))
        with engine.begin() as connection:
            dropped = drop_indexes(connection)
    started, cpu, done = time.perf_counter(), time.process_time(), 0
    spent = dict.fromkeys(urls, 0.0)
    pool = multiprocessing.get_context("fork").Pool(jobs) if jobs > 1 else None
    made = (pool.imap if pool else map)(rows_of, chunks(stream, chunk))
    try:
        for rows in made:
            for url, engine in zip(urls, engines, strict=True):
                began = time.perf_counter()
                with engine.begin() as connection:
                    if connection.dialect.name == "sqlite":
                        connection.exec_driver_sql("PRAGMA cache_size=-500000")
                    write_rows(connection, rows)
                spent[url] += time.perf_counter() - began
            done += len(rows["enterprises"])
            if done % 50_000 < chunk or done < 50_000:
                elapsed = time.perf_counter() - started
                print(f"{done} listings, {done / elapsed:.0f}/s; parent CPU "
                      f"{1e6 * (time.process_time() - cpu) / done:.0f} us/listing; writing "
                      + ", ".join(f"{engine.url.get_backend_name()} {spent[url]:.0f} s"
                                  for url, engine in zip(urls, engines, strict=True)), flush=True)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    print(f"rows: {done} listings in {time.perf_counter() - started:.0f} s", flush=True)
    for engine in engines:
        began = time.perf_counter()
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
            else:
                connection.exec_driver_sql("PRAGMA cache_size=-500000")
            create_indexes(connection, dropped)
        if engine.dialect.name == "postgresql":
            # what autovacuum soon does after a load: statistics for the planner, and the
            # visibility map, without which an index-only scan (a list's count) visits the heap
            # (SQLite is left as an import leaves it: no sqlite_stat1)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM (ANALYZE)")
        print(f"{engine.url.get_backend_name()}: {len(dropped)} indexes made in "
              f"{time.perf_counter() - began:.0f} s", flush=True)
        engine.dispose()
    print(f"done: {done} listings in {time.perf_counter() - started:.0f} s", flush=True)


def import_load(url: str, stream: Iterator[dict], *, chunk: int) -> None:
    """Every record of *stream* through ``import_directory``, *chunk* records per transaction."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    started, done = time.perf_counter(), 0
    import_industries(sessions)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for records_ in chunks(stream, chunk):
            (folder / "enterprises.jsonl").write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records_), "utf-8")
            with sessions() as session:
                import_directory(session, folder)
                session.commit()
            done += len(records_)
            print(f"{done} listings, {done / (time.perf_counter() - started):.0f}/s", flush=True)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="+")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=800)
    parser.add_argument("--chunk", type=int, default=5000, help="records per transaction "
                        "(--bulk: also per batch a worker makes)")
    parser.add_argument("--bulk", action="store_true", help="rows made by the importer's functions, "
                        "written with executemany/COPY (an empty directory only)")
    parser.add_argument("--jobs", type=int, default=2, help="--bulk: processes making the rows")
    args = parser.parse_args()
    for url in args.database_url:
        upgrade_database(url)
    stream = records(args.size, args.seed)
    if args.bulk:
        bulk_load(args.database_url, stream, chunk=args.chunk, jobs=args.jobs)
        return
    if len(args.database_url) > 1:
        raise SystemExit("several databases: only with --bulk")
    import_load(args.database_url[0], stream, chunk=args.chunk)

if __name__ == "__main__":
    main()
