#!/usr/bin/env python3
"""Build c800's bundled directory data from the public source data sets.

Reads metowolf/vCards (``vcards/vcards_flat.jsonl``) and 2factorauth/twofactorauth
(``twofactorauth/entries_flat.jsonl``) from the shared data folder, applies the hand-entered
facts in ``directory/data/curated.json``, enriches the listings with name-suggestion-index and
JustDeleteMe (``tools/sources/``: Wikidata ids, social and WeChat accounts, logos, Chinese
brands, account-deletion pages), leaves out listings without a contact channel and writes:

* ``industries.json``: the consumer-facing industry tree (defined below);
* ``enterprises.jsonl``: one enterprise a line, sorted by id.

Usage::

    python tools/build_directory_data.py [--source ../shared/data] [--out directory/data]

Relative paths are resolved against the repository root. The source folder defaults to
``$C800_SHARED_DATA`` or else ``../shared/data``. The output is deterministic: the same
inputs give byte-identical files. Only the standard library, phonenumbers, opencc and the
stdlib-only rule modules of directory/ (senders, channel_labels) are used.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import opencc
import phonenumbers
from sources.bundle import extend as extend_with_new_sources

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from directory.channel_labels import purpose_for_label  # noqa: E402
from directory.senders import direction_for, label_marks_sms, sender_reason  # noqa: E402

DEFAULT_SOURCE = Path("../shared/data")
DEFAULT_OUT = Path("directory/data")
DEFAULT_CURATED = Path("directory/data/curated.json")
SOURCE_ENV = "C800_SHARED_DATA"

VCARDS_FILE = Path("vcards/vcards_flat.jsonl")
TWOFACTORAUTH_FILE = Path("twofactorauth/entries_flat.jsonl")
INDUSTRIES_FILE = "industries.json"
ENTERPRISES_FILE = "enterprises.jsonl"

# --------------------------------------------------------------------------------------
# Industry tree: (id, zh-Hans, zh-Hant, en, parent, GB/T 4754-2017 section). Enterprises
# are only ever assigned to leaves; parents group leaves for browsing.
# --------------------------------------------------------------------------------------
INDUSTRY_TREE: tuple[tuple[str, str, str, str, str | None, str], ...] = (
    ("finance", "金融", "金融", "Finance", None, "J"),
    ("banking", "银行", "銀行", "Banking", "finance", "J"),
    ("insurance", "保险", "保險", "Insurance", "finance", "J"),
    ("securities", "证券与投资", "證券與投資", "Securities & investment", "finance", "J"),
    ("payments", "支付", "支付", "Payments", "finance", "J"),
    ("crypto", "加密货币", "加密貨幣", "Crypto", "finance", "J"),
    ("financial-services", "财务与其他金融服务", "財務與其他金融服務",
     "Accounting, tax & other financial services", "finance", "J"),
    ("tech", "科技与通信", "科技與通信", "Technology & telecom", None, "I"),
    ("telecom", "通信运营商", "通信運營商", "Telecom", "tech", "I"),
    ("cloud-internet", "云与互联网服务", "雲與互聯網服務", "Cloud & internet services",
     "tech", "I"),
    ("software-apps", "软件与应用", "軟件與應用", "Software & apps", "tech", "I"),
    ("social", "社交网络与社区", "社交網絡與社區", "Social networks & communities", "tech", "I"),
    ("consumer-electronics", "消费电子与智能设备", "消費電子與智能設備",
     "Consumer electronics & devices", "tech", "C"),
    ("transport", "交通出行", "交通出行", "Transport", None, "G"),
    ("airlines", "航空公司", "航空公司", "Airlines", "transport", "G"),
    ("rail-transit", "铁路与公共交通", "鐵路與公共交通", "Rail & public transport",
     "transport", "G"),
    ("mobility", "网约车、租车与充电", "網約車、租車與充電", "Ride hailing, car rental & charging",
     "transport", "G"),
    ("automotive", "汽车", "汽車", "Automotive", "transport", "C"),
    ("logistics", "快递物流", "快遞物流", "Delivery & logistics", "transport", "G"),
    ("consumer", "购物与生活", "購物與生活", "Shopping & daily life", None, "F"),
    ("ecommerce-retail", "电商与零售", "電商與零售", "E-commerce & retail", "consumer", "F"),
    ("food-dining", "外卖与餐饮", "外賣與餐飲", "Food delivery & restaurants", "consumer", "H"),
    ("travel-hotels", "旅行与酒店", "旅行與酒店", "Travel & hotels", "consumer", "H"),
    ("local-services", "本地生活", "本地生活", "Local services", "consumer", "O"),
    ("real-estate", "房产", "房產", "Real estate", "consumer", "K"),
    ("entertainment", "文化娱乐", "文化娛樂", "Entertainment", None, "R"),
    ("media-entertainment", "影音娱乐", "影音娛樂", "Media & entertainment", "entertainment", "R"),
    ("gaming", "游戏", "遊戲", "Gaming", "entertainment", "I"),
    ("betting", "博彩", "博彩", "Betting", "entertainment", "R"),
    ("public", "公共服务", "公共服務", "Public services", None, "S"),
    ("government", "政府与公共机构", "政府與公共機構", "Government & public bodies", "public", "S"),
    ("utilities-energy", "水电燃气与能源", "水電燃氣與能源", "Utilities & energy", "public", "D"),
    ("education", "教育", "教育", "Education", "public", "P"),
    ("health", "医疗健康", "醫療健康", "Health", "public", "Q"),
    ("business-services", "法律与商务服务", "法律與商務服務", "Legal & business services",
     None, "L"),
    ("other", "其他", "其他", "Other", None, "O"),
)

# The 19 vCards categories onto leaves (curated.json may override per organisation).
VCARDS_CATEGORY_INDUSTRY: dict[str, str] = {
    "云服务": "cloud-internet",
    "互联网": "cloud-internet",
    "其它": "other",
    "出行购票": "travel-hotels",
    "外卖订餐": "food-dining",
    "应用软件": "software-apps",
    "影音娱乐": "media-entertainment",
    "快递物流": "logistics",
    "房产中介": "real-estate",
    "政府机构": "government",
    "本地生活": "local-services",
    "民用航空": "airlines",
    "汽车行业": "automotive",
    "电商购物": "ecommerce-retail",
    "租车代驾": "mobility",
    "证券保险": "securities",
    "通讯服务": "telecom",
    "酒店住宿": "travel-hotels",
    "金融银行": "banking",
}
# Within 证券保险, a name with one of these words is an insurer.
INSURER_NAME_MARKERS = ("保险", "人寿")

# The twofactorauth categories onto leaves (curated.json may override per domain).
TWOFACTORAUTH_CATEGORY_INDUSTRY: dict[str, str] = {
    "banking": "banking",
    "developer": "software-apps",
    "retail": "ecommerce-retail",
    "other": "other",
    "cryptocurrencies": "crypto",
    "utilities": "utilities-energy",
    "universities": "education",
    "hosting": "cloud-internet",
    "finance": "financial-services",
    "gaming": "gaming",
    "domains": "cloud-internet",
    "investing": "securities",
    "marketing": "software-apps",
    "communication": "software-apps",
    "social": "social",
    "education": "education",
    "payments": "payments",
    "entertainment": "media-entertainment",
    "security": "software-apps",
    "backup": "cloud-internet",
    "health": "health",
    "cloud": "cloud-internet",
    "travel": "travel-hotels",
    "email": "cloud-internet",
    "transport": "rail-transit",
    "government": "government",
    "insurance": "insurance",
    "creativity": "software-apps",
    "iot": "consumer-electronics",
    "task": "software-apps",
    "identity": "software-apps",
    "food": "food-dining",
    "remote": "software-apps",
    "postal": "logistics",
    "vpn": "cloud-internet",
    "tickets": "media-entertainment",
    "legal": "business-services",
    "crowdfunding": "financial-services",
    "betting": "betting",
}
# Catch-all categories: used only when a service lists nothing more specific.
GENERIC_TWOFACTORAUTH_CATEGORIES = frozenset({"other", "finance"})

# Registrable domains shared by unrelated services: never merge on them, only on an exact host.
SHARED_REGISTRABLE_DOMAINS = frozenset(
    {"gov.cn", "github.com", "github.io", "gitee.com", "163.com", "qq.com", "tmall.com",
     "taobao.com", "google.com", "microsoft.com", "apple.com"}
)
# Second-level labels under a country-code TLD that act as public suffixes (com.cn, gov.cn...).
SECOND_LEVEL_SUFFIX_LABELS = frozenset(
    {"ac", "co", "com", "edu", "gob", "gouv", "gov", "govt", "gv", "ltd", "mil", "ne", "net",
     "nhs", "or", "org", "plc", "sch"}
)

# --------------------------------------------------------------------------------------
# Contact-direction rules. Outbound-only channels are kept (they answer "is this sender
# official?") but are never offered as a way to reach the organisation.
# --------------------------------------------------------------------------------------
# The rules themselves are directory/senders.py's, shared with the tests over the bundle.

# Phone numbers written without "+" are Chinese unless curated.json says otherwise.
PHONE_SEPARATORS = re.compile(r"[\s\-().\u00a0\u3000/]")
CHINESE_NUMBER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("landline with area code", re.compile(r"0[1-9]\d{6,10}")),
    ("400/800 number", re.compile(r"[48]00\d{7}")),
    ("mobile", re.compile(r"1[3-9]\d{9}")),
    ("service number", re.compile(r"(?:1[0-2]|9[56])\d{3,14}")),
)
SHORT_CODE_MAX_DIGITS = 6

EMAIL = re.compile(r"^[^@\s]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
REGION = re.compile(r"^[A-Z]{2}$")
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

S2T = opencc.OpenCC("s2t")
T2S = opencc.OpenCC("t2s")


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------
@dataclass
class Report:
    """What the build did, printed at the end."""

    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def note(self, message: str) -> None:
        self.notes.append(message)


class BuildError(RuntimeError):
    """The inputs are inconsistent; nothing is written."""


# --------------------------------------------------------------------------------------
# Paths and input
# --------------------------------------------------------------------------------------
def resolve_path(path: Path) -> Path:
    """Resolve *path* against the repository root unless it is absolute."""
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def default_source() -> Path:
    env = os.environ.get(SOURCE_ENV)
    return Path(env) if env else DEFAULT_SOURCE


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_curated(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"organizations": data.get("organizations", {}),
            "twofactorauth": data.get("twofactorauth", {})}


# --------------------------------------------------------------------------------------
# Industries
# --------------------------------------------------------------------------------------
def industry_records() -> list[dict[str, Any]]:
    return [
        {"id": slug, "names": {"zh-Hans": hans, "zh-Hant": hant, "en": en},
         "parent": parent, "gbt4754": section, "order": (index + 1) * 10}
        for index, (slug, hans, hant, en, parent, section) in enumerate(INDUSTRY_TREE)
    ]


def leaf_industries() -> set[str]:
    parents = {parent for *_, parent, _ in INDUSTRY_TREE if parent}
    return {slug for slug, *_ in INDUSTRY_TREE} - parents


def check_industry_tables(curated: dict[str, Any]) -> None:
    """Every mapping and every curated override must name a leaf."""
    leaves = leaf_industries()
    targets = [*VCARDS_CATEGORY_INDUSTRY.values(), *TWOFACTORAUTH_CATEGORY_INDUSTRY.values()]
    for section in ("organizations", "twofactorauth"):
        targets += [f["industry"] for f in curated[section].values() if "industry" in f]
    unknown = sorted(set(targets) - leaves)
    if unknown:
        raise BuildError(f"not leaf industries: {', '.join(unknown)}")


def vcards_industry(record: dict[str, Any], facts: dict[str, Any]) -> str:
    if "industry" in facts:
        return facts["industry"]
    category = record["category"]
    if category == "证券保险" and any(m in record["organization"] for m in INSURER_NAME_MARKERS):
        return "insurance"
    if category not in VCARDS_CATEGORY_INDUSTRY:
        raise BuildError(f"unmapped vCards category {category!r}")
    return VCARDS_CATEGORY_INDUSTRY[category]


def twofactorauth_industry(record: dict[str, Any], facts: dict[str, Any]) -> str:
    """The first specific category that maps wins; catch-alls only as a last resort."""
    if "industry" in facts:
        return facts["industry"]
    categories = record.get("categories") or ["other"]
    unmapped = [c for c in categories if c not in TWOFACTORAUTH_CATEGORY_INDUSTRY]
    if unmapped:
        raise BuildError(f"unmapped twofactorauth categories {unmapped} in {record['domain']}")
    specific = [c for c in categories if c not in GENERIC_TWOFACTORAUTH_CATEGORIES]
    return TWOFACTORAUTH_CATEGORY_INDUSTRY[(specific or categories)[0]]


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------
def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def is_traditional(text: str) -> bool:
    """A name whose t2s form differs is written in traditional characters."""
    return T2S.convert(text) != text


def names_from_source(name: str) -> dict[str, str | None]:
    if not has_cjk(name):
        return {"zh-Hans": None, "zh-Hant": None, "en": name}
    if is_traditional(name):
        return {"zh-Hans": T2S.convert(name), "zh-Hant": name, "en": None}
    return {"zh-Hans": name, "zh-Hant": S2T.convert(name), "en": None}


def service_name(service: dict[str, Any]) -> str:
    """A twofactorauth name, with stray HTML entities (``&Auml;``) decoded."""
    return html.unescape(service["name"]).strip()


def apply_curated_names(names: dict[str, str | None], facts: dict[str, Any]) -> None:
    if "en" in facts:
        names["en"] = facts["en"]
    if "zh-Hans" in facts:
        names["zh-Hans"] = facts["zh-Hans"]
        names["zh-Hant"] = facts.get("zh-Hant") or S2T.convert(facts["zh-Hans"])
    elif "zh-Hant" in facts:
        names["zh-Hant"] = facts["zh-Hant"]


def clean_aliases(candidates: Iterable[str], names: dict[str, str | None]) -> list[str]:
    """Deduplicated aliases (first spelling kept), none equal to a name."""
    taken = {n.casefold() for n in names.values() if n}
    aliases: list[str] = []
    for alias in candidates:
        alias = alias.strip()
        if alias and alias.casefold() not in taken:
            taken.add(alias.casefold())
            aliases.append(alias)
    return aliases


# --------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------
class PhoneError(ValueError):
    """The number cannot be written as a dialable value."""


@dataclass(frozen=True)
class Phone:
    value: str
    regions: tuple[str, ...] = ()


def normalise_phone(raw: str, country: str | None = None) -> Phone:
    """Dialable digits: Chinese numbers as dialled at home, others in E.164.

    A short code of another country (no E.164 form exists) keeps its digits and carries
    that country as the channel's region, since it can only be dialled there.
    """
    text = PHONE_SEPARATORS.sub("", raw.strip())
    if text.startswith("+"):
        return international_phone(text)
    if not text.isdigit():
        raise PhoneError("not only digits")
    if country and country != "CN":
        return foreign_national_phone(text, country)
    return chinese_phone(text)


def international_phone(text: str) -> Phone:
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(str(exc)) from exc
    if phonenumbers.is_possible_number(parsed):
        return Phone(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return short_code(parsed)


def foreign_national_phone(text: str, country: str) -> Phone:
    try:
        parsed = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(str(exc)) from exc
    if phonenumbers.is_possible_number(parsed):
        return Phone(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return short_code(parsed)


def short_code(parsed: phonenumbers.PhoneNumber) -> Phone:
    digits = phonenumbers.national_significant_number(parsed)
    region = phonenumbers.region_code_for_country_code(parsed.country_code)
    if len(digits) > SHORT_CODE_MAX_DIGITS or not REGION.match(region or ""):
        raise PhoneError("neither a possible number nor a short code")
    if region == "CN":
        return chinese_phone(digits)
    return Phone(digits, (region,))


def chinese_phone(digits: str) -> Phone:
    for _, pattern in CHINESE_NUMBER_PATTERNS:
        if pattern.fullmatch(digits):
            return Phone(digits)
    raise PhoneError("does not fit China's numbering plan")


# --------------------------------------------------------------------------------------
# Contact direction
# --------------------------------------------------------------------------------------
def phone_kind(value: str, label: str | None) -> str:
    sms_gateway = sender_reason("sms", value, label) == "sms_gateway"
    return "sms" if sms_gateway or label_marks_sms(label) else "phone"


# --------------------------------------------------------------------------------------
# Domains and merging
# --------------------------------------------------------------------------------------
def url_host(url: str | None) -> str | None:
    if not url:
        return None
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    host = host.removeprefix("www.")
    return host or None


def registrable_domain(host: str) -> str:
    """The registrable part of *host*, with the common ccTLD second levels as suffixes."""
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL_SUFFIX_LABELS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def url_has_path(url: str) -> bool:
    return urlsplit(url).path not in ("", "/")


def twofactorauth_domains(record: dict[str, Any]) -> list[str]:
    return [d.lower() for d in [record["domain"], *record.get("additional_domains", [])]]


def merge_keys(vcard: dict[str, Any], host_counts: Counter[str],
               registrable_counts: Counter[str]) -> set[str]:
    """Domains under which a twofactorauth service is the same company as *vcard*."""
    host = url_host(vcard["url"])
    if not host or host_counts[host] > 1:
        return set()
    registrable = registrable_domain(host)
    if registrable in SHARED_REGISTRABLE_DOMAINS:
        return set() if url_has_path(vcard["url"]) and host == registrable else {host}
    keys = {host}
    if registrable_counts[registrable] == 1:
        keys.add(registrable)
    return keys


def plan_merges(vcards: list[dict[str, Any]], services: list[dict[str, Any]],
                curated: dict[str, Any], report: Report) -> dict[int, list[int]]:
    """Map vCards index -> twofactorauth indexes merged into it."""
    by_domain: dict[str, list[int]] = {}
    for index, service in enumerate(services):
        for domain in twofactorauth_domains(service):
            by_domain.setdefault(domain, []).append(index)
    by_source = {s["source_file"]: i for i, s in enumerate(services)}
    hosts = [url_host(v["url"]) for v in vcards]
    host_counts = Counter(h for h in hosts if h)
    registrable_counts = Counter(registrable_domain(h) for h in hosts if h)

    claims: dict[int, set[int]] = {}
    for v_index, vcard in enumerate(vcards):
        for key in merge_keys(vcard, host_counts, registrable_counts):
            for s_index in by_domain.get(key, []):
                claims.setdefault(s_index, set()).add(v_index)
        facts = curated["organizations"].get(vcard["organization"], {})
        for source_file in facts.get("twofactorauth", []):
            if source_file not in by_source:
                raise BuildError(f"curated merge {source_file!r} is not in twofactorauth")
            claims.setdefault(by_source[source_file], set()).add(v_index)

    merges: dict[int, list[int]] = {}
    for s_index in sorted(claims):
        owners = sorted(claims[s_index])
        if len(owners) > 1:
            names = ", ".join(vcards[i]["organization"] for i in owners)
            report.warn(f"not merged: twofactorauth {services[s_index]['domain']} matches "
                        f"several vCards organisations ({names})")
            continue
        merges.setdefault(owners[0], []).append(s_index)
    return merges


def clean_domains(candidates: Iterable[str | None], where: str, report: Report) -> list[str]:
    domains = set()
    for domain in candidates:
        if not domain:
            continue
        domain = domain.lower().rstrip(".").removeprefix("www.")
        if HOSTNAME.match(domain):
            domains.add(domain)
        else:
            report.warn(f"{where}: dropped domain {domain!r} (not a host name)")
    return sorted(domains)


# --------------------------------------------------------------------------------------
# Channels
# --------------------------------------------------------------------------------------
def make_channel(kind: str, value: str, source: str, *, label: str | None = None,
                 direction: str = "contact", regions: Iterable[str] = (),
                 languages: Iterable[str] = (), purpose: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "value": value, "label": label, "purpose": purpose,
            "regions": list(regions), "languages": list(languages), "hours": None,
            "direction": direction, "source": source, "verified_at": None}


def vcards_phone_channels(vcard: dict[str, Any], facts: dict[str, Any], source: str,
                          report: Report) -> list[dict[str, Any]]:
    countries = facts.get("phone_countries", {})
    channels = []
    for phone in vcard["phones"]:
        raw = phone["number"].strip()
        label = (phone.get("label") or "").strip() or None
        try:
            number = normalise_phone(raw, countries.get(raw))
        except PhoneError as exc:
            report.warn(f"{vcard['organization']}: dropped phone {raw!r} ({exc})")
            continue
        if number.regions:
            report.note(f"{vcard['organization']}: {raw!r} kept as short code {number.value} "
                        f"dialable in {', '.join(number.regions)} only")
        channels.append(make_channel(
            phone_kind(number.value, label), number.value, source, label=label,
            direction=direction_for("phone", number.value, label), regions=number.regions,
            purpose=purpose_for_label(label)))
    return channels


def vcards_email_channels(vcard: dict[str, Any], source: str,
                          report: Report) -> list[dict[str, Any]]:
    channels = []
    for raw in vcard["emails"]:
        address = raw.strip().lower()
        if not EMAIL.match(address):
            report.warn(f"{vcard['organization']}: dropped e-mail {raw!r}")
            continue
        channels.append(make_channel("email", address, source,
                                     direction=direction_for("email", address)))
    return channels


def twofactorauth_channels(service: dict[str, Any], source: str,
                           report: Report) -> list[dict[str, Any]]:
    contact = service.get("contact") or {}
    language = (contact.get("language") or "").strip().lower()
    languages = [language] if LANGUAGE_TAG.match(language) else []
    if language and not languages:
        report.warn(f"{service['domain']}: ignored language {language!r}")
    channels = []
    if contact.get("email"):
        address = contact["email"].strip().lower()
        if EMAIL.match(address):
            channels.append(make_channel("email", address, source, languages=languages,
                                         direction=direction_for("email", address)))
        else:
            report.warn(f"{service['domain']}: dropped e-mail {contact['email']!r}")
    if contact.get("form"):
        form = contact["form"].strip()
        if form.startswith(("https://", "http://")):
            channels.append(make_channel("web_form", form, source, languages=languages))
        else:
            report.warn(f"{service['domain']}: dropped form {form!r}")
    if contact.get("twitter"):
        channels.append(make_channel("social", f"https://x.com/{contact['twitter'].strip()}",
                                     source, label="X (Twitter)", languages=languages))
    if contact.get("facebook"):
        channels.append(make_channel(
            "social", f"https://www.facebook.com/{contact['facebook'].strip()}", source,
            label="Facebook", languages=languages))
    return channels


def dedupe_channels(channels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for channel in channels:
        key = (channel["kind"], channel["value"])
        if key not in seen:
            seen.add(key)
            unique.append(channel)
    return unique


# --------------------------------------------------------------------------------------
# Enterprises
# --------------------------------------------------------------------------------------
def enterprise_id(source_key: str) -> str:
    return "ent_" + hashlib.sha1(source_key.encode("utf-8")).hexdigest()[:12]


def twofactorauth_regions(service: dict[str, Any]) -> set[str]:
    """Positive region codes only; twofactorauth's '-xx' entries are exclusions."""
    codes = {r.upper() for r in service.get("regions", []) if not r.startswith("-")}
    return {c for c in codes if REGION.match(c)}


