"""GET /v1/regions: provinces and cities by default, children of a division, names by language."""

from __future__ import annotations

import pytest


def items(client, headers=None, **query) -> list[dict]:
    response = client.get("/v1/regions", query_string=query, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_provinces_and_cities_by_default(client):
    regions = items(client)
    levels = {r["level"] for r in regions}
    assert levels == {"province", "city"} and len(regions) == 34 + 333
    shenzhen = next(r for r in regions if r["code"] == "440300")
    assert shenzhen == {"code": "440300", "name": "深圳市", "level": "city", "parent": "440000",
                        "names": {"zh-Hans": "深圳市", "zh-Hant": "深圳市", "en": "Shenzhen"}}
    assert [r["code"] for r in regions] == sorted(r["code"] for r in regions)


def test_children_and_levels(client):
    cities = items(client, parent="440000")
    assert "440300" in {r["code"] for r in cities} and all(r["parent"] == "440000" for r in cities)
    districts = items(client, parent="440300")
    assert {"440304", "440305"} <= {r["code"] for r in districts}
    assert all(r["level"] == "county" for r in districts)
    assert len(items(client, level="province")) == 34


def test_names_follow_accept_language(client):
    futian = next(r for r in items(client, {"Accept-Language": "zh-TW"}, parent="440300")
                  if r["code"] == "440304")
    assert futian["name"] == "福田區"
    english = next(r for r in items(client, {"Accept-Language": "en"}, level="province")
                   if r["code"] == "810000")
    assert english["name"] == "Hong Kong"


@pytest.mark.parametrize("query", [{"parent": "999999"}, {"parent": "4403"}, {"parent": "广东"},
                                   {"level": "town"}, {"extra": "1"}])
def test_bad_parameters(client, query):
    response = client.get("/v1/regions", query_string=query)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
