"""Regions: the bundled GB/T 2260 divisions, their nesting, and which channels serve a region."""

from __future__ import annotations

import pytest

from directory.regions import get_region, is_known_region, list_regions, region_ancestors, serves


def test_the_divisions_in_use_are_bundled():
    provinces = list_regions(level="province")
    assert len(provinces) == 34
    assert {r.names["zh-Hans"] for r in provinces} >= {"广东省", "北京市", "香港特别行政区", "台湾省"}
    assert len(list_regions(level="city")) == 333
    shenzhen = get_region("440300")
    assert shenzhen.names == {"zh-Hans": "深圳市", "zh-Hant": "深圳市", "en": "Shenzhen"}
    assert shenzhen.level == "city" and shenzhen.parent == "440000"
    assert get_region("440304").names["zh-Hant"] == "福田區"


def test_every_parent_exists_and_is_a_level_up():
    levels = {"city": "province", "county": ("city", "province")}
    for region in list_regions():
        if region.parent is None:
            assert region.level == "province"
            continue
        parent = get_region(region.parent)
        assert parent is not None and parent.level in levels[region.level], region


def test_children_of_a_province_and_of_a_city():
    guangdong = {r.code for r in list_regions(parent="440000")}
    assert "440300" in guangdong and "440304" not in guangdong
    assert {r.code for r in list_regions(parent="440300")} >= {"440303", "440304", "440305"}
    # Beijing administers its districts directly; Xinjiang its county-level cities
    assert get_region("110101").parent == "110000" and get_region("659001").parent == "650000"


@pytest.mark.parametrize(("code", "chain"), [
    ("440304", ["440304", "440300", "440000", "CN"]),
    ("440300", ["440300", "440000", "CN"]),
    ("440000", ["440000", "CN"]),
    ("110101", ["110101", "110000", "CN"]),
    ("659001", ["659001", "650000", "CN"]),
    ("US", ["US"]),
])
def test_ancestors(code, chain):
    assert region_ancestors(code) == chain


def test_known_regions():
    assert is_known_region("440300") and is_known_region("CN") and is_known_region("US")
    assert not is_known_region("999999") and not is_known_region("110103")  # retired in 2010
    assert not is_known_region("XX") and not is_known_region("shenzhen")


def test_a_city_inherits_its_province_and_national_channels_serve_everyone():
    assert serves([], "440304")
    assert serves(["CN"], "440304") and serves(["440000"], "440304") and serves(["440300"], "440304")
    assert not serves(["440300"], "440000")  # a city's channel does not serve the whole province
    assert not serves(["310000"], "440300")
    assert not serves(["CN"], "US") and serves(["US", "CN"], "US")