def build_vcards_enterprise(vcard: dict[str, Any], services: list[dict[str, Any]],
                            curated: dict[str, Any], report: Report) -> dict[str, Any]:
    facts = curated["organizations"].get(vcard["organization"], {})
    source = "vcards:" + vcard["source_file"]
    names = names_from_source(vcard["organization"])
    apply_curated_names(names, facts)
    if not names["en"] and services:
        names["en"] = service_name(services[0])
    channels = vcards_phone_channels(vcard, facts, source, report)
    channels += vcards_email_channels(vcard, source, report)
    domains: list[str | None] = [url_host(vcard["url"])]
    regions = set(facts.get("regions", []))
    sources = [source]
    for service in services:
        service_source = "twofactorauth:" + service["source_file"]
        channels += twofactorauth_channels(service, service_source, report)
        domains += twofactorauth_domains(service)
        regions |= twofactorauth_regions(service)
        sources.append(service_source)
    return {
        "id": enterprise_id(source),
        "names": names,
        "aliases": clean_aliases([*facts.get("aliases", []), vcard["organization"]], names),
        "industry": vcards_industry(vcard, facts),
        "description": None,
        "website": vcard["url"] or None,
        "domains": clean_domains(domains, vcard["organization"], report),
        "regions": sorted(regions),
        "verified": False,
        "status": "active",
        "source": sources,
        "channels": dedupe_channels(channels),
    }


