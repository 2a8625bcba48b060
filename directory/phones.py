"""Phone numbers: the one place that turns a typed number into its forms, and the one list of
the channel kinds whose value is a number.

Canonical values are digits, with a leading ``+`` and country code for numbers outside
mainland China's domestic dialling plan (``95588``, ``4008208820``, ``02160876100``,
``+18774484824``). phonenumbers covers ordinary numbers; China's short service numbers
(95xxx, 96xxx, 1xxxx) and 106… SMS senders are kept as dialled.

- :func:`normalize_phone` — a typed number to its canonical value (channels' values);
  :func:`parse_phone_input` the same for whatever a person pasted (``tel:``, ``0086-…``);
  :func:`callback_number` a number one can be called back on, as E.164;
  :func:`searched_number` the form search looks for (lookup and search read a number alike);
- :func:`domestic_form`, :func:`international_form`, :func:`equivalent_forms` — the other
  canonical forms of one number (national digits ⇄ E.164, a 95 number behind an area code);
- :func:`classify_phone` — what a number is (mobile, landline, 400, 800, 95/96/1x service
  numbers, 106 senders, emergency, international), its cost and reach; :func:`display_phone`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType, shortnumberinfo

from directory.errors import InvalidInput

# Channel kinds whose value is a phone number in canonical form: dialled or texted.
PHONE_KINDS = ("phone", "sms")
# ... and every kind whose value may be a number: apps reached by an international number
# (``+`` and the country code; a FaceTime value may also be an e-mail address). Lookup knows
# a number by any of them.
NUMBER_KINDS = (*PHONE_KINDS, "whatsapp", "facetime")

_SEPARATORS = re.compile(r"[\s\-().\u00a0\u3000/]")
CANONICAL = re.compile(r"^\+?[0-9]{3,20}$")


class PhoneNumberError(InvalidInput):
    """The text is not a phone number c800 can store."""


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    """Return the canonical dialable form of *raw*, or raise :class:`PhoneNumberError`."""
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text:
        raise PhoneNumberError("empty phone number")
    if text.startswith("+"):
        if not text[1:].isdigit():
            raise PhoneNumberError("a phone number may contain only digits after '+'")
        try:
            parsed = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException as exc:
            raise PhoneNumberError(f"not a phone number: {exc}") from exc
        if not phonenumbers.is_possible_number(parsed):
            raise PhoneNumberError("not a possible international phone number")
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not text.isdigit():
        raise PhoneNumberError("a phone number may contain only digits, spaces, '-', '(' and ')'")
    if default_region != "CN":
        parsed = phonenumbers.parse(text, default_region)
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not 3 <= len(text) <= 20:
        raise PhoneNumberError("a domestic phone number has 3 to 20 digits")
    return text


@functools.lru_cache(maxsize=16384)
def display_phone(value: str) -> str:
    """A readable form of a canonical value (``400 820 8820``, ``+1 877-448-4824``, ``95588``);
    cached: search shows the same numbers again and again, and parsing one costs ~0.1 ms."""
    try:
        if value.startswith("+"):
            parsed = phonenumbers.parse(value, None)
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(parsed):
        return value
    if not value.startswith("0") and phonenumbers.number_type(parsed) == PhoneNumberType.FIXED_LINE:
        return value  # a landline is dialled with its 0 area code; this is not one (106… senders)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


# --- what kind of number, and what to know before dialling --------------------------------

PHONE_TYPES = ("mobile", "landline", "business_400", "toll_free_800", "service_95", "service_96",
               "service_10", "service_1x", "emergency", "sms_106", "international", "unknown")
# 95/96 numbers have 5 or 6 digits, a few 7 or 8 (淘宝 9510211, 网易 95163234), and may be
# written with the menu keys dialled after them (中信银行 955581101).
_SHORT_95 = re.compile(r"^95[0-9]{3,7}$")
_SHORT_96 = re.compile(r"^96[0-9]{3,6}$")
# 1010xxxx / 1011xxxx: national customer-service numbers of companies (美团 10107888).
_SHORT_1010 = re.compile(r"^101[01][0-9]{4}$")
# carriers' and public services' 1xxxx numbers, with keys or a carrier prefix after them
# (10086, 1008611, 12583110086, 121231100)
_SHORT_1X = re.compile(r"^1[0-2][0-9]{3,9}$")
_SMS_106 = re.compile(r"^106[0-9]{5,17}$")
_INPUT_PREFIX = re.compile(r"^(?:tel|sms|callto):", re.IGNORECASE)
_INPUT_CHARS = re.compile(r"^\+?[0-9\s\-().\u00a0\u3000/]+$")


@dataclass(frozen=True)
class PhoneInfo:
    """What a canonical number is: its kind, cost and reach, and hints for the caller."""

    value: str
    kind: str
    display: str
    toll_free: bool
    callable_from_mobile: bool
    callable_from_abroad: bool
    international: str | None  # E.164 as dialled from abroad; None when it cannot be
    hints: tuple[str, ...]

    def hint_text(self, code: str, language: str) -> str:
        return PHONE_HINTS[code].get(language) or PHONE_HINTS[code]["zh-Hans"]


PHONE_HINTS: dict[str, dict[str, str]] = {
    "free": {"zh-Hans": "免费拨打", "zh-Hant": "免費撥打", "en": "Free to call"},
    "not_from_mobile": {"zh-Hans": "800 号码通常无法用手机拨打，请用固定电话",
                        "zh-Hant": "800 號碼通常無法用手機撥打，請用固定電話",
                        "en": "800 numbers usually cannot be called from a mobile phone; use a landline"},
    "local_rate": {"zh-Hans": "按市话标准收费，主叫付费", "zh-Hant": "按市話標準收費，主叫付費",
                   "en": "Charged at the local call rate to the caller"},
    "not_from_abroad": {"zh-Hans": "境外无法拨打", "zh-Hant": "境外無法撥打",
                        "en": "Cannot be called from outside mainland China"},
    "local_area_only": {"zh-Hans": "只能在所属城市拨打", "zh-Hant": "只能在所屬城市撥打",
                        "en": "Can only be called within its own city"},
    "international_rate": {"zh-Hans": "国际长途，按国际资费收费", "zh-Hant": "國際長途，按國際資費收費",
                           "en": "An international call: international rates apply"},
    "sms_only": {"zh-Hans": "短信发送号码，不能拨打", "zh-Hant": "短信發送號碼，不能撥打",
                 "en": "An SMS sender: it cannot be called"},
    "emergency": {"zh-Hans": "紧急电话，仅限紧急情况使用", "zh-Hant": "緊急電話，僅限緊急情況使用",
                  "en": "An emergency number: for emergencies only"},
}

_KIND_HINTS: dict[str, dict[str, str]] = {
    "mobile": {"zh-Hans": "这是一个个人手机号码；正规企业的客服很少用手机号码。",
               "zh-Hant": "這是一個個人手機號碼；正規企業的客服很少用手機號碼。",
               "en": "This is a personal mobile number; real companies rarely use mobiles for "
                     "customer service."},
    "landline": {"zh-Hans": "这是一个带区号的固定电话号码。",
                 "zh-Hant": "這是一個帶區號的固定電話號碼。",
                 "en": "This is a landline number with an area code."},
    "business_400": {"zh-Hans": "这是一个 400 企业号码：任何企业都能申请，主叫按市话收费；"
                                "号码本身不能证明它属于哪家企业。",
                     "zh-Hant": "這是一個 400 企業號碼：任何企業都能申請，主叫按市話收費；"
                                "號碼本身不能證明它屬於哪家企業。",
                     "en": "This is a 400 business number: any company can rent one and callers "
                           "pay the local rate; the number alone proves nothing about its owner."},
    "toll_free_800": {"zh-Hans": "这是一个 800 免费号码：任何企业都能申请；号码本身不能证明它属于哪家企业。",
                      "zh-Hant": "這是一個 800 免費號碼：任何企業都能申請；號碼本身不能證明它屬於哪家企業。",
                      "en": "This is an 800 toll-free number: any company can rent one; the number "
                            "alone proves nothing about its owner."},
    "service_95": {"zh-Hans": "这是一个 95 开头的全国客服短号码，由工信部核准给特定机构使用；"
                              "请核对是否为你要找的企业的号码。",
                   "zh-Hant": "這是一個 95 開頭的全國客服短號碼，由工信部核准給特定機構使用；"
                              "請核對是否為你要找的企業的號碼。",
                   "en": "This is a 95 national service number, licensed by the ministry to one "
                         "organisation; check that it is the company you mean."},
    "service_96": {"zh-Hans": "这是一个 96 开头的地方客服短号码，由当地通信管理局核准；"
                              "请核对是否为你要找的企业的号码。",
                   "zh-Hant": "這是一個 96 開頭的地方客服短號碼，由當地通信管理局核准；"
                              "請核對是否為你要找的企業的號碼。",
                   "en": "This is a 96 local service number, licensed by the provincial regulator; "
                         "check that it is the company you mean."},
    "service_10": {"zh-Hans": "这是一个 1010/1011 开头的全国统一客服号码，由工信部核准给特定企业使用；"
                              "请核对是否为你要找的企业的号码。",
                   "zh-Hant": "這是一個 1010/1011 開頭的全國統一客服號碼，由工信部核准給特定企業使用；"
                              "請核對是否為你要找的企業的號碼。",
                   "en": "This is a 1010/1011 national customer-service number, licensed by the "
                         "ministry to one company; check that it is the company you mean."},
    "service_1x": {"zh-Hans": "这是一个 1 开头的短号码，用于电信运营商和公共服务（如 10086、12315）。",
                   "zh-Hant": "這是一個 1 開頭的短號碼，用於電信運營商和公共服務（如 10086、12315）。",
                   "en": "This is a 1xxxx short number, used by carriers and public services "
                         "(such as 10086 or 12315)."},
    "emergency": {"zh-Hans": "这是紧急电话号码。", "zh-Hant": "這是緊急電話號碼。",
                  "en": "This is an emergency number."},
    "sms_106": {"zh-Hans": "这是一个 106 开头的短信发送号码，任何签约企业都能用它群发短信；"
                           "短信里的链接和回拨号码要另行核实。",
                "zh-Hant": "這是一個 106 開頭的短信發送號碼，任何簽約企業都能用它群發短信；"
                           "短信裡的連結和回撥號碼要另行核實。",
                "en": "This is a 106 SMS sender number that any contracted company can send bulk "
                      "messages from; check the links and numbers in the message separately."},
    "international": {"zh-Hans": "这是一个境外号码；冒充客服的诈骗电话常用境外号码。",
                      "zh-Hant": "這是一個境外號碼；冒充客服的詐騙電話常用境外號碼。",
                      "en": "This is a number outside mainland China; scam 'customer service' "
                            "calls often come from abroad."},
    "unknown": {"zh-Hans": "无法判断这是什么号码。", "zh-Hant": "無法判斷這是什麼號碼。",
                "en": "It is not clear what kind of number this is."},
}


def kind_hint(kind: str, language: str) -> str:
    """A sentence saying what a number of *kind* is, in *language*."""
    texts = _KIND_HINTS.get(kind, _KIND_HINTS["unknown"])
    return texts.get(language) or texts["zh-Hans"]


def _domestic_kind(value: str) -> str:
    if _SMS_106.match(value):
        return "sms_106"
    parsed = phonenumbers.parse(value, "CN")
    if shortnumberinfo.is_emergency_number(value, "CN"):
        return "emergency"
    short = _subscriber(value) if value.startswith("0") else None
    if _SHORT_95.match(short or value):
        return "service_95"
    if _SHORT_96.match(short or value):
        return "service_96"
    if _SHORT_1010.match(value):
        return "service_10"
    if _SHORT_1X.match(value):
        return "service_1x"
    if not phonenumbers.is_valid_number(parsed):
        return "unknown"
    number_type = phonenumbers.number_type(parsed)
    return {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "landline",
            PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline",
            PhoneNumberType.SHARED_COST: "business_400",
            PhoneNumberType.TOLL_FREE: "toll_free_800"}.get(number_type, "unknown")


@functools.lru_cache(maxsize=8192)
def classify_phone(value: str) -> PhoneInfo:
    """What the canonical number *value* is (``95588``, ``4008208820``, ``+18774484824``)."""
    display = display_phone(value)
    if value.startswith("+86"):
        domestic = domestic_form(value)
        kind = _domestic_kind(domestic) if domestic else "unknown"
        return PhoneInfo(value, kind, display, False, kind != "sms_106", kind != "sms_106",
                         value if kind != "sms_106" else None,
                         ("sms_only",) if kind == "sms_106" else ())
    if value.startswith("+"):
        return PhoneInfo(value, "international", display, False, True, True, value,
                         ("international_rate",))
    try:
        kind = _domestic_kind(value)
    except phonenumbers.NumberParseException:
        kind = "unknown"
    hints: list[str] = []
    free = kind in ("toll_free_800", "emergency")
    from_mobile = kind not in ("toll_free_800", "sms_106")
    international = None
    if kind in ("mobile", "landline"):
        international = international_form(value)
    from_abroad = international is not None
    if kind == "toll_free_800":
        hints += ["free", "not_from_mobile"]
    elif kind == "business_400":
        hints.append("local_rate")
    elif kind == "emergency":
        hints.append("emergency")
    elif kind == "sms_106":
        hints.append("sms_only")
    if kind == "service_96" and not value.startswith("0"):
        hints.append("local_area_only")  # dialled with its area code, other cities reach it too
    if not from_abroad and kind != "sms_106":
        hints.append("not_from_abroad")
    return PhoneInfo(value, kind, display, free, from_mobile, from_abroad, international, tuple(hints))


def domestic_form(value: str) -> str | None:
    """A ``+86`` number as dialled inside mainland China (``+862160876100`` -> ``02160876100``,
    ``+8613800138000`` -> ``13800138000``); None for other numbers."""
    national = value[3:] if value.startswith("+86") else ""
    if not national.isdigit() or len(national) < 3:
        return None
    parsed = phonenumbers.parse(value, None)
    landline = phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in (
        PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return "0" + national if landline else national  # a landline is dialled with its 0 area code


def international_form(value: str) -> str | None:
    """A mainland number as dialled from abroad (``02160876100`` -> ``+862160876100``); None for
    numbers that are not dialled from abroad (short service numbers, 106 senders)."""
    if value.startswith("+") or not value.isdigit():
        return None
    if value.startswith("0") and not value.startswith("00") and len(value) >= 8:
        return "+86" + value[1:]
    if len(value) >= 10 and not _SMS_106.match(value) and value.startswith(("1", "4", "8")):
        return "+86" + value
    return None


def _subscriber(landline: str) -> str:
    """The digits after a landline's area code (010, 021, 0532)."""
    area = 2 if landline[1:2] in ("1", "2") else 3
    return landline[1 + area:]


