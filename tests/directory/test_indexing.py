"""The directory's side of search: which listings and channels a search document holds, a
search query's regions expanded by the directory, and the outbox indexer keeping an index in
step (an engine failure never loses an edit; the index catches up when the engine answers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import event, select

from directory.importer import import_directory
from directory.indexing.documents import industry_table, iter_documents
from directory.indexing.indexer import Indexer
from directory.indexing.queries import listing_query
from directory.indexing.rebuild import active_id_batches, rebuild_source
from directory.models import Channel, Enterprise
from directory.outbox import ListingChange, track_listing_changes
from search.base import SearchQuery, SearchUnavailable
from search.local import LocalBackend
from tests.conftest import BACKEND_PARAMS

INDUSTRIES = [
    {"id": "finance", "names": {"zh-Hans": "金融", "zh-Hant": "金融", "en": "Finance"},
     "parent": None, "gbt4754": "J", "order": 1},
    {"id": "banking", "names": {"zh-Hans": "银行", "zh-Hant": "銀行", "en": "Banking"},
     "parent": "finance", "gbt4754": "J", "order": 2},
]


def listing(ident: str, name: str, **changes) -> dict:
    record = {
        "id": ident, "names": {"zh-Hans": name, "zh-Hant": None, "en": None}, "aliases": [],
        "industry": "banking", "description": None, "website": None, "domains": [],
        "regions": [], "verified": False, "status": "active", "source": ["test:indexing"],
        "channels": [{"kind": "phone", "value": "95588", "source": "test:indexing"}],
    }
    record.update(changes)
    return record


def load(session, folder: Path, records: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "industries.json").write_text(json.dumps(INDUSTRIES), "utf-8")
    (folder / "enterprises.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    import_directory(session, folder)
    session.commit()


# --- listing -> document ----------------------------------------------------------------------
def test_a_document_holds_the_visible_channels_and_the_industry_path(session_factory, tmp_path):
    channels = [
        {"kind": "phone", "value": "95588", "label": "信用卡中心", "source": "t"},
        {"kind": "phone", "value": "4008208820", "label": "隐藏热线", "source": "t"},
        {"kind": "sms", "value": "1065795555", "direction": "outbound_only", "source": "t"},
        {"kind": "webchat", "value": "https://example.com/chat", "source": "t"},
    ]
    with session_factory() as session:
        load(session, tmp_path / "d", [listing("ent_000000000001", "工商银行", aliases=["工行"],
                                               regions=["310000"], channels=channels)])
        hidden = session.scalars(select(Channel).where(Channel.value == "4008208820")).one()
        hidden.hidden = True
        session.commit()
        [(ident, document)] = list(iter_documents(session, ["ent_000000000001"]))
    assert ident == "ent_000000000001" and document is not None
    assert document["industry"] == "banking" and document["industries"] == ["banking", "finance"]
    assert document["channels"] == ["phone", "webchat"]  # the SMS sender is outbound only
    assert "95588" in document["keys"] and "1065795555" in document["keys"]  # phones and SMS
    assert not any("4008208820" in key for key in document["keys"])  # hidden: not searchable
    assert "信用卡中心" in document["other_han"] and "隐藏热线" not in document["other_han"]
    assert "金融" in document["other_han"]  # the parent industry's names
    assert {"工商银行", "工行"} <= set(document["keys"]) and document["regions"] == ["310000"]


def test_inactive_and_missing_listings_have_no_document(session_factory, tmp_path):
    with session_factory() as session:
        load(session, tmp_path / "d", [listing("ent_000000000001", "工商银行"),
                                       listing("ent_000000000002", "招商银行", status="hidden")])
        found = dict(iter_documents(session, ["ent_000000000002", "ent_000000000009",
                                              "ent_000000000001"]))
    assert found["ent_000000000002"] is None and found["ent_000000000009"] is None
    assert found["ent_000000000001"]["regions"] == ["*"]  # no regions: everywhere


def test_every_listing_is_read_in_batches(session_factory, tmp_path):
    idents = [f"ent_00000000000{n}" for n in range(1, 6)]
    with session_factory() as session:
        load(session, tmp_path / "d", [listing(ident, f"测试公司{n}") for n, ident in enumerate(idents)])
        assert industry_table(session)["banking"].path == ("banking", "finance")
        assert [ident for ident, _ in iter_documents(session, batch=2)] == idents


# --- the query's regions ----------------------------------------------------------------------
def test_the_directory_expands_a_region_for_the_search_port():
    query = listing_query("银行", industry="banking", channel="phone", region="310101", limit=5, offset=10)
    assert query == SearchQuery(text="银行", industry="banking", channel="phone",
                                regions=("310101", "310000", "CN"), limit=5, offset=10)
    assert query.region_filter == ["310101", "310000", "CN", "*"]
    assert listing_query("银行").regions == () and listing_query("银行").region_filter == []


# --- the outbox indexer -----------------------------------------------------------------------
class Flaky(LocalBackend):
    """The embedded backend, unreachable while ``down``."""

    down = False

    def index(self, documents):
        if self.down:
            raise SearchUnavailable("engine down")
        return super().index(documents)

    def delete(self, ids):
        if self.down:
            raise SearchUnavailable("engine down")
        super().delete(ids)


@pytest.fixture
def engine_and_indexer(session_factory, tmp_path):
    hooks: list = []
    track_listing_changes(session_factory)
    event.listen(session_factory, "after_commit", lambda session: [hook(session) for hook in hooks])
    backend = Flaky(tmp_path / "search.sqlite3")
    indexer = Indexer(session_factory, lambda: backend, retry_seconds=0)
    hooks.append(indexer.after_commit)  # as api.state.AppState names it
    yield backend, indexer
    backend.close()


def found(backend, text: str) -> list[str]:
    return backend.search(SearchQuery(text=text)).ids


def test_edits_survive_an_engine_failure_and_reach_the_index_later(engine_and_indexer, session_factory,
                                                                   tmp_path):
    backend, indexer = engine_and_indexer
    with session_factory() as session:
        load(session, tmp_path / "d", [listing("ent_000000000001", "工商银行"),
                                       listing("ent_000000000002", "招商银行")])
    assert indexer.pending() == 0 and found(backend, "工商") == ["ent_000000000001"]

    backend.down = True
    with session_factory() as session:
        session.get(Enterprise, "ent_000000000001").aliases = ["停机别名"]
        session.delete(session.get(Enterprise, "ent_000000000002"))
        session.commit()  # the drain after it fails; the edit stands
    with session_factory() as session:
        assert session.get(Enterprise, "ent_000000000001").aliases == ["停机别名"]
    assert indexer.pending() == 2 and indexer.last_error == "engine down"
    assert indexer.status()["status"] == "catching_up"
    assert found(backend, "停机别名") == [] and found(backend, "招商") == ["ent_000000000002"]

    backend.down = False
    report = indexer.drain()
    assert (report.indexed, report.deleted, report.pending, report.error) == (1, 1, 0, None)
    assert found(backend, "停机别名") == ["ent_000000000001"] and found(backend, "招商") == []
    assert indexer.status() == {"backend": "local", "pending": 0, "documents": 1, "status": "ok"}


def test_reindex_rebuilds_from_the_database_and_sync_fills_an_empty_index(engine_and_indexer,
                                                                          session_factory, tmp_path):
    backend, indexer = engine_and_indexer
    backend.down = True
    with session_factory() as session:
        load(session, tmp_path / "d", [listing("ent_000000000001", "工商银行"),
                                       listing("ent_000000000002", "招商银行", status="hidden")])
    assert indexer.pending() == 2 and backend.count() == 0
    backend.down = False
    report = indexer.sync()  # the index is empty and listings exist: a rebuild, not a drain
    assert (report.indexed, report.pending) == (1, 0) and backend.count() == 1
    with session_factory() as session:
        assert session.scalars(select(ListingChange).where(ListingChange.applied_at.is_(None))).all() == []
    assert indexer.reindex() == 1 and found(backend, "工商") == ["ent_000000000001"]


# --- the full rebuild's lean reading ------------------------------------------------------------
@pytest.mark.parametrize("fresh_database", BACKEND_PARAMS, indirect=True)
def test_a_rebuild_reads_the_documents_the_drain_makes(session_factory, tmp_path):
    """Every active listing's document as the rebuild reads it (Core queries, in batches, in
    worker processes or not) is the one the drain's ORM path makes, channels in order."""
    channels = [{"kind": "phone", "value": "02195561", "label": "信用卡中心", "source": "test:indexing"},
                {"kind": "email", "value": "help@cmb.example", "source": "test:indexing"},
                {"kind": "phone", "value": "95555", "label": "隐藏", "source": "test:indexing"},
                {"kind": "phone", "value": "4008205555", "source": "test:indexing"}]
    records = [listing(f"ent_00000000000{n}", name, aliases=[name[:2]], regions=regions,
                       channels=channels[:n + 1], description=f"{name}客服")
               for n, (name, regions) in enumerate([("工商银行", []), ("招商银行", ["310000", "CN"]),
                                                    ("建设银行", ["HK"]), ("农业银行", [])])]
    records.append(listing("ent_000000000009", "停业银行", status="hidden"))
    with session_factory() as session:
        load(session, tmp_path / "d", records)
        for channel in session.scalars(select(Channel).where(Channel.value == "95555")):
            channel.hidden = True
        session.commit()
        expected = [doc for _, doc in iter_documents(session) if doc is not None]
        assert [doc["id"] for doc in expected] == [f"ent_00000000000{n}" for n in range(4)]
        assert "信用卡中心" in " ".join(expected[1]["other_han"]) and "95555" not in expected[3]["keys"]
        for workers in (1, 2):
            counted: list[int] = []
            source = rebuild_source(session_factory, session, workers=workers, progress=counted.append)
            source.tasks = active_id_batches(session, batch=3)
            assert list(source) == expected and sum(counted) == 4, workers
