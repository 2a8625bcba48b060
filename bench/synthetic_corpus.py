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

Use a database of its own (``sqlite:///var/bench-1m.sqlite3``, or PostgreSQL
``postgresql+psycopg://postgres@127.0.0.1:5432/c800_bench``), never the tests' or a served one.
"""

from __future__ import annotations

import argparse
import json
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
        "verified": False,
        "status": "active",
        "source": [SOURCE],
        "channels": channels,
    }


def records(size: int, seed: int) -> Iterator[dict]:
    for listing in Corpus(size, seed):
        yield record(listing.fields, listing.zh_name, listing.en_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=800)
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args()
    upgrade_database(args.database_url)
    engine = make_engine(args.database_url)
    sessions = make_session_factory(engine)
    industries = (BUNDLED_DATA / "industries.json").read_text("utf-8")
    stream = records(args.size, args.seed)
    started, done = time.perf_counter(), 0
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "industries.json").write_text(industries, "utf-8")
        while chunk := list(islice(stream, args.chunk)):
            (folder / "enterprises.jsonl").write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk), "utf-8")
            with sessions() as session:
                import_directory(session, folder)
                session.commit()
            done += len(chunk)
            rate = done / (time.perf_counter() - started)
            print(f"{done} listings, {rate:.0f}/s", flush=True)
    engine.dispose()


if __name__ == "__main__":
    main()
