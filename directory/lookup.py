""""Is this official?": match what a person pastes against the directory's channels and domains.

Input is whatever reached someone: a phone number in any format, a URL, a bare domain or an
e-mail address (read by ``directory.lookup_input``). Phone numbers match channels by their
canonical forms (a number stored as ``02160876100`` also matches ``+86 21 6087 6100``); e-mail
addresses match listed addresses exactly, then by domain; URLs and domains match by
*registrable domain* under the Public Suffix List (``www.icbc.com.cn`` and ``icbc.com.cn`` are
ICBC's; ``icbc.com.cn.secure-login.top`` is ``secure-login.top``'s and is reported as an
imitation).

Matching reads ``lookup_keys`` (``directory.lookup_keys``), derived from the listings' *checked*
facts only (``directory.reviews``). An enterprise's own change of a number, address or domain
is shown on its listing but is never called official until an administrator approves it;
until then the value checked before it stays official, unless the enterprise took it off (a
hidden channel, a removed website or domain).

Nothing unknown is ever called official. Domains where anyone can get an address or publish a
page (public mailboxes, social platforms, shop platforms) prove nothing about who is behind an
address there unless that exact address or page is listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from directory.listing_reads import ListingCard
from directory.lookup_input import LookupInputError, ParsedInput, parse_input
from directory.lookup_keys import LookupKey, ascii_host, public_suffix, registrable_domain
from directory.mailboxes import MAILBOX_PROVIDERS  # where anyone can have a mailbox (a package's list)
from directory.models import Channel, Enterprise
from directory.phones import NUMBER_KINDS, PHONE_TYPES, classify_phone, equivalent_forms, kind_hint
from directory.summaries import ListingSummary, listing_summaries

URL_CHANNEL_KINDS = ("webchat", "video", "app", "social", "web_form", "callback", "wechat")
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
MATCHED_BY = ("phone", "email", "url", "domain")


# --- answering -----------------------------------------------------------------------------

MATCHES_SHOWN = 10  # an answer shows at most this many matches (the spec says so)


@dataclass
class Match:
    enterprise_id: str
    channel: NamedChannel | None
    matched_by: str
    # what lookup shows of the listing (read lean), only for the matches an answer shows
    enterprise: ListingSummary | None = None
    # the listing's kept list card and ways in the language asked (``directory.listing_reads.
    # ListingCard``), read with the match when they were made from the listing as it is
    kept: tuple[bytes, bytes] | None = None


@dataclass(frozen=True)
class NamedChannel:
    """What lookup reads of a channel a key names (not the whole channel)."""

    id: str
    enterprise_id: str
    hidden: bool
    checked_kind: str | None
    checked_value: str | None
    label: str | None
    direction: str


_keys_table, _channels, _listings = LookupKey.__table__, Channel.__table__, Enterprise.__table__
_cards = ListingCard.__table__
_NAMED_COLUMNS = tuple(NamedChannel.__dataclass_fields__)
# built once (Core: no ORM work per lookup): the keys found, each with its listing's prominence
# when listed, the channel it names and the listing's list card kept in the bound ``language``
# when made from the listing as it is (none for a language of no card, ""). Outer joins,
# driven by the keys' index: SQLite keeps a LEFT JOIN's left table outermost, where an inner
# join (or a status condition beside the ids) lets its planner scan every listing of a status
# instead.
_FOUND = (select(_keys_table.c.enterprise_id, _keys_table.c.channel_id, _listings.c.prominence,
                 _cards.c.card, _cards.c.ways,
                 *(_channels.c[name].label(f"named_{name}") for name in _NAMED_COLUMNS))
          .select_from(_keys_table
                       .outerjoin(_listings, and_(_listings.c.id == _keys_table.c.enterprise_id,
                                                  _listings.c.status == "active"))
                       .outerjoin(_cards, and_(_cards.c.enterprise_id == _listings.c.id,
                                               _cards.c.language == bindparam("language"),
                                               _cards.c.generation == _listings.c.read_generation))
                       .outerjoin(_channels, _channels.c.id == _keys_table.c.channel_id))
          .where(_keys_table.c.key.in_(bindparam("keys", expanding=True)))
          .order_by(_keys_table.c.enterprise_id, _keys_table.c.id))


@dataclass
class LookupResult:
    input: ParsedInput
    official: bool
    matches: list[Match] = field(default_factory=list)
    hint_code: str = "unknown"
    hint_args: dict[str, str] = field(default_factory=dict)
    phone_type: str | None = None


def _load(session: Session, keys: list[str], matched_by: str, language: str = "") -> list[Match]:
    """The matches of *keys* (active listings; a key naming a channel only with that channel
    shown and the listing's own), each listing and channel once, the most prominent listings
    first, without their summaries (:func:`_summarise` reads those of the matches shown), with
    their listings' list cards kept in *language*: a number many listings share costs one
    statement of indexed reads, not a summary per listing."""
    if not keys:
        return []
    prominence: dict[str, int] = {}
    matches: list[Match] = []
    seen: set[tuple[str, str | None]] = set()
    for row in session.connection().execute(_FOUND, {"keys": keys, "language": language}):
        enterprise_id, channel_id, listed, card, ways, *named = row
        if listed is None or (enterprise_id, channel_id) in seen:  # not listed, or seen
            continue
        prominence[enterprise_id] = listed
        channel = NamedChannel(*named) if channel_id is not None and named[0] is not None else None
        if channel_id is not None and (channel is None or channel.hidden
                                       or channel.enterprise_id != enterprise_id):
            continue
        seen.add((enterprise_id, channel_id))
        matches.append(Match(enterprise_id, channel, matched_by,
                             kept=(card, ways) if card is not None and ways else None))
    matches.sort(key=lambda match: -prominence[match.enterprise_id])  # stable: keys' order within
    return matches


def _summarise(session: Session, matches: list[Match]) -> list[Match]:
    """*matches* with their listings' summaries (one that stopped being listed meanwhile: left
    out)."""
    summaries = {s.id: s for s in listing_summaries(
        session, list(dict.fromkeys(m.enterprise_id for m in matches)), listed_only=True)}
    for match in matches:
        match.enterprise = summaries.get(match.enterprise_id)
    return [match for match in matches if match.enterprise is not None]


def _phone(session: Session, parsed: ParsedInput, language: str) -> LookupResult:
    info = classify_phone(parsed.normalized)
    forms = sorted(equivalent_forms(parsed.normalized) | {parsed.normalized})
    matches = [m for m in _load(session, [f"tel:{f}" for f in forms], "phone", language)
               if m.channel is not None and m.channel.checked_kind in NUMBER_KINDS]
    result = LookupResult(parsed, bool(matches), matches[:MATCHES_SHOWN], phone_type=info.kind)
    if not matches:
        result.hint_code = info.kind
    elif all(m.channel is not None and m.channel.direction == "outbound_only" for m in matches):
        result.hint_code = "official_sender"
    else:
        result.hint_code = "official_contact"
    return result


def _domain_matches(session: Session, domain: str | None, language: str) -> list[Match]:
    if not domain:
        return []
    return _load(session, [f"dom:{domain}"], "domain", language)


def _imitated(session: Session, parsed: ParsedInput) -> Match | None:
    """A listed domain written into another host: ``icbc.com.cn.secure-login.top``,
    ``www-icbc-com-cn.top``."""
    host = parsed.host or ""
    suffix = public_suffix(host)
    labels = [label for label in re.split(r"[.\-_]", host[: -len(suffix)] if suffix else host)
              if label][:12]
    candidates = set()
    for start in range(len(labels)):
        for end in range(start + 2, len(labels) + 1):
            found = registrable_domain(".".join(labels[start:end]))
            if found and found != parsed.domain:
                candidates.add(f"dom:{found}")
    matches = _summarise(session, _load(session, sorted(candidates), "domain")[:1])
    return matches[0] if matches else None


def _same_page(channel: NamedChannel, parsed: ParsedInput) -> bool:
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
        if match.enterprise_id not in skip:
            owners.setdefault(match.enterprise_id, Match(match.enterprise_id, None, "domain"))
    return list(owners.values())


def _flag_imitation(session: Session, parsed: ParsedInput, result: LookupResult) -> None:
    imitated = _imitated(session, parsed)
    if imitated is not None and imitated.enterprise is not None:
        names = imitated.enterprise.names()
        result.hint_code = "imitation"
        result.hint_args["imitated"] = names["zh-Hans"] or names["en"] or names["zh-Hant"] or ""


def _web(session: Session, parsed: ParsedInput, language: str) -> LookupResult:
    if parsed.trick in ("ip_address", "unsafe_scheme"):
        return LookupResult(parsed, False, hint_code=parsed.trick)
    args = {"domain": parsed.domain or parsed.host or ""}
    matches = _domain_matches(session, parsed.domain, language)
    pages = [Match(m.enterprise_id, m.channel, "url") for m in matches
             if m.channel is not None and _same_page(m.channel, parsed)]
    if parsed.domain in SHARED_DOMAINS and parsed.path.strip("/"):
        # anyone can publish there: only a listed page says who is behind it
        result = LookupResult(parsed, bool(pages), pages[:MATCHES_SHOWN],
                              "official_page" if pages else "user_content", args)
    else:
        if parsed.domain in SHARED_DOMAINS:  # a page listed there does not make its owner
            matches = [m for m in matches if m.channel is None]  # the platform's owner
        owners = _owners(matches, {p.enterprise_id for p in pages})
        result = LookupResult(parsed, bool(matches), (pages + owners)[:MATCHES_SHOWN],
                              "official_domain" if matches else "unknown_domain", args)
    if parsed.trick == "user_info":
        result.official, result.hint_code = False, "user_info"
    elif result.hint_code == "unknown_domain":
        _flag_imitation(session, parsed, result)
    return result


def _email(session: Session, parsed: ParsedInput, language: str) -> LookupResult:
    exact = [m for m in _load(session, [f"mail:{parsed.normalized}"], "email", language)
             if m.channel is not None]
    args = {"domain": parsed.domain or parsed.host or ""}
    if exact:
        sender = all(m.channel is not None and m.channel.direction == "outbound_only" for m in exact)
        return LookupResult(parsed, True, exact[:MATCHES_SHOWN],
                            "official_sender" if sender else "official_contact", args)
    if parsed.domain in SHARED_DOMAINS:
        return LookupResult(parsed, False, hint_code="mailbox_provider", hint_args=args)
    owners = _owners(_domain_matches(session, parsed.domain, language))
    result = LookupResult(parsed, bool(owners), owners[:MATCHES_SHOWN],
                          "official_domain" if owners else "unknown_email", args)
    if not owners:
        _flag_imitation(session, parsed, result)
    return result


def lookup(session: Session, text: str, *, summarise: bool = True, language: str = "") -> LookupResult:
    """Answer "is this official?" for *text*; raise :class:`LookupInputError` for text that
    cannot be looked up (see :func:`parse_input`). The matches shown (at most
    ``MATCHES_SHOWN``, the most prominent listings first) carry their listings' summaries;
    without *summarise*, none: the caller reads them (and leaves out the listings no longer
    listed), e.g. from the kept summaries of ``api/list_cards.py``, which the matches carry
    (``Match.kept``) when kept in *language* and fresh."""
    parsed = parse_input(text)
    if parsed.kind == "unknown":
        return LookupResult(parsed, False, hint_code="unrecognised")
    if parsed.kind == "phone":
        result = _phone(session, parsed, language)
    elif parsed.kind == "email":
        result = _email(session, parsed, language)
    else:
        result = _web(session, parsed, language)
    if summarise:
        result.matches = _summarise(session, result.matches)
    return result


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
