"""The lists' totals kept per filter (api/list_facts.py): a total is counted once per filter
while nothing public is written, whatever the page, limit or order asked; any write through the
app's sessions (ORM or SQL as text) has the next page count again; totals expire, are bounded
in number, and are counted every time while the shared stamp cannot be read."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from api.cache import ChangeStamp
from api.list_facts import ListFacts
from api.state import db_session
from directory.models import Enterprise, EnterpriseRegion, Industry
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise
from tests.helpers.statements import statements_run

IDS = [f"ent_0000000000{n:02d}" for n in range(1, 6)]


@pytest.fixture(params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    records = [enterprise(IDS[0], regions=["US"]), *(enterprise(i) for i in IDS[1:])]
    yield from client_over_records(request, tmp_path_factory, records, response_cache_entries=0)


def _total(client, query: str = "") -> tuple[int, int]:  # noqa: ANN001
    """The list's total, and how many counting statements answering it took."""
    with statements_run(client.application.extensions["c800"].engine) as ran:
        answer = client.get(f"/v1/enterprises?limit=2{query}")
    assert answer.status_code == 200
    return answer.get_json()["total"], sum("count(" in statement for statement, _ in ran)


def test_a_total_is_counted_once_per_filter_until_a_write(client):
    assert _total(client) == (5, 1)
    assert _total(client) == (5, 0)  # kept
    assert _total(client, "&sort=name") == (5, 0)  # another order, the same rows
    first = client.get("/v1/enterprises?limit=2").get_json()
    assert _total(client, "&cursor=" + first["next"].split("cursor=")[1]) == (5, 0)
    assert _total(client, "&verified=true") == (0, 1)  # another filter: its own total
    state = client.application.extensions["c800"]
    with state.sessions() as session:  # an ORM write
        session.get(Enterprise, IDS[0]).status = "suspended"
        session.commit()
    assert _total(client) == (4, 1)
    with client.application.test_request_context():  # SQL as text
        session = db_session()
        session.execute(text("UPDATE enterprises SET status = 'active' WHERE id = :id"),
                        {"id": IDS[0]})
        session.commit()
    assert _total(client) == (5, 1)
    assert _total(client) == (5, 0)


def test_a_region_list_keeps_its_shape_until_a_write(client):
    def listed() -> tuple[list[str], list[str]]:
        with statements_run(client.application.extensions["c800"].engine) as ran:
            answer = client.get("/v1/enterprises?region=CN&limit=50").get_json()
        return sorted(item["id"] for item in answer["items"]), [s for s, _ in ran]

    ids, ran = listed()
    assert ids == IDS[1:]  # IDS[0] serves the US only
    assert any("enterprise_regions" in statement for statement in ran)
    ids, ran = listed()
    assert ids == IDS[1:] and not [s for s in ran if "enterprise_regions" in s or "count(" in s]
    state = client.application.extensions["c800"]
    with state.sessions() as session:
        session.add(EnterpriseRegion(enterprise_id=IDS[0], code="CN"))
        session.commit()
    ids, ran = listed()
    assert ids == IDS and any("enterprise_regions" in statement for statement in ran)


def test_search_names_its_facets_from_kept_names_that_follow_a_rename(client):
    def facet() -> tuple[list[dict], list[str]]:
        with statements_run(client.application.extensions["c800"].engine) as ran:
            answer = client.get("/v1/search?q=icbc", headers={"Accept-Language": "en"})
        return answer.get_json()["facets"]["industry"], [s for s, _ in ran]

    assert facet()[0] == [{"id": "banking", "count": 5, "name": "Banking"}]
    industries, ran = facet()
    assert industries[0]["name"] == "Banking" and not [s for s in ran if "industries" in s]
    state = client.application.extensions["c800"]
    with state.sessions() as session:
        session.get(Industry, "banking").name_en = "Banks"
        session.commit()
    assert facet()[0] == [{"id": "banking", "count": 5, "name": "Banks"}]
    assert client.get("/v1/search?q=icbc&industry=no-such").status_code == 422


class _Unreadable:
    def read(self) -> None:
        return None


def test_totals_expire_are_bounded_and_counted_when_the_stamp_is_unknown(tmp_path):
    stamp = ChangeStamp(tmp_path / "stamp")
    counted = []

    def count(key: str):  # noqa: ANN202
        def run() -> tuple[int, bool]:
            counted.append(key)
            return len(counted), True
        return run

    counts = ListFacts(stamp, ttl=60.0, entries=2)
    assert counts.get("a", count("a")) == (1, True)
    assert counts.get("a", count("a")) == (1, True)
    counts.get("b", count("b"))
    counts.get("c", count("c"))  # "a" is the least recently used: dropped
    assert counts.get("a", count("a")) == (4, True)
    stamp.replace()
    assert counts.get("a", count("a")) == (5, True)
    short = ListFacts(stamp, ttl=0.01)
    short.get("a", count("a"))
    time.sleep(0.05)
    assert short.get("a", count("a")) == (7, True)
    blind = ListFacts(_Unreadable(), ttl=60.0)
    blind.get("a", count("a"))
    blind.get("a", count("a"))
    assert counted == ["a", "b", "c", "a", "a", "a", "a", "a", "a"]
