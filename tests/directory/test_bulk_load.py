"""The benchmark's bulk load (bench/bulk_load.py) writes exactly the rows the importer writes.

The same synthetic records go once through ``import_directory`` (in chunks, as
``bench/synthetic_corpus.py`` does) and once through ``--bulk``'s path, into two SQLite
databases; every table is then compared row for row. Left out of the comparison, because they
are the clock's: the instants of the import (``enterprises.created_at`` / ``updated_at`` /
``web_checked_at``, ``channels.checked_at``, ``listing_versions.created_at`` and the
``checked_at`` inside a version's snapshot; only whether each is set is compared), and
``lookup_keys.id`` (a surrogate key: the importer's order of inserting a flush's keys is the
database's order of reading them back; the keys are compared as a multiset).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import directory.registry as registry
from api.cli import upgrade_database

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synthetic_corpus import bulk_load, import_load, records  # noqa: E402

CLOCK = {"enterprises": {"created_at", "updated_at", "web_checked_at"},
         "channels": {"checked_at"}, "listing_versions": {"created_at"}}
SURROGATE = {"lookup_keys": {"id"}}


def _unclocked(snapshot: dict[str, Any]) -> dict[str, Any]:
    snapshot = {**snapshot, "web_review": {**snapshot["web_review"]}}
    snapshot["web_review"]["checked_at"] = snapshot["web_review"]["checked_at"] is not None
    snapshot["channels"] = [
        {**c, "review": {**c["review"], "checked_at": c["review"]["checked_at"] is not None}}
        for c in snapshot["channels"]]
    return snapshot


def _table_rows(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows as SQLite stores them (JSON as its text: ``null`` is not NULL)."""
    found: dict[str, list[tuple]] = {}
    with sqlite3.connect(path) as connection:
        for table in registry.metadata.sorted_tables:
            clock, surrogate = CLOCK.get(table.name, set()), SURROGATE.get(table.name, set())
            names = [c.name for c in table.columns if c.name not in surrogate]
            order = ", ".join(c.name for c in table.primary_key.columns)
            rows = []
            for row in connection.execute(f"SELECT {', '.join(names)} FROM {table.name} ORDER BY {order}"):
                values = []
                for name, value in zip(names, row, strict=True):
                    if name in clock:
                        value = value is not None
                    elif table.name == "listing_versions" and name == "snapshot":
                        value = _unclocked(json.loads(value))
                    values.append(value)
                rows.append(tuple(values))
            found[table.name] = sorted(rows, key=repr) if surrogate else rows
    return found


def test_bulk_load_writes_the_rows_the_importer_writes(tmp_path):
    imported, bulk = tmp_path / "imported.sqlite3", tmp_path / "bulk.sqlite3"
    upgrade_database(f"sqlite:///{imported}")
    shutil.copy(imported, bulk)
    import_load(f"sqlite:///{imported}", records(240, 800), chunk=100)
    bulk_load([f"sqlite:///{bulk}"], records(240, 800), chunk=100, jobs=1)

    by_import, by_bulk = _table_rows(imported), _table_rows(bulk)
    assert len(by_import["enterprises"]) == 240
    assert len(by_import["channels"]) > 240 and len(by_import["lookup_keys"]) > 240
    assert len(by_import["listing_versions"]) == 240
    assert any(row[9] for row in by_import["enterprises"])  # some verified listings
    assert set(by_import) == set(by_bulk)
    for name, rows in by_import.items():
        assert by_bulk[name] == rows, name
