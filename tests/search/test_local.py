"""The embedded SQLite FTS5 backend: the conformance suite, plus what only it has to do
(generation swap on rebuild seen by other workers, fork safety, concurrent processes, WAL)."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from search.base import SearchQuery, SearchUnavailable
from search.documents import make_document
from search.local import LocalBackend, bulk, counting, query, ranking, schema
from search.local.files import POINTER_MAGIC
from search.parallel import DocumentSource
from tests.search.conformance import SAMPLE, BackendConformance, ids, sample_documents

FORK = multiprocessing.get_context("fork")


class TestLocalBackend(BackendConformance):
    @pytest.fixture
    def empty_backend(self, tmp_path: Path) -> Iterator[LocalBackend]:
        backend = LocalBackend(tmp_path / "search.sqlite3")
        yield backend
        backend.close()

    @pytest.fixture
    def bundled_backend(self, local_bundled: LocalBackend) -> LocalBackend:
        return local_bundled


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "search.sqlite3"


@pytest.fixture
def backend(path: Path) -> Iterator[LocalBackend]:
    backend = LocalBackend(path)
    backend.index(sample_documents())
    yield backend
    backend.close()


def generation_file(path: Path) -> Path:
    return path.with_name(path.read_text().splitlines()[1])


# --- files, WAL, generations --------------------------------------------------------------------
def test_wal_mode_and_pointer(backend: LocalBackend, path: Path) -> None:
    assert path.read_text().startswith(POINTER_MAGIC)
    with sqlite3.connect(generation_file(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"fts", "docs", "codes", "meta"} <= tables
    backend.rebuild(sample_documents())
    with sqlite3.connect(generation_file(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rebuild_swap_is_seen_by_another_worker(backend: LocalBackend, path: Path) -> None:
    other = LocalBackend(path)  # another gunicorn worker on the same file
    try:
        assert ids(other, "招行")[0] == "ent_cmb" and other.count() == len(SAMPLE)
        old = generation_file(path)
        assert backend.rebuild(sample_documents()[1:4]) == 3
        assert generation_file(path) != old and not old.exists()
        assert not Path(f"{old}-wal").exists() and not Path(f"{old}-shm").exists()
        assert other.count() == 3  # no reopening by hand
        assert ids(other, "招行") == []
        assert ids(other, "工行")[0] == "ent_icbc"
        other.index([sample_documents()[0]])  # a write of the other worker lands in the new generation
        assert backend.count() == 4 and ids(backend, "招行") == ["ent_cmb"]
    finally:
        other.close()


def test_searches_keep_working_during_rebuild(backend: LocalBackend, path: Path) -> None:
    other = LocalBackend(path)
    seen: list[list[str]] = []

    def documents() -> Iterator[dict]:
        for number, doc in enumerate(sample_documents()[1:]):
            if number == 5:  # half way through the build: the live index still answers
                seen.append(ids(other, "招行"))
                seen.append([str(other.count())])
            yield doc

    try:
        assert backend.rebuild(documents()) == len(SAMPLE) - 1
        assert seen == [["ent_cmb"], [str(len(SAMPLE))]]
        assert ids(other, "招行") == [] and other.count() == len(SAMPLE) - 1
    finally:
        other.close()


def test_failed_rebuild_keeps_the_live_index(backend: LocalBackend, path: Path) -> None:
    live = generation_file(path)

    def documents() -> Iterator[dict]:
        yield from sample_documents()[:3]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(documents())
    assert generation_file(path) == live
    generations = {p.name.split("-")[0] for p in path.parent.iterdir() if re.search(r"\.\d{6}", p.name)}
    assert generations == {live.name}  # the half-built generation is gone
    assert backend.count() == len(SAMPLE) and ids(backend, "招行") == ["ent_cmb"]


def test_rebuild_and_index_keep_the_last_duplicate(path: Path) -> None:
    backend = LocalBackend(path)
    changed = make_document(**{**SAMPLE[0], "names": ["招商银行信用卡"], "aliases": []})
    assert backend.rebuild([*sample_documents(), changed]) == len(SAMPLE)
    assert backend.count() == len(SAMPLE)
    assert ids(backend, "招行") == [] and ids(backend, "信用卡") == ["ent_cmb"]
    assert backend.index([sample_documents()[0], changed]) == 1
    assert ids(backend, "招行") == [] and backend.count() == len(SAMPLE)
    backend.close()


def test_rebuild_keeps_the_last_duplicate_across_batches(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "BULK_BATCH", 3)
    backend = LocalBackend(path)
    changed = make_document(**{**SAMPLE[0], "names": ["招商银行信用卡"], "aliases": []})
    assert backend.rebuild([sample_documents()[0], *sample_documents()[1:], changed]) == len(SAMPLE)
    assert backend.count() == len(SAMPLE)
    assert ids(backend, "招行") == [] and ids(backend, "信用卡") == ["ent_cmb"]
    assert backend.rebuild([changed, *sample_documents()]) == len(SAMPLE)
    assert ids(backend, "招行") == ["ent_cmb"] and ids(backend, "信用卡") == []
    backend.close()


def test_not_a_pointer(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(SearchUnavailable):
        LocalBackend(path).count()


# --- processes and threads ----------------------------------------------------------------------
def _child_search(backend: LocalBackend, inherited: int, results: multiprocessing.Queue) -> None:
    try:
        found = ids(backend, "工行")
        conn = backend.files.conn()
        backend.index([make_document(id="ent_child", names=["子进程公司"])])
        results.put((found, id(conn) != inherited, backend.count()))
    except BaseException as error:  # reported to the parent
        results.put(repr(error))


def test_fork_opens_its_own_connection(backend: LocalBackend) -> None:
    assert ids(backend, "招行")[0] == "ent_cmb"
    inherited = id(backend.files.conn())
    results = FORK.Queue()
    child = FORK.Process(target=_child_search, args=(backend, inherited, results))
    child.start()
    answer = results.get(timeout=60)
    child.join(60)
    assert answer == (["ent_icbc"], True, len(SAMPLE) + 1)
    assert child.exitcode == 0
    # the parent's connection still works and sees the child's write
    assert ids(backend, "子进程")[0] == "ent_child"


def _writer(path: str, rounds: int, results: multiprocessing.Queue) -> None:
    try:
        backend = LocalBackend(path)
        docs = sample_documents()
        for number in range(rounds):
            backend.index([make_document(id=f"ent_w{number % 7}", names=[f"并发写入{number}号"],
                                         phones=[f"9{number:05d}"])])
            backend.index(docs[number % len(docs):number % len(docs) + 2])
            if number % 10 == 0:
                backend.delete([f"ent_w{(number + 3) % 7}"])
        backend.close()
        results.put("ok")
    except BaseException as error:
        results.put(repr(error))


def _reader(path: str, rounds: int, results: multiprocessing.Queue) -> None:
    try:
        backend = LocalBackend(path)
        for _ in range(rounds):
            assert ids(backend, "招行")[0] == "ent_cmb"
            backend.search(SearchQuery(text="并发", limit=5))
            backend.suggest("zh")
        backend.close()
        results.put("ok")
    except BaseException as error:
        results.put(repr(error))


def test_concurrent_writers_and_readers(backend: LocalBackend, path: Path) -> None:
    results = FORK.Queue()
    workers = [FORK.Process(target=_writer, args=(str(path), 60, results)) for _ in range(2)]
    workers += [FORK.Process(target=_reader, args=(str(path), 150, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(60)
    assert answers == ["ok"] * 4
    found = backend.search(SearchQuery(text="并发写入", limit=50))
    assert set(found.ids) <= {f"ent_w{n}" for n in range(7)} and found.total == len(found.ids)
    assert backend.count() == len(SAMPLE) + found.total
    with sqlite3.connect(generation_file(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO fts(fts, rank) VALUES ('integrity-check', 0)")  # raises when corrupt


def test_threads_have_their_own_connections(backend: LocalBackend) -> None:
    errors: list[BaseException] = []
    connections: set[int] = set()

    def work() -> None:
        try:
            for _ in range(30):
                assert ids(backend, "招行")[0] == "ent_cmb"
            connections.add(id(backend.files.conn()))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(connections) == 4
    backend.close()  # closes every thread's connection of this process; the next call reopens
    assert ids(backend, "招行")[0] == "ent_cmb"


# --- ranking details ----------------------------------------------------------------------------
def test_long_ties_page_stably(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranking, "TIE_CHUNK", 3)
    backend = LocalBackend(path)
    docs = [make_document(id=f"ent_{n:02d}", names=[f"测试{'长' * (n % 5)}公司{n}"], prominence=n % 2)
            for n in range(23)]
    backend.index(docs)
    everything = ids(backend, "测试", limit=50)
    assert sorted(everything) == sorted(d["id"] for d in docs)
    for size in (1, 2, 4, 5):
        pages = [ids(backend, "测试", limit=size, offset=o) for o in range(0, len(everything), size)]
        assert [i for page in pages for i in page] == everything
    popular = [i for i in everything if int(i[4:]) % 2]
    assert everything[:len(popular)] == popular  # prominence before the text score
    backend.close()


def test_prominence_is_clamped(path: Path) -> None:
    backend = LocalBackend(path)
    backend.index([make_document(id=f"ent_p{n}", names=[f"人气公司{n}"], prominence=p)
                   for n, p in enumerate([30_000, 10**9, 32_767, 5, -3])])
    found = ids(backend, "人气")  # clamped to [0, MAX_PROMINENCE]: 10**9 ties 32,767
    assert set(found[:2]) == {"ent_p1", "ent_p2"} and found[2:] == ["ent_p0", "ent_p3", "ent_p4"]
    backend.close()


def test_facets_beyond_the_rowid_bits(path: Path) -> None:
    backend = LocalBackend(path)
    kinds = [f"kind{n:02d}" for n in range(15)]
    docs = [make_document(id=f"ent_f{n:03d}", names=[f"多渠道{n}"], industries=[f"industry{n:03d}", "root"],
                          channels=kinds[n % 15:] + kinds[:1]) for n in range(300)]
    backend.index(docs)
    results = backend.search(SearchQuery(text="多渠道", limit=1))
    assert results.total == 300
    assert results.facets["industry"] == {f"industry{n:03d}": 1 for n in range(300)}
    expected: dict[str, int] = {}
    for doc in docs:
        for kind in doc["channels"]:
            expected[kind] = expected.get(kind, 0) + 1
    assert results.facets["channel"] == expected
    assert ids(backend, "多渠道", industry="industry299") == ["ent_f299"]
    with_kind = {d["id"] for d in docs if "kind14" in d["channels"]}
    assert set(ids(backend, "多渠道", industry="root", channel="kind14", limit=400)) == with_kind
    backend.close()


def test_rebuild_ranks_as_index(bundled_documents: list[dict], local_bundled: LocalBackend,
                                path: Path) -> None:
    rebuilt = LocalBackend(path)
    assert rebuilt.rebuild(iter(bundled_documents)) == len(bundled_documents) == rebuilt.count()
    for text in ("银行", "中国", "zg", "com", "app", "95", "c", "招商银行", "china m"):
        one = local_bundled.search(SearchQuery(text=text, limit=30))
        two = rebuilt.search(SearchQuery(text=text, limit=30))
        assert (one.ids, one.total, one.facets) == (two.ids, two.total, two.facets), text
        assert local_bundled.suggest(text) == rebuilt.suggest(text)
    rebuilt.close()


def _tables(path: Path) -> dict[str, list[tuple]]:
    """Every row of a generation's tables, FTS5's own included (its segments and doclists)."""
    with sqlite3.connect(generation_file(path)) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
        return {name: conn.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall() for name in names}


@pytest.mark.parametrize("batch", [16_384, 5])
def test_a_rebuild_by_workers_is_the_same_index_as_one_in_process(
        bundled_documents: list[dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    """Worker processes make the rows; the index (every table, byte for byte) is the one a
    rebuild in one process makes, duplicates included (the last one of an id wins)."""
    monkeypatch.setattr(bulk, "BULK_BATCH", batch)
    documents = [*bundled_documents[:300], {**bundled_documents[7], "prominence": 5}]
    tasks = [(start, start + 37) for start in range(0, len(documents), 37)]
    serial, parallel = LocalBackend(tmp_path / "one.sqlite3"), LocalBackend(tmp_path / "two.sqlite3")
    counted: list[int] = []
    source = DocumentSource(tasks=tasks, make=lambda task: documents[task[0]:task[1]], workers=2,
                            progress=counted.append)
    assert serial.rebuild(iter(documents)) == parallel.rebuild(source) == 300 == sum(counted) - 1
    assert _tables(tmp_path / "one.sqlite3") == _tables(tmp_path / "two.sqlite3")
    for text in ("银行", "zg", "com", "95", "招商银行"):
        assert serial.search(SearchQuery(text=text)) == parallel.search(SearchQuery(text=text))
    assert list(DocumentSource(tasks=tasks, make=source.make, workers=2)) == documents
    serial.close()
    parallel.close()


def test_a_failing_worker_fails_the_rebuild_and_keeps_the_live_index(
        backend: LocalBackend, path: Path) -> None:
    def make(task: int) -> list[dict]:
        if task == 3:
            raise ValueError("no such listing")
        return sample_documents()[task:task + 1]

    def dies(task: int) -> list[dict]:
        if task == 2:
            os._exit(9)  # as a worker killed for its memory would
        return sample_documents()[task:task + 1]

    files = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(ValueError, match="no such listing"):
        backend.rebuild(DocumentSource(tasks=range(len(SAMPLE)), make=make, workers=2))
    with pytest.raises(BrokenProcessPool):
        backend.rebuild(DocumentSource(tasks=range(len(SAMPLE)), make=dies, workers=2))
    assert backend.count() == len(SAMPLE) and ids(backend, "招行") == ["ent_cmb"]
    assert sorted(p.name for p in path.parent.iterdir()) == files  # the half-built generations are gone


def test_tokenizer_keeps_every_term_whole(path: Path) -> None:
    """Every character a search.text token may hold is a token character, never altered."""
    from search.text import _TOKEN, fold

    chars = [chr(c) for c in range(0x20, 0x30000) if not 0xD800 <= c <= 0xDFFF
             and _TOKEN.fullmatch(chr(c)) and fold(chr(c)) == chr(c)]
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(a, detail=column, tokenize=\"{schema.TOKENIZE}\")")
    conn.execute("INSERT INTO t(a) VALUES (?)", (" ".join(chars),))
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")
    terms = {row[0] for row in conn.execute("SELECT term FROM v")}
    assert [c for c in chars if c not in terms] == []


def test_key_tiers_only_hold_matches(path: Path) -> None:
    backend = LocalBackend(path)
    backend.index([make_document(id="ent_dot", names=["中国·移动"]),  # key 中国移动, runs 中国 / 移动
                   make_document(id="ent_real", names=["中国移动通信"])])
    # 国移 is no bigram of ent_dot's names: its exact key alone must not make it a match
    assert ids(backend, "中国移动") == ["ent_real"]
    assert backend.suggest("中国移动") == ["ent_dot", "ent_real"]  # suggestions go by key alone
    backend.close()


def test_totals_and_facets_above_the_exact_limit_are_sampled(path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    backend = LocalBackend(path)
    kinds = ["phone", "email", "app"]
    docs = [make_document(id=f"ent_s{n:05d}", names=[f"样本公司{n}"], industries=[f"ind{n % 4}"],
                          channels=kinds[:1 + n % 3]) for n in range(4000)]
    backend.rebuild(docs)
    exact = backend.search(SearchQuery(text="样本", limit=5))
    assert exact.exact and exact.total == 4000
    assert exact.facets["industry"] == {f"ind{n}": 1000 for n in range(4)}
    monkeypatch.setattr(counting, "EXACT_LIMIT", 500)
    monkeypatch.setattr(counting, "SAMPLE_SIZE", 1500)
    sampled = backend.search(SearchQuery(text="样本", limit=5))
    assert sampled.ids == exact.ids  # the page does not depend on counting
    assert not sampled.exact
    assert abs(sampled.total - 4000) < 600
    for name, count in sampled.facets["industry"].items():
        assert abs(count - 1000) < 300, (name, count)
    assert abs(sampled.facets["channel"]["phone"] - 4000) < 600
    small = backend.search(SearchQuery(text="样本公司12"))  # 12, 120-129, 1200-1299: exact
    assert small.exact and small.total == 111
    backend.close()


def test_long_prefixes_as_term_lists_match_as_prefixes(local_bundled: LocalBackend,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["china m", "industrial and", "merchants", "bank", "telecom", "zhongguo", "zhaoshangy",
             "airlines c"]
    expanded = [local_bundled.search(SearchQuery(text=text, limit=50)) for text in texts]
    monkeypatch.setattr(query, "EXPAND", 0)  # every word as a prefix phrase
    for text, before in zip(texts, expanded, strict=True):
        after = local_bundled.search(SearchQuery(text=text, limit=50))
        assert (after.total, after.facets, after.ids) == (before.total, before.facets, before.ids), text


def test_bm25_is_fts5s(local_bundled: LocalBackend) -> None:
    """The tie-break score computed from stored terms is FTS5's bm25() (up to the IDF factor
    of a one-phrase query), as bm25() computes it on a table that keeps its content."""
    conn = local_bundled.files.conn()
    reference = sqlite3.connect(":memory:")
    reference.execute(f"CREATE VIRTUAL TABLE fts USING fts5({', '.join(schema.COLUMNS)}, detail=column, "
                      f"tokenize=\"{schema.TOKENIZE}\")")
    records = [json.loads(body) for (body,) in conn.execute("SELECT body FROM docs")]
    reference.executemany(f"INSERT INTO fts(rowid, {', '.join(schema.COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          [(record[0], *record[schema.NH:schema.KEYS]) for record in records])
    weights = ", ".join(str(w) for w in schema.WEIGHTS)
    for text in ("银行", "中国银行", "ban", "中国 b", "工商银行 icb", "招商 ban", "南方航空"):
        plan = query.QueryPlan(SearchQuery(text=text), local_bundled.files.codes(conn),
                               lambda word: query.expansions(conn, word))
        theirs = dict(reference.execute(f"SELECT rowid, -bm25(fts, {weights}) FROM fts WHERE fts MATCH ?",
                                        (plan.full,)))
        ours = ranking.bm25(conn, plan, list(theirs), local_bundled.files.local)
        assert theirs and set(ours) == set(theirs), text
        factor = max(theirs.values()) / max(ours.values()) if len(plan.phrases) == 1 else 1.0
        for rid, score in theirs.items():
            assert ours[rid] * factor == pytest.approx(score, rel=1e-9), text


def test_an_index_of_another_schema_is_unavailable_until_rebuilt(backend: LocalBackend, path: Path) -> None:
    with sqlite3.connect(generation_file(path)) as conn:
        conn.execute("UPDATE meta SET value = 1 WHERE name = 'schema'")
    other = LocalBackend(path)
    with pytest.raises(SearchUnavailable, match="reindex"):
        other.count()
    assert other.rebuild(sample_documents()) == len(SAMPLE)
    assert other.count() == len(SAMPLE) and ids(other, "招行") == ["ent_cmb"]
    other.close()
