"""The response cache of public reads (api/cache.py), on SQLite and PostgreSQL: answers are
reused, a write by any process of the host makes the next read fresh, notices and live statuses
starting or ending end a cached answer, per-request headers, tokens and 304s are the same as
without the cache, and the cache is bounded.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update

from api.cache import EXTENSION
from directory.models import Enterprise
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import CONSUMER_RECORDS as RECORDS
from tests.factories import A, B
from tests.helpers.api import auth, channel, iso, post_notice, with_people
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    for client in client_over_records(request, tmp_path_factory, RECORDS):
        yield with_people(client)


def _description(client, ident: str = A) -> str | None:
    answer = client.get(f"/v1/enterprises/{ident}")
    assert answer.status_code == 200
    return answer.get_json()["description"]


def _write_behind_the_orm(client, description: str, ident: str = A) -> None:
    """An UPDATE through a bare connection: no session, so no change stamp (a test probe)."""
    engine = client.application.extensions["c800"].engine
    with engine.begin() as connection:
        connection.execute(text("UPDATE enterprises SET description = :d WHERE id = :id"),
                           {"d": description, "id": ident})


def _public_write(client) -> None:
    """A commit of a session that updated a table public reads use (it changes nothing)."""
    with client.application.app_context(), client.sessions() as session:
        session.execute(update(Enterprise).where(Enterprise.id == "ent_nosuchlisting")
                        .values(description=None))
        session.commit()


def test_an_answer_is_reused_until_a_session_writes(client):
    before = _description(client)
    _write_behind_the_orm(client, "改过了，但没人知道")
    assert _description(client) == before  # answered from the cache
    _description(client, B)  # another key: computed
    _public_write(client)
    assert _description(client) == "改过了，但没人知道"
    _write_behind_the_orm(client, before)
    _public_write(client)
    assert _description(client) == before


def test_private_writes_leave_cached_answers_alone(client):
    before = _description(client)
    _write_behind_the_orm(client, "私有写入不影响")
    # following a listing writes only the follows table
    assert client.put(f"/v1/me/following/{B}", headers=auth(client, "ada")).status_code in (200, 201)
    assert _description(client) == before
    _public_write(client)
    assert _description(client) == "私有写入不影响"
    _write_behind_the_orm(client, before)
    _public_write(client)


def test_an_edit_through_the_api_is_read_at_once(client):
    _description(client)  # cached
    manage = client.get(f"/v1/manage/enterprises/{A}", headers=auth(client, "owner_a"))
    answer = client.patch(f"/v1/enterprises/{A}", json={"description": "新的简介"},
                          headers=auth(client, "owner_a", **{"If-Match": manage.headers["ETag"]}))
    assert answer.status_code == 200, answer.get_json()
    assert _description(client) == "新的简介"
    found = client.get("/v1/search", query_string={"q": "招商银行"}).get_json()["items"]
    assert [item["id"] for item in found][:1] == [B]


@pytest.mark.slow
def test_a_write_by_another_process_is_read_at_once(client):
    """Another process of the host (a worker, a `flask` command) replaces the shared stamp."""
    _description(client, B)  # cached
    config = client.application.extensions["c800"].config
    script = (
        "import sys\n"
        "from api.app import create_app\n"
        "from api.config import Config\n"
        "from directory.models import Enterprise\n"
        "app = create_app(Config.from_env(database_url=sys.argv[1], data_dir=sys.argv[2], testing=True))\n"
        "with app.app_context(), app.extensions['c800'].sessions() as session:\n"
        "    session.get(Enterprise, sys.argv[3]).description = '另一个进程写的'\n"
        "    session.commit()\n")
    subprocess.run([sys.executable, "-c", script, config.database_url, str(config.data_dir), B],
                   cwd=ROOT, check=True, timeout=120, capture_output=True)
    assert _description(client, B) == "另一个进程写的"


def test_a_live_status_ending_ends_the_cached_answer(client):
    ident = channel(client, "95588")
    expires = datetime.now(UTC) + timedelta(seconds=2)
    answer = client.put(f"/v1/manage/channels/{ident}/status",
                        json={"state": "incident", "message": "线路繁忙", "expires_at": iso(expires)},
                        headers=auth(client, "owner_a"))
    assert answer.status_code == 200, answer.get_json()

    def live() -> dict | None:
        listing = client.get(f"/v1/enterprises/{A}").get_json()
        return next(c for c in listing["channels"] if c["id"] == ident)["live"]

    assert live()["state"] == "incident"
    assert live()["state"] == "incident"  # cached
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.2)
    assert live() is None


def test_a_notice_starting_ends_the_cached_answer(client):
    starts = datetime.now(UTC) + timedelta(seconds=2)
    post_notice(client, A, "owner_a", title="两秒后开始", valid_from=iso(starts))

    def titles() -> list[str]:
        return [n["title"] for n in client.get(f"/v1/enterprises/{A}").get_json()["notices"]]

    assert "两秒后开始" not in titles()
    assert "两秒后开始" not in titles()  # cached
    time.sleep(max(0.0, (starts - datetime.now(UTC)).total_seconds()) + 0.2)
    assert "两秒后开始" in titles()


def test_cached_answers_keep_per_request_headers_tokens_and_304(client):
    first = client.get(f"/v1/enterprises/{B}", headers={"X-Request-ID": "first-1"})
    second = client.get(f"/v1/enterprises/{B}", headers={"X-Request-ID": "second-2"})
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert (first.headers["X-Request-ID"], second.headers["X-Request-ID"]) == ("first-1", "second-2")
    for name in ("ETag", "Content-Type", "Vary", "Cache-Control", "Content-Language",
                 "X-Content-Type-Options", "RateLimit-Limit"):
        assert second.headers.get(name) == first.headers.get(name) or name == "RateLimit-Limit"
        assert name in second.headers, name
    assert int(second.headers["RateLimit-Remaining"]) < int(first.headers["RateLimit-Remaining"])
    again = client.get(f"/v1/enterprises/{B}", headers={"If-None-Match": second.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # a bad token is refused even when the answer is cached
    refused = client.get(f"/v1/enterprises/{B}", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401
    signed_in = client.get(f"/v1/enterprises/{B}", headers=auth(client, "bob"))
    assert signed_in.status_code == 200 and signed_in.data == first.data


def test_languages_and_representations_are_cached_apart(client):
    chinese = [client.get(f"/v1/enterprises/{B}", headers={"Accept-Language": "zh-CN"}) for _ in range(2)]
    english = [client.get(f"/v1/enterprises/{B}", headers={"Accept-Language": "en"}) for _ in range(2)]
    assert {a.get_json()["name"] for a in chinese} == {"招商银行"}
    assert {a.get_json()["name"] for a in english} == {"China Merchants Bank"}
    assert english[1].headers["Content-Language"] == "en"
    assert chinese[1].headers["Content-Language"] == "zh-Hans"
    linked = [client.get(f"/v1/enterprises/{B}", headers={"Accept": "application/ld+json"}) for _ in range(2)]
    assert {a.mimetype for a in linked} == {"application/ld+json"}
    assert "@context" in linked[1].get_json()
    assert "@context" not in client.get(f"/v1/enterprises/{B}").get_json()


def test_errors_are_not_cached(client):
    assert client.get("/v1/enterprises/ent_00000000dead").status_code == 404
    assert client.get("/v1/search", query_string={"q": "银行", "limit": 0}).status_code == 422


@pytest.fixture(scope="module", params=BACKEND_PARAMS[:1])
def small(request, tmp_path_factory):
    yield from client_over_records(request, tmp_path_factory, RECORDS, response_cache_entries=2)


def test_the_cache_is_bounded(small):
    for query in ("银行", "招商", "工商", "zhaoshang", "95588"):
        assert small.get("/v1/search", query_string={"q": query}).status_code == 200
    assert len(small.application.extensions[EXTENSION]) == 2


@pytest.fixture(scope="module", params=BACKEND_PARAMS[:1])
def uncached(request, tmp_path_factory):
    yield from client_over_records(request, tmp_path_factory, RECORDS, response_cache_entries=0)


def test_without_the_cache_every_read_is_computed(uncached):
    assert EXTENSION not in uncached.application.extensions
    before = _description(uncached)
    _write_behind_the_orm(uncached, "立即可见")
    assert _description(uncached) == "立即可见"
    _write_behind_the_orm(uncached, before)


# --- several app hosts: the stamp shared through Redis -------------------------------------


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def two_hosts(request, tmp_path_factory):
    """Two apps over one database, each with its own DATA_DIR (two hosts), sharing Redis."""
    redis_url = request.getfixturevalue("redis_server")
    from api.app import create_app
    from api.config import Config

    prefix = f"c800test{secrets.token_hex(4)}"
    for first in client_over_records(request, tmp_path_factory, RECORDS, redis_url=redis_url,
                                     rate_limit_key_prefix=prefix):
        config = first.application.extensions["c800"].config
        second = create_app(Config.from_env(database_url=config.database_url, testing=True,
                                            data_dir=tmp_path_factory.mktemp("host2"),
                                            redis_url=redis_url, rate_limit_key_prefix=prefix))
        alone = create_app(Config.from_env(database_url=config.database_url, testing=True,
                                           data_dir=tmp_path_factory.mktemp("host3")))
        yield first, second, alone
        for app in (second, alone):
            app.extensions["c800"].engine.dispose()


def _write_on(app, description: str) -> None:
    with app.app_context(), app.extensions["c800"].sessions() as session:
        session.get(Enterprise, A).description = description
        session.commit()


def test_a_write_on_another_host_is_read_at_once_through_redis(two_hosts):
    first, second, _alone = two_hosts
    _description(first)  # cached on the first host
    _write_on(second, "第二台主机写的")
    assert _description(first) == "第二台主机写的"


def test_without_redis_another_host_sees_the_write_within_the_ttl_only(two_hosts):
    first, _second, alone = two_hosts
    reader = alone.test_client()
    before = _description(reader)  # cached on the host without Redis
    _write_on(first.application, "没有 Redis 的主机稍后才看到")
    assert _description(first) == "没有 Redis 的主机稍后才看到"
    assert _description(reader) == before  # its own stamp did not change: up to PUBLIC_CACHE_SECONDS


def test_redis_down_means_computed_answers_not_errors(request, tmp_path_factory):
    request.param = "sqlite"
    for down in client_over_records(request, tmp_path_factory, RECORDS,
                                    redis_url=f"redis://127.0.0.1:{free_port()}/0",
                                    rate_limits_enabled=False):
        before = _description(down)
        _write_behind_the_orm(down, "Redis 不在，照样是新的")
        assert _description(down) == "Redis 不在，照样是新的"  # nothing was cached
        _write_behind_the_orm(down, before)
