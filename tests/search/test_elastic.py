"""The Elasticsearch backend: the conformance suite, plus what only a cluster has.

With ``ELASTICSEARCH_URL`` set the suite runs against that cluster (each run under its own
index names, deleted afterwards); otherwise it starts ``noida-db`` (a test dependency that
speaks the Elasticsearch REST API) on a free loopback port. If neither works the tests fail:
CI must run this suite.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from search.base import MAX_WINDOW, SearchQuery, SearchUnavailable
from search.documents import make_document
from search.elastic import RANK_IN_PYTHON, ElasticBackend
from search.local import LocalBackend
from tests.helpers.noida import noida_binary, wait_for_root
from tests.live import free_port
from tests.search.conformance import BackendConformance, ids, sample_documents
from tests.search.relevance import BROAD_CASES, BROAD_TOP

pytestmark = [pytest.mark.live, pytest.mark.slow]

RUN = uuid.uuid4().hex[:8]
_names = itertools.count()


def fresh_alias() -> str:
    return f"c800-test-{RUN}-{next(_names)}"


@pytest.fixture(scope="session")
def elasticsearch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """ELASTICSEARCH_URL, or a noida-db server started for this session."""
    configured = os.environ.get("ELASTICSEARCH_URL")
    if configured:
        yield configured
        return
    binary = noida_binary()
    if binary is None:
        pytest.fail("noida-db is not installed: pip install -e '.[test]' (or set ELASTICSEARCH_URL)")
    home = tmp_path_factory.mktemp("noida")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = home / "noida.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [binary, "start", "--data-dir", str(home / "data"), "--only", "elasticsearch",
             "--elasticsearch-port", str(port)],
            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_root(url, process, log, 30)
        yield url
    finally:
        # The noida-db script runs the server as a child: stop the whole process group.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def open_backend(url: str) -> ElasticBackend:
    return ElasticBackend(url, fresh_alias())


@pytest.fixture
def elastic(elasticsearch_url: str) -> Iterator[ElasticBackend]:
    backend = open_backend(elasticsearch_url)
    try:
        yield backend
    finally:
        backend.drop()
        backend.close()


@pytest.fixture(scope="session")
def elastic_bundled(elasticsearch_url: str, bundled_documents: list[dict]) -> Iterator[ElasticBackend]:
    backend = open_backend(elasticsearch_url)
    try:
        assert backend.index(bundled_documents) == len(bundled_documents)
        yield backend
    finally:
        backend.drop()
        backend.close()


class TestElasticBackend(BackendConformance):
    @pytest.fixture
    def empty_backend(self, elastic: ElasticBackend) -> ElasticBackend:
        return elastic

    @pytest.fixture
    def bundled_backend(self, elastic_bundled: ElasticBackend) -> ElasticBackend:
        return elastic_bundled

    # --- the two ways a result page is made ------------------------------------------------
    @pytest.mark.parametrize("text", ["中国", "银行", "zg", "c", "95"])
    def test_tier_searches_rank_as_python_does(self, elastic_bundled: ElasticBackend, text: str) -> None:
        """Few matches are ranked in Python, many by a search per tier: the same order."""
        try:
            by_tiers = [elastic_bundled.search(SearchQuery(text=text, limit=15, offset=o)).ids
                        for o in (0, 15, 30)]
            elastic_bundled.rank_in_python = 10_000
            in_python = [elastic_bundled.search(SearchQuery(text=text, limit=15, offset=o)).ids
                         for o in (0, 15, 30)]
        finally:
            elastic_bundled.rank_in_python = RANK_IN_PYTHON
        assert by_tiers == in_python

    def test_deep_pages(self, elastic_bundled: ElasticBackend) -> None:
        everything = ids(elastic_bundled, "c", limit=RANK_IN_PYTHON * 3)
        assert len(everything) == RANK_IN_PYTHON * 3
        pages = [ids(elastic_bundled, "c", limit=70, offset=o) for o in range(0, RANK_IN_PYTHON * 3, 70)]
        assert [i for page in pages for i in page][:RANK_IN_PYTHON * 3] == everything
        total = elastic_bundled.search(SearchQuery(text="c", limit=1)).total
        tail = elastic_bundled.search(SearchQuery(text="c", limit=50, offset=total - 10))
        assert tail.total == total and len(tail.ids) == 10
        assert ids(elastic_bundled, "c", limit=50, offset=MAX_WINDOW) == []
        assert len(ids(elastic_bundled, "a", limit=100, offset=MAX_WINDOW - 10)) <= 10


class TestSameAnswersAsTheLocalEngine:
    """On the bundled directory, Elasticsearch answers as the embedded engine does."""

    @pytest.mark.parametrize("case", BROAD_CASES, ids=[c.query for c in BROAD_CASES])
    def test_broad_words_same_first_results(self, elastic_bundled: ElasticBackend,
                                            local_bundled: LocalBackend,
                                            bundled_documents: list[dict], case) -> None:
        """The same first BROAD_TOP, in the same prominence order. The engines' text scores
        differ, and they only order listings of equal prominence: where such a tie straddles
        the cut (the results at BROAD_TOP and BROAD_TOP + 1 are equally prominent), the
        listings above the tie are the same and the rest of the first BROAD_TOP come from it."""
        prominence = {doc["id"]: doc["prominence"] for doc in bundled_documents}
        here = ids(elastic_bundled, case.query, limit=BROAD_TOP + 1)
        there = ids(local_bundled, case.query, limit=BROAD_TOP + 1)
        assert [prominence[i] for i in here[:BROAD_TOP]] == [prominence[i] for i in there[:BROAD_TOP]]
        cut = {prominence[found[BROAD_TOP - 1]] for found in (here, there) if len(found) > BROAD_TOP
               and prominence[found[BROAD_TOP - 1]] == prominence[found[BROAD_TOP]]}
        assert ({i for i in here[:BROAD_TOP] if prominence[i] not in cut}
                == {i for i in there[:BROAD_TOP] if prominence[i] not in cut}), (here, there)

    @pytest.mark.parametrize("prefix", ["955", "400", "95", "10", "1", "4", "9", "z", "zg", "zh", "zhongguo",
                                        "中", "中国", "银", "b", "bank", "c", "s", "a"])
    def test_suggestions_the_same(self, elastic_bundled: ElasticBackend, local_bundled: LocalBackend,
                                  prefix: str) -> None:
        for limit in (10, 40):
            assert elastic_bundled.suggest(prefix, limit) == local_bundled.suggest(prefix, limit), limit


class TestElasticOnly:
    def test_first_use_creates_a_versioned_index_behind_the_alias(self, elastic: ElasticBackend) -> None:
        assert elastic.count() == 0
        behind = elastic._indices_behind_alias()
        assert len(behind) == 1 and behind[0].startswith(elastic.alias + "-")

    def test_rebuild_before_first_use(self, elastic: ElasticBackend) -> None:
        assert elastic.rebuild(sample_documents()) == len(sample_documents())
        assert len(elastic._indices_behind_alias()) == 1 and ids(elastic, "招行") == ["ent_cmb"]

    def test_rebuild_swaps_the_alias_and_searches_answer_meanwhile(self, elastic: ElasticBackend) -> None:
        documents = sample_documents()
        elastic.index(documents[:3])
        [old] = elastic._indices_behind_alias()
        seen: dict[str, object] = {}

        def feed() -> Iterator[dict]:
            for number, document in enumerate(documents):
                if number == 8:  # mid-build: the new index exists, the alias still reads the old one
                    seen["indices"] = elastic._client.indices.get(index=elastic.alias + "-*")
                    seen["behind"] = elastic._indices_behind_alias()
                    seen["招行"] = ids(elastic, "招行")
                    seen["移动"] = ids(elastic, "移动")
                    seen["count"] = elastic.count()
                yield document

        assert elastic.rebuild(feed()) == len(documents)
        assert seen["behind"] == [old] and len(seen["indices"]) == 2
        assert seen["招行"] == ["ent_cmb"] and seen["移动"] == [] and seen["count"] == 3
        [new] = elastic._indices_behind_alias()
        assert new != old and new.startswith(elastic.alias + "-")
        assert not elastic._client.indices.exists(index=old)
        assert elastic.count() == len(documents) and ids(elastic, "移动") == ["ent_cmcc"]

    def test_failed_rebuild_keeps_the_old_index(self, elastic: ElasticBackend) -> None:
        elastic.index(sample_documents())
        [old] = elastic._indices_behind_alias()
        broken = {**sample_documents()[0], "verified": "maybe"}
        with pytest.raises(SearchUnavailable, match="refused 1 of"):
            elastic.rebuild([*sample_documents()[1:], broken])
        assert elastic._indices_behind_alias() == [old]
        assert elastic._client.indices.get(index=elastic.alias + "-*").keys() == {old}
        assert elastic.count() == len(sample_documents())

    def test_reset_swaps_to_a_new_empty_index(self, elastic: ElasticBackend) -> None:
        elastic.index(sample_documents())
        [old] = elastic._indices_behind_alias()
        elastic.reset()
        [new] = elastic._indices_behind_alias()
        assert new != old and not elastic._client.indices.exists(index=old)
        assert elastic.count() == 0

    def test_writes_are_visible_to_the_next_search(self, elastic: ElasticBackend) -> None:
        for number in range(3):
            ident = f"ent_new{number}"
            elastic.index([make_document(id=ident, names=[f"新开业{number}号店"], phones=[f"9512{number}"])])
            assert ids(elastic, f"新开业{number}") == [ident]
            assert elastic.suggest(f"9512{number}") == [ident]
            elastic.delete([ident])
            assert ids(elastic, f"新开业{number}") == []

    def test_refused_documents_raise_a_clear_error(self, elastic: ElasticBackend) -> None:
        good, bad = sample_documents()[:2]
        with pytest.raises(SearchUnavailable) as raised:
            elastic.index([good, {**bad, "verified": "maybe"}])
        message = str(raised.value)
        assert "refused 1 of 2 writes" in message and "ent_cms" in message and elastic.url in message
        assert ids(elastic, "招行") == ["ent_cmb"]  # the rest was written and is visible

    def test_ranking_uses_prominence_before_text(self, elastic: ElasticBackend) -> None:
        elastic.index([
            make_document(id="ent_a", names=["星光银行"], prominence=5),
            make_document(id="ent_b", names=["星光银行广州分行"], prominence=900),
            make_document(id="ent_c", names=["星光银行深圳分行"], prominence=10**6),  # 32,767
            make_document(id="ent_d", names=["星光银行北京分行"]),
            make_document(id="ent_e", names=["北京分行星光"]),
        ])
        assert ids(elastic, "星光银行") == ["ent_a", "ent_c", "ent_b", "ent_d"]
        assert ids(elastic, "星光") == ["ent_c", "ent_b", "ent_a", "ent_d", "ent_e"]
        assert elastic.suggest("星光") == ["ent_c", "ent_b", "ent_a", "ent_d"]

    def test_long_prefixes_beyond_the_ngrams(self, elastic: ElasticBackend) -> None:
        long_name = "Q" + "abcdefghij" * 9  # 91 letters: longer than the edge n-grams
        elastic.index([*sample_documents(), make_document(id="ent_long", names=[long_name])])
        typed = long_name[:75]
        assert ids(elastic, typed) == ["ent_long"]
        assert ids(elastic, typed + "x") == []
        assert elastic.suggest(typed) == ["ent_long"]
        assert elastic.suggest(long_name) == ["ent_long"]

    def test_analyzers_are_built_in(self, elastic: ElasticBackend) -> None:
        elastic.count()

        def tokens(analyzer: str, text: str) -> list[str]:
            answer = elastic._client.indices.analyze(index=elastic.alias, analyzer=analyzer, text=text)
            return [token["token"] for token in answer["tokens"]]

        assert sorted(tokens("c800_han", "招商银行")) == sorted(
            ["招", "商", "银", "行", "招商", "商银", "银行"])
        assert tokens("c800_han_search", "招商银行") == ["招商", "商银", "银行"]
        assert tokens("c800_han_search", "银") == ["银"]
        assert tokens("c800_prefix", "zsyh") == ["z", "zs", "zsy", "zsyh"]

    @pytest.mark.parametrize("operation", ["count", "search", "suggest", "index", "delete", "reset"])
    def test_unreachable_cluster(self, operation: str) -> None:
        url = f"http://elastic:s3cret@127.0.0.1:{free_port()}"  # nothing listens there
        backend = ElasticBackend(url, fresh_alias(), request_timeout=1.0)
        calls = {
            "count": backend.count,
            "search": lambda: backend.search(SearchQuery(text="招行")),
            "suggest": lambda: backend.suggest("zh"),
            "index": lambda: backend.index(sample_documents()),
            "delete": lambda: backend.delete(["ent_cmb"]),
            "reset": backend.reset,
        }
        started = time.monotonic()
        with pytest.raises(SearchUnavailable) as raised:
            calls[operation]()
        assert time.monotonic() - started < 3
        message = str(raised.value)
        assert "127.0.0.1" in message and "unreachable" in message and "s3cret" not in message
        backend.close()
