"""Regions a channel or enterprise serves: China's GB/T 2260 divisions and ISO 3166-1 countries.

The divisions in use (34 provinces, 333 prefecture-level cities, 2,846 county-level divisions)
come from ``directory/data/regions.json``, built by ``tools/build_regions.py`` from the
areacodes data set. A division is inside its parent: a county inside its city (or, where the
province administers it directly, its province), a city inside its province, every division
inside ``CN``. A channel serves a region when it is national (no regions listed) or when one of
its regions is that region or contains it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import phonenumbers

REGIONS_FILE = Path(__file__).parent / "data" / "regions.json"
LEVELS = ("province", "city", "county")


@dataclass(frozen=True)
class Region:
    code: str
    level: str
    parent: str | None
    names: dict[str, str]


@lru_cache(maxsize=1)
def _regions() -> dict[str, Region]:
    items = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))
    return {item["code"]: Region(item["code"], item["level"], item["parent"], item["names"])
            for item in items}


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(code for code in phonenumbers.SUPPORTED_REGIONS if code != "001")


def get_region(code: str) -> Region | None:
    """The GB/T 2260 division with *code*, if it is in use."""
    return _regions().get(code)


def is_known_region(code: str) -> bool:
    """A division code in use or an ISO 3166-1 alpha-2 country code."""
    return code in _regions() or code in _countries()


def known_region_codes() -> list[str]:
    """Every code :func:`is_known_region` accepts: divisions in use, then countries, sorted."""
    return sorted(_regions()) + sorted(_countries())


def list_regions(parent: str | None = None, level: str | None = None) -> list[Region]:
    """Divisions in code order: those directly under *parent*, or every one of *level*."""
    return [region for region in _regions().values()
            if (parent is None or region.parent == parent)
            and (level is None or region.level == level)]


def region_ancestors(code: str) -> list[str]:
    """*code* and every region that contains it, innermost first (a county, its city, its
    province, CN). Codes not in the data are placed by their digits."""
    if not (len(code) == 6 and code.isdigit()):
        return [code]
    chain = [code]
    region = _regions().get(code)
    while region is not None and region.parent is not None:
        chain.append(region.parent)
        region = _regions().get(region.parent)
    if region is None:  # not in the data: fall back on the structure of the code
        chain.extend([code[:4] + "00", code[:2] + "0000"])
    chain.append("CN")
    return list(dict.fromkeys(chain))


def serves(regions: list[str], region: str) -> bool:
    """Whether something serving *regions* (empty: national) serves *region*."""
    if not regions:
        return True
    return not set(regions).isdisjoint(region_ancestors(region))
