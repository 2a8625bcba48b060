""""Is this official?": match what a person pastes against the directory's channels and domains.

Input is whatever reached someone: a phone number in any format, a URL, a bare domain or an
e-mail address. Phone numbers match channels by their canonical forms (a number stored as
``02160876100`` also matches ``+86 21 6087 6100``); e-mail addresses match listed addresses
exactly, then by domain; URLs and domains match by *registrable domain* under the Public
Suffix List (``www.icbc.com.cn`` and ``icbc.com.cn`` are ICBC's; ``icbc.com.cn.secure-login.top``
is ``secure-login.top``'s and is reported as an imitation).

Matching reads ``lookup_keys``, a table derived from the listings: :func:`track_lookup_keys`
refreshes the keys of every enterprise a flush touched, inside the same transaction, so the
table never disagrees with the listings it indexes. Keys are ``tel:<canonical number>``,
``mail:<address>`` and ``dom:<registrable domain>``.

Keys are made from *checked* facts only (``directory.reviews``): a channel's
``checked_kind``/``checked_value`` and a listing's ``checked_website``/``checked_domains``.
An enterprise's own change of a number, address or domain is shown on its listing but is
never called official until an administrator approves it; until then the value checked
before it stays official, unless the enterprise took it off (a hidden channel, a removed
website or domain).

Nothing unknown is ever called official. Domains where anyone can get an address or publish a
page (public mailboxes, social platforms, shop platforms) prove nothing about who is behind an
address there unless that exact address or page is listed.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList
from sqlalchemy import BigInteger, Connection, ForeignKey, Integer, String, delete, event, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload, sessionmaker

from directory.db import Base
from directory.errors import InvalidInput
from directory.mailboxes import MAILBOX_PROVIDERS  # where anyone can have a mailbox (a package's list)
from directory.models import Channel, Enterprise
from directory.phones import PHONE_TYPES, classify_phone, equivalent_forms, kind_hint, parse_phone_input

PHONE_CHANNEL_KINDS = ("phone", "sms", "whatsapp", "facetime")
URL_CHANNEL_KINDS = ("webchat", "video", "app", "social", "web_form", "callback", "wechat")
KEY_LENGTH = 255
# What fits in one request line (gunicorn refuses lines over 8190 bytes) even when every
# character is a 4-byte one, percent-encoded to 12 bytes: 600 x 12 + the rest of the line.
MAX_INPUT = 600

# Platforms where anyone can publish a page, a profile or a shop.
USER_CONTENT_PLATFORMS = frozenset({
    "weibo.com", "weibo.cn", "douyin.com", "kuaishou.com", "bilibili.com", "zhihu.com",
    "xiaohongshu.com", "xhslink.com", "taobao.com", "tmall.com", "jd.com", "pinduoduo.com",
    "yangkeduo.com", "qq.com", "weixin.qq.com", "baidu.com", "douban.com", "toutiao.com",
    "facebook.com", "instagram.com", "x.com", "twitter.com", "youtube.com", "tiktok.com",
    "linkedin.com", "github.com", "google.com", "sites.google.com", "medium.com",
    "blogspot.com", "wordpress.com", "notion.site", "feishu.cn", "larksuite.com",
    "wjx.cn", "jinshuju.net", "mikecrm.com",
})
SHARED_DOMAINS = MAILBOX_PROVIDERS | USER_CONTENT_PLATFORMS

_EMAIL = re.compile(r"^[^@\s]{1,64}@([^@\s]{1,253})$")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]{0,31}):")
_HOSTISH = re.compile(r"^[^\s/?#@:]+\.[^\s/?#@:]+(?::[0-9]{1,5})?(?:[/?#]\S*)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

INPUT_KINDS = ("phone", "email", "url", "domain", "link", "unknown")
MATCHED_BY = ("phone", "email", "url", "domain")


class LookupInputError(InvalidInput):
    """The text cannot be looked up: empty, too long, or holding control characters."""


class LookupKey(Base):
    """One way to recognise an enterprise: a number, an address or a registrable domain."""

    __tablename__ = "lookup_keys"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), index=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    # the channel the key comes from; None for the enterprise's website and domains
    channel_id: Mapped[str | None] = mapped_column(String(32))


# --- keys --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def ascii_host(host: str) -> str | None:
    """*host* lower-cased and IDNA-encoded, without a trailing dot; None if it is not a name."""
    host = host.strip().rstrip(".").lower()
    if not host or len(host) > 253:
        return None
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def registrable_domain(host: str) -> str | None:
    """The registrable domain of *host* (``www.icbc.com.cn`` → ``icbc.com.cn``), else None."""
    name = ascii_host(host)
    if name is None:
        return None
    try:
        ipaddress.ip_address(name.strip("[]"))
        return None
    except ValueError:
        pass
    return _psl().privatesuffix(name)


def _url_host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def channel_keys(kind: str, value: str) -> list[str]:
    """Lookup keys of a channel's value."""
    keys: list[str] = []
    if kind in PHONE_CHANNEL_KINDS:
        if "@" in value:  # a FaceTime address
            keys.append(f"mail:{value.lower()}")
        else:
            keys.append(f"tel:{value}")
    elif kind == "email":
        keys.append(f"mail:{value.lower()}")
        domain = registrable_domain(value.rpartition("@")[2])
        if domain:
            keys.append(f"dom:{domain}")
    elif value.lower().startswith(("https://", "http://")):
        domain = registrable_domain(_url_host(value) or "")
        if domain:
            keys.append(f"dom:{domain}")
    return [key for key in keys if len(key) <= KEY_LENGTH]