def build_twofactorauth_enterprise(service: dict[str, Any], curated: dict[str, Any],
                                   report: Report) -> dict[str, Any]:
    facts = curated["twofactorauth"].get(service["domain"].lower(), {})
    source = "twofactorauth:" + service["source_file"]
    names: dict[str, str | None] = {"zh-Hans": None, "zh-Hant": None,
                                    "en": service_name(service)}
    apply_curated_names(names, facts)
    return {
        "id": enterprise_id(source),
        "names": names,
        "aliases": clean_aliases(facts.get("aliases", []), names),
        "industry": twofactorauth_industry(service, facts),
        "description": None,
        "website": service["url"] or None,
        "domains": clean_domains(twofactorauth_domains(service), service["domain"], report),
        "regions": sorted(twofactorauth_regions(service) | set(facts.get("regions", []))),
        "verified": False,
        "status": "active",
        "source": [source],
        "channels": dedupe_channels(twofactorauth_channels(service, source, report)),
    }


def check_curated_keys(vcards: list[dict[str, Any]], services: list[dict[str, Any]],
                       curated: dict[str, Any], report: Report) -> None:
    organisations = {v["organization"] for v in vcards}
    for name in sorted(set(curated["organizations"]) - organisations):
        report.warn(f"curated.json: no vCards organisation named {name!r}")
    domains = {s["domain"].lower() for s in services}
    for domain in sorted(set(curated["twofactorauth"]) - domains):
        report.warn(f"curated.json: no twofactorauth service with domain {domain!r}")
    for section in ("organizations", "twofactorauth"):
        for key, facts in sorted(curated[section].items()):
            bad = [r for r in facts.get("regions", []) if not REGION.match(r)]
            if bad:
                raise BuildError(f"curated.json: {key}: regions must be ISO alpha-2: {bad}")


