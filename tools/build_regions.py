"""Build ``directory/data/regions.json`` from GB/T 2260 codes (yescallop/areacodes, CC0 1.0).

Only divisions in use are kept: provinces, prefecture-level cities and county-level divisions,
each with its parent, level and names in simplified and traditional Chinese (OpenCC) and a
romanised English name (pypinyin; suffixes such as 省 and 市 dropped for provinces and cities)::

    python tools/build_regions.py [--source ../shared/data] [--out directory/data]

The output is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path

import opencc
from pypinyin import lazy_pinyin

DEFAULT_SOURCE = Path("../shared/data")
SOURCE_ENV = "C800_SHARED_DATA"
AREACODES_FILE = Path("areacodes/result.csv")
OUT_FILE = "regions.json"
LEVELS = {"省级": "province", "地级": "city", "县级": "county"}
# Suffixes dropped from English names of provinces and cities, longest first.
SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "地区",
            "省", "市", "盟")
ENGLISH = {"110000": "Beijing", "120000": "Tianjin", "310000": "Shanghai", "500000": "Chongqing",
           "150000": "Inner Mongolia", "540000": "Tibet", "610000": "Shaanxi",
           "710000": "Taiwan", "810000": "Hong Kong", "820000": "Macao"}
COUNTY_WORDS = {"区": "District", "县": "County", "市": "City", "旗": "Banner"}
# The peoples named in an autonomous division's name: 黔南布依族苗族自治州 -> 黔南.
PEOPLES = ("土家", "布依", "哈尼", "景颇", "傈僳", "蒙古", "哈萨克", "柯尔克孜", "朝鲜", "仡佬", "纳西",
           "拉祜", "独龙", "普米", "仫佬", "毛南", "达斡尔", "鄂温克", "鄂伦春", "锡伯", "裕固",
           "保安", "东乡", "撒拉", "塔吉克", "维吾尔", "德昂", "阿昌", "布朗", "基诺", "各", "苗",
           "侗", "藏", "彝", "傣", "白", "壮", "回", "羌", "满", "黎", "瑶", "畲", "佤", "怒", "水",
           "土", "京")
AUTONOMOUS = re.compile(f"(?:(?:{'|'.join(PEOPLES)})族?)+自治(?=[州县旗])")


def english_name(code: str, name: str, level: str) -> str:
    if code in ENGLISH:
        return ENGLISH[code]
    stripped = AUTONOMOUS.sub("", name)
    name = stripped if len(stripped) >= 3 else name.replace("自治", "")
    if level == "county":
        word = COUNTY_WORDS.get(name[-1])
        stem = name[:-1] if word and len(name) > 2 else name
        words = "".join(lazy_pinyin(stem)).capitalize()
        return f"{words} {word}" if word and stem != name else words
    stem = next((name[:-len(s)] for s in SUFFIXES if name.endswith(s) and len(name) > len(s) + 1), name)
    return "".join(lazy_pinyin(stem)).capitalize()


def build(source: Path) -> list[dict]:
    with (source / AREACODES_FILE).open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["状态"] == "在用"]
    codes = {row["代码"] for row in rows}
    to_traditional = opencc.OpenCC("s2t")
    regions = []
    for row in sorted(rows, key=lambda r: r["代码"]):
        code, name, level = row["代码"], row["名称"], LEVELS[row["级别"]]
        parent = None
        if level == "city":
            parent = code[:2] + "0000"
        elif level == "county":
            parent = code[:4] + "00" if code[:4] + "00" in codes else code[:2] + "0000"
        regions.append({"code": code, "level": level, "parent": parent,
                        "names": {"zh-Hans": name, "zh-Hant": to_traditional.convert(name),
                                  "en": english_name(code, name, level)}})
    missing = [r["code"] for r in regions if r["parent"] is not None and r["parent"] not in codes]
    if missing:
        raise SystemExit(f"regions without a parent in the data: {missing[:10]}")
    return regions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None,
                        help=f"shared data folder (default ${SOURCE_ENV} or {DEFAULT_SOURCE})")
    parser.add_argument("--out", type=Path, default=Path("directory/data"))
    args = parser.parse_args(argv)
    source = args.source or Path(os.environ.get(SOURCE_ENV, DEFAULT_SOURCE))
    regions = build(source)
    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(regions, ensure_ascii=False, separators=(",", ":"))
    # one region a line: small diffs when the source changes
    text = text.replace("},{\"code\"", "},\n{\"code\"")
    (args.out / OUT_FILE).write_text(text + "\n", encoding="utf-8", newline="\n")
    print(f"wrote {len(regions)} regions to {args.out / OUT_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