def enterprise_keys(website: str | None, domains: Iterable[str]) -> list[str]:
    """Lookup keys of an enterprise's own website and domains."""
    hosts = list(domains)
    if website:
        hosts.append(_url_host(website) or "")
    found = (registrable_domain(host) for host in hosts if host)
    return list(dict.fromkeys(f"dom:{d}" for d in found if d and len(d) + 4 <= KEY_LENGTH))


def checked_enterprise_keys(website: str | None, domains: Iterable[str] | None,
                            checked_website: str | None, checked_domains: Iterable[str] | None
                            ) -> list[str]:
    """Keys of the checked website and domains the listing still shows (a website changed and
    not yet checked leaves the checked one in force; one removed takes it away)."""
    shown = set(domains or [])
    return enterprise_keys(checked_website if website else None,
                           [d for d in checked_domains or [] if d in shown])


def refresh_lookup_keys(connection: Connection, enterprise_ids: Iterable[str]) -> None:
    """Rebuild the keys of *enterprise_ids* from the checked facts the database holds now."""
    ids = sorted(set(enterprise_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        connection.execute(delete(LookupKey).where(LookupKey.enterprise_id.in_(chunk)))
        rows: list[dict[str, str | None]] = []
        for ident, website, domains, checked_website, checked_domains in connection.execute(
                select(Enterprise.id, Enterprise.website, Enterprise.domains,
                       Enterprise.checked_website, Enterprise.checked_domains)
                .where(Enterprise.id.in_(chunk))):
            rows.extend({"key": key, "enterprise_id": ident, "channel_id": None}
                        for key in checked_enterprise_keys(website, domains, checked_website,
                                                           checked_domains))
        for ident, enterprise_id, kind, value in connection.execute(
                select(Channel.id, Channel.enterprise_id, Channel.checked_kind, Channel.checked_value)
                .where(Channel.enterprise_id.in_(chunk), Channel.checked_value.is_not(None))):
            rows.extend({"key": key, "enterprise_id": enterprise_id, "channel_id": ident}
                        for key in channel_keys(kind, value))
        if rows:
            connection.execute(insert(LookupKey), rows)


_PENDING = "lookup_keys_pending"


def _collect(session: Session, _context, _instances) -> None:
    pending: set[str] = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Enterprise) and obj.id:
            pending.add(obj.id)
        elif isinstance(obj, Channel) and obj.enterprise_id:
            pending.add(obj.enterprise_id)


def _refresh(session: Session, _context) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        refresh_lookup_keys(session.connection(), pending)


def track_lookup_keys(factory: sessionmaker) -> None:
    """Keep ``lookup_keys`` in step with every flush of a *factory* session."""
    if not event.contains(factory, "before_flush", _collect):
        event.listen(factory, "before_flush", _collect)
        event.listen(factory, "after_flush", _refresh)
        event.listen(factory, "after_soft_rollback",
                     lambda session, _previous: session.info.pop(_PENDING, None))


# --- reading the input -------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedInput:
    kind: str            # phone | email | url | domain | link | unknown
    normalized: str      # canonical number, lower-case address, host, the scheme of a link,
                         # or the text itself when it is none of these
    host: str | None = None
    domain: str | None = None      # registrable domain
    path: str = ""
    trick: str | None = None       # user_info | ip_address | unsafe_scheme


def parse_input(text: str) -> ParsedInput:
    """Classify what was pasted (``unknown`` when it is not a number, link, domain or address);
    raise :class:`LookupInputError` for empty or overlong text and control characters."""
    if not text.strip() or len(text) > MAX_INPUT or _CONTROL.search(text):
        raise LookupInputError("paste a phone number, a URL, a domain or an e-mail address, "
                               f"at most {MAX_INPUT} characters without control characters")
    text = unicodedata.normalize("NFKC", text).strip()  # full-width digits and letters
    unknown = ParsedInput("unknown", text[:MAX_INPUT])
    if not text or _CONTROL.search(text):
        return unknown
    if text.lower().startswith("mailto:"):
        text = text[7:].split("?", 1)[0]
    number = parse_phone_input(text)
    if number is not None:
        return ParsedInput("phone", number)
    email = _EMAIL.match(text)
    if email and "/" not in text:
        host = ascii_host(email.group(1))
        if host is None or "." not in host:
            return unknown
        return ParsedInput("email", f"{text.rsplit('@', 1)[0].lower()}@{host}", host,
                           registrable_domain(host))
    scheme = _SCHEME.match(text)
    if scheme and "." in scheme.group(1) and _HOSTISH.match(text):
        scheme = None  # "example.com:8080/..." is a host with a port, not a scheme
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return ParsedInput("link", scheme.group(1).lower() + ":", trick="unsafe_scheme")
    kind = "url"
    if not scheme:
        if text.startswith("//"):
            text = "https:" + text
        elif _HOSTISH.match(text):
            kind = "domain" if not re.search(r"[/?#]", text) else "url"
            text = "https://" + text
        else:
            return unknown
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        return unknown
    host = ascii_host(hostname or "")
    if host is None:
        return unknown
    trick = "user_info" if "@" in parts.netloc else None
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        domain = registrable_domain(host)
    else:
        return ParsedInput(kind, host, host, None, parts.path, trick or "ip_address")
    return ParsedInput(kind, host, host, domain, parts.path, trick)


# --- answering -----------------------------------------------------------------------------

@dataclass
class Match:
    enterprise: Enterprise
    channel: Channel | None
    matched_by: str


@dataclass
class LookupResult:
    input: ParsedInput
    official: bool
    matches: list[Match] = field(default_factory=list)
    hint_code: str = "unknown"
    hint_args: dict[str, str] = field(default_factory=dict)
    phone_type: str | None = None


def _keys(session: Session, keys: list[str]) -> list[LookupKey]:
    if not keys:
        return []
    return list(session.scalars(select(LookupKey).where(LookupKey.key.in_(keys))
                                .order_by(LookupKey.enterprise_id, LookupKey.id)))


def _load(session: Session, rows: list[LookupKey], matched_by: str) -> list[Match]:
    ids = {row.enterprise_id for row in rows}
    if not ids:
        return []
    enterprises = {e.id: e for e in session.scalars(
        select(Enterprise).where(Enterprise.id.in_(ids), Enterprise.status == "active")
        .options(selectinload(Enterprise.channels)))}
    matches: list[Match] = []
    seen: set[tuple[str, str | None]] = set()
    for row in rows:
        enterprise = enterprises.get(row.enterprise_id)
        if enterprise is None:
            continue
        channel = next((c for c in enterprise.channels if c.id == row.channel_id), None)
        if row.channel_id is not None and (channel is None or channel.hidden):
            continue
        if (enterprise.id, row.channel_id) in seen:
            continue
        seen.add((enterprise.id, row.channel_id))
        matches.append(Match(enterprise, channel, matched_by))
    return matches


def _phone(session: Session, parsed: ParsedInput) -> LookupResult:
    info = classify_phone(parsed.normalized)
    forms = sorted(equivalent_forms(parsed.normalized) | {parsed.normalized})
    matches = [m for m in _load(session, _keys(session, [f"tel:{f}" for f in forms]), "phone")
               if m.channel is not None and m.channel.checked_kind in PHONE_CHANNEL_KINDS]
    result = LookupResult(parsed, bool(matches), matches, phone_type=info.kind)
    if not matches:
        result.hint_code = info.kind
    elif all(m.channel is not None and m.channel.direction == "outbound_only" for m in matches):
        result.hint_code = "official_sender"
    else:
        result.hint_code = "official_contact"
    return result


def _domain_matches(session: Session, domain: str | None) -> list[Match]:
    if not domain:
        return []
    return _load(session, _keys(session, [f"dom:{domain}"]), "domain")


def _imitated(session: Session, parsed: ParsedInput) -> Match | None:
    """A listed domain written into another host: ``icbc.com.cn.secure-login.top``,
    ``www-icbc-com-cn.top``."""
    host = parsed.host or ""
    suffix = _psl().publicsuffix(host) or ""
    labels = [label for label in re.split(r"[.\-_]", host[: -len(suffix)] if suffix else host)
              if label][:12]
    candidates = set()
    for start in range(len(labels)):
        for end in range(start + 2, len(labels) + 1):
            found = registrable_domain(".".join(labels[start:end]))
            if found and found != parsed.domain:
                candidates.add(f"dom:{found}")
    matches = _load(session, _keys(session, sorted(candidates)), "domain") if candidates else []
    return matches[0] if matches else None


def _same_page(channel: Channel, parsed: ParsedInput) -> bool:
    kind, value = channel.checked_kind, channel.checked_value or ""
    if kind not in URL_CHANNEL_KINDS or not value.lower().startswith("http"):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if ascii_host(parts.hostname or "") != parsed.host:
        return False
    listed, pasted = parts.path.rstrip("/"), parsed.path.rstrip("/")
    # the listed page or one below it: /icbc covers /icbc/posts, not /icbc_kefu
    return not listed or pasted == listed or pasted.startswith(listed + "/")


def _owners(matches: list[Match], skip: set[str] = frozenset()) -> list[Match]:
    """One domain match per enterprise, in order."""
    owners: dict[str, Match] = {}
    for match in matches:
        if match.enterprise.id not in skip:
            owners.setdefault(match.enterprise.id, Match(match.enterprise, None, "domain"))
    return list(owners.values())


def _flag_imitation(session: Session, parsed: ParsedInput, result: LookupResult) -> None:
    imitated = _imitated(session, parsed)
    if imitated is not None:
        names = imitated.enterprise.names()
        result.hint_code = "imitation"
        result.hint_args["imitated"] = names["zh-Hans"] or names["en"] or names["zh-Hant"] or ""


def _web(session: Session, parsed: ParsedInput) -> LookupResult:
    if parsed.trick in ("ip_address", "unsafe_scheme"):
        return LookupResult(parsed, False, hint_code=parsed.trick)
    args = {"domain": parsed.domain or parsed.host or ""}
    matches = _domain_matches(session, parsed.domain)
    pages = [Match(m.enterprise, m.channel, "url") for m in matches
             if m.channel is not None and _same_page(m.channel, parsed)]
    if parsed.domain in SHARED_DOMAINS and parsed.path.strip("/"):
        # anyone can publish there: only a listed page says who is behind it
        result = LookupResult(parsed, bool(pages), pages[:10],
                              "official_page" if pages else "user_content", args)
    else:
        if parsed.domain in SHARED_DOMAINS:  # a page listed there does not make its owner
            matches = [m for m in matches if m.channel is None]  # the platform's owner
        owners = _owners(matches, {p.enterprise.id for p in pages})
        result = LookupResult(parsed, bool(matches), (pages + owners)[:10],
                              "official_domain" if matches else "unknown_domain", args)
    if parsed.trick == "user_info":
        result.official, result.hint_code = False, "user_info"
    elif result.hint_code == "unknown_domain":
        _flag_imitation(session, parsed, result)
    return result


def _email(session: Session, parsed: ParsedInput) -> LookupResult:
    exact = [m for m in _load(session, _keys(session, [f"mail:{parsed.normalized}"]), "email")
             if m.channel is not None]
    args = {"domain": parsed.domain or parsed.host or ""}
    if exact:
        sender = all(m.channel is not None and m.channel.direction == "outbound_only" for m in exact)
        return LookupResult(parsed, True, exact[:10],
                            "official_sender" if sender else "official_contact", args)
    if parsed.domain in SHARED_DOMAINS:
        return LookupResult(parsed, False, hint_code="mailbox_provider", hint_args=args)
    owners = _owners(_domain_matches(session, parsed.domain))
    result = LookupResult(parsed, bool(owners), owners[:10],
                          "official_domain" if owners else "unknown_email", args)
    if not owners:
        _flag_imitation(session, parsed, result)
    return result


def lookup(session: Session, text: str) -> LookupResult:
    """Answer "is this official?" for *text*; raise :class:`LookupInputError` for text that
    cannot be looked up (see :func:`parse_input`)."""
    parsed = parse_input(text)
    if parsed.kind == "unknown":
        return LookupResult(parsed, False, hint_code="unrecognised")
    if parsed.kind == "phone":
        return _phone(session, parsed)
    if parsed.kind == "email":
        return _email(session, parsed)
    return _web(session, parsed)


# What lookup warns against: a link, domain or address an enterprise may never publish.
WARNING_HINTS = ("imitation", "user_info", "ip_address", "unsafe_scheme")


def warning_for(session: Session, text: str) -> LookupResult | None:
    """The answer of :func:`lookup` for *text* when it warns people against it (an imitation
    of a listed domain, a host hidden behind ``name@``, an IP address, an unsafe scheme)."""
    try:
        result = lookup(session, text)
    except LookupInputError:
        return None
    return result if result.hint_code in WARNING_HINTS else None


# --- hints ------------------------------------------------------------------------------------

_HINTS: dict[str, dict[str, str]] = {
    "official_contact": {
        "zh-Hans": "这是 {name} 在 c800 登记的联系方式。",
        "zh-Hant": "這是 {name} 在 c800 登記的聯絡方式。",
        "en": "This is a contact channel c800 lists for {name}."},
    "official_sender": {
        "zh-Hans": "这是 {name} 只用于向外发送通知的号码或地址，不接受来电或回复；"
                   "需要联系时请用其登记的客服渠道。",
        "zh-Hant": "這是 {name} 只用於向外發送通知的號碼或地址，不接受來電或回覆；"
                   "需要聯絡時請用其登記的客服渠道。",
        "en": "{name} uses this only to send notifications; it does not take calls or replies. "
              "Use its listed contact channels to reach it."},
    "official_domain": {
        "zh-Hans": "{domain} 是 {name} 的域名。",
        "zh-Hant": "{domain} 是 {name} 的網域。",
        "en": "{domain} is a domain of {name}."},
    "official_page": {
        "zh-Hans": "这是 {name} 在该平台上登记的官方页面。",
        "zh-Hant": "這是 {name} 在該平台上登記的官方頁面。",
        "en": "This is the official page c800 lists for {name} on this platform."},
    "user_content": {
        "zh-Hans": "{domain} 上的页面任何人都能发布，c800 没有登记这个页面，不能证明它属于哪家企业。",
        "zh-Hant": "{domain} 上的頁面任何人都能發佈，c800 沒有登記這個頁面，不能證明它屬於哪家企業。",
        "en": "Anyone can publish pages on {domain}; c800 does not list this one, so it proves "
              "nothing about who is behind it."},
    "mailbox_provider": {
        "zh-Hans": "{domain} 是公共邮箱，任何人都能注册；c800 没有登记这个地址。",
        "zh-Hant": "{domain} 是公共郵箱，任何人都能註冊；c800 沒有登記這個地址。",
        "en": "{domain} is a public mailbox service anyone can sign up to; c800 does not list "
              "this address."},
    "unknown_domain": {
        "zh-Hans": "c800 不认识域名 {domain}，它不属于任何已登记的企业。",
        "zh-Hant": "c800 不認識網域 {domain}，它不屬於任何已登記的企業。",
        "en": "c800 does not know the domain {domain}; it belongs to no listed enterprise."},
    "unknown_email": {
        "zh-Hans": "c800 不认识这个地址的域名 {domain}。",
        "zh-Hant": "c800 不認識這個地址的網域 {domain}。",
        "en": "c800 does not know this address's domain, {domain}."},
    "imitation": {
        "zh-Hans": "小心仿冒：真正的域名是 {domain}，不是 {imitated} 的域名，只是把它的名字写在了前面。",
        "zh-Hant": "小心仿冒：真正的網域是 {domain}，不是 {imitated} 的網域，只是把它的名字寫在了前面。",
        "en": "Beware of imitation: the real domain is {domain}, not one of {imitated}'s; its "
              "name is only written in front."},
    "user_info": {
        "zh-Hans": "这个链接用“名字@”的写法伪装：真正打开的是 {domain}。",
        "zh-Hant": "這個連結用「名字@」的寫法偽裝：真正打開的是 {domain}。",
        "en": "This link hides its real host behind a 'name@' prefix: it opens {domain}."},
    "ip_address": {
        "zh-Hans": "指向 IP 地址而非域名的链接从来不是企业的官方网站。",
        "zh-Hant": "指向 IP 位址而非網域的連結從來不是企業的官方網站。",
        "en": "A link to a bare IP address is never an enterprise's official site."},
    "unrecognised": {
        "zh-Hans": "c800 看不出这是什么：请粘贴电话号码、链接、域名或电子邮件地址。",
        "zh-Hant": "c800 看不出這是什麼：請貼上電話號碼、連結、網域或電子郵件地址。",
        "en": "c800 cannot tell what this is: paste a phone number, a link, a domain or an "
              "e-mail address."},
    "unsafe_scheme": {
        "zh-Hans": "这种链接（{scheme}）不是企业的联系方式，可能会运行代码，请不要打开。",
        "zh-Hant": "這種連結（{scheme}）不是企業的聯絡方式，可能會執行程式碼，請不要打開。",
        "en": "A {scheme} link is not a way to contact a company and may run code: do not open it."},
}
HINT_CODES = (*_HINTS, *PHONE_TYPES)


def hint_text(result: LookupResult, language: str, name: str = "") -> str:
    """The hint of *result* in *language* (zh-Hans, zh-Hant or en)."""
    language = language if language in ("zh-Hans", "zh-Hant", "en") else "zh-Hans"
    texts = _HINTS.get(result.hint_code)
    if texts is None:  # an unknown phone number: say what kind of number it is
        prefix = {"zh-Hans": "c800 没有登记这个号码，它不属于任何已登记的企业。",
                  "zh-Hant": "c800 沒有登記這個號碼，它不屬於任何已登記的企業。",
                  "en": "c800 does not list this number for any enterprise. "}[language]
        return prefix + kind_hint(result.hint_code, language)
    args = {"name": name, "domain": "", "imitated": "", "scheme": result.input.normalized,
            **result.hint_args}
    return texts[language].format(**args)
