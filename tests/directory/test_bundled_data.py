"""Checks of the bundled directory data built by tools/build_directory_data.py.

Plain JSON reading: no application imports, so these run before anything else works.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "directory" / "data"
BUILDER = REPO_ROOT / "tools" / "build_directory_data.py"
OUTPUT_FILES = ("industries.json", "enterprises.jsonl")

ID = re.compile(r"^ent_[0-9a-f]{12}$")
PHONE_VALUE = re.compile(r"^\+?[0-9]{3,20}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
REGION = re.compile(r"^(?:[A-Z]{2}|[0-9]{6})$")
KINDS = {"phone", "email", "webchat", "video", "wechat", "app", "sms", "social", "web_form",
         "callback"}
SOURCE_PREFIXES = ("vcards:", "twofactorauth:", "name-suggestion-index:", "justdeleteme:")
WECHAT_ID = re.compile(r"^[A-Za-z][-_A-Za-z0-9]{5,19}$")
WIKIDATA_ID = re.compile(r"^Q[1-9][0-9]*$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PLATFORMS = {"weibo", "x", "facebook", "youtube", "linkedin", "tiktok", "instagram", "other"}


def shared_data() -> Path:
    env = os.environ.get("C800_SHARED_DATA")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "data").resolve()


@cache
def enterprises() -> tuple[dict[str, Any], ...]:
    with (DATA / "enterprises.jsonl").open(encoding="utf-8") as handle:
        return tuple(json.loads(line) for line in handle if line.strip())


@cache
def industries() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads((DATA / "industries.json").read_text(encoding="utf-8")))


def leaves() -> set[str]:
    parents = {i["parent"] for i in industries() if i["parent"]}
    return {i["id"] for i in industries()} - parents


def channels() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(e, c) for e in enterprises() for c in e["channels"]]


def by_name(name: str) -> dict[str, Any]:
    found = [e for e in enterprises() if name in e["names"].values()]
    assert len(found) == 1, f"{len(found)} enterprises named {name}"
    return found[0]


def test_at_least_a_thousand_enterprises() -> None:
    assert len(enterprises()) >= 1000


def test_leaf_industries_have_three_names() -> None:
    assert len(leaves()) >= 15
    for industry in industries():
        names = industry["names"]
        assert set(names) == {"zh-Hans", "zh-Hant", "en"}, industry["id"]
        assert all(isinstance(n, str) and n for n in names.values()), industry["id"]
        assert re.fullmatch(r"[A-T]", industry["gbt4754"]), industry["id"]


def test_industry_parents_exist() -> None:
    ids = {i["id"] for i in industries()}
    assert len(ids) == len(industries())
    assert all(i["parent"] in ids for i in industries() if i["parent"])


def test_every_enterprise_is_in_a_leaf_industry() -> None:
    allowed = leaves()
    misplaced = [e["id"] for e in enterprises() if e["industry"] not in allowed]
    assert not misplaced


def test_ids_are_unique_and_well_formed() -> None:
    ids = [e["id"] for e in enterprises()]
    assert len(set(ids)) == len(ids)
    assert all(ID.match(i) for i in ids)
    assert ids == sorted(ids)


def test_every_record_and_channel_names_its_source() -> None:
    for enterprise in enterprises():
        assert enterprise["source"], enterprise["id"]
        assert all(s.startswith(SOURCE_PREFIXES) for s in enterprise["source"]), enterprise["id"]
        for channel in enterprise["channels"]:
            assert channel["source"].startswith(SOURCE_PREFIXES), enterprise["id"]
            assert channel["source"] in enterprise["source"], enterprise["id"]


def test_every_enterprise_has_a_name() -> None:
    for enterprise in enterprises():
        assert any(enterprise["names"].values()), enterprise["id"]
        assert set(enterprise["names"]) == {"zh-Hans", "zh-Hant", "en"}


def test_aliases_are_unique_and_not_names() -> None:
    for enterprise in enterprises():
        aliases = enterprise["aliases"]
        assert len(set(aliases)) == len(aliases), enterprise["id"]
        assert not set(aliases) & set(enterprise["names"].values()), enterprise["id"]


def test_field_values_fit_the_record_shape() -> None:
    for enterprise in enterprises():
        assert all(HOSTNAME.match(d) for d in enterprise["domains"]), enterprise["id"]
        assert enterprise["domains"] == sorted(set(enterprise["domains"])), enterprise["id"]
        assert all(REGION.match(r) for r in enterprise["regions"]), enterprise["id"]
        website = enterprise["website"]
        assert website is None or website.startswith(("https://", "http://")), enterprise["id"]
        assert enterprise["verified"] is False and enterprise["status"] == "active"
        assert len(enterprise["domains"]) <= 50 and len(enterprise["channels"]) <= 200


def test_channels_fit_their_kind() -> None:
    for enterprise, channel in channels():
        assert channel["kind"] in KINDS
        assert channel["direction"] in {"contact", "outbound_only"}
        assert all(REGION.match(r) for r in channel["regions"])
        if channel["kind"] in {"phone", "sms"}:
            assert PHONE_VALUE.match(channel["value"]), (enterprise["id"], channel["value"])
        elif channel["kind"] == "email":
            assert EMAIL.match(channel["value"]), (enterprise["id"], channel["value"])
        elif channel["kind"] == "wechat":
            assert WECHAT_ID.match(channel["value"]), (enterprise["id"], channel["value"])
        else:
            assert channel["value"].startswith("https://"), (enterprise["id"], channel["value"])


def test_channels_do_not_repeat() -> None:
    for enterprise in enterprises():
        keys = [(c["kind"], c["value"]) for c in enterprise["channels"]]
        assert len(set(keys)) == len(keys), enterprise["id"]


def test_no_channel_has_hours() -> None:
    assert all(c["hours"] is None for _, c in channels())


def test_icbc() -> None:
    icbc = by_name("中国工商银行")
    assert icbc["names"]["en"] == "Industrial and Commercial Bank of China"
    assert icbc["website"] == "https://www.icbc.com.cn/"
    assert {"工行", "ICBC"} <= set(icbc["aliases"])
    assert icbc["industry"] == "banking"
    phones = [c for c in icbc["channels"] if c["kind"] == "phone" and c["value"] == "95588"]
    assert len(phones) == 1 and phones[0]["direction"] == "contact"


def test_sms_senders_are_outbound_only() -> None:
    senders = [c for _, c in channels() if c["value"].startswith("106")]
    assert senders
    assert all(c["direction"] == "outbound_only" and c["kind"] == "sms" for c in senders)


def test_no_reply_addresses_are_outbound_only() -> None:
    for _, channel in channels():
        if channel["kind"] == "email" and re.search(r"no-?_?reply", channel["value"]):
            assert channel["direction"] == "outbound_only", channel["value"]


def test_china_mobile() -> None:
    mobile = by_name("中国移动")
    values = {c["value"]: c for c in mobile["channels"]}
    assert values["10086"]["direction"] == "contact"
    assert values["10086766"]["direction"] == "outbound_only"


def test_twofactorauth_regions_are_upper_case() -> None:
    regions = {r for e in enterprises() for r in e["regions"]}
    assert "US" in regions and "CN" in regions


def test_merged_enterprises_keep_both_sources() -> None:
    github = by_name("GitHub")
    assert github["source"][:2] == ["vcards:data/应用软件/GitHub.yaml",
                                    "twofactorauth:entries/g/github.com.json"]
    digest = hashlib.sha1("vcards:data/应用软件/GitHub.yaml".encode()).hexdigest()
    assert github["id"] == "ent_" + digest[:12]
    gov = [e for e in enterprises() if e["website"] == "https://www.gov.cn/"]
    assert len(gov) == 2


def unlisted_source_records(data_set: str, flat_file: str) -> list[str]:
    """Source files of *data_set* that no bundled enterprise names (skips without the data)."""
    source = shared_data() / data_set / flat_file
    if not source.exists():
        pytest.skip(f"source data not found at {source}")
    with source.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    listed = {s for e in enterprises() for s in e["source"]}
    return [r["source_file"] for r in records if f"{data_set}:{r['source_file']}" not in listed]


def test_every_vcards_organisation_is_listed() -> None:
    assert unlisted_source_records("vcards", "vcards_flat.jsonl") == []


def test_every_twofactorauth_service_with_a_contact_is_listed() -> None:
    """A service no source gives a way to reach is left out; every other one is listed."""
    unlisted = set(unlisted_source_records("twofactorauth", "entries_flat.jsonl"))
    with (shared_data() / "twofactorauth" / "entries_flat.jsonl").open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    assert len(unlisted) > 500  # most services name no support contact
    reachable = [r["source_file"] for r in records if r["source_file"] in unlisted
                 and any((r.get("contact") or {}).get(k) for k in ("twitter", "facebook", "form"))]
    assert reachable == []


# The targets of the bundle (issue 17): every listing reachable, Chinese names, Chinese platforms.
def contact_channels(enterprise: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in enterprise["channels"] if c["direction"] == "contact"]


def test_the_bundle_holds_1800_listings_each_with_a_contact_channel() -> None:
    assert len(enterprises()) >= 1800
    assert [e["id"] for e in enterprises() if not contact_channels(e)] == []


def test_700_listings_have_a_chinese_name() -> None:
    chinese = [e for e in enterprises() if e["names"]["zh-Hans"] or e["names"]["zh-Hant"]]
    assert len(chinese) >= 700


def test_150_listings_are_on_weibo_or_wechat() -> None:
    on = [e for e in enterprises() if any(
        c["kind"] == "wechat" or c.get("platform") == "weibo" for c in contact_channels(e))]
    assert len(on) >= 150


def test_every_channel_says_when_its_source_was_read() -> None:
    for enterprise, channel in channels():
        assert ISO_DATE.match(channel["retrieved"] or ""), (enterprise["id"], channel["source"])
        if channel["kind"] == "social":
            assert channel["platform"] in PLATFORMS, channel["value"]
        else:
            assert channel["platform"] is None


def test_logos_wikidata_ids_and_dissolutions_keep_their_source() -> None:
    wikidata = [e["wikidata"] for e in enterprises() if e["wikidata"]]
    assert len(wikidata) == len(set(wikidata)) >= 800  # one listing per Wikidata item
    assert all(WIKIDATA_ID.match(q) for q in wikidata)
    for enterprise in enterprises():
        logo = enterprise["logo"]
        if logo is not None:
            assert logo["url"].startswith("https://") and ISO_DATE.match(logo["retrieved"])
            assert logo["source"] in enterprise["source"], enterprise["id"]
        assert enterprise["dissolved"] is None or ISO_DATE.match(enterprise["dissolved"])


def test_starbucks_is_one_listing_with_its_chinese_name() -> None:
    starbucks = by_name("星巴克")
    assert starbucks["wikidata"] == "Q37158"
    assert starbucks["names"]["en"] == "Starbucks"
    assert {"twofactorauth:entries/s/starbucks.com.json",
            "name-suggestion-index:wikidata.json#Q37158"} <= set(starbucks["source"])
    weibo = [c for c in starbucks["channels"] if c.get("platform") == "weibo"]
    assert weibo and weibo[0]["source"] == "name-suggestion-index:wikidata.json#Q37158"
    assert not [e for e in enterprises() if e["names"]["en"] == "Starbucks" and e is not starbucks]


def test_account_deletion_pages_and_privacy_addresses_have_their_purpose() -> None:
    found = [c for _, c in channels() if c["source"].startswith("justdeleteme:")]
    purposes = {c["purpose"] for c in found}
    assert purposes == {"account_deletion", "privacy"}
    assert all(c["kind"] == "web_form" for c in found if c["purpose"] == "account_deletion")
    assert all(c["kind"] == "email" for c in found if c["purpose"] == "privacy")


def test_rebuilding_gives_identical_files(tmp_path: Path) -> None:
    source = shared_data()
    if not (source / "vcards" / "vcards_flat.jsonl").exists():
        pytest.skip(f"source data not found at {source}")
    pytest.importorskip("opencc")
    pytest.importorskip("phonenumbers")
    result = subprocess.run(
        [sys.executable, str(BUILDER), "--source", str(source), "--out", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in OUTPUT_FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_rebuilding_the_regions_gives_an_identical_file(tmp_path: Path) -> None:
    source = shared_data()
    if not (source / "areacodes" / "result.csv").exists():
        pytest.skip(f"source data not found at {source}")
    result = subprocess.run(
        [sys.executable, str(BUILDER.with_name("build_regions.py")), "--source", str(source),
         "--out", str(tmp_path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "regions.json").read_bytes() == (DATA / "regions.json").read_bytes()


def test_a_merged_listing_serving_everywhere_keeps_its_regional_arms_lines_to_their_region():
    """中国建设银行 merged with its Hong Kong arm (one Wikidata id) still serves everywhere:
    the union of "everywhere" and "HK" is everywhere, and the arm's lines say HK."""
    (ccb,) = [e for e in enterprises() if e["names"]["zh-Hans"] == "中国建设银行"]
    assert ccb["regions"] == []
    by_value = {c["value"]: c["regions"] for c in ccb["channels"]}
    assert by_value["95533"] == [] and by_value["+85227795533"] == ["HK"]
    assert by_value["ccb@asia.ccb.com"] == ["HK"]