def build_enterprises(vcards: list[dict[str, Any]], services: list[dict[str, Any]],
                      curated: dict[str, Any], report: Report) -> list[dict[str, Any]]:
    merges = plan_merges(vcards, services, curated, report)
    merged = {s for indexes in merges.values() for s in indexes}
    enterprises = []
    for v_index, vcard in enumerate(vcards):
        partners = [services[i] for i in merges.get(v_index, [])]
        for partner in partners:
            report.merges.append(f"{vcard['organization']} ({url_host(vcard['url'])}) "
                                 f"<- {partner['name']} ({partner['domain']})")
        enterprises.append(build_vcards_enterprise(vcard, partners, curated, report))
    for s_index, service in enumerate(services):
        if s_index not in merged:
            enterprises.append(build_twofactorauth_enterprise(service, curated, report))
    ids = Counter(e["id"] for e in enterprises)
    clashes = [i for i, n in ids.items() if n > 1]
    if clashes:
        raise BuildError(f"enterprise ids clash: {clashes}")
    return sorted(enterprises, key=lambda e: e["id"])


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------
def write_outputs(out: Path, industries: list[dict[str, Any]],
                  enterprises: list[dict[str, Any]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    industries_text = json.dumps(industries, ensure_ascii=False, sort_keys=True, indent=2)
    (out / INDUSTRIES_FILE).write_text(industries_text + "\n", encoding="utf-8", newline="\n")
    lines = [json.dumps(e, ensure_ascii=False, sort_keys=True) for e in enterprises]
    (out / ENTERPRISES_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8",
                                        newline="\n")


def print_summary(vcards: list[dict[str, Any]], services: list[dict[str, Any]],
                  enterprises: list[dict[str, Any]], report: Report, out: Path) -> None:
    channels = [c for e in enterprises for c in e["channels"]]
    kinds = Counter(c["kind"] for c in channels)
    directions = Counter(c["direction"] for c in channels)
    industries = Counter(e["industry"] for e in enterprises)
    merged = sum(1 for e in enterprises if len(e["source"]) > 1)
    print(f"read {len(vcards)} vCards organisations, {len(services)} twofactorauth services")
    print(f"wrote {len(enterprises)} enterprises ({merged} merged from both sources), "
          f"{len(leaf_industries())} leaf industries ({len(INDUSTRY_TREE)} in all) to {out}")
    print(f"channels: {len(channels)}; by kind: "
          + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
          + "; by direction: " + ", ".join(f"{k} {n}" for k, n in sorted(directions.items())))
    print("enterprises by industry: "
          + ", ".join(f"{k} {n}" for k, n in sorted(industries.items())))
    print(f"merges ({len(report.merges)}):")
    for line in report.merges:
        print(f"  {line}")
    for title, lines in (("notes", report.notes), ("warnings", report.warnings)):
        print(f"{title} ({len(lines)}):")
        for line in lines:
            print(f"  {line}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None,
                        help=f"shared data folder (default ${SOURCE_ENV} or {DEFAULT_SOURCE})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--curated", type=Path, default=DEFAULT_CURATED,
                        help=f"curated facts (default {DEFAULT_CURATED})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    source = resolve_path(args.source or default_source())
    out = resolve_path(args.out)
    report = Report()
    try:
        vcards = read_jsonl(source / VCARDS_FILE)
        services = read_jsonl(source / TWOFACTORAUTH_FILE)
        curated = read_curated(resolve_path(args.curated))
        check_industry_tables(curated)
        check_curated_keys(vcards, services, curated, report)
        enterprises = build_enterprises(vcards, services, curated, report)
        enterprises, dropped = extend_with_new_sources(
            enterprises, source, SHARED_REGISTRABLE_DOMAINS, leaf_industries(), report)
        enterprises = sorted(enterprises, key=lambda e: e["id"])
        if len({e["id"] for e in enterprises}) != len(enterprises):
            raise BuildError("enterprise ids clash after the new sources")
    except (OSError, json.JSONDecodeError, BuildError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_outputs(out, industry_records(), enterprises)
    print_summary(vcards, services, enterprises, report, out)
    print(f"dropped {len(dropped)} listings without a contact channel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
