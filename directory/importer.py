"""Import of the directory data files: validate every record, then write all or nothing.

A path is a folder holding ``industries.json`` and ``*.jsonl`` enterprise files, or a single
such file. Every error is reported with its file, line and field; when there is any error
nothing is written. Importing the same data twice changes nothing (versions and timestamps
move only for records whose content changed). Enterprises absent from the files are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import Enterprise, Industry, utcnow
from directory.records import (
    apply_industry,
    apply_record,
    comparable,
    enterprise_to_record,
    industry_to_record,
)
from directory.validation import EnterpriseRecordSchema, IndustryRecordSchema, flatten_errors
from directory.versions import record_version

INDUSTRIES_FILE = "industries.json"


@dataclass(frozen=True)
class RecordError:
    """One problem in one record: where it is and what is wrong."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DirectoryImportError(Exception):
    """The data did not validate; nothing was written."""

    def __init__(self, errors: list[RecordError]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s) in the directory data; nothing was imported")


@dataclass
class ImportReport:
    industries: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("created", "updated", "unchanged"), 0))
    enterprises: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("created", "updated", "unchanged", "kept"), 0))

    @property
    def changed(self) -> bool:
        return any(self.industries[k] or self.enterprises[k] for k in ("created", "updated"))


@dataclass
class _Located:
    file: str
    line: int
    data: dict[str, Any]


def _data_files(path: Path) -> tuple[Path | None, list[Path]]:
    if path.is_dir():
        industries = path / INDUSTRIES_FILE
        return (industries if industries.exists() else None), sorted(path.glob("*.jsonl"))
    if path.name == INDUSTRIES_FILE or path.suffix == ".json":
        return path, []
    return None, [path]


def _read_industries(path: Path, errors: list[RecordError]) -> list[_Located]:
    try:
        text = path.read_text(encoding="utf-8")
        items = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        errors.append(RecordError(str(path), getattr(exc, "lineno", 0) or 0, "", str(exc)))
        return []
    if not isinstance(items, list):
        errors.append(RecordError(str(path), 1, "", "expected a JSON list of industries"))
        return []
    lines = text.splitlines()
    located = []
    for index, item in enumerate(items):
        item_id = item.get("id") if isinstance(item, dict) else None
        line = next((n for n, t in enumerate(lines, 1) if f'"id": "{item_id}"' in t), index + 1)
        located.append(_Located(str(path), line, item))
    return located


def _read_jsonl(path: Path, errors: list[RecordError]) -> list[_Located]:
    located = []
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        errors.append(RecordError(str(path), 0, "", str(exc)))
        return []
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    located.append(_Located(str(path), number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    errors.append(RecordError(str(path), number, "", f"invalid JSON: {exc.msg}"))
        except UnicodeDecodeError as exc:
            errors.append(RecordError(str(path), 0, "", f"not UTF-8: {exc}"))
    return located


def _validate(items: list[_Located], schema: Any, errors: list[RecordError]) -> list[_Located]:
    valid = []
    for item in items:
        if not isinstance(item.data, dict):
            errors.append(RecordError(item.file, item.line, "", "a record is a JSON object"))
            continue
        try:
            valid.append(_Located(item.file, item.line, schema.load(item.data)))
        except ValidationError as exc:
            for path, message in flatten_errors(exc.messages):
                errors.append(RecordError(item.file, item.line, path, message))
    return valid


def _check_references(
    session: Session, industries: list[_Located], enterprises: list[_Located],
    errors: list[RecordError],
) -> None:
    known = set(session.scalars(select(Industry.id))) | {i.data["id"] for i in industries}
    seen: dict[str, _Located] = {}
    for item in industries:
        if item.data["id"] in seen:
            errors.append(RecordError(item.file, item.line, "id", "industry id repeats"))
        seen[item.data["id"]] = item
        parent = item.data.get("parent")
        if parent is not None and parent not in known:
            errors.append(RecordError(item.file, item.line, "parent", f"unknown industry {parent!r}"))
    seen_ids: dict[str, _Located] = {}
    for item in enterprises:
        record = item.data
        first = seen_ids.setdefault(record["id"], item)
        if first is not item:
            errors.append(RecordError(item.file, item.line, "id",
                                      f"id repeats (first at {first.file}:{first.line})"))
        if record["industry"] not in known:
            errors.append(RecordError(item.file, item.line, "industry",
                                      f"unknown industry {record['industry']!r}"))
        keys = [(c["kind"], c["value"]) for c in record["channels"]]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                errors.append(RecordError(item.file, item.line, f"channels.{index}",
                                          f"the {key[0]} channel {key[1]!r} repeats"))


def import_directory(session: Session, path: Path) -> ImportReport:
    """Validate the data at *path* and write it in the session's transaction.

    Raises :class:`DirectoryImportError` (and writes nothing) when anything is wrong. The
    caller commits.
    """
    path = Path(path)
    errors: list[RecordError] = []
    if not path.exists():
        raise DirectoryImportError([RecordError(str(path), 0, "", "no such file or folder")])
    industries_file, enterprise_files = _data_files(path)
    raw_industries = _read_industries(industries_file, errors) if industries_file else []
    raw_enterprises = [item for f in enterprise_files for item in _read_jsonl(f, errors)]
    industries = _validate(raw_industries, IndustryRecordSchema(), errors)
    enterprises = _validate(raw_enterprises, EnterpriseRecordSchema(), errors)
    _check_references(session, industries, enterprises, errors)
    if errors:
        raise DirectoryImportError(errors)

    report = ImportReport()
    existing_industries = {i.id: i for i in session.scalars(select(Industry))}
    # Parents first, so that foreign keys hold at every flush.
    for item in sorted(industries, key=lambda i: i.data.get("parent") is not None):
        record = item.data
        industry = existing_industries.get(record["id"])
        if industry is None:
            industry = Industry(id=record["id"])
            apply_industry(industry, record)
            session.add(industry)
            report.industries["created"] += 1
        elif industry_to_record(industry) != record:
            apply_industry(industry, record)
            report.industries["updated"] += 1
        else:
            report.industries["unchanged"] += 1
    session.flush()

    ids = [item.data["id"] for item in enterprises]
    existing = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        existing.update({e.id: e for e in session.scalars(
            select(Enterprise).where(Enterprise.id.in_(chunk))
            .options(selectinload(Enterprise.region_rows)))})
    changed: list[tuple[Enterprise, bool]] = []
    for item in enterprises:
        record = item.data
        enterprise = existing.get(record["id"])
        if enterprise is not None and enterprise.managed:
            # The enterprise keeps this listing itself: the data files no longer speak for it.
            report.enterprises["kept"] += 1
            continue
        if enterprise is None:
            enterprise = Enterprise(id=record["id"], version=1, created_at=utcnow(), notices=[])
            apply_record(enterprise, record)
            session.add(enterprise)
            report.enterprises["created"] += 1
            changed.append((enterprise, True))
        elif comparable(enterprise_to_record(enterprise)) != comparable(record):
            apply_record(enterprise, record)
            enterprise.version += 1
            report.enterprises["updated"] += 1
            changed.append((enterprise, False))
        else:
            report.enterprises["unchanged"] += 1
    session.flush()
    with session.no_autoflush:  # the history of every listing starts at its import
        for enterprise, created in changed:
            record_version(session, enterprise, actor="import", action="import", created=created)
    session.flush()
    return report