def _service_number_behind_area_code(landline: str) -> str | None:
    """``01095588`` -> ``95588``: a national 95 service number dialled with an area code (010,
    0755). (A 96 number behind one, ``053296588``, is that city's own, not the short number.)"""
    subscriber = _subscriber(landline)
    return subscriber if _SHORT_95.match(subscriber) else None


def equivalent_forms(value: str) -> set[str]:
    """Other canonical forms of the same mainland number: ``02160876100`` ⇄ ``+862160876100``,
    ``13800138000`` ⇄ ``+8613800138000``, and a 95 service number dialled with an area code
    (``+86 10 95588``, ``01095588``) is also the short number ``95588``. Empty for numbers with
    no other form."""
    forms = {domestic_form(value), international_form(value)}
    landline = next((form for form in (value, *forms) if form and form.startswith("0")), None)
    if landline:
        forms.add(_service_number_behind_area_code(landline))
    return {form for form in forms if form and form != value}


def parse_phone_input(text: str) -> str | None:
    """The canonical number in what a person pasted (``tel:+86 10 95588``, ``(021) 6087 6100``,
    ``0086-21-…``); None when the text is not written like a phone number."""
    text = _INPUT_PREFIX.sub("", text.strip()).split(";", 1)[0].split("?", 1)[0].strip()
    if not text or not _INPUT_CHARS.match(text) or sum(ch.isdigit() for ch in text) < 3:
        return None
    try:
        return normalize_phone(text)
    except PhoneNumberError:
        return None


def searched_number(text: str) -> str | None:
    """The number search looks for when *text* is written like one, read as lookup reads it
    (:func:`parse_phone_input`): a 95 service number dialled with an area code is the short
    number (``010-95588``, ``+86 10 95588``, ``0755-95555`` -> ``95588`` / ``95555``), another
    ``+86`` number its domestic form (search indexes every form a stored number is typed in,
    a landline's local part included); None when *text* is not written like a number."""
    number = parse_phone_input(text)
    if number is None:
        return None
    domestic = domestic_form(number) or number
    if domestic.startswith("0") and (short := _service_number_behind_area_code(domestic)):
        return short
    return domestic


_CALLABLE_BACK = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def callback_number(text: str) -> str | None:
    """The E.164 form of *text* when it is a mobile or landline number one can be called back
    on (mainland numbers may be written without ``+86``); None otherwise."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in _CALLABLE_BACK:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
